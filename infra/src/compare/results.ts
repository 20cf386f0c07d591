/**
 * The shapes a compare run produces: what one cohort's viewers measured (from
 * inside the network namespace), what the harness adds around it (the edge's
 * own count, the proxy's count, CPU), and results.json as a whole.
 */
import type { PolicyOptions } from '@edgeswarm/policy';
import type { UploadSpread } from '../../sim/upload-spread';
import type { CohortName, CohortRun, ViewerRecord } from '../cohort/records';
import type { ViewerCpuRecord } from '../cohort/viewer-cpu';
import type { FrontierRow, SweepPoint } from './frontier';
import type { CompareOptions } from './options';
import type { ProxyCounters } from './throttle-proxy';

export type { CohortRun, CohortSample, ViewerSample } from '../cohort/records';
/** A compare viewer is the shared runner's record. */
export type CohortViewer = ViewerRecord;

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
  /** How that upload spread over the viewers (the simulator's measure): one viewer feeding everyone is a star. */
  upload: UploadSpread;
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
  /**
   * CPU per viewer as a share of one core, over the time watched: its renderer (the page, P2P included) and its whole
   * browser. Null when the browsers could not say.
   */
  rendererCpuPercent: number | null;
  browserCpuPercent: number | null;
  /**
   * The renderer's CPU per viewer less the threads that decode and draw the video (summary.ts mediaThreadKinds), over
   * the viewers whose threads were read; null where none were (and in results written before it was measured).
   */
  rendererLessMediaCpuPercent?: number | null;
}

/** One link profile's viewers in a cohort, together: what they received, sent and suffered. */
export interface ProfileSummary {
  profile: string;
  downMbps: number | null;
  upMbps: number | null;
  viewers: number;
  httpBytes: number;
  p2pBytes: number;
  /** p2p ÷ (p2p + http) over these viewers, percent. */
  offloadPercent: number;
  /** What their players counted as uploaded. */
  uploadedBytes: number;
  /** What crossed their links (veth counters); null without links of their own. */
  linkUpBytes: number | null;
  linkDownBytes: number | null;
  /** The highest of their peak upload rates, and that as a share of the cap, percent. */
  peakUpMbps: number | null;
  peakUpOfCapPercent: number | null;
  /** Every one measured stayed within its cap (+10%); null when none was measured (no verdict, not a pass). */
  upWithinCap: boolean | null;
  firstFetcherSeconds: number;
  stalls: number;
  stalledSeconds: number;
  startupP50Ms: number | null;
  latencyP50Seconds: number | null;
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
  /** By link profile, in order of first appearance; one `loopback` row without links of their own. */
  byProfile: ProfileSummary[];
  saturated: boolean;
  /** With --viewer-cpu: the quota each viewer's browser ran under, and how often the kernel held each one back. */
  viewerCpu?: ViewerCpuRecord;
  /** In a latency sweep (--latency): the viewers' latency-target; `default` is the player's own. */
  latency?: SweepPoint['latency'];
  /**
   * The hybrid cohort's whole policy (options.ts hybridCohortPolicy); absent on other cohorts, and in files from before
   * the latency target's default became 4.5 target durations, whose hybrids played at 4 unless --policy said otherwise.
   */
  policy?: PolicyOptions;
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
  /** hybrid ÷ CDN-only renderer CPU per viewer (the target: under 1.1). */
  rendererCpu: number | null;
  /**
   * The same as if both cohorts' media threads, whose work P2P does not change, had cost the same (summary.ts
   * rendererRatioAlikeMedia); absent in results written before it was measured.
   */
  rendererCpuAlikeMedia?: number | null;
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
  /** A latency sweep's points (--latency), in the order they ran: the offload–latency frontier. */
  frontier?: FrontierRow[];
  warnings: string[];
}
