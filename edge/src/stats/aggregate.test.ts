/** The aggregator's arithmetic, with every expected number worked out by hand in the comments. */
import { type Beacon, zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import {
  applyBeacon,
  decideBeacon,
  emptyState,
  prune,
  recordRejection,
  recordServed,
  type StatsOptions,
  snapshot,
  spread,
  statsDefaults,
  statsOptionsFor,
} from './aggregate';

/** Bucket-aligned: 100 buckets of 10 s after the epoch. */
const T0 = 1_000_000;

let viewerCounter = 0;
function beacon(overrides: Partial<Beacon> = {}): Beacon {
  return {
    v: 1,
    stream: 'demo',
    viewer: `viewer-${viewerCounter++}-abcdef`,
    seq: 0,
    mode: 'cdn',
    intervalMs: 5000,
    ...zeroCounters(),
    peers: 0,
    bufferSeconds: 4,
    ...overrides,
  };
}

describe('spread', () => {
  it('divides an interval among the buckets it overlaps', () => {
    expect(spread(5000, 15000, 10_000)).toEqual([
      { start: 0, fraction: 0.5 },
      { start: 10_000, fraction: 0.5 },
    ]);
    expect(spread(12_000, 14_000, 10_000)).toEqual([{ start: 10_000, fraction: 1 }]);
    // Ending exactly on a boundary: nothing lands in the bucket that starts there.
    expect(spread(0, 20_000, 10_000)).toEqual([
      { start: 0, fraction: 0.5 },
      { start: 10_000, fraction: 0.5 },
    ]);
    expect(spread(15_000, 15_000, 10_000)).toEqual([{ start: 10_000, fraction: 1 }]);
  });
});

describe('buckets and totals', () => {
  /**
   * Two viewers report at T0 + 15 s:
   * - A (cdn, eu): 10 s interval, 1 000 000 HTTP bytes, start-up 800 ms, latency 6.1 s, no peers.
   *   Its interval [T0+5 s, T0+15 s] is half in bucket T0, half in bucket T0+10 s.
   * - B (hybrid, us): 5 s interval, 200 000 HTTP + 600 000 P2P bytes, 3 peers, one 1.5 s stall,
   *   start-up 1200 ms, latency 4 s. Its interval is all in bucket T0+10 s.
   * The edge served 1 300 000 bytes between T0+8 s and T0+12 s: 650 000 in each bucket.
   */
  function twoViewers() {
    const state = emptyState();
    const a = beacon({
      viewer: 'viewer-a-123456',
      intervalMs: 10_000,
      httpBytes: 1_000_000,
      httpSegments: 4,
      startupMs: 800,
      latencySeconds: 6.1,
      region: 'eu',
    });
    const b = beacon({
      viewer: 'viewer-b-123456',
      mode: 'hybrid',
      httpBytes: 200_000,
      p2pBytes: 600_000,
      uploadedBytes: 300_000,
      httpSegments: 1,
      p2pSegments: 3,
      peers: 3,
      stalls: 1,
      stallMs: 1500,
      startupMs: 1200,
      latencySeconds: 4,
      region: 'us',
    });
    expect(applyBeacon(state, a, T0 + 15_000).verdict).toEqual({ ok: true });
    expect(applyBeacon(state, b, T0 + 15_000).verdict).toEqual({ ok: true });
    recordServed(state, { bytes: 1_300_000, requests: 5, fromMs: T0 + 8000, toMs: T0 + 12_000 }, T0 + 12_000);
    return state;
  }

  it('carries rejected P2P bytes apart from offload, and starts them at 0 in stats stored before they existed', () => {
    const state = twoViewers();
    // A bucket and totals as stored before rejectedP2pBytes existed (the object reloads them as they were written).
    for (const bucket of state.buckets.values()) delete (bucket as Partial<typeof bucket>).rejectedP2pBytes;
    delete (state.totals as Partial<typeof state.totals>).rejectedP2pBytes;
    delete (state.totals.byMode.hybrid as Partial<typeof state.totals.byMode.hybrid>).rejectedP2pBytes;
    const c = beacon({
      viewer: 'viewer-c-123456',
      mode: 'hybrid',
      httpBytes: 300_000,
      p2pBytes: 100_000,
      p2pSegments: 1,
      integrityFailures: 2,
      rejectedP2pBytes: 200_000,
    });
    expect(applyBeacon(state, c, T0 + 15_000).verdict).toEqual({ ok: true });
    const totals = snapshot(state, 'demo', T0 + 20_000).totals;
    expect(totals.rejectedP2pBytes).toBe(200_000);
    expect(totals.byMode.hybrid.rejectedP2pBytes).toBe(200_000);
    expect(totals.integrityFailures).toBe(2);
    // Offload counts only what was used: P2P 600 000 + 100 000 of 1 000 000 + 200 000 + 300 000 + 700 000 bytes.
    expect(totals.offloadPercent).toBe(31.82);
  });

  it('spreads flows over the buckets each interval covers and derives per-bucket figures', () => {
    const stats = snapshot(twoViewers(), 'demo', T0 + 20_000);
    // Closed buckets only: T0 and T0+10 s; the one starting at T0+20 s is in progress.
    expect(stats.series.time).toEqual([T0 / 1000, T0 / 1000 + 10]);
    // Bucket T0: 500 000 B of A's ÷ 10 s; bucket T0+10 s: 500 000 (A) + 200 000 (B) ÷ 10 s.
    expect(stats.series.httpBytesPerSecond).toEqual([50_000, 70_000]);
    expect(stats.series.p2pBytesPerSecond).toEqual([0, 60_000]);
    expect(stats.series.servedBytesPerSecond).toEqual([65_000, 65_000]);
    // 600 000 ÷ (600 000 + 700 000) = 46.15 %.
    expect(stats.series.offloadPercent).toEqual([0, 46.15]);
    // Viewer-time ÷ 10 s: 5 s of A; then 5 s of A + 5 s of B.
    expect(stats.series.viewers).toEqual([0.5, 1]);
    // Gauges land where the beacons arrived (T0+15 s): peers (0 + 3) ÷ 2 beacons, regions eu and us.
    expect(stats.series.peers).toEqual([null, 1.5]);
    expect(stats.series.regions).toEqual([null, 2]);
    // 1.5 stalled s over 10 viewer-s = 1/6 viewer-minute → 9 s per viewer-minute.
    expect(stats.series.stallSecondsPerViewerMinute).toEqual([0, 9]);
    // Start-ups 800 and 1200: nearest-rank p50 is the first, 800 (a bin edge, so exact).
    expect(stats.series.startupP50Ms).toEqual([null, 800]);
    // Latencies 4 and 6.1: p50 is 4 (an edge).
    expect(stats.series.latencyP50Seconds).toEqual([null, 4]);
    expect(stats.series.rejected).toEqual([0, 0]);
  });

  it('keeps totals since the start, by mode, with offload, stall rate and start-up percentiles', () => {
    const stats = snapshot(twoViewers(), 'demo', T0 + 20_000);
    expect(stats.startedAt).toBe(T0 + 15_000);
    expect(stats.totals).toMatchObject({
      viewerMs: 15_000,
      httpBytes: 1_200_000,
      p2pBytes: 600_000,
      uploadedBytes: 300_000,
      httpSegments: 5,
      p2pSegments: 3,
      stalls: 1,
      stallMs: 1500,
      // 600 000 ÷ 1 800 000.
      offloadPercent: 33.33,
      // 1.5 s over 15 viewer-s = 0.25 viewer-minutes → 6 s per viewer-minute.
      stallSecondsPerViewerMinute: 6,
      startups: 2,
      startupP50Ms: 800,
      // Rank ⌈0.95 × 2⌉ = 2: 1200.
      startupP95Ms: 1200,
      latencyP50Seconds: 4,
      beacons: 2,
      lostBeacons: 0,
      viewersSeen: 2,
    });
    expect(stats.totals.byMode.hybrid).toMatchObject({ viewerMs: 5000, httpBytes: 200_000, p2pBytes: 600_000 });
    expect(stats.totals.byMode.cdn).toMatchObject({ viewerMs: 10_000, httpBytes: 1_000_000, p2pBytes: 0 });
    expect(stats.totals.byMode.p2pml).toMatchObject({ viewerMs: 0, httpBytes: 0, p2pBytes: 0 });
  });

  it('keeps stock p2p-media-loader viewers apart from the hybrid and CDN-only ones', () => {
    const state = twoViewers();
    applyBeacon(
      state,
      beacon({ viewer: 'viewer-stock-1234', mode: 'p2pml', httpBytes: 70_000, p2pBytes: 30_000 }),
      T0 + 20_000,
    );
    const stats = snapshot(state, 'demo', T0 + 20_000);
    expect(stats.totals.byMode.p2pml).toMatchObject({ httpBytes: 70_000, p2pBytes: 30_000 });
    expect(stats.totals.byMode.hybrid).toMatchObject({ httpBytes: 200_000, p2pBytes: 600_000 });
    expect(stats.current.byMode).toEqual({ hybrid: 1, cdn: 1, p2pml: 1 });
  });

  it('sets the edge count beside the reported HTTP bytes and flags a disagreement', () => {
    const stats = snapshot(twoViewers(), 'demo', T0 + 20_000);
    // Served 1 300 000 vs reported 1 200 000: 100 000 ÷ 1 300 000 = 7.69 %, over the 5 % tolerance.
    expect(stats.edge).toEqual({
      servedBytes: 1_300_000,
      servedRequests: 5,
      reportedHttpBytes: 1_200_000,
      differenceBytes: 100_000,
      differencePercent: 7.69,
      agrees: false,
      tolerancePercent: 5,
    });
    const state = twoViewers();
    recordServed(state, { bytes: 0, requests: 0, fromMs: T0, toMs: T0 }, T0 + 20_000);
    applyBeacon(state, beacon({ viewer: 'viewer-c-123456', httpBytes: 60_000 }), T0 + 20_000);
    // 1 300 000 vs 1 260 000: 3.08 %, within tolerance.
    expect(snapshot(state, 'demo', T0 + 20_000).edge).toMatchObject({ differencePercent: 3.08, agrees: true });
  });

  it('counts viewers active in the last 30 s, their peers, regions and current latency', () => {
    const state = twoViewers();
    expect(snapshot(state, 'demo', T0 + 20_000).current).toEqual({
      activeWindowMs: 30_000,
      viewers: 2,
      byMode: { hybrid: 1, cdn: 1, p2pml: 0 },
      peerConnections: 3,
      viewersWithPeers: 1,
      regions: [
        { region: 'eu', viewers: 1 },
        { region: 'us', viewers: 1 },
      ],
      // Exact p50 of 4 and 6.1.
      latencyP50Seconds: 4,
    });
    // A's final beacon: A left at once; B is silent past 30 s at T0+46 s.
    applyBeacon(state, beacon({ viewer: 'viewer-a-123456', seq: 1, final: true }), T0 + 20_000);
    expect(snapshot(state, 'demo', T0 + 21_000).current.viewers).toBe(1);
    expect(snapshot(state, 'demo', T0 + 46_000).current.viewers).toBe(0);
  });

  it('fills silent buckets with zeros and gaps, and drops buckets past the hour', () => {
    const state = emptyState();
    applyBeacon(state, beacon({ viewer: 'viewer-x-123456', httpBytes: 100_000 }), T0 + 5000);
    const later = snapshot(state, 'demo', T0 + 35_000);
    expect(later.series.time).toEqual([T0 / 1000, T0 / 1000 + 10, T0 / 1000 + 20]);
    expect(later.series.httpBytesPerSecond).toEqual([10_000, 0, 0]);
    expect(later.series.offloadPercent).toEqual([0, null, null]);
    expect(later.series.latencyP50Seconds).toEqual([null, null, null]);

    const hourLater = T0 + 3_600_000 + 20_000;
    const cut = prune(state, hourLater);
    // The bucket of T0 + 1 h + 20 s, less an hour.
    expect(cut.bucketsBefore).toBe(T0 + 20_000);
    expect(state.buckets.size).toBe(0);
    expect(state.viewers.size).toBe(0); // silent for an hour: forgotten
    const gone = snapshot(state, 'demo', hourLater);
    expect(gone.series.time).toEqual([]);
    expect(gone.totals.httpBytes).toBe(100_000); // totals are since the start, not the last hour
  });

  it('keeps only the retained part of an interval in buckets, but all of it in totals', () => {
    const options: StatsOptions = { ...statsDefaults, retentionMs: 20_000 };
    const state = emptyState();
    // [T0+5 s, T0+45 s] at T0+45 s: the oldest kept bucket is T0+40 s − 20 s = T0+20 s.
    applyBeacon(
      state,
      beacon({ viewer: 'viewer-y-123456', intervalMs: 40_000, httpBytes: 400_000 }),
      T0 + 45_000,
      options,
    );
    expect([...state.buckets.keys()].sort()).toEqual([T0 + 20_000, T0 + 30_000, T0 + 40_000]);
    // 10 s of 40 s each in T0+20 s and T0+30 s, 5 s in T0+40 s.
    expect([T0 + 20_000, T0 + 30_000, T0 + 40_000].map((s) => state.buckets.get(s)?.httpBytes)).toEqual([
      100_000, 100_000, 50_000,
    ]);
    expect(state.totals.httpBytes).toBe(400_000);
  });
});

describe('per-viewer bookkeeping', () => {
  it('drops duplicate and old seq, and counts gaps as lost beacons', () => {
    const state = emptyState();
    const viewer = 'viewer-seq-1234';
    expect(applyBeacon(state, beacon({ viewer, seq: 0 }), T0).verdict.ok).toBe(true);
    const again = applyBeacon(state, beacon({ viewer, seq: 0, httpBytes: 5 }), T0 + 2000);
    expect(again.verdict).toMatchObject({ ok: false, reason: 'duplicate', status: 409 });
    expect(applyBeacon(state, beacon({ viewer, seq: 3 }), T0 + 8000).verdict.ok).toBe(true);
    expect(applyBeacon(state, beacon({ viewer, seq: 2 }), T0 + 10_000).verdict).toMatchObject({ reason: 'duplicate' });
    const stats = snapshot(state, 'demo', T0 + 20_000);
    expect(stats.totals.beacons).toBe(2);
    expect(stats.totals.httpBytes).toBe(0); // the duplicate's 5 bytes never counted
    expect(stats.totals.lostBeacons).toBe(2); // seq 1 and 2 never arrived before 3
    expect(stats.rejections).toMatchObject({ total: 2, byReason: { duplicate: 2 } });
  });

  it('refuses too-frequent beacons with a retry time, and counts them', () => {
    const state = emptyState();
    const viewer = 'viewer-fast-123';
    const verdicts = [0, 1, 2, 3, 4].map((seq) => applyBeacon(state, beacon({ viewer, seq }), T0).verdict);
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, true, true, false]);
    expect(verdicts[4]).toMatchObject({ reason: 'rate_limited', status: 429, retryAfterSeconds: 1 });
    // A second later one token is back.
    expect(applyBeacon(state, beacon({ viewer, seq: 5 }), T0 + 1000).verdict.ok).toBe(true);
    const stats = snapshot(state, 'demo', T0 + 10_000);
    expect(stats.rejections.byReason).toEqual({ rate_limited: 1 });
    // The beacons' 5 s intervals reach back into the bucket before T0.
    expect(stats.series.rejected).toEqual([0, 1]);
    // seq 4 was refused, so 5 arriving after 3 looks like one lost beacon.
    expect(stats.totals.lostBeacons).toBe(1);
  });

  it('refuses new viewers beyond the tracked maximum, but not known ones', () => {
    const options: StatsOptions = { ...statsDefaults, maxViewers: 2 };
    const state = emptyState();
    applyBeacon(state, beacon({ viewer: 'viewer-one-1234' }), T0, options);
    applyBeacon(state, beacon({ viewer: 'viewer-two-1234' }), T0, options);
    expect(applyBeacon(state, beacon({ viewer: 'viewer-three-12' }), T0, options).verdict).toMatchObject({
      ok: false,
      reason: 'too_many_viewers',
      status: 429,
    });
    expect(applyBeacon(state, beacon({ viewer: 'viewer-one-1234', seq: 1 }), T0 + 5000, options).verdict.ok).toBe(true);
  });

  it('clamps a claimed interval to the time since the previous beacon, and bytes to that interval', () => {
    const viewer = 'viewer-liar-123';
    const first = decideBeacon(undefined, beacon({ viewer }), T0, 0);
    if (!first.ok) throw new Error('first beacon refused');
    // 2 s after the previous beacon it claims 120 s and 10^9 bytes. Allowed: 2 s + 2 s slack = 4 s,
    // and 4 s × 125 000 000 B/s = 5 × 10^8 bytes; 400 stalls exceed 4 s × 50 per second = 200.
    const liar = decideBeacon(
      first.viewer,
      beacon({ viewer, seq: 1, intervalMs: 120_000, httpBytes: 1e9, stalls: 400, stallMs: 9000 }),
      T0 + 2000,
      1,
    );
    expect(liar).toMatchObject({
      ok: true,
      clamped: ['interval', 'bytes', 'segments', 'stall'],
      applied: { intervalMs: 4000, httpBytes: 5e8, stalls: 200, stallMs: 4000 },
    });
    const state = emptyState();
    applyBeacon(state, beacon({ viewer }), T0);
    applyBeacon(state, beacon({ viewer, seq: 1, intervalMs: 120_000, httpBytes: 1e9 }), T0 + 2000);
    const stats = snapshot(state, 'demo', T0 + 10_000);
    expect(stats.totals.viewerMs).toBe(5000 + 4000);
    expect(stats.rejections.clamped).toEqual({ interval: 1, bytes: 1 });
  });

  it('counts start-up once per viewer and keeps gauges until they are reported again', () => {
    const state = emptyState();
    const viewer = 'viewer-start-12';
    applyBeacon(state, beacon({ viewer, startupMs: 900, latencySeconds: 5, region: 'eu' }), T0);
    applyBeacon(state, beacon({ viewer, seq: 1, startupMs: 20_000 }), T0 + 5000);
    const stats = snapshot(state, 'demo', T0 + 6000);
    expect(stats.totals).toMatchObject({ startups: 1, startupP50Ms: 900 });
    expect(stats.current).toMatchObject({ latencyP50Seconds: 5, regions: [{ region: 'eu', viewers: 1 }] });
  });
});

describe('rejections', () => {
  it('counts reasons and validator messages, the messages bounded', () => {
    const options: StatsOptions = { ...statsDefaults, maxRejectionDetails: 2 };
    const state = emptyState();
    recordRejection(state, 'negative', 'httpBytes is negative', T0, options);
    recordRejection(state, 'negative', 'peers is negative', T0, options);
    recordRejection(state, 'negative', 'stalls is negative', T0, options);
    recordRejection(state, 'not_json', undefined, T0 + 10_000, options);
    const stats = snapshot(state, 'demo', T0 + 20_000, options);
    expect(stats.rejections).toEqual({
      total: 4,
      byReason: { negative: 3, not_json: 1 },
      detail: { 'httpBytes is negative': 1, 'peers is negative': 1, other: 1 },
      clamped: {},
    });
    expect(stats.series.rejected).toEqual([3, 1]);
    // Rejections alone do not start the stream's stats.
    expect(stats.startedAt).toBeNull();
  });
});

describe('statsOptionsFor', () => {
  it('keeps the defaults without STATS_RETENTION_SECONDS', () => {
    expect(statsOptionsFor(undefined)).toEqual({ options: statsDefaults });
    expect(statsOptionsFor(' ')).toEqual({ options: statsDefaults });
  });

  it('takes a shorter retention in whole seconds, from one bucket to the default hour', () => {
    expect(statsOptionsFor('300').options).toEqual({ ...statsDefaults, retentionMs: 300_000 });
    expect(statsOptionsFor('10').options.retentionMs).toBe(10_000);
    expect(statsOptionsFor('3600').options.retentionMs).toBe(3_600_000);
  });

  it('refuses anything else with the reason, keeping the defaults', () => {
    for (const bad of ['9', '3601', '30.5', '-60', 'five minutes', '1e9']) {
      const { options, refused } = statsOptionsFor(bad);
      expect(options, bad).toBe(statsDefaults);
      expect(refused, bad).toContain('STATS_RETENTION_SECONDS must be whole seconds from 10 to 3600');
    }
  });
});

describe('retention bounds the buckets', () => {
  it('keeps at most retention / bucket + 1 buckets however long the edge serves, pruned once a bucket', () => {
    for (const retentionSeconds of [30, 300]) {
      const { options } = statsOptionsFor(String(retentionSeconds));
      const state = emptyState();
      const most = retentionSeconds / 10 + 1;
      let prunedAt = 0;
      let largest = 0;
      // Served bytes every second for three retentions, pruned as the stats object does (at most once a bucket).
      for (let now = T0 + 1000; now <= T0 + 3 * retentionSeconds * 1000; now += 1000) {
        recordServed(state, { bytes: 40_000, requests: 2, fromMs: now - 1000, toMs: now }, now, options);
        if (now - prunedAt >= options.bucketMs) {
          prune(state, now, options);
          prunedAt = now;
        }
        largest = Math.max(largest, state.buckets.size);
      }
      expect(largest, `${retentionSeconds} s`).toBe(most);
      expect(state.buckets.size, `${retentionSeconds} s`).toBeLessThanOrEqual(most);
    }
  });
});
