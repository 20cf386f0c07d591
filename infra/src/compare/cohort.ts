/**
 * One cohort of real viewers: headless Chromium pages on the watch page of a
 * stream that is already live, joining a few seconds apart, sampled every few
 * seconds for the time series, then read out in full. Runs inside the private
 * network namespace (cohort-cli.ts); the pages reach the edge through the
 * harness's relay and proxy.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { viewerFlow } from '../swarm';
import type { CohortName } from './options';
import type { CohortRun, CohortSample, CohortViewer, ViewerSample } from './results';
import { intervalFigures, percentile } from './summary';

export interface CohortPlan {
  name: CohortName;
  p2p: boolean;
  stream: string;
  viewers: number;
  seconds: number;
  staggerSeconds: number;
  sampleSeconds: number;
  progressSeconds: number;
  /** Where the pages load from: the relay to the proxy in front of the edge. */
  pageBase: string;
}

/** What the harness passes to cohort-cli.ts: the plan, and the proxy's socket instead of a page base. */
export type CohortCliInput = Omit<CohortPlan, 'pageBase'> & { socketPath: string };

export const cohortDefaults = {
  /** Small pages: compositing a big video costs CPU the 2-core machines don't have. */
  viewport: { width: 480, height: 270 },
  /** Every viewer in one tracker shard, as neighbours would be. */
  region: 'eu',
  gotoTimeoutMs: 60_000,
};

export const cohortLabel = (name: CohortName) => (name === 'cdn' ? 'CDN-only' : 'hybrid');

/** The watch page's query: no STUN (nothing leaves the machine), one region, P2P off for the CDN-only cohort. */
export function watchUrl(plan: Pick<CohortPlan, 'pageBase' | 'stream' | 'p2p'>, region = cohortDefaults.region) {
  const query = new URLSearchParams({ region, 'ice-servers': 'none' });
  if (!plan.p2p) query.set('p2p', 'off');
  return `${plan.pageBase}/watch/${plan.stream}?${query}`;
}

/** Runs in the page: the player's counters now, cheap enough to call every few seconds. */
function sampleInPage(): ViewerSample | null {
  const player = window.edgeswarm?.player;
  if (!player) return null;
  const s = player.snapshot();
  const ongoing = s.playback.stallingSince === null ? 0 : performance.now() - s.playback.stallingSince;
  return {
    httpBytes: s.counters.httpBytes,
    p2pBytes: s.counters.p2pBytes,
    latencySeconds: s.latencySeconds ?? null,
    stalls: s.playback.stalls,
    stalledMs: s.playback.stalledMs + ongoing,
    peers: s.peers.length,
    started: s.playback.startedAt !== null,
    stalling: s.playback.stallingSince !== null,
    bitrate:
      player.hls && player.hls.currentLevel >= 0 ? (player.hls.levels[player.hls.currentLevel]?.bitrate ?? null) : null,
  };
}

/** Runs in the page: everything, once, at the end. */
function finalInPage() {
  const player = window.edgeswarm?.player;
  if (!player) return null;
  const s = player.snapshot();
  const video = document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video');
  const quality = video?.getVideoPlaybackQuality?.();
  // A stall still under way at the end is stall time too: under a cap it may never end.
  const ongoing = s.playback.stallingSince === null ? 0 : performance.now() - s.playback.stallingSince;
  return {
    mode: s.mode,
    counters: s.counters,
    stalls: s.playback.stalls,
    stalledMs: s.playback.stalledMs + ongoing,
    startupMs: s.playback.startedAt === null ? null : s.playback.startedAt - s.playback.requestedAt,
    latency: s.playback.latency,
    errors: s.playback.errors,
    peers: s.peers,
    self: s.selfPeerId,
    firstFetcher: s.firstFetcher,
    blocked: s.blockedPeersClosed,
    droppedFrames: quality ? quality.droppedVideoFrames : null,
    totalFrames: quality ? quality.totalVideoFrames : null,
  };
}

/** Pure: the progress line for the latest sample. */
export function progressLine(
  plan: Pick<CohortPlan, 'name' | 'viewers' | 'seconds'>,
  previous: CohortSample | undefined,
  current: CohortSample,
): string {
  const f = intervalFigures(previous, current);
  const stalls = current.viewers.reduce((s, v) => s + (v?.stalls ?? 0), 0);
  const stalled = current.viewers.reduce((s, v) => s + (v?.stalledMs ?? 0), 0) / 1000;
  return [
    `compare: ${cohortLabel(plan.name)} ${current.t.toFixed(0)}/${plan.seconds} s`,
    `${f.playing}/${plan.viewers} playing`,
    `edge ${f.httpMbps.toFixed(2)} Mbit/s`,
    `P2P ${f.offloadPercent === null ? '—' : `${f.offloadPercent.toFixed(0)}%`}`,
    `peers ${f.meanPeers === null ? '—' : f.meanPeers.toFixed(1)}`,
    `stalls ${stalls} (${stalled.toFixed(1)} s)`,
    `latency p50 ${f.latencyP50 === null ? '—' : `${f.latencyP50.toFixed(1)} s`}`,
    `load ${current.load1.toFixed(2)}`,
  ].join(' · ');
}

export async function runCohort(browser: Browser, plan: CohortPlan, log: (line: string) => void): Promise<CohortRun> {
  const startedAt = new Date();
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const pages: Page[] = [];
  const joinedAt: number[] = [];
  const samples: CohortSample[] = [];
  let nextSample = plan.sampleSeconds;
  const samplesPerProgress = Math.max(1, Math.round(plan.progressSeconds / plan.sampleSeconds));
  log(
    `compare: ${cohortLabel(plan.name)} cohort: ${plan.viewers} viewers, ${plan.staggerSeconds} s apart, ${plan.seconds} s`,
  );

  for (;;) {
    const now = elapsed();
    if (now >= plan.seconds) break;
    const nextJoin = pages.length < plan.viewers ? pages.length * plan.staggerSeconds : Number.POSITIVE_INFINITY;
    if (now >= nextJoin) {
      const index = pages.length;
      const page = await browser.newPage({ viewport: cohortDefaults.viewport });
      pages.push(page);
      joinedAt.push(now);
      await page.goto(watchUrl(plan), { waitUntil: 'domcontentloaded', timeout: cohortDefaults.gotoTimeoutMs });
      log(`compare: ${cohortLabel(plan.name)} viewer ${index + 1}/${plan.viewers} joined at ${now.toFixed(1)} s`);
      continue;
    }
    if (now >= nextSample) {
      const shots = await Promise.all(pages.map((p) => p.evaluate(sampleInPage).catch(() => null)));
      const viewers = Array.from({ length: plan.viewers }, (_, i) => shots[i] ?? null);
      const sample: CohortSample = { t: elapsed(), load1: loadavg()[0] ?? 0, viewers };
      samples.push(sample);
      // Rates over the whole time since the last progress line, not just the last sample's 2 s.
      if (samples.length % samplesPerProgress === 0) {
        log(progressLine(plan, samples.at(-1 - samplesPerProgress), sample));
      }
      while (nextSample <= elapsed()) nextSample += plan.sampleSeconds;
      continue;
    }
    await sleep(Math.max(5, (Math.min(nextJoin, nextSample, plan.seconds) - now) * 1000));
  }

  const durationSeconds = elapsed();
  const finals = await Promise.all(pages.map((p) => p.evaluate(finalInPage).catch(() => null)));
  const viewers: CohortViewer[] = finals.map((s, index) => ({
    viewer: index,
    mode: s?.mode ?? 'unknown',
    ...viewerFlow(s?.counters),
    blockedPeersClosed: s?.blocked ?? 0,
    stalls: s?.stalls ?? 0,
    stalledMs: s?.stalledMs ?? 0,
    startupMs: s?.startupMs ?? null,
    latencyP50: percentile(s?.latency ?? [], 50),
    latencyMax: s?.latency.length ? Math.max(...s.latency) : null,
    peerId: s?.self ?? '',
    peersAtEnd: s?.peers ?? [],
    firstFetcherAtEnd: s?.firstFetcher ?? false,
    errors: s ? s.errors : ['no player'],
    left: false,
    joinedAtSeconds: joinedAt[index] ?? 0,
    watchedSeconds: durationSeconds - (joinedAt[index] ?? 0),
    latencySamples: s?.latency ?? [],
    droppedFrames: s?.droppedFrames ?? null,
    totalFrames: s?.totalFrames ?? null,
  }));
  await Promise.all(pages.map((p) => p.close().catch(() => {})));
  return {
    name: plan.name,
    p2p: plan.p2p,
    stream: plan.stream,
    startedAt: startedAt.toISOString(),
    durationSeconds,
    staggerSeconds: plan.staggerSeconds,
    viewers,
    samples,
  };
}
