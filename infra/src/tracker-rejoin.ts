/**
 * Fast rejoin: after a tracker shard restarts (every socket dropped at once),
 * how long until every client has re-announced and the swarm is whole again.
 *
 * Each client is a raw WebSocket in the wire format, in a real swarm, that
 * reconnects the way our player does: on close, after the policy's jittered
 * backoff (policy/src/backoff.ts, which the player's shim puts bittorrent-
 * tracker's reconnects on), retrying with growing delays while the tracker
 * refuses; once connected it re-announces at once, as bittorrent-tracker does.
 * A client has rejoined when the tracker answers that announce. Times run from
 * the moment the restart was asked for, on this process's clock.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackerReconnectDelayMs } from '@edgeswarm/policy';
import WebSocket from 'ws';
import { loadId, percentile } from './tracker-load';

export interface RejoinOptions {
  /** ws:// URL of the tracker. */
  url: string;
  clients: number;
  swarmSize: number;
  /** Real swarms: clients k·swarmSize … announce in swarms[k mod length]. */
  swarms: readonly string[];
  /** Drops every socket of the shard (e.g. the outage route with seconds=0); resolves once asked. */
  restart: () => Promise<void>;
  /** Reconnect delay after `retries` failed attempts; the player's schedule by default. */
  delayMs?: (retries: number) => number;
  /** Gives up on the clients not back by then. */
  timeoutMs?: number;
}

export interface RejoinResult {
  clients: number;
  rejoined: number;
  /** Per client, ms from the restart until its re-announce was answered. */
  p50Ms: number;
  p95Ms: number;
  /** When the last client was back: the swarm is whole again. */
  allMs: number;
  /** Reconnect attempts that failed (the tracker refusing or not yet up). */
  failedAttempts: number;
  /** Where the time goes: the restart call's own duration, and when clients saw their socket close (p50, p95). */
  restartCallMs?: number;
  closedP50Ms?: number;
  closedP95Ms?: number;
  /** When clients began the reconnect that succeeded (p50, p95): the rest is the tracker's answer. */
  attemptP50Ms?: number;
  attemptP95Ms?: number;
  /** When their WebSocket upgrade completed (p50, p95). */
  openedP50Ms?: number;
  openedP95Ms?: number;
}

/** Summarises rejoin times (ms, any order); `allMs` is NaN unless every client came back. */
export function summariseRejoin(times: readonly number[], clients: number, failedAttempts = 0): RejoinResult {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    clients,
    rejoined: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    allMs: sorted.length === clients ? (sorted.at(-1) ?? Number.NaN) : Number.NaN,
    failedAttempts,
  };
}

interface RejoiningClient {
  index: number;
  infoHash: string;
  peerId: string;
  ws?: WebSocket;
  retries: number;
  /** Set once the client is back after the restart. */
  rejoinedAt?: number;
  closedAt?: number;
  attemptAt?: number;
  openedAt?: number;
}

/** Opens one socket, announces, and resolves with the socket when the announce is answered (rejects on failure). */
function connectAndAnnounce(url: string, client: RejoiningClient, event?: 'started'): Promise<WebSocket> {
  client.openedAt = undefined;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let done = false;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      ws.terminate();
      reject(error);
    };
    ws.once('error', fail);
    ws.once('close', () => fail(new Error('closed before the announce was answered')));
    ws.once('open', () => {
      client.openedAt = performance.now();
      ws.send(
        JSON.stringify({
          action: 'announce',
          info_hash: client.infoHash,
          peer_id: client.peerId,
          numwant: 0,
          uploaded: 0,
          downloaded: 0,
          ...(event ? { event } : {}),
        }),
      );
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (done || !text.includes('"interval"')) return;
      done = true;
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      ws.on('error', () => {});
      resolve(ws);
    });
  });
}

export async function measureRejoin(options: RejoinOptions): Promise<RejoinResult> {
  const delayMs = options.delayMs ?? ((retries: number) => trackerReconnectDelayMs(retries, Math.random()));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const clients: RejoiningClient[] = Array.from({ length: options.clients }, (_, index) => ({
    index,
    infoHash: options.swarms[Math.floor(index / options.swarmSize) % options.swarms.length] ?? loadId('swarm-', index),
    peerId: loadId('rejoin-', index),
    retries: 0,
  }));
  let restartAt = Number.POSITIVE_INFINITY;
  let failedAttempts = 0;
  let stopped = false;

  const reconnect = (client: RejoiningClient) => {
    if (stopped) return;
    setTimeout(() => {
      if (stopped) return;
      client.attemptAt = performance.now();
      connectAndAnnounce(options.url, client).then(
        (ws) => {
          client.rejoinedAt = performance.now();
          client.retries = 0;
          watch(client, ws);
        },
        () => {
          failedAttempts++;
          client.retries++;
          reconnect(client);
        },
      );
    }, delayMs(client.retries)).unref();
  };
  const watch = (client: RejoiningClient, ws: WebSocket) => {
    client.ws = ws;
    ws.once('close', () => {
      const now = performance.now();
      if (now < restartAt) return;
      client.closedAt ??= now;
      reconnect(client);
    });
  };

  // Everyone joins first, 64 handshakes at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < clients.length) {
        const client = clients[next++] as RejoiningClient;
        watch(client, await connectAndAnnounce(options.url, client, 'started'));
      }
    }),
  );

  restartAt = performance.now();
  await options.restart();
  const restartCallMs = performance.now() - restartAt;
  const deadline = restartAt + timeoutMs;
  while (clients.some((c) => c.rejoinedAt === undefined) && performance.now() < deadline) await sleep(20);
  stopped = true;
  const times = clients.flatMap((c) => (c.rejoinedAt === undefined ? [] : [c.rejoinedAt - restartAt]));
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          const ws = c.ws;
          if (!ws || ws.readyState !== WebSocket.OPEN) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000, 'done');
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 2000).unref();
        }),
    ),
  );
  const attempts = clients
    .flatMap((c) => (c.attemptAt === undefined || c.rejoinedAt === undefined ? [] : [c.attemptAt - restartAt]))
    .sort((a, b) => a - b);
  const opened = clients
    .flatMap((c) => (c.openedAt === undefined || c.rejoinedAt === undefined ? [] : [c.openedAt - restartAt]))
    .sort((a, b) => a - b);
  const closed = clients
    .flatMap((c) => (c.closedAt === undefined ? [] : [c.closedAt - restartAt]))
    .sort((a, b) => a - b);
  return {
    ...summariseRejoin(times, clients.length, failedAttempts),
    restartCallMs,
    closedP50Ms: percentile(closed, 50),
    closedP95Ms: percentile(closed, 95),
    attemptP50Ms: percentile(attempts, 50),
    attemptP95Ms: percentile(attempts, 95),
    openedP50Ms: percentile(opened, 50),
    openedP95Ms: percentile(opened, 95),
  };
}
