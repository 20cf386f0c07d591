/**
 * bench:startup's decisions and arithmetic, pure: which cohort opens first in a round (ABBA), which link a
 * round's newcomers sit behind, where a page's start-up went (from its own timings), and the summary: p50/p90
 * per cohort, the hybrid ÷ CDN-only ratio with its per-round spread and a seeded bootstrap interval.
 *
 * Every time is the page's own (performance.now(), ms since its navigation started), so both cohorts are timed
 * by the same clock from the same point, whatever the harness around them did.
 */
import { percentile } from '../src/compare/summary';
import { linksFor, type NetworkName, type ViewerLink } from '../src/link-profiles';

export type StartupCohort = 'cdn' | 'hybrid';

export const startupStatsDefaults = {
  bootstrapIterations: 2000,
  /** The bootstrap's interval: the central 95%. */
  bootstrapLow: 2.5,
  bootstrapHigh: 97.5,
  seed: 12,
};

/** Pure: the order a round opens its two pages in: CDN-only first in even rounds, the hybrid first in odd ones (ABBA). */
export function roundOrder(round: number): [StartupCohort, StartupCohort] {
  return round % 2 === 0 ? ['cdn', 'hybrid'] : ['hybrid', 'cdn'];
}

/**
 * Pure: the link a round's two newcomers sit behind (null on loopback): the network's mix continued past the warm
 * viewers, so the rounds go through the mix's profiles, and both cohorts of a round get the same one.
 */
export function newcomerLink(network: NetworkName, warm: number, round: number): ViewerLink | null {
  if (network === 'loopback') return null;
  return linksFor(network, warm + round + 1)[warm + round] ?? null;
}

/** One resource the page fetched, from its resource timing. */
export interface ResourceTiming {
  path: string;
  /** ms since navigation start. */
  start: number;
  end: number;
}

/** What a newcomer's page says about its start, read in the page once its first frame is out (startup-page.ts). */
export interface StartupReading {
  mode: string;
  /** The player's construction, ms since navigation start (its playback.requestedAt). */
  requestedAt: number;
  /** Its first `playing`, ms since navigation start (playback.startedAt); null: never started. */
  startedAt: number | null;
  /** The first frame presented (requestVideoFrameCallback's presentationTime); null where the browser has none. */
  presentedAt: number | null;
  /** The document's own resource timings: the player script, playlists, segments. */
  resources: ResourceTiming[];
  peers: number;
  p2pBytes: number;
  httpBytes: number;
  errors: string[];
}

/** Where a page's start-up went: each step's end, ms since navigation start (null: not seen). */
export interface StartupPhases {
  /** hybrid-player.js fetched. */
  script: number | null;
  /** The player constructed. */
  player: number;
  /** The first media playlist fetched (after the multivariant one). */
  mediaPlaylist: number | null;
  /** The first media segment fetched (not the init segment). */
  firstSegment: number | null;
  /** The first `playing`: the headline figure. */
  playing: number | null;
  presented: number | null;
  /** Construction to the first `playing`: what compare reports as start-up. */
  playerToPlaying: number | null;
}

const isPlaylist = (path: string) => path.endsWith('.m3u8');
const isStreamFile = (path: string) => path.startsWith('/v1/streams/');
const isInit = (path: string) => /\/init[^/]*\.mp4$/.test(path);

/** Pure: a page's phases from its reading. */
export function startupPhases(r: StartupReading): StartupPhases {
  const before = (t: number) => r.startedAt === null || t <= r.startedAt;
  const sorted = [...r.resources].sort((a, b) => a.end - b.end).filter((e) => before(e.end));
  const script = sorted.find((e) => e.path.endsWith('/hybrid-player.js'));
  const playlists = sorted.filter((e) => isStreamFile(e.path) && isPlaylist(e.path));
  const segment = sorted.find((e) => isStreamFile(e.path) && !isPlaylist(e.path) && !isInit(e.path));
  return {
    script: script?.end ?? null,
    player: r.requestedAt,
    // The first playlist is the multivariant one; the second, the first media playlist.
    mediaPlaylist: playlists[1]?.end ?? null,
    firstSegment: segment?.end ?? null,
    playing: r.startedAt,
    presented: r.presentedAt,
    playerToPlaying: r.startedAt === null ? null : r.startedAt - r.requestedAt,
  };
}

/** One newcomer's page, as the run records it. */
export interface StartupPage {
  round: number;
  cohort: StartupCohort;
  /** 0: opened first in its round, 1: second. */
  position: 0 | 1;
  link: ViewerLink | null;
  phases: StartupPhases;
  /** Share of the machine's CPU busy from the page's opening to its first frame, percent (the newcomer's own start included). */
  busyPercent: number;
  /** Share busy over the gap just before the page opened: the machine the newcomer found (null: no gap). */
  backgroundBusyPercent: number | null;
  /** The 1-minute load average as the page opened. */
  load1: number;
  /** Peers and P2P bytes as the page closed (after --hold): the hybrid newcomer joined the swarm. */
  peersAtClose: number;
  p2pBytesAtClose: number;
  /** Why it has no figure (never started, the page failed); absent when it has one. */
  error?: string;
}

export interface Quantiles {
  n: number;
  p50: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
}

export function quantiles(values: readonly number[]): Quantiles {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
  };
}

/** A small seeded generator (mulberry32): the same run gives the same interval. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pure: the interval of p50(hybrid) ÷ p50(CDN-only) over rounds drawn with replacement (a round keeps its pair, so
 * what a round shared, its moment and its link, stays paired). Null with fewer than two rounds.
 */
export function bootstrapRatio(
  pairs: readonly { cdn: number; hybrid: number }[],
  options = startupStatsDefaults,
): { low: number; high: number } | null {
  if (pairs.length < 2) return null;
  const random = seededRandom(options.seed);
  const ratios: number[] = [];
  for (let i = 0; i < options.bootstrapIterations; i++) {
    const cdn: number[] = [];
    const hybrid: number[] = [];
    for (let j = 0; j < pairs.length; j++) {
      const pair = pairs[Math.floor(random() * pairs.length)] as { cdn: number; hybrid: number };
      cdn.push(pair.cdn);
      hybrid.push(pair.hybrid);
    }
    const c = percentile(cdn, 50) ?? 0;
    if (c > 0) ratios.push((percentile(hybrid, 50) ?? 0) / c);
  }
  const low = percentile(ratios, options.bootstrapLow);
  const high = percentile(ratios, options.bootstrapHigh);
  return low === null || high === null ? null : { low, high };
}

/** The figures compared, each a phase: the headline first. */
export const startupMeasures = [
  'playing',
  'presented',
  'playerToPlaying',
  'firstSegment',
  'mediaPlaylist',
  'script',
] as const;
export type StartupMeasure = (typeof startupMeasures)[number];

export const measureLabels: Record<StartupMeasure, string> = {
  playing: 'navigation → first playing',
  presented: 'navigation → first frame presented',
  playerToPlaying: 'player built → first playing (compare)',
  firstSegment: 'navigation → first segment fetched',
  mediaPlaylist: 'navigation → media playlist fetched',
  script: 'navigation → player script fetched',
};

export interface MeasureSummary {
  cdn: Quantiles;
  hybrid: Quantiles;
  /** p50(hybrid) ÷ p50(CDN-only). */
  ratioP50: number | null;
  ratioP90: number | null;
  /** Each round's hybrid ÷ CDN-only, over the rounds where both have the figure. */
  paired: Quantiles & { p10: number | null; hybridFasterRounds: number };
  bootstrap: { low: number; high: number } | null;
}

export interface StartupSummary {
  rounds: number;
  /** Pages that never reached a first frame, by cohort. */
  failed: Record<StartupCohort, number>;
  measures: Record<StartupMeasure, MeasureSummary>;
  /** CPU while the newcomers started: share busy and the load average at their opening, by cohort. */
  cpu: Record<
    StartupCohort,
    { busyP50: number | null; busyMax: number | null; backgroundBusyP50: number | null; load1Max: number | null }
  >;
  /** Hybrid ÷ CDN-only by the position in the round: 0 = opened first. A large gap is an order effect. */
  byPosition: { first: number | null; second: number | null };
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? null : a / b);

/** Pure: the run's summary from its pages. */
export function summariseStartup(pages: readonly StartupPage[], options = startupStatsDefaults): StartupSummary {
  const rounds = [...new Set(pages.map((p) => p.round))].sort((a, b) => a - b);
  const of = (cohort: StartupCohort) => pages.filter((p) => p.cohort === cohort);
  const value = (p: StartupPage | undefined, m: StartupMeasure) => (p && !p.error ? p.phases[m] : null);
  const measures = {} as Record<StartupMeasure, MeasureSummary>;
  for (const m of startupMeasures) {
    const series = (cohort: StartupCohort) =>
      of(cohort).flatMap((p) => {
        const v = value(p, m);
        return v === null ? [] : [v];
      });
    const cdn = quantiles(series('cdn'));
    const hybrid = quantiles(series('hybrid'));
    const pairs = rounds.flatMap((round) => {
      const c = value(
        pages.find((p) => p.round === round && p.cohort === 'cdn'),
        m,
      );
      const h = value(
        pages.find((p) => p.round === round && p.cohort === 'hybrid'),
        m,
      );
      return c === null || h === null || c <= 0 ? [] : [{ cdn: c, hybrid: h }];
    });
    const pairedRatios = pairs.map((p) => p.hybrid / p.cdn);
    measures[m] = {
      cdn,
      hybrid,
      ratioP50: ratio(hybrid.p50, cdn.p50),
      ratioP90: ratio(hybrid.p90, cdn.p90),
      paired: {
        ...quantiles(pairedRatios),
        p10: percentile(pairedRatios, 10),
        hybridFasterRounds: pairs.filter((p) => p.hybrid < p.cdn).length,
      },
      bootstrap: bootstrapRatio(pairs, options),
    };
  }
  const cpu = (cohort: StartupCohort) => {
    const started = of(cohort).filter((p) => !p.error);
    const busy = started.map((p) => p.busyPercent);
    const background = started.flatMap((p) => (p.backgroundBusyPercent === null ? [] : [p.backgroundBusyPercent]));
    return {
      busyP50: percentile(busy, 50),
      busyMax: busy.length ? Math.max(...busy) : null,
      backgroundBusyP50: percentile(background, 50),
      load1Max: started.length ? Math.max(...started.map((p) => p.load1)) : null,
    };
  };
  const atPosition = (position: 0 | 1, cohort: StartupCohort) =>
    percentile(
      of(cohort).flatMap((p) =>
        p.position === position && !p.error && p.phases.playing !== null ? [p.phases.playing] : [],
      ),
      50,
    );
  return {
    rounds: rounds.length,
    failed: { cdn: of('cdn').filter((p) => p.error).length, hybrid: of('hybrid').filter((p) => p.error).length },
    measures,
    cpu: { cdn: cpu('cdn'), hybrid: cpu('hybrid') },
    byPosition: {
      first: ratio(atPosition(0, 'hybrid'), atPosition(0, 'cdn')),
      second: ratio(atPosition(1, 'hybrid'), atPosition(1, 'cdn')),
    },
  };
}

const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(0)} ms`);
const x = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`);

/** Pure: the table bench:startup prints. */
export function formatStartupSummary(s: StartupSummary): string {
  const head = [
    'measure',
    'CDN-only p50 / p90',
    'hybrid p50 / p90',
    'hybrid ÷ CDN p50',
    'per round p10–p50–p90',
    'bootstrap 95%',
  ];
  const rows = startupMeasures.map((m) => {
    const f = s.measures[m];
    return [
      measureLabels[m],
      `${ms(f.cdn.p50)} / ${ms(f.cdn.p90)}`,
      `${ms(f.hybrid.p50)} / ${ms(f.hybrid.p90)}`,
      x(f.ratioP50),
      f.paired.n
        ? `${x(f.paired.p10)}–${x(f.paired.p50)}–${x(f.paired.p90)} (${f.paired.hybridFasterRounds}/${f.paired.n} faster)`
        : '—',
      f.bootstrap ? `${x(f.bootstrap.low)}–${x(f.bootstrap.high)}` : '—',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(0)}%`);
  const busy = (c: StartupCohort) =>
    `${pct(s.cpu[c].backgroundBusyP50)} busy before the page opened (p50), ${pct(s.cpu[c].busyP50)} while it started (max ${pct(s.cpu[c].busyMax)}), load up to ${s.cpu[c].load1Max === null ? '—' : s.cpu[c].load1Max.toFixed(2)}`;
  return [
    line(head),
    ...rows.map(line),
    '',
    `${s.rounds} rounds; no first frame: CDN-only ${s.failed.cdn}, hybrid ${s.failed.hybrid}`,
    `hybrid ÷ CDN-only p50 (first playing) by position in the round: opened first ${x(s.byPosition.first)}, second ${x(s.byPosition.second)}`,
    `CPU while the newcomers started: CDN-only ${busy('cdn')}; hybrid ${busy('hybrid')}`,
  ].join('\n');
}

/** Processes that load the machine when left over from another run. */
export const heavyProcesses = ['workerd', 'chromium', 'chrome', 'ffmpeg'] as const;

/** Pure: how many of each heavy process run, from the processes' names (/proc/<pid>/comm); absent ones left out. */
export function leftoverProcesses(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) {
    const heavy = heavyProcesses.find((h) => name === h || name.startsWith(`${h}-`) || name.startsWith(`${h}_`));
    if (heavy) counts[heavy] = (counts[heavy] ?? 0) + 1;
  }
  return counts;
}

/** Pure: what a reader of the run's figures must be told. */
export function startupWarnings(
  s: StartupSummary,
  leftovers: Record<string, number>,
  saturatedBusyPercent: number,
): string[] {
  const warnings: string[] = [];
  const running = Object.entries(leftovers);
  if (running.length > 0) {
    warnings.push(
      `other runs' processes were running before this one (${running.map(([n, c]) => `${n} ×${c}`).join(', ')}): the machine was not quiet`,
    );
  }
  for (const cohort of ['cdn', 'hybrid'] as const) {
    // Judged on the machine the newcomer found: its own start fills both cores for a moment whatever else runs.
    const busy = s.cpu[cohort].backgroundBusyP50;
    if (busy !== null && busy >= saturatedBusyPercent) {
      warnings.push(
        `${cohort === 'cdn' ? 'CDN-only' : 'hybrid'} newcomers opened on a CPU-saturated machine (${busy.toFixed(0)}% busy p50 just before they opened; the mark is ${saturatedBusyPercent}%): their start-up measures the machine as much as the player`,
      );
    }
    if (s.failed[cohort] > 0) {
      warnings.push(
        `${s.failed[cohort]} ${cohort === 'cdn' ? 'CDN-only' : 'hybrid'} newcomers had no first frame (see pages[].error)`,
      );
    }
  }
  const b = s.measures.playing.bootstrap;
  if (b && b.low <= 1 && b.high >= 1) {
    warnings.push(
      `the hybrid ÷ CDN-only interval (${b.low.toFixed(2)}–${b.high.toFixed(2)}×) holds 1: these rounds cannot tell the two apart`,
    );
  }
  return warnings;
}
