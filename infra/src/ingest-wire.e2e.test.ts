/**
 * Ingest over a real socket: what actually reaches the Worker on workerd (the
 * Worker bundled as wrangler would, run by Miniflare on loopback, raw HTTP/1.1
 * written by hand so nothing normalises the request on the client side).
 *
 * - Dot segments, encoded or not, are resolved before the Worker sees the path
 *   (README: Names). Other encoded characters reach it and are refused.
 * - A client that stops sending mid-body gets a 400 with a reason, and nothing
 *   is stored. (Behind `wrangler dev` its proxy answers 503 "worker restarted"
 *   instead; the Worker's own answer is this 400.)
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { derivePublishKey } from '@edgeswarm/protocol';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './local-edge';

const secret = 'e2e-ingest-wire-secret-0123';
let mf: Miniflare;
let port = 0;
let origin = '';
const logs: string[] = [];

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(repoRoot, 'edge/src/index.ts')],
    bundle: true,
    format: 'esm',
    write: false,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'warning',
  });
  mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]?.text ?? '',
    compatibilityDate: '2026-05-01',
    compatibilityFlags: ['nodejs_compat'],
    r2Buckets: ['MEDIA'],
    durableObjects: {
      LIVE: { className: 'LiveStream', useSQLite: true },
      SWARM: { className: 'TrackerSwarm', useSQLite: true },
      STATS: { className: 'StreamStats', useSQLite: true },
    },
    bindings: { PUBLISH_SECRET: secret, MAX_UPLOAD_BYTES: '1048576' },
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio: (stdout, stderr) => {
      for (const stream of [stdout, stderr]) stream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    },
  });
  const url = await mf.ready;
  port = Number(url.port);
  origin = url.origin;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

/** Writes `head` (and `body`), then ends or resets the connection after `thenMs`; resolves with what came back. */
function rawRequest(head: string, body: string, after: 'wait' | 'half-close', thenMs = 300): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${head}\r\n\r\n${body}`);
      if (after === 'half-close') setTimeout(() => socket.end(), thenMs);
    });
    socket.on('data', (chunk) => {
      answer += chunk;
      // A whole response (the server may keep the connection open): done.
      const end = answer.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(answer)?.[1];
      if (end !== -1 && length !== undefined && answer.length - end - 4 >= Number(length)) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
    setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, 5000);
  });
}

const statusOf = (answer: string) => Number(answer.split(' ')[1]);
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, string>;

async function put(stream: string, rawPath: string, body: string, headers: Record<string, string> = {}) {
  const key = await derivePublishKey(secret, stream);
  const lines = [
    `PUT ${rawPath} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: Bearer ${key}`,
    `Content-Length: ${headers['Content-Length'] ?? body.length}`,
    'Connection: close',
  ];
  return rawRequest(lines.join('\r\n'), body, 'wait');
}

describe('ingest on the wire (workerd, raw sockets)', () => {
  it('resolves dot segments, encoded or not, before the Worker: the name it handles is the resolved one', async () => {
    for (const dots of ['%2e%2e', '%2E%2e', '..']) {
      const answer = await put('wire-a', `/v1/streams/wire-a/v0/${dots}/x-${dots.length}.m4s`, 'abc');
      expect(statusOf(answer), answer).toBeLessThan(300);
      expect(bodyOf(answer).name).toBe(`x-${dots.length}.m4s`);
    }
    expect((await fetch(`${origin}/v1/streams/wire-a/x-6.m4s`)).status).toBe(200);
    expect((await fetch(`${origin}/v1/streams/wire-a/v0/x-6.m4s`)).status).toBe(404);
  });

  it('an encoded dot segment into another stream meets that stream key check, and writes nothing', async () => {
    const answer = await put('wire-a', '/v1/streams/wire-a/%2e%2e/wire-b/v0/x.m4s', 'abc');
    expect(statusOf(answer)).toBe(403);
    expect(bodyOf(answer).reason).toBe('the publish key is not valid for stream wire-b');
    expect((await fetch(`${origin}/v1/streams/wire-b/v0/x.m4s`)).status).toBe(404);
  });

  it('refuses every other encoded character with 400', async () => {
    for (const path of [
      '/v1/streams/wire-a/v0%2fy.m4s',
      '/v1/streams/wire-a/v0/y%2em4s',
      '/v1/streams/wire-a/v0/..%2fy.m4s',
    ]) {
      const answer = await put('wire-a', path, 'abc');
      expect(statusOf(answer), path).toBe(400);
      expect(bodyOf(answer).error).toBe('bad_request');
    }
  });

  it('a client that stops mid-body gets a 400 with a reason, nothing is stored, no unhandled error', async () => {
    const key = await derivePublishKey(secret, 'wire-a');
    const head = [
      'PUT /v1/streams/wire-a/v0/cut.m4s HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${key}`,
      'Content-Length: 1000',
    ].join('\r\n');
    const answer = await rawRequest(head, '0123456789', 'half-close');
    expect(statusOf(answer), answer).toBe(400);
    expect(bodyOf(answer).reason).toContain('the request body broke off after 10 bytes');
    expect((await fetch(`${origin}/v1/streams/wire-a/v0/cut.m4s`)).status).toBe(404);
    expect(logs.join('')).not.toContain('unhandled error');
  });
});
