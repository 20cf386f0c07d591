/**
 * The shapes a compare run produces: what one cohort's viewers measured (from
 * inside the network namespace), what the harness adds around it (the edge's
 * own count, the proxy's count, CPU), and results.json as a whole.
 */
import type { ViewerResult } from '../swarm';
import type { CohortName, CompareOptions } from './options';
import type { ProxyCounters } from './throttle-proxy';

/** One viewer's cumulative counters at a sample. */
export interface ViewerSample {
  httpBytes: number;
  p2pBytes: number;
  /** Wall clock minus the playhead's program date-time; null while not playing. */
  latencySeconds: number | null;
  stalls: number;
  /** Including a stall still under way. */
  stalledMs: number;
  peers: number;
  started: boolean;
  /** In a stall at the sample (waiting for data after playback started). */
  stalling: boolean;
  /** Declared bandwidth (BANDWIDTH) of the rendition playing, bits/s: ABR's answer to a slow edge. */
  bitrate: number | null;
}

export interface CohortSample {
  /** Seconds since the cohort's first viewer joined. */
  t: number;
  /** The machine's 1-minute load average. */
  load1: number;
  /** By viewer index; null before the viewer joined or when its page did not answer. */
  viewers: (ViewerSample | null)[];
}

export interface CohortViewer extends ViewerResult {
  joinedAtSeconds: number;
  watchedSeconds: number;
  /** The player's own once-a-second live latency samples, while playing. */
  latencySamples: number[];
  droppedFrames: number | null;
  totalFrames: number | null;
}

/** What the namespace side (cohort-cli.ts) hands back. */
export interface CohortRun {
  name: CohortName;
  p2p: boolean;
  stream: string;
  startedAt: string;
  durationSeconds: number;
  staggerSeconds: number;
  viewers: CohortViewer[];
  samples: CohortSample[];
}

/** The edge's own figures for one cohort: differences of /v1/streams/:stream/stats across it. */
export interface EdgeCount {
  servedBytes: number;
  servedRequests: number;
  /** HTTP bytes the cohort's beacons reported (their mode's totals). */
  beaconHttpBytes: number;
  beaconP2pBytes: number;
}

export interface CpuFigures {
  cores: number;
  /** Share of all cores' time not idle over the cohort, percent. */
  busyPercent: number;
  loadAverageMax: number;
  loadAverageEnd: number;
}

export type EgressSource = 'edge' | 'proxy' | 'viewers';

export interface CohortSummary {
  viewers: number;
  started: number;
  /** What viewers received, by source (their own counters). */
  httpBytes: number;
  p2pBytes: number;
  uploadedBytes: number;
  /** p2p ÷ (p2p + http), percent. */
  offloadPercent: number;
  /** p2p-media-loader's bound, (N−1)/N, percent. */
  boundPercent: number;
  /** Segment bytes the edge sent: its own count when it has one. */
  edgeEgressBytes: number;
  edgeEgressSource: EgressSource;
  /** Startup in ms; a viewer that never started counts as its whole watch time. */
  startupP50Ms: number | null;
  startupP95Ms: number | null;
  stalls: number;
  stalledSeconds: number;
  /** Stalled seconds per viewer-minute watched. */
  stallRate: number;
  /** Over every viewer's once-a-second samples, pooled. */
  latencyP50Seconds: number | null;
  latencyP95Seconds: number | null;
  integrityFailures: number;
  errors: number;
  /** Frames the players dropped, percent of frames: a sign of a CPU-starved browser. */
  droppedFramesPercent: number | null;
  /** Mean declared bandwidth of the renditions playing, over every viewer's samples, kbit/s. */
  meanRenditionKbps: number | null;
}

export interface CohortResult {
  name: CohortName;
  label: string;
  p2p: boolean;
  run: CohortRun;
  edge: EdgeCount | null;
  proxy: ProxyCounters;
  cpu: CpuFigures;
  summary: CohortSummary;
  saturated: boolean;
}

export interface Comparison {
  /** hybrid ÷ CDN-only; null where the CDN-only figure is 0 or missing. */
  edgeEgress: number | null;
  startupP50: number | null;
  latencyP50: number | null;
  /** The hybrid's offload as a share of its bound, percent. */
  offloadOfBoundPercent: number | null;
  /** Extra stalled seconds in the hybrid. */
  stalledSecondsDelta: number;
}

export interface CompareResults {
  kind: 'edgeswarm-compare';
  version: 1;
  command: string;
  startedAt: string;
  finishedAt: string;
  options: Omit<CompareOptions, 'out'>;
  edge: { url: string; local: boolean };
  stream: string;
  machine: { cores: number; node: string; platform: string };
  cohorts: CohortResult[];
  comparison: Comparison;
  warnings: string[];
}
