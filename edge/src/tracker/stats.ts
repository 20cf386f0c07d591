/**
 * Per-shard tracker statistics. The rate meter is pure bookkeeping with `now`
 * passed in: a ring of one-second buckets, so "announces per second" is a
 * rolling average over the last window and costs O(1) per event.
 */

export interface RateMeter {
  /** Start of each one-second bucket (ms, floored to the second), or -1 when unused. */
  starts: number[];
  counts: number[];
}

export const rateWindowSeconds = 10;

export function createRateMeter(windowSeconds = rateWindowSeconds): RateMeter {
  return { starts: Array(windowSeconds).fill(-1), counts: Array(windowSeconds).fill(0) };
}

/** Counts `n` events at `now`. Mutates the meter: it is hot-path state owned by one object. */
export function recordEvents(meter: RateMeter, now: number, n = 1): void {
  const second = Math.floor(now / 1000);
  const slot = second % meter.starts.length;
  if (meter.starts[slot] !== second) {
    meter.starts[slot] = second;
    meter.counts[slot] = 0;
  }
  meter.counts[slot] = (meter.counts[slot] ?? 0) + n;
}

/** Events per second over the last full window, counting only buckets inside it. */
export function ratePerSecond(meter: RateMeter, now: number): number {
  const second = Math.floor(now / 1000);
  const window = meter.starts.length;
  let total = 0;
  for (let slot = 0; slot < window; slot++) {
    const start = meter.starts[slot] ?? -1;
    if (start >= 0 && start > second - window && start <= second) total += meter.counts[slot] ?? 0;
  }
  return total / window;
}

/** Events counted in the whole second `back` seconds before `now`'s (0 when that bucket was reused or never filled). */
export function eventsInSecondBefore(meter: RateMeter, now: number, back = 1): number {
  const second = Math.floor(now / 1000) - back;
  const slot = ((second % meter.starts.length) + meter.starts.length) % meter.starts.length;
  return meter.starts[slot] === second ? (meter.counts[slot] ?? 0) : 0;
}

/** What one region shard reports: the JSON the stats route aggregates. */
export interface ShardStats {
  /** Open sockets (viewers), whether or not they have joined a swarm yet. */
  sockets: number;
  /** Swarm memberships: one per (socket, info_hash). */
  peers: number;
  swarms: { infoHash: string; complete: number; incomplete: number }[];
  /** Rolling averages over the last `rateWindowSeconds`. */
  announcesPerSecond: number;
  offersRelayedPerSecond: number;
  /** Every inbound message (upgrades, frames, forwarded offers and answers): what the message budget counts. */
  messagesPerSecond: number;
  /**
   * Since the shard first had a peer: each open socket's counts live in its attachment and a
   * closed socket's are added to totals in storage, so they survive hibernation and restarts.
   */
  totals: TrackerCounters;
}

export interface TrackerCounters {
  announces: number;
  answers: number;
  scrapes: number;
  offersRelayed: number;
  answersRelayed: number;
  /** Answers whose offering peer had left: nothing to route them to. */
  answersDropped: number;
  /** Messages refused with a failure reason. */
  refused: number;
  /** Sockets closed by the tracker (abuse, rate limit, idle). */
  socketsClosed: number;
  /** Swarm memberships removed because the peer stopped announcing. */
  peersTimedOut: number;
}

export function emptyCounters(): TrackerCounters {
  return {
    announces: 0,
    answers: 0,
    scrapes: 0,
    offersRelayed: 0,
    answersRelayed: 0,
    answersDropped: 0,
    refused: 0,
    socketsClosed: 0,
    peersTimedOut: 0,
  };
}

/** Adds `more` into `into` (mutating it) and returns it; unknown or non-numeric fields count as 0. */
export function addCounters(into: TrackerCounters, more: Partial<TrackerCounters>): TrackerCounters {
  for (const key of Object.keys(into) as (keyof TrackerCounters)[]) {
    const value = more[key];
    if (typeof value === 'number' && Number.isFinite(value)) into[key] += value;
  }
  return into;
}

/** One region shard's stats from its sub-shards' (sums; a swarm split over sub-shards is one swarm). */
export function mergeShardStats(parts: readonly ShardStats[]): ShardStats {
  const swarms = new Map<string, { infoHash: string; complete: number; incomplete: number }>();
  const totals = emptyCounters();
  let sockets = 0;
  let peers = 0;
  let announcesPerSecond = 0;
  let offersRelayedPerSecond = 0;
  let messagesPerSecond = 0;
  for (const part of parts) {
    sockets += part.sockets;
    peers += part.peers;
    announcesPerSecond += part.announcesPerSecond;
    offersRelayedPerSecond += part.offersRelayedPerSecond;
    messagesPerSecond += part.messagesPerSecond ?? 0;
    addCounters(totals, part.totals);
    for (const swarm of part.swarms) {
      const seen = swarms.get(swarm.infoHash);
      if (seen) {
        seen.complete += swarm.complete;
        seen.incomplete += swarm.incomplete;
      } else swarms.set(swarm.infoHash, { ...swarm });
    }
  }
  const top = [...swarms.values()].sort((a, b) => b.complete + b.incomplete - (a.complete + a.incomplete)).slice(0, 50);
  return { sockets, peers, swarms: top, announcesPerSecond, offersRelayedPerSecond, messagesPerSecond, totals };
}
