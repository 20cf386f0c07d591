/**
 * The load generator for bench:tracker: N WebSocket clients (the `ws` package)
 * speaking the WebTorrent tracker wire format, identical for every server under
 * test. Bounded in count and time by its caller.
 *
 * Each client is closed-loop and paced: it sends an announce carrying offers,
 * waits for the tracker's reply, and sends the next no sooner than `minGapMs`
 * after the previous one. So an overloaded server slows the clients down
 * instead of building an unbounded queue, and the achieved rate is what the
 * server sustains. Offer-relay latency is measured from sending an announce to
 * another client receiving one of its offers: both ends are in this process,
 * on one clock.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

export interface AnnounceLoadOptions {
  /** Measured time, after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Clients per swarm: every announce needs at least `offersPerAnnounce` others to relay to. */
  swarmSize: number;
  offersPerAnnounce: number;
  /** Pacing per client (our tracker allows 2 announces/s per socket; 550 ms stays under it). */
  minGapMs: number;
  /** Size of each fake SDP; a host-candidate-only data-channel offer is about this big. */
  sdpBytes: number;
  /** Cumulative CPU seconds of the server under test, read at the start and end of the measured window. */
  serverCpu?: () => number;
  /**
   * Real swarms (our tracker admits no others): clients k·swarmSize … announce in swarms[k mod length],
   * so with more groups than swarms (a stream has at most 32 renditions) swarms hold more peers.
   * Made-up ids when absent.
   */
  swarms?: readonly string[];
}

export const announceLoadDefaults: AnnounceLoadOptions = {
  seconds: 12,
  warmupSeconds: 3,
  swarmSize: 20,
  offersPerAnnounce: 5,
  minGapMs: 550,
  sdpBytes: 500,
};

export interface AnnounceLoadResult {
  clients: number;
  seconds: number;
  announces: number;
  announcesPerSecond: number;
  offersRelayed: number;
  relayP50Ms: number;
  relayP99Ms: number;
  replyP50Ms: number;
  replyP99Ms: number;
  /** Failure replies plus clients the server closed during the run. */
  failures: number;
  /** CPU seconds the server used in the window (NaN without a probe), and per 1000 announces. */
  serverCpuSeconds: number;
  serverCpuMsPer1000Announces: number;
  /** Share of one core this generator used in the window: near 1 means it, not the server, may be the limit. */
  generatorCpuShare: number;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** A 20-character ASCII id: printable, so it is the same string in every encoding. */
export function loadId(prefix: string, n: number): string {
  return `${prefix}${n.toString(36)}`.padEnd(20, '_').slice(0, 20);
}

export interface LoadClient {
  ws: WebSocket;
  index: number;
  closed: boolean;
  onText: (text: string) => void;
}

/** Opens `count` clients, `concurrency` handshakes at a time. */
export async function openClients(url: string, count: number, concurrency = 64): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const client: LoadClient = { ws, index, closed: false, onText: () => {} };
      ws.on('message', (data) => client.onText(data.toString()));
      ws.on('error', () => {});
      ws.on('close', () => {
        client.closed = true;
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      clients[index] = client;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return clients;
}

export async function closeClients(clients: readonly LoadClient[]): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.closed) return resolve();
          c.ws.once('close', () => resolve());
          c.ws.close(1000, 'done');
          setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 5000).unref();
        }),
    ),
  );
}

const swarmOf = (client: LoadClient, swarmSize: number, swarms?: readonly string[]) => {
  const k = Math.floor(client.index / swarmSize);
  return swarms?.length ? (swarms[k % swarms.length] as string) : loadId('swarm-', k);
};

/** Every client announces `started` once, without offers, and waits for its reply: the swarms are full. */
export async function joinSwarms(
  clients: readonly LoadClient[],
  swarmSize: number,
  swarms?: readonly string[],
  concurrency = 64,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++] as LoadClient;
      await new Promise<void>((resolve) => {
        if (client.closed) return resolve();
        client.ws.once('close', () => resolve()); // a server that went away must not hang the run
        client.onText = (text) => {
          if (text.includes('"interval"') || text.includes('failure reason')) resolve();
        };
        client.ws.send(
          JSON.stringify({
            action: 'announce',
            info_hash: swarmOf(client, swarmSize, swarms),
            peer_id: loadId('peer-', client.index),
            event: 'started',
            numwant: 0,
            uploaded: 0,
            downloaded: 0,
          }),
        );
      });
      client.onText = () => {};
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const offerIdPattern = /"offer_id":"([^"]{20})"/;

export async function runAnnounceLoad(
  clients: readonly LoadClient[],
  overrides: Partial<AnnounceLoadOptions> = {},
): Promise<AnnounceLoadResult> {
  const o = { ...announceLoadDefaults, ...overrides };
  const sdp = `v=0\r\n${'a=x\r\n'.repeat(Math.max(0, Math.floor((o.sdpBytes - 5) / 5)))}`;
  const offeredAt = new Map<string, number>();
  const relay: number[] = [];
  const reply: number[] = [];
  let announces = 0;
  let failures = 0;
  let running = true;
  const start = performance.now();
  const measureFrom = start + o.warmupSeconds * 1000;
  const measureTo = measureFrom + o.seconds * 1000;
  const inWindow = (t: number) => t >= measureFrom && t < measureTo;
  const closedBefore = clients.filter((c) => c.closed).length;
  // A server that exits mid-run (e.g. wrangler dev restarting workerd) reads as NaN, not a crash.
  const readServerCpu = () => {
    try {
      return o.serverCpu?.() ?? Number.NaN;
    } catch {
      return Number.NaN;
    }
  };
  let cpuAtStart = { server: Number.NaN, generator: process.cpuUsage() };
  const windowStart = setTimeout(() => {
    cpuAtStart = { server: readServerCpu(), generator: process.cpuUsage() };
  }, measureFrom - start);

  for (const client of clients) {
    let sentAt = 0;
    let seq = 0;
    const infoHash = swarmOf(client, o.swarmSize, o.swarms);
    const peerId = loadId('peer-', client.index);
    const send = () => {
      if (!running || client.closed) return;
      sentAt = performance.now();
      seq++;
      const offers = Array.from({ length: o.offersPerAnnounce }, (_, k) => {
        const offerId = loadId(`${client.index.toString(36)}.${seq.toString(36)}.${k}.`, 0);
        offeredAt.set(offerId, sentAt);
        return { offer_id: offerId, offer: { type: 'offer', sdp } };
      });
      client.ws.send(
        JSON.stringify({
          action: 'announce',
          info_hash: infoHash,
          peer_id: peerId,
          numwant: o.offersPerAnnounce,
          uploaded: 0,
          downloaded: 0,
          offers,
        }),
      );
    };
    client.onText = (text) => {
      const now = performance.now();
      if (text.includes('"offer"')) {
        const offerId = offerIdPattern.exec(text)?.[1];
        const at = offerId === undefined ? undefined : offeredAt.get(offerId);
        if (offerId !== undefined && at !== undefined) {
          offeredAt.delete(offerId);
          if (inWindow(at)) relay.push(now - at);
        }
        return;
      }
      if (text.includes('failure reason')) {
        if (inWindow(now)) failures++;
      } else if (text.includes('"interval"')) {
        if (inWindow(sentAt)) {
          announces++;
          reply.push(now - sentAt);
        }
      } else return;
      const wait = Math.max(0, sentAt + o.minGapMs - now);
      setTimeout(send, wait);
    };
    // Spread the first announces over one gap so the clients do not move in lockstep.
    setTimeout(send, (client.index * 7919) % o.minGapMs);
  }

  await sleep(measureTo - performance.now());
  clearTimeout(windowStart);
  const serverCpuSeconds = readServerCpu() - cpuAtStart.server;
  const generatorCpu = process.cpuUsage(cpuAtStart.generator);
  running = false;
  await sleep(1000); // let replies and relays for announces sent in the window arrive
  for (const client of clients) client.onText = () => {};
  relay.sort((a, b) => a - b);
  reply.sort((a, b) => a - b);
  return {
    clients: clients.length,
    seconds: o.seconds,
    announces,
    announcesPerSecond: announces / o.seconds,
    offersRelayed: relay.length,
    relayP50Ms: percentile(relay, 50),
    relayP99Ms: percentile(relay, 99),
    replyP50Ms: percentile(reply, 50),
    replyP99Ms: percentile(reply, 99),
    failures: failures + clients.filter((c) => c.closed).length - closedBefore,
    serverCpuSeconds,
    serverCpuMsPer1000Announces: (serverCpuSeconds * 1e6) / announces,
    generatorCpuShare: (generatorCpu.user + generatorCpu.system) / 1e6 / o.seconds,
  };
}
