/**
 * Every figure the compare harness reports, from plain data: percentiles,
 * per-interval rates from the samples, cohort summaries and the hybrid ÷
 * CDN-only ratios. Pure, so each number is checked by hand in summary.test.ts.
 */
import type { PlaybackMode, StatsSnapshot } from '@edgeswarm/protocol';
import { uploadSpread } from '../../sim/upload-spread';
import type { BrowserCpu } from '../cohort/browser-cpu';
import type {
  CohortRun,
  CohortSample,
  CohortSummary,
  Comparison,
  CpuFigures,
  EdgeCount,
  EgressSource,
  ProfileSummary,
} from './results';
import type { ProxyCounters } from './throttle-proxy';

export const summaryDefaults = {
  /**
   * Over this share of all cores busy across a cohort, its timings say more about the machine than the
   * stream. Measured, not the load average: that is a minute behind, so it flags a cohort for the load
   * before it started.
   */
  saturatedBusyPercent: 85,
};

/** Nearest-rank percentile; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

export interface IntervalFigures {
  /** End of the interval, seconds since the cohort started. */
  t: number;
  seconds: number;
  httpBytes: number;
  p2pBytes: number;
  /** Viewer-reported HTTP bytes per second over the interval, in Mbit/s: the edge's load. */
  httpMbps: number;
  p2pMbps: number;
  /** Of the bytes received in the interval; null when none were. */
  offloadPercent: number | null;
  /** Median, lowest and highest latency of the viewers playing at the sample. */
  latencyP50: number | null;
  latencyMin: number | null;
  latencyMax: number | null;
  /** Viewers that have started and are not in a stall. */
  playing: number;
  joined: number;
  meanPeers: number | null;
  /** Stalled seconds in the interval, all viewers. */
  stalledSeconds: number;
}

/** Rates over one interval: a viewer counts from 0 at its join, so its first bytes are not lost. */
export function intervalFigures(previous: CohortSample | undefined, current: CohortSample): IntervalFigures {
  const seconds = Math.max(1e-3, current.t - (previous?.t ?? 0));
  let httpBytes = 0;
  let p2pBytes = 0;
  let stalledMs = 0;
  const latencies: number[] = [];
  const peers: number[] = [];
  let joined = 0;
  let playing = 0;
  for (const [index, viewer] of current.viewers.entries()) {
    if (!viewer) continue;
    joined++;
    const before = previous?.viewers[index];
    httpBytes += Math.max(0, viewer.httpBytes - (before?.httpBytes ?? 0));
    p2pBytes += Math.max(0, viewer.p2pBytes - (before?.p2pBytes ?? 0));
    stalledMs += Math.max(0, viewer.stalledMs - (before?.stalledMs ?? 0));
    if (viewer.latencySeconds !== null) latencies.push(viewer.latencySeconds);
    if (viewer.started && !viewer.stalling) playing++;
    peers.push(viewer.peers);
  }
  const total = httpBytes + p2pBytes;
  return {
    t: current.t,
    seconds,
    httpBytes,
    p2pBytes,
    httpMbps: (8 * httpBytes) / seconds / 1e6,
    p2pMbps: (8 * p2pBytes) / seconds / 1e6,
    offloadPercent: total > 0 ? (100 * p2pBytes) / total : null,
    latencyP50: percentile(latencies, 50),
    latencyMin: latencies.length ? Math.min(...latencies) : null,
    latencyMax: latencies.length ? Math.max(...latencies) : null,
    playing,
    joined,
    meanPeers: peers.length ? peers.reduce((a, b) => a + b, 0) / peers.length : null,
    stalledSeconds: stalledMs / 1000,
  };
}

export function cohortSeries(samples: readonly CohortSample[]): IntervalFigures[] {
  return samples.map((sample, i) => intervalFigures(samples[i - 1], sample));
}

/**
 * Offload over the last `window` intervals, at each interval: with 2 s segments sampled every 2 s, one
 * interval may hold the first fetcher's HTTP download and the next its peers' copies, so single
 * intervals swing between 0 and 100% while the swarm is steady.
 */
export function rollingOffload(figures: readonly IntervalFigures[], window: number): (number | null)[] {
  return figures.map((_, i) => {
    const span = figures.slice(Math.max(0, i - window + 1), i + 1);
    const p2p = span.reduce((s, f) => s + f.p2pBytes, 0);
    const all = span.reduce((s, f) => s + f.p2pBytes + f.httpBytes, 0);
    return all > 0 ? (100 * p2p) / all : null;
  });
}

/** Viewer-reported HTTP Mbit/s over the last `window` intervals: segments complete in bursts. */
export function rollingHttpMbps(figures: readonly IntervalFigures[], window: number): number[] {
  return figures.map((_, i) => {
    const span = figures.slice(Math.max(0, i - window + 1), i + 1);
    const seconds = span.reduce((s, f) => s + f.seconds, 0);
    return (8 * span.reduce((s, f) => s + f.httpBytes, 0)) / seconds / 1e6;
  });
}

/**
 * What the edge sent out for one cohort: its own count first, then the proxy's, then the viewers'.
 * Under a cap the proxy's count comes first: the cap stands for the edge's link, and the edge counts
 * a 200's full size as it answers, so every segment request a starved viewer abandons (a timeout, a
 * retry, a rendition switch) counts in full at the edge although little of it crossed the link.
 */
export function edgeEgress(
  edge: EdgeCount | null,
  proxy: Pick<ProxyCounters, 'mediaBytes'> | null,
  viewersHttpBytes: number,
  capped = false,
): { bytes: number; source: EgressSource } {
  if (capped && proxy && proxy.mediaBytes > 0) return { bytes: proxy.mediaBytes, source: 'proxy' };
  if (edge && edge.servedBytes > 0) return { bytes: edge.servedBytes, source: 'edge' };
  if (proxy && proxy.mediaBytes > 0) return { bytes: proxy.mediaBytes, source: 'proxy' };
  return { bytes: viewersHttpBytes, source: 'viewers' };
}

export function summariseCohort(
  run: CohortRun,
  edge: EdgeCount | null,
  proxy: Pick<ProxyCounters, 'mediaBytes'> | null,
  capped = false,
): CohortSummary {
  const v = run.viewers;
  const sum = (pick: (x: (typeof v)[number]) => number) => v.reduce((s, x) => s + pick(x), 0);
  const httpBytes = sum((x) => x.httpBytes);
  const p2pBytes = sum((x) => x.p2pBytes);
  // A viewer that never started is censored at its watch time, so a starved cohort cannot look fast.
  const startups = v.map((x) => x.startupMs ?? x.watchedSeconds * 1000);
  const latencies = v.flatMap((x) => x.latencySamples);
  const stalledSeconds = sum((x) => x.stalledMs) / 1000;
  const viewerMinutes = sum((x) => x.watchedSeconds) / 60;
  const frames = sum((x) => x.totalFrames ?? 0);
  const bitrates = run.samples.flatMap((s) => s.viewers.flatMap((x) => (x?.bitrate ? [x.bitrate] : [])));
  const egress = edgeEgress(edge, proxy, httpBytes, capped);
  return {
    viewers: v.length,
    started: v.filter((x) => x.startupMs !== null).length,
    httpBytes,
    p2pBytes,
    uploadedBytes: sum((x) => x.uploadedBytes),
    upload: uploadSpread(v.map((x) => x.uploadedBytes)),
    offloadPercent: httpBytes + p2pBytes > 0 ? (100 * p2pBytes) / (httpBytes + p2pBytes) : 0,
    boundPercent: v.length > 0 ? (100 * (v.length - 1)) / v.length : 0,
    edgeEgressBytes: egress.bytes,
    edgeEgressSource: egress.source,
    startupP50Ms: percentile(startups, 50),
    startupP95Ms: percentile(startups, 95),
    stalls: sum((x) => x.stalls),
    stalledSeconds,
    stallRate: viewerMinutes > 0 ? stalledSeconds / viewerMinutes : 0,
    latencyP50Seconds: percentile(latencies, 50),
    latencyP95Seconds: percentile(latencies, 95),
    integrityFailures: sum((x) => x.integrityFailures),
    errors: sum((x) => x.errors.length),
    droppedFramesPercent: frames > 0 ? (100 * sum((x) => x.droppedFrames ?? 0)) / frames : null,
    meanRenditionKbps: bitrates.length ? bitrates.reduce((a, b) => a + b, 0) / bitrates.length / 1000 : null,
    ...cpuPerViewer(run.browserCpu, viewerMinutes * 60),
    rendererLessMediaCpuPercent: rendererLessMediaPercent(v),
  };
}

/**
 * Figures per link profile, in the order profiles first appear among the viewers: what each kind of
 * link received, sent (as the player counted it and as its link measured it) and suffered. Viewers
 * without a link of their own are one `loopback` row.
 */
export function summariseProfiles(run: Pick<CohortRun, 'viewers'>): ProfileSummary[] {
  const groups = new Map<string, CohortRun['viewers']>();
  for (const v of run.viewers) {
    const key = v.link?.profile ?? 'loopback';
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups.entries()].map(([profile, v]) => {
    const sum = (pick: (x: (typeof v)[number]) => number) => v.reduce((s, x) => s + pick(x), 0);
    const link = v[0]?.link ?? null;
    const measured = v.filter((x) => x.linkUse);
    const httpBytes = sum((x) => x.httpBytes);
    const p2pBytes = sum((x) => x.p2pBytes);
    const peakUpMbps = measured.length ? Math.max(...measured.map((x) => x.linkUse?.peakUpMbps ?? 0)) : null;
    return {
      profile,
      downMbps: link?.downMbps ?? null,
      upMbps: link?.upMbps ?? null,
      viewers: v.length,
      httpBytes,
      p2pBytes,
      offloadPercent: httpBytes + p2pBytes > 0 ? (100 * p2pBytes) / (httpBytes + p2pBytes) : 0,
      uploadedBytes: sum((x) => x.uploadedBytes),
      linkUpBytes: measured.length ? sum((x) => x.linkUse?.upBytes ?? 0) : null,
      linkDownBytes: measured.length ? sum((x) => x.linkUse?.downBytes ?? 0) : null,
      peakUpMbps,
      peakUpOfCapPercent: peakUpMbps !== null && link?.upMbps ? (100 * peakUpMbps) / link.upMbps : null,
      upWithinCap: measured.length ? measured.every((x) => x.linkUse?.upWithinCap) : null,
      firstFetcherSeconds: sum((x) => x.firstFetcherSeconds ?? 0),
      stalls: sum((x) => x.stalls),
      stalledSeconds: sum((x) => x.stalledMs) / 1000,
      startupP50Ms: percentile(
        v.map((x) => x.startupMs ?? x.watchedSeconds * 1000),
        50,
      ),
      latencyP50Seconds: percentile(
        v.flatMap((x) => x.latencySamples),
        50,
      ),
    };
  });
}

/**
 * Pure: what the cohort's browsers cost per viewer, as a share of one core over the time they watched: the renderers
 * (the pages: hls.js, P2P, hashing) and every process of the browsers.
 */
export function cpuPerViewer(
  cpu: BrowserCpu | null | undefined,
  watchedSeconds: number,
): Pick<CohortSummary, 'rendererCpuPercent' | 'browserCpuPercent'> {
  if (!cpu || !(watchedSeconds > 0)) return { rendererCpuPercent: null, browserCpuPercent: null };
  return {
    rendererCpuPercent: (100 * cpu.rendererSeconds) / watchedSeconds,
    browserCpuPercent: (100 * cpu.totalSeconds) / watchedSeconds,
  };
}

/**
 * The renderer's threads that decode and draw the video (thread kinds, renderer-profile.ts threadKind): P2P changes
 * none of their work, yet between a run's cohorts they varied by up to 0.9 s a viewer with how busy the machine was,
 * as much as the whole renderer-CPU target allows (BENCHMARKS.md, "What P2P costs a renderer, priced").
 */
export const mediaThreadKinds: readonly string[] = ['Media', 'VideoFrameCompo', 'Compositor'];

/**
 * Pure: renderer CPU per viewer as a share of one core over the time watched, less its media threads
 * (mediaThreadKinds), over the viewers whose threads were read; null where none were. What P2P could have added to a
 * renderer, read without the threads whose spread is the machine's.
 */
export function rendererLessMediaPercent(
  viewers: readonly { watchedSeconds: number; cpu: BrowserCpu | null }[],
): number | null {
  let seconds = 0;
  let watched = 0;
  for (const v of viewers) {
    const threads = v.cpu?.rendererThreads;
    if (!v.cpu || !threads || !(v.watchedSeconds > 0)) continue;
    const media = mediaThreadKinds.reduce((sum, kind) => sum + (threads[kind] ?? 0), 0);
    seconds += v.cpu.rendererSeconds - media;
    watched += v.watchedSeconds;
  }
  return watched > 0 ? (100 * seconds) / watched : null;
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

/**
 * Pure: hybrid ÷ CDN-only renderer CPU as it would be had both cohorts' media threads cost the same: 1 + the hybrid's
 * extra without them over CDN-only's whole renderer. Beside the plain ratio it reads against the same target (1.1);
 * null where either cohort lacks a figure.
 */
export function rendererRatioAlikeMedia(
  cdn: Pick<CohortSummary, 'rendererCpuPercent' | 'rendererLessMediaCpuPercent'>,
  hybrid: Pick<CohortSummary, 'rendererLessMediaCpuPercent'>,
): number | null {
  const base = cdn.rendererCpuPercent;
  const rest = cdn.rendererLessMediaCpuPercent;
  const hybridRest = hybrid.rendererLessMediaCpuPercent;
  if (base === null || !(base > 0) || rest == null || hybridRest == null) return null;
  return 1 + (hybridRest - rest) / base;
}

export function compareSummaries(cdn: CohortSummary, hybrid: CohortSummary): Comparison {
  return {
    edgeEgress: ratio(hybrid.edgeEgressBytes, cdn.edgeEgressBytes),
    startupP50: ratio(hybrid.startupP50Ms, cdn.startupP50Ms),
    latencyP50: ratio(hybrid.latencyP50Seconds, cdn.latencyP50Seconds),
    offloadOfBoundPercent: hybrid.boundPercent > 0 ? (100 * hybrid.offloadPercent) / hybrid.boundPercent : null,
    stalledSecondsDelta: hybrid.stalledSeconds - cdn.stalledSeconds,
    rendererCpu: ratio(hybrid.rendererCpuPercent, cdn.rendererCpuPercent),
    rendererCpuAlikeMedia: rendererRatioAlikeMedia(cdn, hybrid),
  };
}

/** Per-core times as os.cpus() gives them. */
export interface CpuTimes {
  times: { user: number; nice: number; sys: number; idle: number; irq: number };
}

/** Share of all cores' time that was not idle between two os.cpus() readings, percent. */
export function cpuBusyPercent(before: readonly CpuTimes[], after: readonly CpuTimes[]): number {
  let busy = 0;
  let total = 0;
  for (const [i, core] of after.entries()) {
    const start = before[i];
    if (!start) continue;
    const t = core.times;
    const s = start.times;
    const idle = t.idle - s.idle;
    const all = t.user - s.user + (t.nice - s.nice) + (t.sys - s.sys) + (t.irq - s.irq) + idle;
    busy += all - idle;
    total += all;
  }
  return total > 0 ? (100 * busy) / total : 0;
}

export function cpuFigures(
  before: readonly CpuTimes[],
  after: readonly CpuTimes[],
  samples: readonly CohortSample[],
  loadEnd: number,
): CpuFigures {
  return {
    cores: after.length,
    busyPercent: cpuBusyPercent(before, after),
    loadAverageMax: Math.max(loadEnd, ...samples.map((s) => s.load1)),
    loadAverageEnd: loadEnd,
  };
}

export function isSaturated(cpu: CpuFigures): boolean {
  return cpu.busyPercent >= summaryDefaults.saturatedBusyPercent;
}

/** The edge's figures for one cohort: the stream's stats after it, less before it. */
export function edgeCountBetween(
  before: StatsSnapshot | null,
  after: StatsSnapshot | null,
  mode: PlaybackMode,
): EdgeCount | null {
  if (!after) return null;
  const diff = (pick: (s: StatsSnapshot) => number) => pick(after) - (before ? pick(before) : 0);
  return {
    servedBytes: diff((s) => s.edge.servedBytes),
    servedRequests: diff((s) => s.edge.servedRequests),
    beaconHttpBytes: diff((s) => s.totals.byMode[mode].httpBytes),
    beaconP2pBytes: diff((s) => s.totals.byMode[mode].p2pBytes),
  };
}

/** Byte-wise difference of two proxy readings (the proxy lives across both cohorts). */
export function proxyBetween(before: ProxyCounters, after: ProxyCounters): ProxyCounters {
  const out = { ...after };
  for (const key of Object.keys(after) as (keyof ProxyCounters)[]) out[key] = after[key] - before[key];
  return out;
}
