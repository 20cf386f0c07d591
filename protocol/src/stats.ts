/**
 * The JSON that `GET /v1/streams/:stream/stats` answers, shared by the edge
 * (which builds it) and the dashboard and compare harness (which read it).
 * Types only.
 */
import type { BeaconInvalidKind, PlaybackMode } from './beacon';
import type { Counters } from './counters';

/** Why a beacon was refused; each is counted per stream. */
export type RejectionReason =
  | 'too_large'
  | 'not_json'
  /** parseBeacon's kinds: malformed, negative, absurd. */
  | BeaconInvalidKind
  | 'stream_mismatch'
  | 'duplicate'
  | 'rate_limited'
  | 'too_many_viewers';

/** What an accepted beacon had cut down to size; each is counted per stream. */
export type ClampReason = 'interval' | 'bytes' | 'segments' | 'stall';

export interface FlowTotals extends Counters {
  /** Viewer-milliseconds the beacons covered: watch time. */
  viewerMs: number;
}

export interface StatsSeries {
  /** Bucket starts, Unix seconds (uPlot's x axis). Closed buckets only: the one in progress is left out. */
  time: number[];
  /** Bytes per second over the bucket, as viewers reported them. */
  httpBytesPerSecond: number[];
  p2pBytesPerSecond: number[];
  /** Bytes per second of media segments the edge itself served. */
  servedBytesPerSecond: number[];
  /** p2p ÷ (p2p + http), in percent; null where no bytes moved. */
  offloadPercent: (number | null)[];
  /** Average concurrent viewers: viewer-time covered by beacons ÷ bucket length. */
  viewers: number[];
  /** Mean peer connections per beacon (a gauge); null without beacons. */
  peers: (number | null)[];
  /** Distinct regions among the bucket's beacons; null without beacons. */
  regions: (number | null)[];
  /** Stalled seconds per viewer-minute watched; null without watch time. */
  stallSecondsPerViewerMinute: (number | null)[];
  /** Start-ups reported in the bucket, p50, ms; null when none. */
  startupP50Ms: (number | null)[];
  /** Live latency over the bucket's beacons, p50, seconds; null when none reported it. */
  latencyP50Seconds: (number | null)[];
  /** Beacons refused in the bucket, all reasons. */
  rejected: number[];
}

export interface StatsSnapshot {
  stream: string;
  /** Server time of the snapshot, ms since the epoch. */
  now: number;
  bucketMs: number;
  retentionMs: number;
  /** First beacon or served byte counted, ms since the epoch; null when nothing was yet. */
  startedAt: number | null;
  /** Viewers whose last beacon is at most `activeWindowMs` old and was not their final one. */
  current: {
    activeWindowMs: number;
    viewers: number;
    byMode: Record<PlaybackMode, number>;
    /** Sum of the active viewers' peer connections. */
    peerConnections: number;
    viewersWithPeers: number;
    regions: { region: string; viewers: number }[];
    latencyP50Seconds: number | null;
  };
  /** Since `startedAt`. */
  totals: FlowTotals & {
    offloadPercent: number | null;
    stallSecondsPerViewerMinute: number | null;
    startups: number;
    startupP50Ms: number | null;
    startupP95Ms: number | null;
    latencyP50Seconds: number | null;
    beacons: number;
    /** Beacons a viewer numbered but that never arrived (gaps in seq). */
    lostBeacons: number;
    viewersSeen: number;
    byMode: Record<PlaybackMode, FlowTotals>;
  };
  /** The edge's own count of media-segment bytes served for the stream, beside what viewers reported. */
  edge: {
    servedBytes: number;
    servedRequests: number;
    reportedHttpBytes: number;
    /** served − reported. */
    differenceBytes: number;
    /** (served − reported) ÷ the larger of the two, in percent; null when both are 0. */
    differencePercent: number | null;
    /** Whether |differencePercent| is within `tolerancePercent`. */
    agrees: boolean;
    tolerancePercent: number;
  };
  rejections: {
    total: number;
    byReason: Partial<Record<RejectionReason, number>>;
    /** The validator's own words for malformed, negative and absurd beacons. */
    detail: Record<string, number>;
    clamped: Partial<Record<ClampReason, number>>;
  };
  series: StatsSeries;
}
