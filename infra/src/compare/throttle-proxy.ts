/**
 * A small HTTP proxy in front of the edge, for the compare harness. Every
 * viewer reaches the edge through it, so it can cap the edge's total egress
 * (`--edge-mbps`) with one token bucket shared by all connections, and count
 * what went out. Responses are streamed slice by slice, never buffered whole.
 * WebSocket upgrades (the tracker) are piped through untouched.
 *
 * It listens on a Unix socket (or loopback TCP): a Unix socket is reachable
 * from inside a private network namespace, where the viewers run, while the
 * edge itself stays on the host's loopback (or wherever `--url` points).
 */
import { once } from 'node:events';
import { unlinkSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tls from 'node:tls';
import { type Clock, realClock, SharedThrottle } from './shared-throttle';
import { settingsForMbps, sliceSizes, tokenBucketDefaults } from './token-bucket';

export type ProxyListen = { path: string } | { host: string; port: number };

export interface ThrottleProxyOptions {
  /** The edge, e.g. http://127.0.0.1:8787. */
  upstream: string;
  listen: ProxyListen;
  /** Cap on the throttled responses, Mbit/s; absent: no cap (the proxy still counts). */
  edgeMbps?: number;
  /**
   * Only responses under this path are capped: the HLS playlists and segments.
   * The page and the 770 KB player script are static assets a real site serves
   * from elsewhere; capping them would measure page load, not streaming.
   */
  throttledPathPrefix: string;
  /** Largest piece written before asking the bucket again: keeps connections interleaved. */
  sliceBytes: number;
  burstSeconds: number;
  clock: Clock;
}

export const throttleProxyDefaults: Omit<ThrottleProxyOptions, 'upstream' | 'listen'> = {
  throttledPathPrefix: '/v1/streams/',
  sliceBytes: 16 * 1024,
  burstSeconds: tokenBucketDefaults.burstSeconds,
  clock: realClock,
};

export interface ProxyCounters {
  requests: number;
  /** Response body bytes sent to clients, all paths. */
  bytes: number;
  /** Of which under the throttled prefix. */
  throttledBytes: number;
  /** Of which media segments (.m4s), what the edge's own count covers. */
  mediaBytes: number;
  upgrades: number;
  /** Upstream failures answered with 502, or responses cut short. */
  errors: number;
  /**
   * How long a request stood at the head of the queue waiting for tokens, ms:
   * grants are served one at a time, so this is the time the cap was the bottleneck.
   */
  capBindingMs: number;
}

export interface ThrottleProxy {
  /** Where it listens: a socket path, or http://host:port. */
  address: string;
  counters(): ProxyCounters;
  close(): Promise<void>;
}

// Hop-by-hop headers belong to one connection and are never forwarded (RFC 9110 §7.6.1).
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Pure: the headers to forward, with Host set to the upstream (a remote edge routes by it). */
export function forwardHeaders(headers: IncomingHttpHeaders, upstreamHost: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  }
  out.host = upstreamHost;
  return out;
}

/** Pure: the raw request head for a WebSocket upgrade, Upgrade and Connection kept, Host rewritten. */
export function upgradeHead(request: Pick<IncomingMessage, 'method' | 'url' | 'rawHeaders'>, upstreamHost: string) {
  const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1`, `Host: ${upstreamHost}`];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    if (name.toLowerCase() !== 'host') lines.push(`${name}: ${request.rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export const isMediaSegment = (path: string) => /\.m4s(\?|$)/.test(path);

/** Passes chunks on in slices, each after the shared bucket grants it; counts what passed. */
class MeteredStream extends Transform {
  constructor(
    private readonly throttle: SharedThrottle | undefined,
    private readonly sliceBytes: number,
    private readonly count: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.throttle) {
      this.count(chunk.length);
      done(null, chunk);
      return;
    }
    const throttle = this.throttle;
    void (async () => {
      let offset = 0;
      for (const size of sliceSizes(chunk.length, this.sliceBytes)) {
        await throttle.acquire(size);
        if (this.destroyed) return;
        this.push(chunk.subarray(offset, offset + size));
        this.count(size);
        offset += size;
      }
      done();
    })().catch(done);
  }
}

export async function startThrottleProxy(
  partial: Partial<ThrottleProxyOptions> & Pick<ThrottleProxyOptions, 'upstream' | 'listen'>,
): Promise<ThrottleProxy> {
  const o = { ...throttleProxyDefaults, ...partial };
  const upstream = new URL(o.upstream);
  const secure = upstream.protocol === 'https:';
  const upstreamPort = Number(upstream.port) || (secure ? 443 : 80);
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 64 });
  // Two slices of burst: a timer that fires late (a busy machine) leaves tokens for the next slice
  // instead of losing them, so the cap is met, not undershot; 32 KiB is still 0.26 s at 1 Mbit/s.
  const burst = Math.max(2 * o.sliceBytes, tokenBucketDefaults.minBurstBytes);
  const throttle =
    o.edgeMbps === undefined
      ? undefined
      : new SharedThrottle(settingsForMbps(o.edgeMbps, o.burstSeconds, burst), o.clock);
  const counters: Omit<ProxyCounters, 'capBindingMs'> = {
    requests: 0,
    bytes: 0,
    throttledBytes: 0,
    mediaBytes: 0,
    upgrades: 0,
    errors: 0,
  };

  const server = http.createServer((request, response) => {
    counters.requests++;
    const path = request.url ?? '/';
    const throttled = path.startsWith(o.throttledPathPrefix);
    const media = isMediaSegment(path);
    // A viewer that closes its page aborts requests (a held playlist reload, say): not the edge's fault.
    let clientGone = false;
    const forward = transport.request({
      host: upstream.hostname,
      port: upstreamPort,
      method: request.method,
      path,
      headers: forwardHeaders(request.headers, upstream.host),
      agent,
    });
    forward.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardHeaders(answer.headers, upstream.host));
      const meter = new MeteredStream(throttled ? throttle : undefined, o.sliceBytes, (bytes) => {
        counters.bytes += bytes;
        if (throttled) counters.throttledBytes += bytes;
        if (media) counters.mediaBytes += bytes;
      });
      pipeline(answer, meter, response).catch(() => {
        if (!clientGone) counters.errors++;
      });
    });
    forward.on('error', (error) => {
      if (clientGone) return;
      counters.errors++;
      if (response.headersSent) response.destroy();
      else {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'bad_gateway', reason: error.message }));
      }
    });
    request.pipe(forward);
    response.on('close', () => {
      if (response.writableFinished) return;
      clientGone = true;
      forward.destroy();
    });
  });

  // Upgraded sockets leave the server's bookkeeping, so close() has to end them itself.
  const tunnels = new Set<Socket>();
  server.on('upgrade', (request: IncomingMessage, client: Socket, head: Buffer) => {
    counters.upgrades++;
    tunnels.add(client);
    const onConnect = () => {
      upstreamSocket.write(upgradeHead(request, upstream.host));
      if (head.length) upstreamSocket.write(head);
      client.pipe(upstreamSocket).pipe(client);
    };
    const upstreamSocket = secure
      ? tls.connect({ host: upstream.hostname, port: upstreamPort, servername: upstream.hostname }, onConnect)
      : net.connect({ host: upstream.hostname, port: upstreamPort }, onConnect);
    const closeBoth = () => {
      tunnels.delete(client);
      client.destroy();
      upstreamSocket.destroy();
    };
    // Upgraded sockets allow half-open connections; a tunnel is done when either side ends.
    for (const socket of [client, upstreamSocket]) {
      for (const event of ['error', 'end', 'close']) socket.on(event, closeBoth);
    }
  });

  // Node answers 400 on unparseable requests itself; a client that vanishes must not take the proxy down.
  server.on('clientError', (_error, socket) => socket.destroy());

  let address: string;
  if ('path' in o.listen) {
    try {
      unlinkSync(o.listen.path); // a stale socket from a crashed run
    } catch {}
    server.listen(o.listen.path);
    await once(server, 'listening');
    address = o.listen.path;
  } else {
    server.listen(o.listen.port, o.listen.host);
    await once(server, 'listening');
    const bound = server.address();
    address = `http://${o.listen.host}:${typeof bound === 'object' && bound ? bound.port : o.listen.port}`;
  }

  return {
    address,
    counters: () => ({ ...counters, capBindingMs: throttle?.counters().waitedMs ?? 0 }),
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
