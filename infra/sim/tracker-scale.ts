/**
 * The tracker at the scale of one very large stream: an aggregate model of
 * announces, not of media. A million viewers in one region join over a
 * ramp and announce every 30 s; every message lands on the sub-shard object
 * the edge's routing function names, and the objects split and merge by the
 * edge's own rules (sub-shard-tracker.ts). What it answers: the most messages
 * any one tracker object receives in a second, against its budget.
 *
 * Per viewer it models only its routing key and its announce times, so it
 * runs a million viewers in seconds; the full simulator (swarm-sim.ts) models
 * media and peers and is used for offload, where it is fast enough (10 000).
 *
 * Messages, as the object counts them: a new socket's upgrade, each announce,
 * and an answer to each offer relayed (min(offers, other members) per
 * announce: every offer placed and answered, an upper bound, since a player
 * with all the peers it wants sends none).
 */
import { subShardDefaults, trackerReconnectDelayMs } from '@edgeswarm/policy';
import { Rng } from './random';
import { type LeafMember, type SubShardModel, SubShardTracker, type SubShardTrackerStats } from './sub-shard-tracker';

export interface TrackerScaleConfig {
  seed: number;
  /** Viewers of the stream in the one region. */
  viewers: number;
  /** They join over this many seconds (a large event's audience builds up before it starts)... */
  rampSeconds: number;
  /**
   * ...'building': at a rate rising steadily from nothing to its peak at the end of the ramp (join time
   * ramp·√u), as an audience gathers; 'uniform': at the full rate from the first second (a flash crowd).
   */
  rampShape: 'building' | 'uniform';
  /** Seconds modelled from the first join. */
  seconds: number;
  /** Cloudflare colos serving the region and networks per colo; popularity ~ 1/rank for both. */
  colos: number;
  asnsPerColo: number;
  announceIntervalSeconds: number;
  offersPerAnnounce: number;
  /**
   * Worker isolates: each fetches the layout at most once per layoutCacheMs (for the directory's load), and after
   * a change knocks once (a 421) at the sub-shard its old copy names before it routes by the new one.
   */
  isolates: number;
  subShards: SubShardModel;
}

/** The scale scenario's world, as one typed defaults object (override with --set scale.<key>=…). */
export const trackerScaleDefaults: Omit<TrackerScaleConfig, 'subShards'> = {
  seed: 1,
  viewers: 1_000_000,
  rampSeconds: 900,
  rampShape: 'building',
  seconds: 1800,
  colos: 40,
  asnsPerColo: 50,
  announceIntervalSeconds: 30,
  offersPerAnnounce: 5,
  isolates: 200,
};

export function resolveTrackerScale(
  overrides: Partial<Omit<TrackerScaleConfig, 'subShards'>> = {},
  subShards: Partial<SubShardModel> = {},
): TrackerScaleConfig {
  return { ...trackerScaleDefaults, ...overrides, subShards: { ...subShardDefaults, enabled: true, ...subShards } };
}

export interface TrackerScaleResult {
  config: TrackerScaleConfig;
  tracker: SubShardTrackerStats;
  /** Messages per second to all the region's sub-shards together: peak and at the end. */
  totalPeakPerSecond: number;
  totalEndPerSecond: number;
  /** Members per sub-shard at the end. */
  membersPerSubShard: { p50: number; max: number };
  /** The directory: reports from sub-shards, plus layout reads by Worker isolates (an upper bound). */
  directoryPerSecond: { reports: number; layoutReads: number; peakReports: number };
  /** Every report period: time, sub-shards, the highest load any reported. */
  series: { t: number[]; subShards: number[]; maxReportedPerSecond: number[] };
  perf: { wallSeconds: number; announces: number };
}

interface Viewer extends LeafMember {
  viewer: number;
}

function popularity(n: number): number[] {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((w) => {
    sum += w / total;
    return sum;
  });
}

function pick(cumulative: readonly number[], u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function runTrackerScale(config: TrackerScaleConfig): TrackerScaleResult {
  const wall = performance.now();
  const rng = new Rng(config.seed);
  const tracker = new SubShardTracker<Viewer>(1, config.subShards, config.isolates);
  const n = config.viewers;
  const colos = popularity(config.colos);
  const asns = popularity(config.asnsPerColo);
  const joinAt = new Float64Array(n);
  const viewers: Viewer[] = new Array(n);
  for (let v = 0; v < n; v++) {
    const colo = `C${pick(colos, rng.next())}`;
    const asn = 64_512 + pick(asns, rng.next()) + 1000 * Number(colo.slice(1));
    viewers[v] = { viewer: v, index: 0, key: SubShardTracker.keyOf({ colo, asn, client: `viewer-${v}` }) };
    const u = rng.next();
    joinAt[v] = config.rampSeconds * (config.rampShape === 'building' ? Math.sqrt(u) : u);
  }
  const order = Array.from({ length: n }, (_, v) => v).sort((a, b) => (joinAt[a] as number) - (joinAt[b] as number));

  // A timing wheel of whole seconds: who announces (or reconnects) then. `nextAt` says which entry is current.
  const horizon = Math.ceil(config.seconds) + 1;
  const due: number[][] = Array.from({ length: horizon }, () => []);
  const nextAt = new Float64Array(n).fill(-1);
  const schedule = (v: number, at: number) => {
    nextAt[v] = at;
    const second = Math.floor(at);
    if (second < horizon) due[second]?.push(v);
  };
  const connected = new Uint8Array(n);
  let announces = 0;
  const perSecondTotal = new Float64Array(horizon);
  const announce = (v: number, t: number, fresh: boolean) => {
    const viewer = viewers[v] as Viewer;
    if (fresh) {
      tracker.add(0, viewer, t);
      connected[v] = 1;
    }
    const leaf = tracker.leafOf(viewer);
    if (!leaf) return;
    const messages = (fresh ? 2 : 1) + Math.min(config.offersPerAnnounce, leaf.members.length - 1);
    tracker.record(leaf, messages, t);
    perSecondTotal[Math.floor(t)] = (perSecondTotal[Math.floor(t)] ?? 0) + messages;
    announces++;
    schedule(v, t + config.announceIntervalSeconds);
  };

  const series: TrackerScaleResult['series'] = { t: [], subShards: [], maxReportedPerSecond: [] };
  const reportEvery = config.subShards.reportEveryMs / 1000;
  // Sub-shards are checked every second: each reports at its report time, or early past its threshold.
  let nextCheck = 1;
  let joined = 0;
  let peakReports = 0;
  for (let second = 0; second < horizon - 1; second++) {
    // Arrivals in this second, then announces and reconnects due in it, in time order within the second.
    const events: [number, number][] = [];
    while (joined < n && (joinAt[order[joined] as number] as number) < second + 1) {
      const v = order[joined++] as number;
      events.push([joinAt[v] as number, v]);
    }
    for (const v of due[second] ?? []) {
      const at = nextAt[v] as number;
      if (Math.floor(at) === second) events.push([at, v]);
    }
    due[second] = [];
    events.sort((a, b) => a[0] - b[0]);
    for (const [t, v] of events) {
      if (nextAt[v] === -1 || connected[v] === 0) announce(v, t, true);
      else if (nextAt[v] === t) announce(v, t, false);
    }
    while (nextCheck <= second + 1) {
      const moved = tracker.check(nextCheck);
      const pace = Math.max(1, config.subShards.shedPerSecond);
      for (const [i, m] of moved.entries()) {
        // Shed a few a second, then the player's reconnect delay; it announces afresh in its new sub-shard.
        connected[m.viewer] = 0;
        schedule(m.viewer, nextCheck + Math.floor(i / pace) + trackerReconnectDelayMs(0, rng.next()) / 1000);
      }
      const subShards = tracker.subShardCount();
      peakReports = Math.max(peakReports, subShards / reportEvery);
      if (nextCheck % reportEvery === 0) {
        series.t.push(nextCheck);
        series.subShards.push(subShards);
        series.maxReportedPerSecond.push(Math.max(...tracker.leaves().map((leaf) => tracker.load(leaf, nextCheck)), 0));
      }
      nextCheck += 1;
    }
  }
  const end = config.seconds;
  const members = tracker.memberCounts().sort((a, b) => a - b);
  const stats = tracker.summary(end);
  const tail = perSecondTotal.slice(Math.max(0, horizon - 1 - config.announceIntervalSeconds), horizon - 1);
  return {
    config,
    tracker: stats,
    totalPeakPerSecond: Math.max(...perSecondTotal),
    totalEndPerSecond: tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length),
    membersPerSubShard: {
      p50: members[Math.floor(members.length / 2)] ?? 0,
      max: members.at(-1) ?? 0,
    },
    directoryPerSecond: {
      reports: stats.subShardsEnd / reportEvery,
      layoutReads: config.isolates / (config.subShards.layoutCacheMs / 1000),
      peakReports,
    },
    series,
    perf: { wallSeconds: (performance.now() - wall) / 1000, announces },
  };
}
