import { describe, expect, it } from 'vitest';
import {
  bootstrapRatio,
  formatStartupSummary,
  leftoverProcesses,
  newcomerLink,
  roundOrder,
  type StartupCohort,
  type StartupPage,
  type StartupReading,
  seededRandom,
  startupPhases,
  startupWarnings,
  summariseStartup,
} from './startup-stats';

const reading = (over: Partial<StartupReading> = {}): StartupReading => ({
  mode: 'hybrid',
  requestedAt: 120,
  startedAt: 400,
  presentedAt: 410,
  resources: [
    { path: '/player/hybrid-player.js', start: 10, end: 100 },
    { path: '/v1/streams/s/master.m3u8', start: 125, end: 150 },
    { path: '/v1/streams/s/r0/playlist.m3u8', start: 151, end: 180 },
    { path: '/v1/streams/s/r0/init.mp4', start: 181, end: 200 },
    { path: '/v1/streams/s/r0/seg-7.m4s', start: 201, end: 300 },
    { path: '/v1/streams/s/r0/seg-8.m4s', start: 301, end: 380 },
    { path: '/player/hybrid-p2p.js', start: 401, end: 450 },
  ],
  peers: 0,
  p2pBytes: 0,
  httpBytes: 0,
  errors: [],
  ...over,
});

const page = (round: number, cohort: StartupCohort, playing: number | null, over: Partial<StartupPage> = {}) =>
  ({
    round,
    cohort,
    position: (roundOrder(round).indexOf(cohort) as 0 | 1) ?? 0,
    link: null,
    phases: {
      script: 50,
      player: 60,
      mediaPlaylist: 100,
      firstSegment: playing === null ? null : playing - 20,
      playing,
      presented: playing === null ? null : playing + 10,
      playerToPlaying: playing === null ? null : playing - 60,
    },
    busyPercent: 40,
    backgroundBusyPercent: 20,
    load1: 0.5,
    peersAtClose: 0,
    p2pBytesAtClose: 0,
    ...(playing === null ? { error: 'no first frame within 30 s' } : {}),
    ...over,
  }) satisfies StartupPage;

describe('bench:startup: rounds and links', () => {
  it('swaps the order every round (ABBA)', () => {
    expect([0, 1, 2, 3].map(roundOrder)).toEqual([
      ['cdn', 'hybrid'],
      ['hybrid', 'cdn'],
      ['cdn', 'hybrid'],
      ['hybrid', 'cdn'],
    ]);
  });

  it('puts a round’s newcomers behind the mix’s next link after the warm viewers’, none on loopback', () => {
    expect(newcomerLink('loopback', 3, 0)).toBeNull();
    // residential cycles dsl, cable, fibre, mobile, dsl, cable: after 3 warm viewers, mobile, dsl, cable, dsl, …
    expect([0, 1, 2, 3, 5].map((r) => newcomerLink('residential', 3, r)?.profile)).toEqual([
      'mobile',
      'dsl',
      'cable',
      'dsl',
      'fibre',
    ]);
    expect(newcomerLink('dsl', 0, 4)).toEqual({ profile: 'dsl', downMbps: 16, upMbps: 1 });
  });
});

describe('bench:startup: a page’s phases', () => {
  it('reads each step from the page’s own timings, navigation start as zero', () => {
    expect(startupPhases(reading())).toEqual({
      script: 100,
      player: 120,
      mediaPlaylist: 180,
      firstSegment: 300,
      playing: 400,
      presented: 410,
      playerToPlaying: 280,
    });
  });

  it('ignores what came after the first frame, and says null for what it never saw', () => {
    const late = reading({
      resources: [
        { path: '/v1/streams/s/master.m3u8', start: 125, end: 150 },
        { path: '/v1/streams/s/r0/seg-7.m4s', start: 201, end: 500 },
      ],
    });
    expect(startupPhases(late)).toMatchObject({ script: null, mediaPlaylist: null, firstSegment: null, playing: 400 });
    expect(startupPhases(reading({ startedAt: null, presentedAt: null }))).toMatchObject({
      playing: null,
      presented: null,
      playerToPlaying: null,
      // Never started: every step seen counts.
      firstSegment: 300,
    });
  });
});

describe('bench:startup: the summary', () => {
  it('seeds its generator: the same seed, the same draws', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    expect(seededRandom(8)()).not.toBe(draws[0]);
  });

  it('bootstraps the p50 ratio over paired rounds: a constant ratio gives that ratio; one round, nothing', () => {
    const pairs = [300, 350, 420, 500, 610].map((cdn) => ({ cdn, hybrid: cdn * 1.2 }));
    const b = bootstrapRatio(pairs);
    expect(b?.low).toBeCloseTo(1.2, 9);
    expect(b?.high).toBeCloseTo(1.2, 9);
    expect(bootstrapRatio(pairs.slice(0, 1))).toBeNull();
    const mixed = bootstrapRatio([
      { cdn: 300, hybrid: 280 },
      { cdn: 400, hybrid: 460 },
      { cdn: 500, hybrid: 490 },
      { cdn: 350, hybrid: 380 },
    ]);
    expect(mixed && mixed.low < mixed.high).toBe(true);
    expect(
      bootstrapRatio([
        { cdn: 300, hybrid: 280 },
        { cdn: 400, hybrid: 460 },
      ]),
    ).toEqual(
      bootstrapRatio([
        { cdn: 300, hybrid: 280 },
        { cdn: 400, hybrid: 460 },
      ]),
    );
  });

  it('gives p50/p90 per cohort, the ratio, each round’s ratio, failures and the order effect', () => {
    const pages = [
      page(0, 'cdn', 300),
      page(0, 'hybrid', 330),
      page(1, 'hybrid', 390),
      page(1, 'cdn', 400),
      page(2, 'cdn', 500),
      page(2, 'hybrid', null),
      page(3, 'hybrid', 450, { busyPercent: 90, load1: 2.5 }),
      page(3, 'cdn', 420),
    ];
    const s = summariseStartup(pages);
    expect(s.rounds).toBe(4);
    expect(s.failed).toEqual({ cdn: 0, hybrid: 1 });
    const playing = s.measures.playing;
    expect(playing.cdn).toEqual({ n: 4, p50: 400, p90: 500, min: 300, max: 500 });
    expect(playing.hybrid).toEqual({ n: 3, p50: 390, p90: 450, min: 330, max: 450 });
    expect(playing.ratioP50).toBeCloseTo(390 / 400, 9);
    // Rounds 0, 1 and 3 have both: 1.1, 0.975, 1.0714…; round 2's hybrid never started.
    expect(playing.paired.n).toBe(3);
    expect(playing.paired.p50).toBeCloseTo(450 / 420, 9);
    expect(playing.paired.hybridFasterRounds).toBe(1);
    expect(s.measures.playerToPlaying.cdn.p50).toBe(340);
    expect(s.cpu.hybrid).toEqual({ busyP50: 40, busyMax: 90, backgroundBusyP50: 20, load1Max: 2.5 });
    // Opened first: hybrid in rounds 1 and 3 (390, 450) against CDN-only in 0 and 2 (300, 500).
    expect(s.byPosition.first).toBeCloseTo(390 / 300, 9);
    expect(s.byPosition.second).toBeCloseTo(330 / 400, 9);
  });

  it('prints a table and warns about a loaded machine, failures and an interval that holds 1', () => {
    const pages = [0, 1, 2, 3].flatMap((r) => [page(r, 'cdn', 300 + 10 * r), page(r, 'hybrid', 295 + 12 * r)]);
    const s = summariseStartup(pages);
    const table = formatStartupSummary(s);
    expect(table).toContain('navigation → first playing');
    expect(table).toContain('4 rounds; no first frame: CDN-only 0, hybrid 0');
    expect(startupWarnings(s, {}, 85)).toEqual([
      expect.stringMatching(/^the hybrid ÷ CDN-only interval \(0\.\d\d–1\.\d\d×\) holds 1/),
    ]);
    const loaded = summariseStartup([
      page(0, 'cdn', 300, { busyPercent: 99, backgroundBusyPercent: 95 }),
      page(0, 'hybrid', null),
      page(1, 'hybrid', 320, { busyPercent: 99 }),
    ]);
    expect(startupWarnings(loaded, { workerd: 2 }, 85)).toEqual([
      "other runs' processes were running before this one (workerd ×2): the machine was not quiet",
      expect.stringMatching(/^CDN-only newcomers opened on a CPU-saturated machine \(95% busy p50 just before/),
      '1 hybrid newcomers had no first frame (see pages[].error)',
    ]);
  });

  it('counts leftover heavy processes by name', () => {
    expect(leftoverProcesses(['bash', 'workerd', 'chromium', 'chrome_crashpad', 'ffmpeg', 'workerd', 'node'])).toEqual({
      workerd: 2,
      chromium: 1,
      chrome: 1,
      ffmpeg: 1,
    });
    expect(leftoverProcesses(['node', 'sh'])).toEqual({});
  });
});
