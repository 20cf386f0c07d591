/**
 * Which metrics the operator's Prometheus endpoint exposes, from plain data:
 * each stream's stats snapshot (viewers' beacons beside the edge's own count)
 * and its tracker shards' stats. Pure; the route gathers, openmetrics.ts renders.
 *
 * Counters are totals since the stream's stats began (a deleted stream's series
 * end, a new one with the same id starts from 0: Prometheus treats that as a reset).
 */
import type { StatsSnapshot } from '@edgeswarm/protocol';
import type { ShardStats } from '../tracker/stats';
import type { MetricFamily, MetricSample } from './openmetrics';

export interface StreamMetricsInput {
  stream: string;
  /** created, live, ended, or vod (uploaded files). */
  state: string;
  stats: Pick<StatsSnapshot, 'current' | 'totals' | 'edge'>;
  /** Shards that ever had a peer; the others report zeros and are left out. */
  tracker: {
    shard: string;
    stats: Pick<ShardStats, 'sockets' | 'peers' | 'announcesPerSecond' | 'offersRelayedPerSecond' | 'totals'>;
  }[];
}

export interface MetricsInput {
  streams: StreamMetricsInput[];
  /** More streams exist than one scrape reads (see metricsDefaults.maxStreams). */
  truncated: boolean;
}

export const metricsDefaults = {
  /** Streams one scrape reads: each costs one stats call and one call per tracker shard. */
  maxStreams: 50,
  prefix: 'edgeswarm_',
};

type PerStream = (s: StreamMetricsInput) => number | null;

/** A figure that cannot be a counter (negative, NaN) is left out rather than failing the whole scrape. */
function sampleValue(type: MetricFamily['type'], value: number | null): number | null {
  if (value === null) return null;
  if (type === 'counter') return Number.isFinite(value) && value >= 0 ? value : null;
  return value;
}

export function streamMetricFamilies(input: MetricsInput, options = metricsDefaults): MetricFamily[] {
  const p = options.prefix;
  const perStream = (name: string, type: MetricFamily['type'], help: string, value: PerStream, unit?: string) => {
    const family: MetricFamily = {
      name: `${p}${name}`,
      type,
      help,
      samples: input.streams.map((s) => ({ labels: { stream: s.stream }, value: sampleValue(type, value(s)) })),
    };
    if (unit) family.unit = unit;
    return family;
  };
  const perShard = (
    name: string,
    type: MetricFamily['type'],
    help: string,
    value: (shard: StreamMetricsInput['tracker'][number]['stats']) => number,
  ): MetricFamily => ({
    name: `${p}${name}`,
    type,
    help,
    samples: input.streams.flatMap((s) =>
      s.tracker.map(
        ({ shard, stats }): MetricSample => ({
          labels: { stream: s.stream, shard },
          value: sampleValue(type, value(stats)),
        }),
      ),
    ),
  });
  const states = new Map<string, number>();
  for (const s of input.streams) states.set(s.state, (states.get(s.state) ?? 0) + 1);

  return [
    {
      name: `${p}streams`,
      type: 'gauge',
      help: 'Streams read by this scrape, by state (created, live, ended, vod).',
      samples: [...states].map(([state, count]) => ({ labels: { state }, value: count })),
    },
    {
      name: `${p}metrics_streams_truncated`,
      type: 'gauge',
      help: `1 when more streams exist than one scrape reads (${options.maxStreams}); the rest are left out.`,
      samples: [{ value: input.truncated ? 1 : 0 }],
    },
    perStream(
      'edge_egress_bytes',
      'counter',
      "Media segment bytes the edge itself served (the edge's own count).",
      (s) => s.stats.edge.servedBytes,
      'bytes',
    ),
    perStream(
      'edge_egress_requests',
      'counter',
      'Media segment responses the edge itself served.',
      (s) => s.stats.edge.servedRequests,
    ),
    perStream(
      'http_bytes',
      'counter',
      'Bytes viewers reported fetching from the edge over HTTP.',
      (s) => s.stats.totals.httpBytes,
      'bytes',
    ),
    perStream(
      'p2p_bytes',
      'counter',
      'Bytes viewers reported receiving from peers that passed the integrity check.',
      (s) => s.stats.totals.p2pBytes,
      'bytes',
    ),
    perStream(
      'p2p_rejected_bytes',
      'counter',
      'Bytes from peers that failed the integrity check (never played).',
      (s) => s.stats.totals.rejectedP2pBytes,
      'bytes',
    ),
    perStream(
      'uploaded_bytes',
      'counter',
      'Bytes viewers reported uploading to peers.',
      (s) => s.stats.totals.uploadedBytes,
      'bytes',
    ),
    {
      name: `${p}viewers`,
      type: 'gauge',
      help: 'Viewers whose last beacon is at most 30 s old, by playback mode.',
      samples: input.streams.flatMap((s) =>
        Object.entries(s.stats.current.byMode).map(([mode, value]) => ({ labels: { stream: s.stream, mode }, value })),
      ),
    },
    perStream(
      'peer_connections',
      'gauge',
      "Sum of active viewers' peer connections.",
      (s) => s.stats.current.peerConnections,
    ),
    perStream('stalls', 'counter', 'Playback stalls viewers reported.', (s) => s.stats.totals.stalls),
    perStream(
      'stall_seconds',
      'counter',
      'Seconds viewers spent stalled.',
      (s) => s.stats.totals.stallMs / 1000,
      'seconds',
    ),
    perStream(
      'watch_seconds',
      'counter',
      'Viewer-seconds watched (covered by beacons); stall_seconds over this is the stall ratio.',
      (s) => s.stats.totals.viewerMs / 1000,
      'seconds',
    ),
    perStream(
      'live_latency_p50_seconds',
      'gauge',
      "Median of active viewers' latest live latency; absent without one.",
      (s) => s.stats.current.latencyP50Seconds,
      'seconds',
    ),
    perStream(
      'startup_p50_seconds',
      'gauge',
      'Median start-up time since the stream began; absent before the first.',
      (s) => (s.stats.totals.startupP50Ms === null ? null : s.stats.totals.startupP50Ms / 1000),
      'seconds',
    ),
    perShard('tracker_sockets', 'gauge', 'Open tracker sockets, per region shard.', (t) => t.sockets),
    perShard('tracker_peers', 'gauge', 'Swarm memberships (socket × info_hash), per region shard.', (t) => t.peers),
    perShard(
      'tracker_announces_per_second',
      'gauge',
      'Announces per second, 10 s rolling average.',
      (t) => t.announcesPerSecond,
    ),
    perShard(
      'tracker_offers_relayed_per_second',
      'gauge',
      'Offers relayed per second, 10 s rolling average.',
      (t) => t.offersRelayedPerSecond,
    ),
    perShard('tracker_announces', 'counter', 'Announces since the shard first had a peer.', (t) => t.totals.announces),
    perShard(
      'tracker_offers_relayed',
      'counter',
      'Offers relayed since the shard first had a peer.',
      (t) => t.totals.offersRelayed,
    ),
    perShard('tracker_refused', 'counter', 'Tracker messages refused with a failure reason.', (t) => t.totals.refused),
  ];
}
