/** Plain-data compare runs for the unit tests: small, with every figure easy to work out by hand. */
import type { BrowserCpu } from '../cohort/browser-cpu';
import { type CohortName, cohortLabel, viewerFlow } from '../cohort/records';
import { compareDefaults } from './options';
import type { CohortResult, CohortRun, CohortSample, CohortViewer, CompareResults, ViewerSample } from './results';
import { compareSummaries, summariseCohort, summariseProfiles } from './summary';

export function viewer(index: number, overrides: Partial<CohortViewer> = {}): CohortViewer {
  return {
    viewer: index,
    mode: 'cdn',
    ...viewerFlow(null),
    blockedPeersClosed: 0,
    stalls: 0,
    stalledMs: 0,
    startupMs: 500,
    latencyP50: 6,
    latencyMax: 6,
    peerId: `peer-${index}`,
    peersAtEnd: [],
    firstFetcherAtEnd: false,
    firstFetcherSeconds: 0,
    errors: [],
    left: false,
    joinedAtSeconds: 3 * index,
    watchedSeconds: 60 - 3 * index,
    latencySamples: [6],
    droppedFrames: 0,
    totalFrames: 100,
    link: null,
    linkUse: null,
    cpu: null,
    ...overrides,
  };
}

/** A sample's `bandwidth`: the tick's verdicts, all quiet but `strained`. */
export const bandwidthOf = (strained: boolean) => ({
  declined: false,
  slow: [],
  uplinkBps: 0,
  backlogged: false,
  strained,
});

export const sampleOf = (t: number, viewers: (Partial<ViewerSample> | null)[], load1 = 1): CohortSample => ({
  t,
  load1,
  viewers: viewers.map((v) =>
    v
      ? {
          httpBytes: 0,
          p2pBytes: 0,
          uploadedBytes: 0,
          latencySeconds: null,
          stalls: 0,
          stalledMs: 0,
          peers: 0,
          started: true,
          stalling: false,
          bitrate: 300_000,
          firstFetcher: false,
          ...v,
        }
      : null,
  ),
});

export function run(
  name: CohortName,
  viewers: CohortViewer[],
  samples: CohortSample[] = [],
  browserCpu: BrowserCpu | null = null,
): CohortRun {
  return {
    name,
    p2p: name !== 'cdn',
    stream: 'compare-test',
    startedAt: '2026-11-25T01:00:00.000Z',
    durationSeconds: 60,
    staggerSeconds: 3,
    viewers,
    samples,
    browserCpu,
  };
}

export function cohort(r: CohortRun, servedBytes: number, busyPercent = 50): CohortResult {
  const edge = { servedBytes, servedRequests: 10, beaconHttpBytes: servedBytes, beaconP2pBytes: 0 };
  const proxy = {
    requests: 20,
    bytes: servedBytes + 1000,
    throttledBytes: servedBytes + 500,
    mediaBytes: servedBytes,
    upgrades: r.p2p ? r.viewers.length : 0,
    errors: 0,
    capBindingMs: 0,
  };
  return {
    name: r.name,
    label: cohortLabel(r.name),
    p2p: r.p2p,
    run: r,
    edge,
    proxy,
    cpu: { cores: 2, busyPercent, loadAverageMax: 1.5, loadAverageEnd: 1.2 },
    summary: summariseCohort(r, edge, proxy),
    byProfile: summariseProfiles(r),
    saturated: busyPercent >= 85,
  };
}

/** Two cohorts of two viewers: the CDN-only one fetches 4 MB from the edge, the hybrid 1 MB plus 3 MB from peers. */
export function results(overrides: Partial<CompareResults> = {}): CompareResults {
  const samples = (p2p: boolean) => [
    sampleOf(2, [{ httpBytes: 250_000, latencySeconds: 6 }, null]),
    sampleOf(4, [
      { httpBytes: 500_000, latencySeconds: 6 },
      { httpBytes: p2p ? 0 : 250_000, p2pBytes: p2p ? 250_000 : 0, latencySeconds: 7, peers: p2p ? 1 : 0 },
    ]),
  ];
  const cdn = run(
    'cdn',
    [viewer(0, { httpBytes: 2_000_000 }), viewer(1, { httpBytes: 2_000_000, startupMs: 700, latencySamples: [7] })],
    samples(false),
  );
  const hybrid = run(
    'hybrid',
    [
      viewer(0, { mode: 'hybrid', httpBytes: 1_000_000, p2pBytes: 1_000_000, uploadedBytes: 2_000_000 }),
      viewer(1, {
        mode: 'hybrid',
        p2pBytes: 2_000_000,
        startupMs: null,
        stalls: 1,
        stalledMs: 1500,
        latencySamples: [7, 8],
      }),
    ],
    samples(true),
  );
  const cdnResult = cohort(cdn, 4_000_000);
  const hybridResult = cohort(hybrid, 1_000_000);
  const { out: _out, ...options } = { ...compareDefaults, viewers: 2, seconds: 60 };
  return {
    kind: 'edgeswarm-compare',
    version: 1,
    command: 'npm run compare -- --viewers 2 --seconds 60',
    startedAt: '2026-11-25T01:00:00.000Z',
    finishedAt: '2026-11-25T01:03:00.000Z',
    options,
    edge: { url: 'local wrangler dev (127.0.0.1)', local: true },
    stream: 'compare-test',
    machine: { cores: 2, node: 'v20.20.2', platform: 'linux x64' },
    cohorts: [cdnResult, hybridResult],
    comparison: compareSummaries(cdnResult.summary, hybridResult.summary),
    warnings: [],
    ...overrides,
  };
}

/** The same two cohorts with each viewer behind its own link: viewer 1 on DSL (1 Mbit/s up), viewer 2 on cable. */
export function shapedResults(): CompareResults {
  const base = results({ options: { ...results().options, network: 'residential' } });
  const links = [
    { profile: 'dsl', downMbps: 16, upMbps: 1 },
    { profile: 'cable', downMbps: 100, upMbps: 10 },
  ];
  const use = (peakUpMbps: number, upBytes: number, cap: number) => ({
    upBytes,
    downBytes: 2_000_000,
    upMbps: peakUpMbps / 2,
    downMbps: 0.3,
    peakUpMbps,
    peakDownMbps: 1,
    windowSeconds: 3,
    upWithinCap: peakUpMbps <= 1.1 * cap,
  });
  for (const c of base.cohorts) {
    c.run.viewers = c.run.viewers.map((v, i) => ({
      ...v,
      link: links[i] ?? null,
      linkUse: i === 0 ? use(0.95, 1_500_000, 1) : use(0.2, 100_000, 10),
      firstFetcherSeconds: i === 0 && c.p2p ? 40 : 0,
    }));
    c.byProfile = summariseProfiles(c.run);
  }
  return base;
}
