/**
 * The player's stats beacon, shared by the player (which sends it every few
 * seconds and once more on page hide) and the edge (which validates it).
 * Counters are deltas since the viewer's previous beacon, so a lost beacon
 * loses a few seconds of counts rather than corrupting totals.
 */
import { type CounterKey, type Counters, counterKeys, countersFrom, counterUnits, laterCounterKeys } from './counters';

/**
 * How a viewer plays: our hybrid, plain hls.js from the edge, or stock p2p-media-loader (its default settings, our
 * tracker), the incumbent that compare runs beside the hybrid.
 */
export const playbackModes = ['hybrid', 'cdn', 'p2pml'] as const;
export type PlaybackMode = (typeof playbackModes)[number];
export const isPlaybackMode = (value: unknown): value is PlaybackMode =>
  (playbackModes as readonly unknown[]).includes(value);
/** A record with one entry per playback mode. */
export const byPlaybackMode = <T>(make: (mode: PlaybackMode) => T): Record<PlaybackMode, T> =>
  Object.fromEntries(playbackModes.map((mode) => [mode, make(mode)])) as Record<PlaybackMode, T>;

export interface Beacon extends Counters {
  v: 1;
  stream: string;
  /** Random per page load; never a user identifier. */
  viewer: string;
  /** 0, 1, 2… per viewer; lets the edge drop duplicates and spot gaps. */
  seq: number;
  mode: PlaybackMode;
  /** Milliseconds the deltas below cover. */
  intervalMs: number;
  /** Gauges: the state at sending time. */
  peers: number;
  bufferSeconds: number;
  /** Wall clock minus the playhead's program date-time; absent for VOD. */
  latencySeconds?: number;
  /** Sent once, in the first beacon after playback started. */
  startupMs?: number;
  /** Region shard the tracker put this viewer in. */
  region?: string;
  /** The last beacon of this page view. */
  final?: boolean;
}

export const beaconLimits = {
  maxBytes: 2048,
  /** Per beacon interval: more than this is not a real viewer. */
  maxIntervalMs: 120_000,
  maxBytesPerSecond: 125_000_000, // 1 Gbit/s
  maxSegmentsPerSecond: 50,
  maxPeers: 500,
  maxBufferSeconds: 3600,
  maxLatencySeconds: 3600,
  maxStartupMs: 300_000,
} as const;

/**
 * Why a beacon failed validation, for the edge to count by: a wrong shape, a
 * negative counter, or a value no real viewer could report.
 */
export type BeaconInvalidKind = 'malformed' | 'negative' | 'absurd';

export type BeaconValidation =
  | { ok: true; value: Beacon }
  | {
      ok: false;
      kind: BeaconInvalidKind;
      /** For people: what exactly was wrong, e.g. "httpBytes is negative". */
      reason: string;
    };

const refused = (kind: BeaconInvalidKind, reason: string): BeaconValidation => ({ ok: false, kind, reason });
const malformed = (reason: string) => refused('malformed', reason);
const absurd = (reason: string) => refused('absurd', reason);

const idPattern = /^[A-Za-z0-9_-]{8,64}$/;

/** Why a counter's value is impossible for the interval it covers, or null if it is possible. */
function counterExcess(key: CounterKey, value: number, intervalMs: number, seconds: number): string | null {
  switch (counterUnits[key]) {
    case 'bytes':
      return value > beaconLimits.maxBytesPerSecond * seconds ? `${key} absurdly large` : null;
    case 'events':
      return value > beaconLimits.maxSegmentsPerSecond * seconds ? `${key} absurdly large` : null;
    case 'ms':
      return value > intervalMs + 1000 ? `${key} exceeds the interval` : null;
  }
}

/**
 * Validates a beacon at the boundary. Wrong shapes and impossible values are
 * refused with a kind (which the caller counts) and a reason; nothing is
 * silently clamped except what the issue allows to be clamped by the caller's
 * own policy.
 */
export function parseBeacon(body: unknown): BeaconValidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return malformed('not an object');
  const b = { ...(body as Record<string, unknown>) };
  // Older players do not send the counters added since; theirs count as 0.
  for (const key of laterCounterKeys) if (b[key] === undefined) b[key] = 0;
  if (b.v !== 1) return malformed('unknown version');
  if (typeof b.stream !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(b.stream)) {
    return malformed('bad stream');
  }
  if (typeof b.viewer !== 'string' || !idPattern.test(b.viewer)) return malformed('bad viewer');
  if (!isPlaybackMode(b.mode)) return malformed('bad mode');
  for (const key of ['seq', 'intervalMs', ...counterKeys, 'peers'] as const) {
    const value = b[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return malformed(`${key} is not a number`);
    if (value < 0) return refused('negative', `${key} is negative`);
  }
  for (const key of ['bufferSeconds', 'latencySeconds', 'startupMs'] as const) {
    const value = b[key];
    if (value === undefined && key !== 'bufferSeconds') continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) return malformed(`${key} is not a number`);
    if (value < 0) return refused('negative', `${key} is negative`);
  }
  const n = (key: string) => b[key] as number;
  const seconds = Math.max(n('intervalMs'), 1000) / 1000;
  if (n('intervalMs') > beaconLimits.maxIntervalMs) return absurd('interval too long');
  for (const key of counterKeys) {
    const excess = counterExcess(key, n(key), n('intervalMs'), seconds);
    if (excess) return absurd(excess);
  }
  if (n('peers') > beaconLimits.maxPeers) return absurd('peers absurdly large');
  if (n('bufferSeconds') > beaconLimits.maxBufferSeconds) return absurd('bufferSeconds absurdly large');
  if (b.latencySeconds !== undefined && n('latencySeconds') > beaconLimits.maxLatencySeconds) {
    return absurd('latencySeconds absurdly large');
  }
  if (b.startupMs !== undefined && n('startupMs') > beaconLimits.maxStartupMs) {
    return absurd('startupMs absurdly large');
  }
  if (b.region !== undefined && (typeof b.region !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(b.region))) {
    return malformed('bad region');
  }
  if (b.final !== undefined && typeof b.final !== 'boolean') return malformed('bad final');
  const beacon: Beacon = {
    v: 1,
    stream: b.stream,
    viewer: b.viewer,
    seq: Math.floor(n('seq')),
    mode: b.mode,
    intervalMs: n('intervalMs'),
    ...countersFrom(n),
    peers: n('peers'),
    bufferSeconds: n('bufferSeconds'),
  };
  if (b.latencySeconds !== undefined) beacon.latencySeconds = n('latencySeconds');
  if (b.startupMs !== undefined) beacon.startupMs = n('startupMs');
  if (typeof b.region === 'string') beacon.region = b.region;
  if (b.final === true) beacon.final = true;
  return { ok: true, value: beacon };
}
