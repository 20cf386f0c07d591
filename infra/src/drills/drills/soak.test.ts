import { statsDefaults } from '@edgeswarm/edge/src/stats/aggregate';
import { describe, expect, it } from 'vitest';
import { bandwidthOf as bw, sampleOf } from '../../compare/test-fixtures';
import {
  browserJudgedLabel,
  heapGrowthLine,
  isTabJsHeap,
  judgedMemory,
  offloadQuarters,
  ourHeapLabel,
  ourObjectsLabel,
  p2pStartedAt,
  readingsDue,
  soak,
  soakLimits,
  soakShape,
  soakWarmUpSeconds,
  stallsInReadings,
  tabBuffersLabel,
  tabJudgedLabel,
  tabReadingsJudged,
} from './soak';

describe('judgedMemory', () => {
  it("judges every process's memory, our isolate's heap, each tab's renderer and Chromium's browser processes without the HTTP caches", () => {
    for (const label of [ourObjectsLabel, tabJudgedLabel(230), browserJudgedLabel, 'publisher', 'ffmpeg']) {
      expect(judgedMemory(label), label).toBe(true);
    }
  });

  it("reports, not judges, wrangler dev's own processes, the edge's workerd process, our whole heap, the tabs' resident memory, buffer partitions and JS heaps, and the browser processes with the HTTP caches", () => {
    for (const label of [
      'chromium (browser, gpu, network)',
      'wrangler',
      'workerd (wrangler proxy)',
      'workerd',
      ourHeapLabel,
      'chromium tab 230',
      tabBuffersLabel(230),
      'v1 JS heap',
      'v12 JS heap',
    ]) {
      expect(judgedMemory(label), label).toBe(false);
    }
  });
});

describe('p2pStartedAt', () => {
  it("is the first reading of a page's counts with an RTCPeerConnection in it", () => {
    expect(
      p2pStartedAt([
        [15, 0],
        [30, 0],
        [45, 3],
        [60, 0],
        [75, 7],
      ]),
    ).toBe(45);
  });

  it('is undefined for a page that never held one, or without counts', () => {
    expect(
      p2pStartedAt([
        [15, 0],
        [30, 0],
      ]),
    ).toBeUndefined();
    expect(p2pStartedAt(undefined)).toBeUndefined();
  });
});

describe('tabReadingsJudged', () => {
  // A renderer read every 300 s whose page started P2P at 897 s: the P2P stack steps it up 15 MB at the next reading.
  const readings: [number, number][] = [
    [621, 146],
    [922, 161],
    [1222, 161.5],
    [1522, 162],
    [1821, 162.4],
  ];

  it('judges a tab from its first reading at least the settling time after its P2P started', () => {
    expect(tabReadingsJudged(readings, 897, 50)).toEqual(readings.slice(2));
    expect(tabReadingsJudged(readings, 872, 50)).toEqual(readings.slice(1));
    // Exactly the settling time after the start counts.
    expect(tabReadingsJudged(readings, 1172, 50)).toEqual(readings.slice(2));
  });

  it('judges a tab that never started P2P on all its readings', () => {
    expect(tabReadingsJudged(readings, undefined, 50)).toEqual(readings);
  });

  it('leaves too few readings to judge when P2P started late in the window', () => {
    expect(tabReadingsJudged(readings, 1647, 50)).toEqual([[1821, 162.4]]);
  });
});

describe('isTabJsHeap', () => {
  it("is a viewer's tab, not our isolate's heap", () => {
    expect(isTabJsHeap('v3 JS heap')).toBe(true);
    expect(isTabJsHeap('workerd: our isolate JS heap')).toBe(false);
  });
});

describe('heapGrowthLine', () => {
  const kinds = (code: number, map: number) =>
    new Map([
      ['code', { count: code / 100, bytes: code }],
      ['object Map', { count: map / 50, bytes: map }],
      ['string', { count: 10, bytes: 5000 }],
    ]);

  it('names the kinds that grew most, first to last, with their size at every snapshot', () => {
    const line = heapGrowthLine(
      [
        { t: 621, kinds: kinds(800_000, 10_000) },
        { t: 921, kinds: kinds(900_000, 20_000) },
        { t: 1819, kinds: kinds(910_000, 40_000) },
      ],
      2,
    );
    expect(line).toBe(
      "our heap's largest growth by kind over the window (snapshots at 621, 921, 1819 s): " +
        'code +110 kB (+1100; 800 → 900 → 910 kB); object Map +30 kB (+600; 10 → 20 → 40 kB)',
    );
  });

  it('says nothing with fewer than two snapshots', () => {
    expect(heapGrowthLine([])).toBe('');
    expect(heapGrowthLine([{ t: 1, kinds: kinds(1, 1) }])).toBe('');
  });
});

describe("the stats object's retention in the soak", () => {
  it('is shorter than the warm-up, so its buckets are at their bound and pruned before the judged window', () => {
    for (const quick of [true, false]) {
      const retention = soakLimits.statsRetentionSeconds[quick ? 0 : 1];
      // The newest bucket is partly filled: the bound is reached one bucket after the retention.
      expect(retention + statsDefaults.bucketMs / 1000, quick ? 'quick' : 'full').toBeLessThan(
        soakWarmUpSeconds(quick),
      );
      expect(retention * 1000).toBeLessThan(statsDefaults.retentionMs);
    }
  });

  it("is the issue's soak: 8 viewers for 30 min judged over the last 20; quick, 4 for 120 s over the last 60", () => {
    expect(soakShape(false)).toEqual({ viewers: 8, staggerSeconds: 3, seconds: 1800, windowSeconds: 1200 });
    expect(soakShape(true)).toEqual({ viewers: 4, staggerSeconds: 3, seconds: 120, windowSeconds: 60 });
    expect(soakWarmUpSeconds(false)).toBe(621);
    expect(soakWarmUpSeconds(true)).toBe(69);
  });

  it("judges counts only once the last viewer's unanswered offers have reached their lifetime, quick or full", () => {
    for (const quick of [true, false]) {
      const { viewers, staggerSeconds } = soakShape(quick);
      const lastJoin = (viewers - 1) * staggerSeconds;
      expect(soakWarmUpSeconds(quick), quick ? 'quick' : 'full').toBeGreaterThanOrEqual(
        lastJoin + soakLimits.p2pStartSeconds + soakLimits.offerLifetimeSeconds,
      );
    }
  });
});

describe('the soak samples often enough to judge', () => {
  it('holds the 8 readings a count needs (memory.ts countGrowth) in the window, quick or full', () => {
    for (const quick of [true, false]) {
      const { windowSeconds } = soakShape(quick);
      const readings = (everySeconds: number) => Math.floor(windowSeconds / everySeconds) + 1;
      expect(readings(soak.sampleSeconds[quick ? 0 : 1]), quick ? 'quick' : 'full').toBeGreaterThanOrEqual(8);
      expect(readings(soakLimits.countEverySeconds[quick ? 0 : 1]), quick ? 'quick' : 'full').toBeGreaterThanOrEqual(8);
    }
  });
  it('takes the heavy readings (after a GC: the judged tabs, our objects) at least 5 times in the window, quick or full', () => {
    for (const quick of [true, false]) {
      const { windowSeconds } = soakShape(quick);
      const every = soakLimits.readingEverySeconds[quick ? 0 : 1];
      // memoryGrowth fits a line through at least 3; five make a slope over 20 minutes that one odd reading cannot set.
      expect(Math.floor(windowSeconds / every) + 1, quick ? 'quick' : 'full').toBeGreaterThanOrEqual(5);
    }
  });
});

describe('readingsDue', () => {
  const on = { lateSeconds: 0.5, periodSeconds: 10, secondsToLast: 40, lastTookSeconds: 9.5 };
  it('runs a round on time or a little late', () => {
    expect(readingsDue(on)).toBe(true);
    expect(readingsDue({ ...on, lateSeconds: 5 })).toBe(true);
  });
  it('skips a round more than half its period late, to catch up', () => {
    expect(readingsDue({ ...on, lateSeconds: 5.1 })).toBe(false);
  });
  it('skips a round that would likely still run when the last reading is due', () => {
    expect(readingsDue({ ...on, secondsToLast: 7 })).toBe(false);
    expect(readingsDue({ ...on, secondsToLast: 7, lastTookSeconds: 2 })).toBe(true);
  });
});

describe('offloadQuarters', () => {
  const viewer = (httpBytes: number, p2pBytes: number, strained: boolean) => ({
    httpBytes,
    p2pBytes,
    bandwidth: bw(strained),
  });
  it('splits the last window into four, each with its offload and the share of viewer samples backed off', () => {
    const samples = [
      sampleOf(0, [viewer(0, 0, false), null]),
      sampleOf(40, [viewer(400, 0, true), null]), // before the window: neither figure counts it
      sampleOf(50, [viewer(400, 100, false), null]),
      sampleOf(60, [viewer(500, 100, true), viewer(0, 0, false)]),
      sampleOf(70, [viewer(550, 150, true), null]),
      sampleOf(80, [viewer(550, 250, false), null]),
    ];
    expect(offloadQuarters(samples, 40)).toEqual([
      { offloadPercent: 100, backedOffPercent: 0 },
      { offloadPercent: 0, backedOffPercent: 50 },
      { offloadPercent: 50, backedOffPercent: 100 },
      { offloadPercent: 100, backedOffPercent: 0 },
    ]);
  });

  it('knows nothing without samples', () => {
    expect(offloadQuarters([], 40)).toEqual(Array(4).fill({ offloadPercent: null, backedOffPercent: null }));
  });
});

describe('stallsInReadings', () => {
  /** A viewer that joined at `joined` s, asked to play 0.5 s later, and stalled at these ms after that. */
  const viewer = (joined: number, stallsAtMs: number[], stalls = stallsAtMs.length) => ({
    stalls,
    joinedAtSeconds: joined,
    startupPhases: { pageMs: 500, manifest: null, playlist: null, init: null, segment: null },
    timeline: { p2pRequestedMs: null, p2pStartedMs: null, firstPeerMs: null, stallsAtMs, seeksAtMs: [] },
  });
  const rounds = [
    { from: 300, to: 309 },
    { from: 600, to: 603 },
  ];

  it('places each stall on the cohort clock (join + page + its own time) in the round it began in, or after its slack', () => {
    const viewers = [
      // 3 + 0.5 + 300 = 303.5: inside the first round.
      viewer(3, [300_000]),
      // 0.5 + 318.5 = 319: 10 s after the first round's end, the slack's edge.
      viewer(0, [318_500]),
      // 6 + 0.5 + 313 = 319.5: past the slack.
      viewer(6, [313_000]),
      // 21 + 0.5 + 100 = 121.5, outside; 21 + 0.5 + 580 = 601.5, in the second round.
      viewer(21, [100_000, 580_000]),
    ];
    expect(stallsInReadings(viewers, rounds, 10)).toEqual({ during: 3, outside: 2, unplaced: 0, rounds: [300, 600] });
  });

  it('with no slack only stalls inside a round count; with no rounds none do', () => {
    const viewers = [viewer(0, [305_000, 318_500])];
    expect(stallsInReadings(viewers, rounds, 0)).toMatchObject({ during: 1, outside: 1, rounds: [300] });
    expect(stallsInReadings(viewers, [], 10)).toEqual({ during: 0, outside: 2, unplaced: 0, rounds: [] });
  });

  it('a stall the timeline does not hold (not read, or fewer times than stalls) is not placed', () => {
    const noTimeline = { stalls: 2, joinedAtSeconds: 0 };
    expect(stallsInReadings([noTimeline, viewer(0, [300_000], 3)], rounds, 10)).toEqual({
      during: 1,
      outside: 0,
      unplaced: 4,
      rounds: [300],
    });
  });

  it('counts no more stalls than the viewer had, whatever the timeline lists', () => {
    expect(stallsInReadings([viewer(0, [300_000, 301_000, 302_000], 1)], rounds, 10)).toMatchObject({ during: 1 });
  });
});
