import type { StatsSnapshot } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import {
  cohortSeries,
  compareSummaries,
  cpuBusyPercent,
  cpuFigures,
  cpuPerViewer,
  edgeCountBetween,
  edgeEgress,
  intervalFigures,
  isSaturated,
  percentile,
  proxyBetween,
  rendererLessMediaPercent,
  rendererRatioAlikeMedia,
  rollingHttpMbps,
  rollingOffload,
  summariseCohort,
  summariseProfiles,
} from './summary';
import { results, run, sampleOf, shapedResults, viewer } from './test-fixtures';
import type { ProxyCounters } from './throttle-proxy';

describe('percentile', () => {
  it('is nearest-rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([3, 1, 2, 4], 50)).toBe(2); // rank ⌈0.5·4⌉ = 2
    expect(percentile([3, 1, 2, 4], 95)).toBe(4); // rank ⌈3.8⌉ = 4
    expect(percentile([10, 20, 30], 0)).toBe(10);
  });
});

describe('interval figures', () => {
  const first = sampleOf(2, [{ httpBytes: 250_000, latencySeconds: 6 }, null]);
  const second = sampleOf(4, [
    { httpBytes: 500_000, latencySeconds: 6, stalledMs: 400 },
    { p2pBytes: 250_000, latencySeconds: 7, peers: 1 },
  ]);

  it('turns cumulative counters into rates; a viewer that just joined counts from 0', () => {
    // 250 000 bytes each way in 2 s: 8 · 250 000 / 2 = 1 Mbit/s.
    expect(intervalFigures(first, second)).toEqual({
      t: 4,
      seconds: 2,
      httpBytes: 250_000,
      p2pBytes: 250_000,
      httpMbps: 1,
      p2pMbps: 1,
      offloadPercent: 50,
      latencyP50: 6,
      latencyMin: 6,
      latencyMax: 7,
      playing: 2,
      joined: 2,
      meanPeers: 0.5,
      stalledSeconds: 0.4,
    });
  });

  it('starts the first interval at 0 s, and says nothing about offload when no bytes moved', () => {
    const [a, b] = cohortSeries([first, sampleOf(6, [{ httpBytes: 250_000, stalling: true }, null])]);
    expect(a).toMatchObject({ t: 2, seconds: 2, httpMbps: 1, offloadPercent: 0, latencyP50: 6, playing: 1 });
    // A viewer in a stall has joined but is not playing.
    expect(b).toMatchObject({ httpBytes: 0, offloadPercent: null, latencyP50: null, playing: 0, joined: 1 });
  });

  it('smooths offload over a window of intervals, so an interval of only the first fetcher does not read 0%', () => {
    const figures = cohortSeries([
      sampleOf(2, [{ httpBytes: 100 }, { p2pBytes: 0 }]),
      sampleOf(4, [{ httpBytes: 100 }, { p2pBytes: 100 }]),
      sampleOf(6, [{ httpBytes: 200 }, { p2pBytes: 100 }]),
      sampleOf(8, [{ httpBytes: 200 }, { p2pBytes: 100 }]),
    ]);
    expect(figures.map((f) => f.offloadPercent)).toEqual([0, 100, 0, null]);
    // Windows of 2: [100 http], [100 http, 100 p2p], [100 p2p, 100 http], [100 http].
    expect(rollingOffload(figures, 2)).toEqual([0, 50, 50, 0]);
    // HTTP: 100, 0, 100, 0 bytes per 2 s → over 4 s: 100 bytes = 200 bit/s.
    expect(rollingHttpMbps(figures, 2)).toEqual([400e-6, 200e-6, 200e-6, 200e-6]);
  });

  it('ignores counters that went down (a reloaded page) rather than counting negative bytes', () => {
    expect(intervalFigures(sampleOf(2, [{ httpBytes: 900 }]), sampleOf(4, [{ httpBytes: 100 }])).httpBytes).toBe(0);
  });
});

describe('cohort summary', () => {
  const r = results();
  const [cdn, hybrid] = r.cohorts;

  it('CDN-only: everything from the edge', () => {
    expect(cdn?.summary).toEqual({
      viewers: 2,
      started: 2,
      httpBytes: 4_000_000,
      p2pBytes: 0,
      uploadedBytes: 0,
      upload: { topPercentShare: 0, topViewerShare: 0, uploadersPercent: 0 },
      offloadPercent: 0,
      boundPercent: 50,
      edgeEgressBytes: 4_000_000,
      edgeEgressSource: 'edge',
      startupP50Ms: 500,
      startupP95Ms: 700,
      stalls: 0,
      stalledSeconds: 0,
      stallRate: 0,
      latencyP50Seconds: 6,
      latencyP95Seconds: 7,
      integrityFailures: 0,
      errors: 0,
      droppedFramesPercent: 0,
      meanRenditionKbps: 300,
      rendererCpuPercent: null,
      browserCpuPercent: null,
      rendererLessMediaCpuPercent: null,
    });
  });

  it('hybrid: offload from bytes, a viewer that never started censored at its watch time', () => {
    const s = hybrid?.summary;
    expect(s?.offloadPercent).toBe(75); // 3 MB of 4 MB from peers
    expect(s?.started).toBe(1);
    // Start-ups [500 ms, 57 s (viewer 2 watched 60 − 3 s and never started)].
    expect(s?.startupP50Ms).toBe(500);
    expect(s?.startupP95Ms).toBe(57_000);
    // 1.5 s stalled over 60 + 57 s = 1.95 viewer-minutes.
    expect(s?.stallRate).toBeCloseTo(1.5 / 1.95, 10);
    // Latency samples pooled: [6, 7, 8].
    expect(s?.latencyP50Seconds).toBe(7);
    expect(s?.latencyP95Seconds).toBe(8);
    // Viewer 0 sent all 2 MB: a star of one, and one viewer of two uploading.
    expect(s?.upload).toEqual({ topPercentShare: 100, topViewerShare: 100, uploadersPercent: 50 });
  });

  it('compares hybrid with CDN-only as ratios', () => {
    expect(r.comparison).toEqual({
      edgeEgress: 0.25,
      startupP50: 1,
      latencyP50: 7 / 6,
      offloadOfBoundPercent: 150,
      stalledSecondsDelta: 1.5,
      rendererCpu: null,
      rendererCpuAlikeMedia: null,
    });
    const zero = summariseCohort(run('cdn', []), null, null);
    expect(compareSummaries(zero, zero)).toMatchObject({ edgeEgress: null, startupP50: null, latencyP50: null });
  });

  it("puts each cohort's browser CPU per viewer as a share of one core over the time watched, and compares it", () => {
    // Two viewers watching 60 s and 57 s: 117 s; renderers 23.4 CPU-s → 20% of a core each, browsers 35.1 → 30%.
    const viewers = [viewer(0), viewer(1)];
    const cdnRun = summariseCohort(run('cdn', viewers, [], { rendererSeconds: 23.4, totalSeconds: 35.1 }), null, null);
    expect(cdnRun.rendererCpuPercent).toBeCloseTo(20, 9);
    expect(cdnRun.browserCpuPercent).toBeCloseTo(30, 9);
    const hybridRun = summariseCohort(
      run('hybrid', viewers, [], { rendererSeconds: 25.74, totalSeconds: 40 }),
      null,
      null,
    );
    expect(compareSummaries(cdnRun, hybridRun).rendererCpu).toBeCloseTo(1.1, 9);
    expect(cpuPerViewer({ rendererSeconds: 1, totalSeconds: 2 }, 0)).toEqual({
      rendererCpuPercent: null,
      browserCpuPercent: null,
    });
  });

  it('reads renderer CPU less the decode and compositing threads, over the viewers whose threads were read', () => {
    const threads = { 'chromium-headle': 3, Media: 2.5, VideoFrameCompo: 1.5, Compositor: 0.5, WebRTC_W_and_N: 0.6 };
    // 10 renderer-seconds, 4.5 of them media: 5.5 over 110 s watched is 5%.
    const read = { watchedSeconds: 110, cpu: { rendererSeconds: 10, totalSeconds: 16, rendererThreads: threads } };
    expect(rendererLessMediaPercent([read])).toBeCloseTo(5, 9);
    // A viewer without a thread reading, or without a CPU reading, or that watched nothing, is left out, not zero.
    const unread = { watchedSeconds: 60, cpu: { rendererSeconds: 30, totalSeconds: 40 } };
    const watchedNothing = {
      watchedSeconds: 0,
      cpu: { rendererSeconds: 1, totalSeconds: 1, rendererThreads: threads },
    };
    expect(rendererLessMediaPercent([read, unread, { watchedSeconds: 60, cpu: null }, watchedNothing])).toBeCloseTo(
      5,
      9,
    );
    // Pooled over viewers: (5.5 + 2) s over 110 + 50 s; a viewer without media threads loses nothing.
    const noMedia = { watchedSeconds: 50, cpu: { rendererSeconds: 2, totalSeconds: 3, rendererThreads: { X: 2 } } };
    expect(rendererLessMediaPercent([read, noMedia])).toBeCloseTo((100 * 7.5) / 160, 9);
    expect(rendererLessMediaPercent([])).toBeNull();
    expect(rendererLessMediaPercent([unread])).toBeNull();
    // In a cohort's summary and the comparison: CDN-only's renderer is 4 + 2.4 s over 60 s (10.67%), 4% without media;
    // the hybrid's 5% without: its extra, 1% of a core, is 0.094 of CDN-only's renderer, whatever the media threads did.
    const withThreads = (name: 'cdn' | 'hybrid', media: number, rest: number) => {
      const cpu = { rendererSeconds: media + rest, totalSeconds: 20 };
      const threads = { ...cpu, rendererThreads: { Media: media, Main: rest } };
      return summariseCohort(run(name, [viewer(0, { cpu: threads })], [], cpu), null, null);
    };
    const cdn = withThreads('cdn', 4, 0.04 * 60);
    const hybrid = withThreads('hybrid', 2, 0.05 * 60);
    expect(cdn.rendererLessMediaCpuPercent).toBeCloseTo(4, 9);
    expect(cdn.rendererCpuPercent).toBeCloseTo((100 * 6.4) / 60, 9);
    expect(compareSummaries(cdn, hybrid).rendererCpuAlikeMedia).toBeCloseTo(1 + 1 / ((100 * 6.4) / 60), 9);
    // The plain ratio reads the hybrid's lighter media threads as P2P costing less than nothing.
    expect(compareSummaries(cdn, hybrid).rendererCpu).toBeLessThan(1);
    expect(rendererRatioAlikeMedia({ rendererCpuPercent: 0, rendererLessMediaCpuPercent: 0 }, hybrid)).toBeNull();
    expect(rendererRatioAlikeMedia({ rendererCpuPercent: 8, rendererLessMediaCpuPercent: null }, hybrid)).toBeNull();
    expect(rendererRatioAlikeMedia(cdn, { rendererLessMediaCpuPercent: undefined })).toBeNull();
  });

  it('counts dropped frames over all frames', () => {
    const s = summariseCohort(
      run('cdn', [
        viewer(0, { droppedFrames: 3, totalFrames: 100 }),
        viewer(1, { droppedFrames: 1, totalFrames: 300 }),
      ]),
      null,
      null,
    );
    expect(s.droppedFramesPercent).toBe(1);
  });
});

describe('edge egress source', () => {
  it("prefers the edge's own count, then the proxy's, then the viewers'", () => {
    const edge = { servedBytes: 10, servedRequests: 1, beaconHttpBytes: 9, beaconP2pBytes: 0 };
    expect(edgeEgress(edge, { mediaBytes: 11 }, 12)).toEqual({ bytes: 10, source: 'edge' });
    expect(edgeEgress(null, { mediaBytes: 11 }, 12)).toEqual({ bytes: 11, source: 'proxy' });
    expect(edgeEgress({ ...edge, servedBytes: 0 }, { mediaBytes: 0 }, 12)).toEqual({ bytes: 12, source: 'viewers' });
    // Under a cap, what crossed the capped link comes first.
    expect(edgeEgress(edge, { mediaBytes: 11 }, 12, true)).toEqual({ bytes: 11, source: 'proxy' });
  });

  it("takes a cohort's share of the stream's stats as the difference across it", () => {
    const stats = (served: number, requests: number, cdnHttp: number, hybridHttp: number) =>
      ({
        edge: { servedBytes: served, servedRequests: requests },
        totals: {
          byMode: { cdn: { httpBytes: cdnHttp, p2pBytes: 0 }, hybrid: { httpBytes: hybridHttp, p2pBytes: 5 } },
        },
      }) as unknown as StatsSnapshot;
    expect(edgeCountBetween(stats(100, 2, 100, 0), stats(130, 5, 100, 30), 'hybrid')).toEqual({
      servedBytes: 30,
      servedRequests: 3,
      beaconHttpBytes: 30,
      beaconP2pBytes: 0,
    });
    expect(edgeCountBetween(null, stats(100, 2, 100, 0), 'cdn')).toMatchObject({ servedBytes: 100 });
    expect(edgeCountBetween(stats(1, 1, 1, 1), null, 'cdn')).toBeNull();
  });

  it('subtracts proxy readings field by field', () => {
    const a: ProxyCounters = {
      requests: 1,
      bytes: 10,
      throttledBytes: 5,
      mediaBytes: 4,
      upgrades: 0,
      errors: 0,
      capBindingMs: 7,
    };
    const b: ProxyCounters = {
      requests: 4,
      bytes: 50,
      throttledBytes: 25,
      mediaBytes: 20,
      upgrades: 2,
      errors: 1,
      capBindingMs: 9,
    };
    expect(proxyBetween(a, b)).toEqual({
      requests: 3,
      bytes: 40,
      throttledBytes: 20,
      mediaBytes: 16,
      upgrades: 2,
      errors: 1,
      capBindingMs: 2,
    });
  });
});

describe('CPU', () => {
  const at = (user: number, sys: number, idle: number) => ({ times: { user, nice: 0, sys, idle, irq: 0 } });

  it('is the share of all cores not idle between two readings', () => {
    // Core 0: 150 of 200 busy; core 1: 0 of 200 busy → 150 / 400.
    expect(cpuBusyPercent([at(100, 50, 850), at(0, 0, 1000)], [at(200, 100, 900), at(0, 0, 1200)])).toBe(37.5);
    expect(cpuBusyPercent([], [])).toBe(0);
  });

  it('flags a cohort as saturated at 85% busy, whatever the load average, and keeps the highest seen', () => {
    const busy = cpuFigures([at(0, 0, 0)], [at(85, 0, 15)], [sampleOf(2, [], 1.5), sampleOf(4, [], 1)], 0.5);
    expect(busy).toEqual({ cores: 1, busyPercent: 85, loadAverageMax: 1.5, loadAverageEnd: 0.5 });
    expect(isSaturated(busy)).toBe(true);
    expect(isSaturated({ ...busy, busyPercent: 84.9 })).toBe(false);
    expect(isSaturated({ ...busy, busyPercent: 50, loadAverageMax: 5 })).toBe(false);
  });
});

describe('per link profile', () => {
  it('puts viewers without links of their own in one loopback row', () => {
    const [row, ...rest] = summariseProfiles(results().cohorts[1]?.run ?? run('hybrid', []));
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      profile: 'loopback',
      viewers: 2,
      httpBytes: 1_000_000,
      p2pBytes: 3_000_000,
      offloadPercent: 75,
      linkUpBytes: null,
      peakUpMbps: null,
      upWithinCap: null,
    });
  });

  it('gives no shaping verdict for a profile none of whose viewers has link samples, rather than a pass', () => {
    const hybrid = shapedResults().cohorts[1];
    if (!hybrid) throw new Error('fixture has no hybrid cohort');
    const unmeasured = { viewers: hybrid.run.viewers.map((v, i) => (i === 0 ? { ...v, linkUse: null } : v)) };
    const [dsl, cable] = summariseProfiles(unmeasured);
    expect(dsl).toMatchObject({ profile: 'dsl', linkUpBytes: null, peakUpMbps: null, upWithinCap: null });
    expect(cable?.upWithinCap).toBe(true);
    const over = {
      viewers: hybrid.run.viewers.map((v, i) =>
        i === 1 && v.linkUse ? { ...v, linkUse: { ...v.linkUse, upWithinCap: false } } : v,
      ),
    };
    expect(summariseProfiles(over)[1]?.upWithinCap).toBe(false);
  });

  it('groups viewers by profile in join order, with what crossed their links and the peak against the cap', () => {
    const hybrid = shapedResults().cohorts[1];
    const [dsl, cable] = hybrid?.byProfile ?? [];
    expect(dsl).toMatchObject({
      profile: 'dsl',
      downMbps: 16,
      upMbps: 1,
      viewers: 1,
      offloadPercent: 50,
      uploadedBytes: 2_000_000,
      linkUpBytes: 1_500_000,
      linkDownBytes: 2_000_000,
      peakUpMbps: 0.95,
      upWithinCap: true,
      firstFetcherSeconds: 40,
      stalls: 0,
    });
    expect(dsl?.peakUpOfCapPercent).toBeCloseTo(95);
    expect(cable).toMatchObject({ profile: 'cable', viewers: 1, offloadPercent: 100, stalls: 1, stalledSeconds: 1.5 });
    expect(cable?.peakUpOfCapPercent).toBeCloseTo(2);
  });
});
