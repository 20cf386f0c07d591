/**
 * bench:tracker part (a): the tracker engine alone, in this Node process, on
 * one core: announces per second of CPU with 5 offers each, JSON in (the
 * engine parses every frame) and JSON out (every reply and relayed offer as
 * the text the Durable Object sends). No sockets, no
 * runtime: what our code costs, next to the per-core figures trackers publish.
 *
 * The same-run baseline is bittorrent-tracker's own Server, driven the same
 * way: its WebSocket handler (`onWebSocketConnection`) with in-memory sockets,
 * the same frames, its own JSON.parse and JSON.stringify.
 *
 * Workload: `peers` peers in swarms of `swarmSize`, all joined first; then
 * rounds in which every peer announces once with 5 offers, so each announce
 * makes one reply and 5 relayed offers. Time is injected into our engine,
 * spaced so that each peer announces once a second (under its rate limit).
 */
import { EventEmitter } from 'node:events';
import { Server } from 'bittorrent-tracker';
import { trackerDefaults } from '../../edge/src/tracker/limits';
import { TrackerEngine } from '../../edge/src/tracker/tracker-engine';

export interface EngineBenchOptions {
  peers: number;
  swarmSize: number;
  offersPerAnnounce: number;
  sdpBytes: number;
  /** CPU seconds measured per server, after a warm-up round. */
  seconds: number;
}

export const engineBenchDefaults: EngineBenchOptions = {
  peers: 1000,
  swarmSize: 20,
  offersPerAnnounce: 5,
  sdpBytes: 500,
  seconds: 3,
};

export interface EngineBenchResult {
  announces: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Announces per CPU second: per core, since each runs on one thread. */
  announcesPerCoreSecond: number;
  /** Frames sent per announce (reply + relayed offers), to show both did the same work. */
  framesOutPerAnnounce: number;
}

const id = (prefix: string, n: number) => `${prefix}${n.toString(36)}`.padEnd(20, '_').slice(0, 20);

/** Each peer's announce frame, built once: the client's cost is not the server's. */
function frames(options: EngineBenchOptions): { infoHashes: string[]; announce: string[]; started: string[] } {
  const sdp = `v=0 ${'a'.repeat(Math.max(0, options.sdpBytes - 4))}`;
  const infoHashes: string[] = [];
  const announce: string[] = [];
  const started: string[] = [];
  for (let p = 0; p < options.peers; p++) {
    const infoHash = id('swarm-', Math.floor(p / options.swarmSize));
    if (p % options.swarmSize === 0) infoHashes.push(infoHash);
    const base = {
      action: 'announce',
      info_hash: infoHash,
      peer_id: id('peer-', p),
      numwant: options.offersPerAnnounce,
      uploaded: 0,
      downloaded: 0,
      left: 1,
    };
    started.push(JSON.stringify({ ...base, event: 'started' }));
    announce.push(
      JSON.stringify({
        ...base,
        offers: Array.from({ length: options.offersPerAnnounce }, (_, i) => ({
          offer_id: id(`o${p}-`, i),
          offer: { type: 'offer', sdp },
        })),
      }),
    );
  }
  return { infoHashes, announce, started };
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Our TrackerEngine, as the Durable Object drives it (allowlist on), minus the runtime. */
export function benchOurEngine(options: EngineBenchOptions = engineBenchDefaults): EngineBenchResult {
  const { infoHashes, announce, started } = frames(options);
  const engine = new TrackerEngine<number>(trackerDefaults, 1, true);
  engine.allowlist = { stream: 'bench', published: true, infoHashes: new Set(infoHashes), derivedAt: 0 };
  let now = 0;
  let framesOut = 0;
  let bytesOut = 0;
  const handle = (socket: number, frame: string) => {
    const out = engine.receive(socket, frame, now);
    for (const sent of out.send) {
      // The engine hands over JSON text built by concatenation (frames.ts): reading a character
      // makes V8 flatten it into one string, the copy a socket's send would make anyway.
      bytesOut += sent.frame.length + sent.frame.charCodeAt(sent.frame.length - 1);
      framesOut++;
    }
  };
  for (let p = 0; p < options.peers; p++) engine.connect(p, { shard: 'eu', colo: '', country: '', asn: 0 }, 0);
  for (let p = 0; p < options.peers; p++) handle(p, started[p] as string);
  // Each peer once a second, whatever the count: its token bucket (2/s) never runs dry.
  const step = 1000 / options.peers;
  const round = () => {
    for (let p = 0; p < options.peers; p++) {
      now += step;
      handle(p, announce[p] as string);
    }
  };
  round(); // warm-up: the JIT, and the swarms' offer counters
  framesOut = 0;
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  let announces = 0;
  while (cpuSeconds() - cpu0 < options.seconds) {
    round();
    announces += options.peers;
  }
  const cpu = cpuSeconds() - cpu0;
  // A refused announce (rate limit, unknown swarm) would be cheap and count as fast: every one must relay in full.
  if (bytesOut === 0 || framesOut !== announces * (1 + Math.min(options.offersPerAnnounce, options.swarmSize - 1))) {
    throw new Error(`the engine did not answer every announce in full (${framesOut} frames for ${announces})`);
  }
  return {
    announces,
    cpuSeconds: cpu,
    wallSeconds: (performance.now() - wall0) / 1000,
    announcesPerCoreSecond: announces / cpu,
    framesOutPerAnnounce: framesOut / announces,
  };
}

/** An in-memory WebSocket as bittorrent-tracker's server sees one: events in, `send` counted. */
class MemorySocket extends EventEmitter {
  sent = 0;
  replies = 0;
  readonly _socket = { remoteAddress: '127.0.0.1', remotePort: 1 };
  send(data: string, callback?: (error?: Error) => void): void {
    this.sent++;
    if (data.includes('"interval":')) this.replies++;
    callback?.();
  }
}

/** bittorrent-tracker's Server, through its own WebSocket handler, with the same frames. */
export async function benchBittorrentTracker(
  options: EngineBenchOptions = engineBenchDefaults,
): Promise<EngineBenchResult> {
  const { announce, started } = frames(options);
  const server = new Server({ http: false, udp: false, ws: false, stats: false, interval: 150_000 });
  server.on('warning', () => {});
  const sockets = Array.from({ length: options.peers }, () => new MemorySocket());
  const connect = server as unknown as { onWebSocketConnection(socket: MemorySocket): void };
  for (const socket of sockets) connect.onWebSocketConnection(socket);
  const sent = () => sockets.reduce((sum, s) => sum + s.sent, 0);
  const replies = () => sockets.reduce((sum, s) => sum + s.replies, 0);
  // Its swarm calls back on the next tick: wait until every reply of a round has gone out (offers go before it).
  const settle = async (expected: number) => {
    for (let spins = 0; replies() < expected; spins++) {
      if (spins > 1e6) throw new Error('bittorrent-tracker did not answer');
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  for (const [p, socket] of sockets.entries()) socket.emit('message', started[p]);
  await settle(options.peers);
  const round = async () => {
    const before = replies();
    for (const [p, socket] of sockets.entries()) socket.emit('message', announce[p]);
    await settle(before + options.peers);
  };
  await round();
  const framesBefore = sent();
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  let announces = 0;
  while (cpuSeconds() - cpu0 < options.seconds) {
    await round();
    announces += options.peers;
  }
  const cpu = cpuSeconds() - cpu0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    announces,
    cpuSeconds: cpu,
    wallSeconds: (performance.now() - wall0) / 1000,
    announcesPerCoreSecond: announces / cpu,
    // Under 6 where its random peer walk stops early (it ends at the first empty slot of its LRU's key list).
    framesOutPerAnnounce: (sent() - framesBefore) / announces,
  };
}

/** Per-core figures published in aquatic's 2023 load test (1 core, about 1 000 connections). */
export const publishedPerCore = {
  source: "aquatic's 2023 WebTorrent load test (1 core, ~1 000 connections): responses/s per core",
  aquatic_ws: 120_000,
  'wt-tracker': 59_000,
  'bittorrent-tracker': { low: 25_000, high: 30_000 },
  target: 60_000,
} as const;
