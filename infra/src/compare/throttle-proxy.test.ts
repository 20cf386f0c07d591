import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from './shared-throttle';
import { forwardHeaders, isMediaSegment, startThrottleProxy, type ThrottleProxy, upgradeHead } from './throttle-proxy';
import { earliestFinish, settingsForMbps } from './token-bucket';
import { startUnixRelay, type UnixRelay } from './unix-relay';

const body = Buffer.alloc(300_000, 7);

/** A stand-in edge on port 0: a segment, a page, a WebSocket-style upgrade that echoes. */
async function upstream() {
  const seen: { host?: string; connection?: string }[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ host: request.headers.host, connection: request.headers.connection });
    if (request.url === '/v1/streams/s/v0/seg-1.m4s') {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length, 'x-edge-cache': 'HIT' });
      // In pieces, as a real response streams.
      for (let i = 0; i < body.length; i += 50_000) response.write(body.subarray(i, i + 50_000));
      response.end();
    } else if (request.url === '/watch/s') {
      response.end('<!doctype html>page');
    } else {
      response.writeHead(404).end();
    }
  });
  const tunnels = new Set<Socket>();
  server.on('upgrade', (_request, socket: Socket) => {
    tunnels.add(socket);
    socket.on('end', () => socket.destroy());
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (data) => socket.write(Buffer.concat([Buffer.from('echo:'), data])));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    for (const socket of tunnels) socket.destroy();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, seen, close };
}

/** Virtual time that moves on a macrotask, so sockets keep flowing while the bucket "waits". */
function virtualClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise((resolve) =>
        setImmediate(() => {
          now += ms;
          resolve();
        }),
      ),
  };
}

async function get(
  url: string,
  socketPath?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: target.hostname, port: target.port, path: target.pathname, ...(socketPath ? { socketPath } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    request.on('error', reject);
  });
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

describe('throttle proxy', () => {
  it('forwards a segment intact with its status and headers, Host rewritten, and counts it', async () => {
    const edge = await upstream();
    cleanup.push(edge.close);
    const proxy: ThrottleProxy = await startThrottleProxy({
      upstream: edge.url,
      listen: { host: '127.0.0.1', port: 0 },
    });
    cleanup.push(proxy.close);
    const response = await get(`${proxy.address}/v1/streams/s/v0/seg-1.m4s`);
    expect(response.status).toBe(200);
    expect(response.headers['x-edge-cache']).toBe('HIT');
    expect(response.headers['content-length']).toBe(String(body.length));
    expect(response.body.equals(body)).toBe(true);
    expect(edge.seen[0]?.host).toBe(new URL(edge.url).host);
    expect((await get(`${proxy.address}/watch/s`)).body.toString()).toBe('<!doctype html>page');
    expect((await get(`${proxy.address}/nothing`)).status).toBe(404);
    expect(proxy.counters()).toMatchObject({
      requests: 3,
      bytes: body.length + '<!doctype html>page'.length,
      throttledBytes: body.length,
      mediaBytes: body.length,
      errors: 0,
      capBindingMs: 0,
    });
  });

  it('caps segment bytes with one shared bucket, and leaves the page alone', async () => {
    const edge = await upstream();
    cleanup.push(edge.close);
    const proxy = await startThrottleProxy({
      upstream: edge.url,
      listen: { host: '127.0.0.1', port: 0 },
      edgeMbps: 1,
      clock: virtualClock(),
    });
    cleanup.push(proxy.close);
    const responses = await Promise.all([1, 2, 3].map(() => get(`${proxy.address}/v1/streams/s/v0/seg-1.m4s`)));
    for (const response of responses) expect(response.body.equals(body)).toBe(true);
    await get(`${proxy.address}/watch/s`);
    const counters = proxy.counters();
    expect(counters.throttledBytes).toBe(3 * body.length);
    // Three segments through one 1 Mbit/s bucket took at least what the cap allows, in virtual time.
    // (The proxy's bucket holds two 16 KiB slices.)
    const settings = settingsForMbps(1, 0.1, 2 * 16 * 1024);
    expect(counters.capBindingMs).toBeGreaterThanOrEqual(earliestFinish(settings, 3 * body.length, 0));
  });

  it('answers 502 with JSON when the edge is down', async () => {
    const edge = await upstream();
    await edge.close();
    const proxy = await startThrottleProxy({ upstream: edge.url, listen: { host: '127.0.0.1', port: 0 } });
    cleanup.push(proxy.close);
    const response = await get(`${proxy.address}/v1/streams/s/master.m3u8`);
    expect(response.status).toBe(502);
    expect(JSON.parse(response.body.toString())).toMatchObject({ error: 'bad_gateway' });
    expect(proxy.counters().errors).toBe(1);
  });

  it('pipes a WebSocket upgrade both ways, through a Unix socket and the relay', async () => {
    const edge = await upstream();
    cleanup.push(edge.close);
    const socketPath = join(mkdtempSync(join(tmpdir(), 'compare-proxy-')), 'edge.sock');
    const proxy = await startThrottleProxy({ upstream: edge.url, listen: { path: socketPath } });
    cleanup.push(proxy.close);
    const relay: UnixRelay = await startUnixRelay({ socketPath });
    cleanup.push(relay.close);
    // Plain HTTP through relay → Unix socket → proxy → edge.
    expect((await get(`${relay.url}/watch/s`)).body.toString()).toBe('<!doctype html>page');
    const target = new URL(relay.url);
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: '/v1/tracker/s',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
    });
    request.end();
    const [response, socket] = (await once(request, 'upgrade')) as [http.IncomingMessage, Socket];
    expect(response.statusCode).toBe(101);
    socket.write('hello');
    const [echo] = (await once(socket, 'data')) as [Buffer];
    expect(echo.toString()).toBe('echo:hello');
    socket.destroy();
    expect(proxy.counters().upgrades).toBe(1);
  });
});

describe('proxy helpers', () => {
  it('drops hop-by-hop headers and sets Host to the edge', () => {
    expect(
      forwardHeaders(
        {
          host: '127.0.0.1:9',
          connection: 'keep-alive',
          'transfer-encoding': 'chunked',
          range: 'bytes=0-9',
          'x-a': 'b',
        },
        'edge.example',
      ),
    ).toEqual({ host: 'edge.example', range: 'bytes=0-9', 'x-a': 'b' });
  });

  it('writes an upgrade head that keeps Upgrade and Connection', () => {
    const head = upgradeHead(
      {
        method: 'GET',
        url: '/v1/tracker/s?region=eu',
        rawHeaders: ['Host', 'x', 'Upgrade', 'websocket', 'Connection', 'Upgrade'],
      },
      'edge.example:8787',
    );
    expect(head).toBe(
      'GET /v1/tracker/s?region=eu HTTP/1.1\r\nHost: edge.example:8787\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
  });

  it('knows a media segment', () => {
    expect(isMediaSegment('/v1/streams/s/v0/s1-00003.m4s')).toBe(true);
    expect(isMediaSegment('/v1/streams/s/v0/seg.m4s?token=1')).toBe(true);
    expect(isMediaSegment('/v1/streams/s/v0/init-s1.mp4')).toBe(false);
    expect(isMediaSegment('/v1/streams/s/v0/live.m3u8')).toBe(false);
  });
});
