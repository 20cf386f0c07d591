/** The upload client against a real HTTP server on loopback that fails the way edges fail. */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEdgeClient } from './edge-client';
import { EdgeRejectedError, EdgeUnavailableError } from './errors';

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;
const servers: ReturnType<typeof createServer>[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => handler(request, Buffer.concat(chunks), response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const fast = { retries: 4, baseMs: 1, maxMs: 5 };
const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

describe('edge client', () => {
  it('retries 5xx with backoff and then succeeds, sending key and hash', async () => {
    let calls = 0;
    const seen: { auth?: string; sha?: string; url?: string; body?: string }[] = [];
    const url = await serve((request, body, response) => {
      calls++;
      seen.push({
        auth: request.headers.authorization,
        sha: request.headers['x-content-sha256'] as string,
        url: request.url,
        body: body.toString(),
      });
      if (calls < 3) return json(response, 503, { error: 'unavailable', reason: 'warming up' });
      json(response, 201, { outcome: 'created', sha256: 'x', size: body.length });
    });
    const retries: string[] = [];
    const client = createEdgeClient({
      edgeUrl: `${url}/`,
      streamId: 'demo',
      publishKey: 'k',
      retry: fast,
      onRetry: (what, attempt, reason) => retries.push(`${what}#${attempt}: ${reason}`),
    });
    const result = await client.putObject('v0/seg-1.m4s', new TextEncoder().encode('bytes'));
    expect(result.outcome).toBe('created');
    expect(calls).toBe(3);
    expect(retries).toEqual(['v0/seg-1.m4s#1: 503 warming up', 'v0/seg-1.m4s#2: 503 warming up']);
    expect(seen[2]).toEqual({
      auth: 'Bearer k',
      sha: createHash('sha256').update('bytes').digest('hex'),
      url: '/v1/streams/demo/v0/seg-1.m4s',
      body: 'bytes',
    });
  });

  it('does not retry a 4xx and reports the edge’s reason', async () => {
    let calls = 0;
    const url = await serve((_request, _body, response) => {
      calls++;
      json(response, 409, { error: 'conflict', reason: 'segments are immutable' });
    });
    const client = createEdgeClient({ edgeUrl: url, streamId: 'demo', publishKey: 'k', retry: fast });
    const failure = client.putObject('v0/seg-1.m4s', new Uint8Array([1]));
    await expect(failure).rejects.toBeInstanceOf(EdgeRejectedError);
    await expect(failure).rejects.toThrow('edge refused v0/seg-1.m4s: 409 segments are immutable');
    expect(calls).toBe(1);
  });

  it('gives up on an unreachable edge after the retry budget, saying why', async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => servers.pop()?.close(resolve)); // nothing listens there now
    const client = createEdgeClient({ edgeUrl: url, streamId: 'demo', publishKey: 'k', retry: fast });
    const failure = client.putObject('master.m3u8', new Uint8Array([1]));
    await expect(failure).rejects.toBeInstanceOf(EdgeUnavailableError);
    await expect(failure).rejects.toThrow(/could not send master.m3u8 after 5 attempts: ECONNREFUSED/);
  });
});
