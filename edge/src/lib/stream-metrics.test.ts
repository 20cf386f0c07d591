import { describe, expect, it } from 'vitest';
import { renderOpenMetrics } from './openmetrics';
import { type StreamMetricsInput, streamMetricFamilies } from './stream-metrics';

const counters = {
  httpBytes: 1000,
  p2pBytes: 3000,
  uploadedBytes: 2500,
  httpSegments: 1,
  p2pSegments: 3,
  integrityFailures: 0,
  rejectedP2pBytes: 7,
  stalls: 2,
  stallMs: 1500,
};

function stream(id: string, state: string, overrides: Partial<StreamMetricsInput> = {}): StreamMetricsInput {
  return {
    stream: id,
    state,
    stats: {
      current: {
        activeWindowMs: 30_000,
        viewers: 3,
        byMode: { hybrid: 2, cdn: 1, p2pml: 0 },
        peerConnections: 4,
        viewersWithPeers: 2,
        regions: [],
        latencyP50Seconds: 6.5,
      },
      totals: {
        ...counters,
        viewerMs: 120_000,
        offloadPercent: 75,
        stallSecondsPerViewerMinute: 0.75,
        startups: 3,
        startupP50Ms: 850,
        startupP95Ms: 900,
        latencyP50Seconds: 6.5,
        beacons: 10,
        lostBeacons: 0,
        viewersSeen: 3,
        byMode: {} as never,
      },
      edge: {
        servedBytes: 1100,
        servedRequests: 2,
        reportedHttpBytes: 1000,
        differenceBytes: 100,
        differencePercent: 9.1,
        agrees: false,
        tolerancePercent: 5,
      },
    },
    tracker: [
      {
        shard: 'eu',
        stats: {
          sockets: 3,
          peers: 6,
          announcesPerSecond: 0.5,
          offersRelayedPerSecond: 1.25,
          totals: {
            announces: 40,
            answers: 0,
            scrapes: 0,
            offersRelayed: 90,
            answersRelayed: 0,
            answersDropped: 0,
            refused: 1,
            socketsClosed: 0,
            peersTimedOut: 0,
          },
        },
      },
    ],
    ...overrides,
  };
}

describe('streamMetricFamilies', () => {
  const text = renderOpenMetrics(
    streamMetricFamilies({
      streams: [stream('concert', 'live'), stream('demo', 'vod', { tracker: [] })],
      truncated: false,
    }),
  );
  const line = (prefix: string) => text.split('\n').find((l) => l.startsWith(`${prefix} `));

  it('exposes, per stream, edge egress, P2P bytes, viewers by mode, stalls and latency', () => {
    expect(line('edgeswarm_edge_egress_bytes_total{stream="concert"}')).toBe(
      'edgeswarm_edge_egress_bytes_total{stream="concert"} 1100',
    );
    expect(line('edgeswarm_p2p_bytes_total{stream="concert"}')).toMatch(/ 3000$/);
    expect(line('edgeswarm_http_bytes_total{stream="demo"}')).toMatch(/ 1000$/);
    expect(line('edgeswarm_p2p_rejected_bytes_total{stream="concert"}')).toMatch(/ 7$/);
    expect(line('edgeswarm_viewers{stream="concert",mode="hybrid"}')).toMatch(/ 2$/);
    expect(line('edgeswarm_viewers{stream="concert",mode="cdn"}')).toMatch(/ 1$/);
    expect(line('edgeswarm_stalls_total{stream="concert"}')).toMatch(/ 2$/);
    expect(line('edgeswarm_stall_seconds_total{stream="concert"}')).toMatch(/ 1\.5$/);
    expect(line('edgeswarm_watch_seconds_total{stream="concert"}')).toMatch(/ 120$/);
    expect(line('edgeswarm_live_latency_p50_seconds{stream="concert"}')).toMatch(/ 6\.5$/);
    expect(line('edgeswarm_startup_p50_seconds{stream="concert"}')).toMatch(/ 0\.85$/);
    expect(text).toContain('# UNIT edgeswarm_edge_egress_bytes bytes\n');
  });

  it("exposes the tracker's load per stream and shard, for shards that had peers", () => {
    expect(line('edgeswarm_tracker_sockets{stream="concert",shard="eu"}')).toMatch(/ 3$/);
    expect(line('edgeswarm_tracker_peers{stream="concert",shard="eu"}')).toMatch(/ 6$/);
    expect(line('edgeswarm_tracker_announces_per_second{stream="concert",shard="eu"}')).toMatch(/ 0\.5$/);
    expect(line('edgeswarm_tracker_offers_relayed_per_second{stream="concert",shard="eu"}')).toMatch(/ 1\.25$/);
    expect(line('edgeswarm_tracker_announces_total{stream="concert",shard="eu"}')).toMatch(/ 40$/);
    expect(line('edgeswarm_tracker_refused_total{stream="concert",shard="eu"}')).toMatch(/ 1$/);
    expect(text).not.toContain('shard="eu",stream="demo"');
    expect(text).not.toMatch(/tracker_sockets\{stream="demo"/);
  });

  it('counts streams by state and says whether the scrape left streams out', () => {
    expect(line('edgeswarm_streams{state="live"}')).toMatch(/ 1$/);
    expect(line('edgeswarm_streams{state="vod"}')).toMatch(/ 1$/);
    expect(line('edgeswarm_metrics_streams_truncated')).toBe('edgeswarm_metrics_streams_truncated 0');
    const truncated = renderOpenMetrics(streamMetricFamilies({ streams: [], truncated: true }));
    expect(truncated).toContain('\nedgeswarm_metrics_streams_truncated 1\n');
  });

  it('leaves out latency and start-up nobody measured, and still renders', () => {
    const quiet = stream('quiet', 'created');
    quiet.stats.current.latencyP50Seconds = null;
    quiet.stats.totals.startupP50Ms = null;
    const out = renderOpenMetrics(streamMetricFamilies({ streams: [quiet], truncated: false }));
    expect(out).toContain('# TYPE edgeswarm_live_latency_p50_seconds gauge');
    expect(out).not.toContain('edgeswarm_live_latency_p50_seconds{');
    expect(out).not.toContain('edgeswarm_startup_p50_seconds{');
    expect(out.endsWith('# EOF\n')).toBe(true);
  });

  it('leaves out a counter that cannot be one instead of failing the scrape', () => {
    const odd = stream('odd', 'live');
    odd.stats.totals.p2pBytes = -5;
    odd.stats.totals.stallMs = Number.NaN;
    const out = renderOpenMetrics(streamMetricFamilies({ streams: [odd], truncated: false }));
    expect(out).not.toContain('edgeswarm_p2p_bytes_total{');
    expect(out).not.toContain('edgeswarm_stall_seconds_total{');
    expect(out).toContain('edgeswarm_http_bytes_total{stream="odd"} 1000\n');
  });
});
