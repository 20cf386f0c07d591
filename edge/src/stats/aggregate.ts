/**
 * The stats aggregator's decisions and arithmetic, over plain data with `now`
 * passed in. The StreamStats Durable Object only loads, persists and calls
 * these; everything here is unit-tested with hand-computed cases.
 *
 * Time attribution: a beacon's counters are flows over the `intervalMs` that
 * ended when it arrived, so they are spread over the 10 s buckets that interval
 * overlaps, in proportion to the overlap. That keeps a 5 s beacon cadence from
 * beating against 10 s buckets. Gauges (peers, latency, region) and start-ups
 * are point samples and go to the bucket the beacon arrived in.
 *
 * The functions that take a `StatsState` update it in place and say which rows
 * changed, so the object writes exactly those: copying every viewer per beacon
 * would cost O(viewers) for nothing.
 */

import type { ClampReason, FlowTotals, RejectionReason, StatsSeries, StatsSnapshot } from '@edgeswarm/protocol';
import {
  type Beacon,
  beaconLimits,
  byPlaybackMode,
  type Counters,
  type CounterUnit,
  counterKeys,
  countersFrom,
  counterUnits,
  type PlaybackMode,
  zeroCounters,
} from '@edgeswarm/protocol';
import type { AddressLimits } from '../lib/address-limiter';
import { fullBucket, takeToken } from '../lib/token-bucket';
import { addSample, binEdges, exactPercentile, type Histogram, percentile, sampleCount } from './histogram';

export interface RateLimit {
  /** Beacons a viewer may send back to back (a regular one plus the two final ones a page hide sends). */
  capacity: number;
  /** Sustained beacons per second per viewer. The player sends one every 5 s. */
  refillPerSecond: number;
}

export interface StatsOptions {
  bucketMs: number;
  /** How far back buckets are kept. */
  retentionMs: number;
  /** A viewer counts as watching now if its last beacon is this recent and was not its final one. */
  activeWindowMs: number;
  /** Per-viewer bookkeeping (last seq, tokens, gauges) is dropped after this much silence. */
  forgetViewerMs: number;
  /** Viewers tracked at once; a new viewer beyond this is refused, so made-up ids cannot grow state without bound. */
  maxViewers: number;
  rateLimit: RateLimit;
  /** A beacon may claim this much more time than has passed since the viewer's previous one (timer jitter). */
  intervalSlackMs: number;
  /** Distinct regions recorded per bucket; the rest are counted under "other". */
  maxRegionsPerBucket: number;
  /** Distinct validator messages counted; the rest are counted under "other". */
  maxRejectionDetails: number;
  /** Edge bytes and reported HTTP bytes "agree" within this many percent. */
  mismatchTolerancePercent: number;
  /** Histogram upper bin edges. The last edges equal beaconLimits' maxima, so nothing overflows. */
  startupEdgesMs: number[];
  latencyEdgesSeconds: number[];
}

/**
 * Beacons per client address (CF-Connecting-IP), besides the per viewer limit: a flood that makes up a new viewer id
 * for each beacon gets past that one. Sized for an office of about 20 viewers behind one address (a viewer beacons
 * every 5 s); an address over it is refused everything until a minute after its last try (lib/address-limiter.ts).
 */
export const beaconAddressDefaults: AddressLimits = {
  capacity: 20,
  refillPerSecond: 4,
  penaltyMs: 60_000,
  maxAddresses: 10_000,
};

export const statsDefaults: StatsOptions = {
  bucketMs: 10_000,
  retentionMs: 3_600_000,
  activeWindowMs: 30_000,
  forgetViewerMs: 10 * 60_000,
  maxViewers: 20_000,
  rateLimit: { capacity: 4, refillPerSecond: 1 },
  intervalSlackMs: 2_000,
  maxRegionsPerBucket: 32,
  maxRejectionDetails: 64,
  mismatchTolerancePercent: 5,
  startupEdgesMs: binEdges([
    [2_000, 50],
    [5_000, 100],
    [10_000, 250],
    [30_000, 1_000],
    [60_000, 5_000],
    [beaconLimits.maxStartupMs, 30_000],
  ]),
  latencyEdgesSeconds: binEdges([
    [10, 0.25],
    [20, 0.5],
    [60, 1],
    [300, 10],
    [beaconLimits.maxLatencySeconds, 60],
  ]),
};

/**
 * Pure: the options a stats object runs with, given the edge's `STATS_RETENTION_SECONDS` (absent or empty: the
 * defaults). A shorter retention is for a harness (the soak: its buckets reach their bound, and pruning is exercised,
 * before the memory it judges); whole seconds from one bucket to the default, anything else is refused with the
 * reason, and the defaults are kept.
 */
export function statsOptionsFor(
  retentionSeconds: string | undefined,
  base: StatsOptions = statsDefaults,
): { options: StatsOptions; refused?: string } {
  if (retentionSeconds === undefined || retentionSeconds.trim() === '') return { options: base };
  const seconds = Number(retentionSeconds);
  const least = base.bucketMs / 1000;
  const most = statsDefaults.retentionMs / 1000;
  if (!(Number.isInteger(seconds) && seconds >= least && seconds <= most))
    return {
      options: base,
      refused: `STATS_RETENTION_SECONDS must be whole seconds from ${least} to ${most}, not ${JSON.stringify(retentionSeconds)}: keeping ${base.retentionMs / 1000}`,
    };
  return { options: { ...base, retentionMs: seconds * 1000 } };
}

export interface Bucket extends FlowTotals {
  start: number;
  servedBytes: number;
  servedRequests: number;
  beacons: number;
  /** Sum over the bucket's beacons of their `peers` gauge. */
  peersSum: number;
  latency: Histogram;
  startup: Histogram;
  /** Region → beacons from it. */
  regions: Record<string, number>;
  rejected: number;
}

export interface Totals extends FlowTotals {
  startedAt: number | null;
  servedBytes: number;
  servedRequests: number;
  beacons: number;
  lostBeacons: number;
  viewersSeen: number;
  byMode: Record<PlaybackMode, FlowTotals>;
  startup: Histogram;
  latency: Histogram;
  rejected: Partial<Record<RejectionReason, number>>;
  rejectedDetail: Record<string, number>;
  clamped: Partial<Record<ClampReason, number>>;
}

export interface ViewerState {
  /** Highest seq accepted; later beacons must be numbered above it. */
  lastSeq: number;
  /** When its last beacon was accepted. */
  lastAt: number;
  /** Token bucket: tokens left as of `tokensAt`. */
  tokens: number;
  tokensAt: number;
  mode: PlaybackMode;
  peers: number;
  latencySeconds: number | null;
  region: string | null;
  startupReported: boolean;
  final: boolean;
}

export interface StatsState {
  buckets: Map<number, Bucket>;
  totals: Totals;
  viewers: Map<string, ViewerState>;
}

/** Rows a change touched, for the object to write. */
export interface Changes {
  buckets: Set<number>;
  viewers: Set<string>;
  totals: boolean;
}

const flowKeys = ['viewerMs', ...counterKeys] as const satisfies readonly (keyof FlowTotals)[];

export const emptyFlow = (): FlowTotals => ({ viewerMs: 0, ...zeroCounters() });

export const emptyBucket = (start: number): Bucket => ({
  start,
  ...emptyFlow(),
  servedBytes: 0,
  servedRequests: 0,
  beacons: 0,
  peersSum: 0,
  latency: {},
  startup: {},
  regions: {},
  rejected: 0,
});

export const emptyTotals = (): Totals => ({
  startedAt: null,
  ...emptyFlow(),
  servedBytes: 0,
  servedRequests: 0,
  beacons: 0,
  lostBeacons: 0,
  viewersSeen: 0,
  byMode: byPlaybackMode(() => emptyFlow()),
  startup: {},
  latency: {},
  rejected: {},
  rejectedDetail: {},
  clamped: {},
});

export const emptyState = (): StatsState => ({ buckets: new Map(), totals: emptyTotals(), viewers: new Map() });

const noChanges = (): Changes => ({ buckets: new Set(), viewers: new Set(), totals: false });

export const bucketStart = (time: number, bucketMs: number): number => Math.floor(time / bucketMs) * bucketMs;

/**
 * How a flow over [fromMs, toMs] divides among buckets: each bucket it overlaps,
 * with the fraction of the interval inside it. An empty interval is all in the
 * bucket of `toMs`.
 */
export function spread(fromMs: number, toMs: number, bucketMs: number): { start: number; fraction: number }[] {
  if (toMs <= fromMs) return [{ start: bucketStart(toMs, bucketMs), fraction: 1 }];
  const parts: { start: number; fraction: number }[] = [];
  for (let start = bucketStart(fromMs, bucketMs); start < toMs; start += bucketMs) {
    const overlap = Math.min(toMs, start + bucketMs) - Math.max(fromMs, start);
    if (overlap > 0) parts.push({ start, fraction: overlap / (toMs - fromMs) });
  }
  return parts;
}

/** What an accepted beacon contributes, after clamping. */
export interface AppliedBeacon extends Counters {
  mode: PlaybackMode;
  intervalMs: number;
  peers: number;
  latencySeconds?: number;
  /** Only the viewer's first report counts. */
  startupMs?: number;
  region?: string;
  final: boolean;
}

export type BeaconDecision =
  | {
      ok: true;
      viewer: ViewerState;
      applied: AppliedBeacon;
      clamped: ClampReason[];
      /** Beacons skipped in seq since the viewer's previous one. */
      lost: number;
      isNew: boolean;
    }
  | {
      ok: false;
      reason: 'duplicate' | 'rate_limited' | 'too_many_viewers';
      status: 409 | 429;
      message: string;
      /** The viewer with its token spent, when it is known. */
      viewer?: ViewerState;
      retryAfterMs?: number;
    };

/**
 * Admits or refuses one schema-valid beacon for a viewer, in this order: a new
 * viewer must fit under `maxViewers`; every beacon (duplicates too, a flood is a
 * flood) takes a token; seq must rise. Then the counters are held to what the
 * time since the viewer's previous beacon allows.
 */
export function decideBeacon(
  previous: ViewerState | undefined,
  beacon: Beacon,
  now: number,
  trackedViewers: number,
  options: StatsOptions = statsDefaults,
): BeaconDecision {
  if (!previous && trackedViewers >= options.maxViewers) {
    return {
      ok: false,
      reason: 'too_many_viewers',
      status: 429,
      message: `this stream already tracks ${options.maxViewers} viewers`,
      retryAfterMs: options.activeWindowMs,
    };
  }
  const { capacity, refillPerSecond } = options.rateLimit;
  const bucket = previous ? { tokens: previous.tokens, at: previous.tokensAt } : fullBucket(capacity, now);
  const token = takeToken(bucket, now, capacity, refillPerSecond);
  if (!token.ok && previous) {
    return {
      ok: false,
      reason: 'rate_limited',
      status: 429,
      message: `more than ${options.rateLimit.capacity} beacons at once or ${options.rateLimit.refillPerSecond} per second from one viewer`,
      viewer: { ...previous, tokens: token.bucket.tokens, tokensAt: token.bucket.at },
      retryAfterMs: token.retryAfterMs,
    };
  }
  if (previous && beacon.seq <= previous.lastSeq) {
    return {
      ok: false,
      reason: 'duplicate',
      status: 409,
      message: `seq ${beacon.seq} is not above this viewer's last seq ${previous.lastSeq}`,
      viewer: { ...previous, tokens: token.bucket.tokens, tokensAt: token.bucket.at },
    };
  }

  const clamped = new Set<ClampReason>();
  let intervalMs = beacon.intervalMs;
  if (previous) {
    // A beacon cannot cover more time than has passed since the previous one: a client
    // claiming 120 s every 2 s would otherwise multiply its watch time and byte allowance.
    const allowed = now - previous.lastAt + options.intervalSlackMs;
    if (intervalMs > allowed) {
      intervalMs = Math.max(0, allowed);
      clamped.add('interval');
    }
  }
  const seconds = Math.max(intervalMs, 1000) / 1000;
  const cap = (value: number, limit: number, reason: ClampReason) => {
    if (value <= limit) return value;
    clamped.add(reason);
    return limit;
  };
  const limits: Record<CounterUnit, { limit: number; reason: ClampReason }> = {
    bytes: { limit: beaconLimits.maxBytesPerSecond * seconds, reason: 'bytes' },
    events: { limit: beaconLimits.maxSegmentsPerSecond * seconds, reason: 'segments' },
    ms: { limit: intervalMs, reason: 'stall' },
  };
  const applied: AppliedBeacon = {
    mode: beacon.mode,
    intervalMs,
    ...countersFrom((key) => {
      const { limit, reason } = limits[counterUnits[key]];
      return cap(beacon[key], limit, reason);
    }),
    peers: beacon.peers,
    final: beacon.final === true,
  };
  if (beacon.latencySeconds !== undefined) applied.latencySeconds = beacon.latencySeconds;
  if (beacon.startupMs !== undefined && !previous?.startupReported) applied.startupMs = beacon.startupMs;
  if (beacon.region !== undefined) applied.region = beacon.region;

  // Gaps in seq are lost beacons, but no more than the rate limit could have let through meanwhile.
  const lost = previous
    ? Math.min(
        beacon.seq - previous.lastSeq - 1,
        Math.ceil(((now - previous.lastAt) / 1000) * options.rateLimit.refillPerSecond) + options.rateLimit.capacity,
      )
    : 0;
  const viewer: ViewerState = {
    lastSeq: beacon.seq,
    lastAt: now,
    tokens: token.bucket.tokens,
    tokensAt: token.bucket.at,
    mode: beacon.mode,
    peers: beacon.peers,
    // Gauges hold their last reported value until the viewer reports a new one.
    latencySeconds: beacon.latencySeconds ?? previous?.latencySeconds ?? null,
    region: beacon.region ?? previous?.region ?? null,
    startupReported: Boolean(previous?.startupReported || beacon.startupMs !== undefined),
    final: beacon.final === true,
  };
  return { ok: true, viewer, applied, clamped: [...clamped], lost: Math.max(0, lost), isNew: !previous };
}

function addFlow(target: FlowTotals, flow: FlowTotals, fraction: number): void {
  // A bucket or total stored before a counter was added has none of it yet: it starts at 0.
  for (const key of flowKeys) target[key] = (target[key] ?? 0) + (flow[key] ?? 0) * fraction;
}

function bucketAt(state: StatsState, start: number, changes: Changes): Bucket {
  let bucket = state.buckets.get(start);
  if (!bucket) {
    bucket = emptyBucket(start);
    state.buckets.set(start, bucket);
  }
  changes.buckets.add(start);
  return bucket;
}

/** The oldest bucket start still kept at `now`. */
export const oldestKept = (now: number, options: StatsOptions): number =>
  bucketStart(now, options.bucketMs) - options.retentionMs;

/** Adds a flow over [fromMs, toMs] to the buckets still kept (totals are the caller's). */
function spreadFlow(
  state: StatsState,
  fromMs: number,
  toMs: number,
  now: number,
  options: StatsOptions,
  changes: Changes,
  add: (bucket: Bucket, fraction: number) => void,
): void {
  const oldest = oldestKept(now, options);
  for (const { start, fraction } of spread(fromMs, toMs, options.bucketMs)) {
    if (start < oldest) continue;
    add(bucketAt(state, start, changes), fraction);
  }
}

function increment<K extends string>(counts: Partial<Record<K, number>>, key: K, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Counts under `key`, or under "other" once `max` distinct keys are held (keys come from clients). */
function incrementBounded(counts: Record<string, number>, key: string, max: number): void {
  const slot = key in counts || Object.keys(counts).length < max ? key : 'other';
  counts[slot] = (counts[slot] ?? 0) + 1;
}

export type BeaconVerdict =
  /** `held`: admitted, and counted a few seconds later unless its address floods (held-beacons.ts). */
  | { ok: true; held?: true }
  | {
      ok: false;
      reason: RejectionReason;
      status: 409 | 429;
      message: string;
      retryAfterSeconds?: number;
      /** Refused for its address (the penalty), not its viewer. */
      address?: true;
    };

/** Admits a beacon and, if accepted, adds it to buckets, totals and the viewer's bookkeeping. */
export function applyBeacon(
  state: StatsState,
  beacon: Beacon,
  now: number,
  options: StatsOptions = statsDefaults,
): { verdict: BeaconVerdict; changes: Changes } {
  const decision = decideBeacon(state.viewers.get(beacon.viewer), beacon, now, state.viewers.size, options);
  if (!decision.ok) {
    // The spent token is kept in memory only: losing it on a restart just forgives one viewer a little.
    if (decision.viewer) state.viewers.set(beacon.viewer, decision.viewer);
    const changes = recordRejection(state, decision.reason, undefined, now, options);
    const verdict: BeaconVerdict = {
      ok: false,
      reason: decision.reason,
      status: decision.status,
      message: decision.message,
    };
    if (decision.retryAfterMs !== undefined)
      verdict.retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    return { verdict, changes };
  }

  const changes = noChanges();
  const { applied, viewer } = decision;
  state.viewers.set(beacon.viewer, viewer);
  changes.viewers.add(beacon.viewer);

  const flow: FlowTotals = { viewerMs: applied.intervalMs, ...countersFrom((key) => applied[key]) };
  spreadFlow(state, now - applied.intervalMs, now, now, options, changes, (bucket, fraction) =>
    addFlow(bucket, flow, fraction),
  );
  const here = bucketAt(state, bucketStart(now, options.bucketMs), changes);
  here.beacons++;
  here.peersSum += applied.peers;
  if (applied.latencySeconds !== undefined) {
    here.latency = addSample(here.latency, options.latencyEdgesSeconds, applied.latencySeconds);
  }
  if (applied.startupMs !== undefined) {
    here.startup = addSample(here.startup, options.startupEdgesMs, applied.startupMs);
  }
  if (applied.region !== undefined) incrementBounded(here.regions, applied.region, options.maxRegionsPerBucket);

  const totals = state.totals;
  totals.startedAt ??= now;
  addFlow(totals, flow, 1);
  addFlow(totals.byMode[applied.mode], flow, 1);
  totals.beacons++;
  totals.lostBeacons += decision.lost;
  if (decision.isNew) totals.viewersSeen++;
  if (applied.latencySeconds !== undefined) {
    totals.latency = addSample(totals.latency, options.latencyEdgesSeconds, applied.latencySeconds);
  }
  if (applied.startupMs !== undefined) {
    totals.startup = addSample(totals.startup, options.startupEdgesMs, applied.startupMs);
  }
  for (const reason of decision.clamped) increment(totals.clamped, reason);
  changes.totals = true;
  return { verdict: { ok: true }, changes };
}

/** Counts a refused beacon; `detail` is the validator's message for malformed, negative and absurd ones. */
export function recordRejection(
  state: StatsState,
  reason: RejectionReason,
  detail: string | undefined,
  now: number,
  options: StatsOptions = statsDefaults,
): Changes {
  const changes = noChanges();
  increment(state.totals.rejected, reason);
  if (detail !== undefined) incrementBounded(state.totals.rejectedDetail, detail, options.maxRejectionDetails);
  bucketAt(state, bucketStart(now, options.bucketMs), changes).rejected++;
  changes.totals = true;
  return changes;
}

/** A batch of the edge's own served bytes for the stream, from one isolate (see served.ts). */
export interface ServedBatch {
  bytes: number;
  requests: number;
  fromMs: number;
  toMs: number;
}

export function recordServed(
  state: StatsState,
  batch: ServedBatch,
  now: number,
  options: StatsOptions = statsDefaults,
): Changes {
  const changes = noChanges();
  const bytes = Number.isFinite(batch.bytes) ? Math.max(0, batch.bytes) : 0;
  const requests = Number.isFinite(batch.requests) ? Math.max(0, batch.requests) : 0;
  if (bytes === 0 && requests === 0) return changes;
  const to = Math.min(Number.isFinite(batch.toMs) ? batch.toMs : now, now);
  const from = Math.min(Number.isFinite(batch.fromMs) ? batch.fromMs : to, to);
  spreadFlow(state, from, to, now, options, changes, (bucket, fraction) => {
    bucket.servedBytes += bytes * fraction;
    bucket.servedRequests += requests * fraction;
  });
  state.totals.startedAt ??= now;
  state.totals.servedBytes += bytes;
  state.totals.servedRequests += requests;
  changes.totals = true;
  return changes;
}

/** Drops buckets past retention and viewers silent past `forgetViewerMs`; returns the cut-offs for storage. */
export function prune(
  state: StatsState,
  now: number,
  options: StatsOptions = statsDefaults,
): { bucketsBefore: number; viewersBefore: number } {
  const bucketsBefore = oldestKept(now, options);
  const viewersBefore = now - options.forgetViewerMs;
  for (const start of state.buckets.keys()) if (start < bucketsBefore) state.buckets.delete(start);
  for (const [id, viewer] of state.viewers) if (viewer.lastAt < viewersBefore) state.viewers.delete(id);
  return { bucketsBefore, viewersBefore };
}

const round = (value: number, digits = 0): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

const ratioPercent = (part: number, whole: number): number | null =>
  whole > 0 ? round((100 * part) / whole, 2) : null;

/** Stalled seconds per minute watched. */
const stallRate = (flow: FlowTotals): number | null =>
  flow.viewerMs > 0 ? round(flow.stallMs / 1000 / (flow.viewerMs / 60_000), 3) : null;

function roundFlow(flow: FlowTotals): FlowTotals {
  const rounded = emptyFlow();
  for (const key of flowKeys) rounded[key] = Math.round(flow[key] ?? 0);
  return rounded;
}

function seriesOf(state: StatsState, now: number, options: StatsOptions): StatsSeries {
  const series: StatsSeries = {
    time: [],
    httpBytesPerSecond: [],
    p2pBytesPerSecond: [],
    servedBytesPerSecond: [],
    offloadPercent: [],
    viewers: [],
    peers: [],
    regions: [],
    stallSecondsPerViewerMinute: [],
    startupP50Ms: [],
    latencyP50Seconds: [],
    rejected: [],
  };
  const oldest = oldestKept(now, options);
  const starts = [...state.buckets.keys()].filter((start) => start >= oldest);
  if (starts.length === 0) return series;
  const seconds = options.bucketMs / 1000;
  const lastClosed = bucketStart(now, options.bucketMs) - options.bucketMs;
  for (let start = Math.min(...starts); start <= lastClosed; start += options.bucketMs) {
    const b = state.buckets.get(start) ?? emptyBucket(start);
    series.time.push(start / 1000);
    series.httpBytesPerSecond.push(round(b.httpBytes / seconds));
    series.p2pBytesPerSecond.push(round(b.p2pBytes / seconds));
    series.servedBytesPerSecond.push(round(b.servedBytes / seconds));
    series.offloadPercent.push(ratioPercent(b.p2pBytes, b.p2pBytes + b.httpBytes));
    series.viewers.push(round(b.viewerMs / options.bucketMs, 2));
    series.peers.push(b.beacons > 0 ? round(b.peersSum / b.beacons, 2) : null);
    series.regions.push(b.beacons > 0 ? Object.keys(b.regions).length : null);
    series.stallSecondsPerViewerMinute.push(stallRate(b));
    series.startupP50Ms.push(percentile(b.startup, options.startupEdgesMs, 50));
    series.latencyP50Seconds.push(percentile(b.latency, options.latencyEdgesSeconds, 50));
    series.rejected.push(b.rejected);
  }
  return series;
}

/** Everything the stats route answers, derived from the state at `now`. */
export function snapshot(
  state: StatsState,
  stream: string,
  now: number,
  options: StatsOptions = statsDefaults,
): StatsSnapshot {
  const active = [...state.viewers.values()].filter((v) => !v.final && now - v.lastAt <= options.activeWindowMs);
  const regions = new Map<string, number>();
  for (const viewer of active) if (viewer.region) regions.set(viewer.region, (regions.get(viewer.region) ?? 0) + 1);
  const latencies = active.flatMap((v) => (v.latencySeconds === null ? [] : [v.latencySeconds]));

  const t = state.totals;
  const served = Math.round(t.servedBytes);
  const reported = Math.round(t.httpBytes);
  const differencePercent = ratioPercent(served - reported, Math.max(served, reported));
  const rejectedTotal = Object.values(t.rejected).reduce((sum, n) => sum + n, 0);

  return {
    stream,
    now,
    bucketMs: options.bucketMs,
    retentionMs: options.retentionMs,
    startedAt: t.startedAt,
    current: {
      activeWindowMs: options.activeWindowMs,
      viewers: active.length,
      byMode: byPlaybackMode((mode) => active.filter((v) => v.mode === mode).length),
      peerConnections: active.reduce((sum, v) => sum + v.peers, 0),
      viewersWithPeers: active.filter((v) => v.peers > 0).length,
      regions: [...regions]
        .map(([region, viewers]) => ({ region, viewers }))
        .sort((a, b) => b.viewers - a.viewers || a.region.localeCompare(b.region)),
      latencyP50Seconds: exactPercentile(latencies, 50),
    },
    totals: {
      ...roundFlow(t),
      offloadPercent: ratioPercent(t.p2pBytes, t.p2pBytes + t.httpBytes),
      stallSecondsPerViewerMinute: stallRate(t),
      startups: sampleCount(t.startup),
      startupP50Ms: percentile(t.startup, options.startupEdgesMs, 50),
      startupP95Ms: percentile(t.startup, options.startupEdgesMs, 95),
      latencyP50Seconds: percentile(t.latency, options.latencyEdgesSeconds, 50),
      beacons: t.beacons,
      lostBeacons: t.lostBeacons,
      viewersSeen: t.viewersSeen,
      byMode: byPlaybackMode((mode) => roundFlow(t.byMode[mode])),
    },
    edge: {
      servedBytes: served,
      servedRequests: Math.round(t.servedRequests),
      reportedHttpBytes: reported,
      differenceBytes: served - reported,
      differencePercent,
      agrees: differencePercent === null || Math.abs(differencePercent) <= options.mismatchTolerancePercent,
      tolerancePercent: options.mismatchTolerancePercent,
    },
    rejections: {
      total: rejectedTotal,
      byReason: { ...t.rejected },
      detail: { ...t.rejectedDetail },
      clamped: { ...t.clamped },
    },
    series: seriesOf(state, now, options),
  };
}
