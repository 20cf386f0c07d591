/** The upload client against a real HTTP server on loopback that fails the way edges fail. */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPublisher, createEdgeClient, explainPreflight, readPublisherCheck } from './edge-client';
import { EdgeRejectedError, EdgeUnavailableError, PreflightError } from './errors';

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

describe('explainPreflight', () => {
  const edge = 'http://127.0.0.1:9';
  it('lets a publisher the edge accepts go ahead', () => {
    expect(explainPreflight(edge, 'live', { status: 200, reason: '' })).toBeUndefined();
  });
  it('names --edge and EDGE_URL when the edge cannot be reached (worth retrying later)', () => {
    const verdict = explainPreflight(edge, 'live', { unreachable: 'ECONNREFUSED' });
    expect(verdict?.retryable).toBe(true);
    expect(verdict?.message).toBe(
      'cannot reach the edge at http://127.0.0.1:9 (ECONNREFUSED): start one with `npm start`, or point --edge (or EDGE_URL) at yours',
    );
  });
  it.each([401, 403])('names --key and --edge when the key is refused (%i)', (status) => {
    const verdict = explainPreflight(edge, 'live', { status, reason: 'the publish key is not valid for stream live' });
    expect(verdict?.retryable).toBe(false);
    expect(verdict?.message).toMatch(/refused the publish key: \d{3} the publish key is not valid/);
    expect(verdict?.message).toContain("pass stream live's key with --key (or PUBLISH_KEY)");
    expect(verdict?.message).toContain('--edge (or EDGE_URL)');
  });
  it('says a 404 is not an edgeswarm edge', () => {
    expect(explainPreflight(edge, 'live', { status: 404, reason: 'nope' })?.message).toMatch(/not an edgeswarm edge/);
  });
  it('passes the edge reason on for 503 (publishing closed), final; other 5xx are worth retrying', () => {
    expect(explainPreflight(edge, 'live', { status: 503, reason: 'publishing is closed' })).toEqual({
      retryable: false,
      message: 'the edge at http://127.0.0.1:9 cannot take a publisher now: 503 publishing is closed',
    });
    expect(explainPreflight(edge, 'live', { status: 502, reason: 'bad gateway' })?.retryable).toBe(true);
  });
});

describe('conditional puts', () => {
  it('sends If-None-Match: * only for a create-only put, and a 412 is final', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((request, _body, response) => {
      seen.push(request.headers['if-none-match'] as string | undefined);
      if (request.headers['if-none-match'] === '*') {
        return json(response, 412, { error: 'precondition_failed', reason: 'master.m3u8 already exists' });
      }
      json(response, 200, { outcome: 'replaced', sha256: 'x', size: 1 });
    });
    const client = createEdgeClient({ edgeUrl: url, streamId: 'demo', publishKey: 'k', retry: fast });
    expect((await client.putObject('master.m3u8', new Uint8Array([1]))).outcome).toBe('replaced');
    const refused = await client.putObject('master.m3u8', new Uint8Array([1]), { createOnly: true }).catch((e) => e);
    expect(refused).toBeInstanceOf(EdgeRejectedError);
    expect(refused).toMatchObject({ status: 412 });
    expect(seen).toEqual([undefined, '*']);
  });
});

describe('checkPublisher', () => {
  it('asks GET /v1/streams/:stream/publisher with the key, and throws a PreflightError on 403', async () => {
    const seen: string[] = [];
    const url = await serve((request, _body, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
      response.writeHead(403, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: 'forbidden', reason: 'the publish key is not valid for stream live' }));
    });
    await expect(checkPublisher({ edgeUrl: url, streamId: 'live', publishKey: 'k' })).rejects.toThrow(PreflightError);
    expect(seen).toEqual(['GET /v1/streams/live/publisher Bearer k']); // once: a refusal is final
  });

  it('returns what the stream holds, read defensively', async () => {
    const url = await serve((_request, _body, response) =>
      json(response, 200, { ok: true, stream: 'movie', role: 'publisher', published: true, kind: 'vod' }),
    );
    expect(await checkPublisher({ edgeUrl: url, streamId: 'movie', publishKey: 'k' })).toEqual({
      ok: true,
      stream: 'movie',
      role: 'publisher',
      published: true,
      kind: 'vod',
    });
    // An older edge says nothing of what is published; junk is nothing.
    expect(readPublisherCheck('movie', { ok: true, stream: 'movie', role: 'operator' })).toEqual({
      ok: true,
      stream: 'movie',
      role: 'operator',
      published: false,
    });
    expect(readPublisherCheck('movie', 'junk')).toMatchObject({ published: false, role: 'publisher' });
    expect(readPublisherCheck('movie', { published: true, kind: 'tape' })).toEqual({
      ok: true,
      stream: 'movie',
      role: 'publisher',
      published: true,
    });
  });

  it('gives up on an edge that does not answer within its time limit', async () => {
    const url = await serve(() => {}); // never answers
    const started = Date.now();
    await expect(
      checkPublisher({ edgeUrl: url, streamId: 'live', publishKey: 'k' }, { timeoutMs: 200 }),
    ).rejects.toThrow(/no answer within 200 ms.*--edge \(or EDGE_URL\)/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
