/**
 * What a cohort of real viewers produces, for every harness that runs one
 * (bench:offload, the P2P end-to-end tests, compare): one record per viewer,
 * one sample of every viewer every few seconds, and the run around them.
 */
import { type CounterKey, type Counters, counterKeys } from '@edgeswarm/protocol';
import type { ViewerLink } from '../link-profiles';
import type { BrowserCpu } from './browser-cpu';
import type { ProfileSummary } from './renderer-profile';
import type { TransportCount } from './transport-count';

/** CDN-only (P2P off), stock p2p-media-loader (its defaults, our tracker) and the hybrid, in the order tables show them. */
export const cohortNames = ['cdn', 'p2pml', 'hybrid'] as const;
export type CohortName = (typeof cohortNames)[number];

const cohortLabels: Record<CohortName, string> = { cdn: 'CDN-only', p2pml: 'stock p2p-media-loader', hybrid: 'hybrid' };
export const cohortLabel = (name: CohortName) => cohortLabels[name];
export const isCohortName = (value: string): value is CohortName => (cohortNames as readonly string[]).includes(value);

/**
 * The player's counters a viewer record copies. Stalls are left out: they come
 * from the playback record instead, which also counts a stall still under way.
 */
export type ViewerFlowKey = Exclude<CounterKey, 'stalls' | 'stallMs'>;
export type ViewerFlow = Record<ViewerFlowKey, number>;

const viewerFlowKeys = counterKeys.filter((key): key is ViewerFlowKey => key !== 'stalls' && key !== 'stallMs');

/** A viewer's counters as its record keeps them; all 0 when its page did not answer. */
export function viewerFlow(counters: Counters | null | undefined): ViewerFlow {
  const flow = {} as ViewerFlow;
  for (const key of viewerFlowKeys) flow[key] = counters?.[key] ?? 0;
  return flow;
}

/** One viewer's cumulative counters at a sample. */
export interface ViewerSample {
  httpBytes: number;
  p2pBytes: number;
  /** What the player counts as uploaded (written into data channels, not necessarily delivered). */
  uploadedBytes: number;
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
  /** The policy's verdict at its last tick: this viewer fetches new segments from the edge first. */
  firstFetcher: boolean;
  /** What the tick made of bandwidth at its last tick (the player's snapshot.bandwidth); null from older players. */
  bandwidth?: {
    declined: boolean;
    slow: string[];
    uplinkBps: number;
    backlogged: boolean;
    /** Backed off from P2P because the device could not keep up; absent from older players. */
    strained?: boolean;
    /** The sign that put it there last (late-timer, dropped-frames, long-tasks). */
    strainSign?: string | null;
    /** Share of the player's last tick its page's main thread spent in long tasks, percent; absent or null: not measured. */
    longTaskPercent?: number | null;
    /** Upload requests answered "absent" so far: not deliverable within the margin. */
    refusedUploads?: number;
    /** Peer transfers given up so far because their projected finish fell past the deadline less the margin… */
    abandonedTransfers?: number;
    /** …and the bytes the edge finished them with (Range requests). Absent from older players. */
    abandonedBytes?: number;
  } | null;
  /** hls.js's rendition choice at the sample; absent from older records. */
  abr?: AbrState | null;
}

/**
 * hls.js's rendition choice as a harness reads it: which rendition it loads next, on what bandwidth estimate, and
 * which renditions it holds errors against. The hybrid's swarms are per rendition (the tracker's info_hash is the
 * rendition's), so a viewer on a rendition nobody else plays has no peer to exchange with.
 */
export interface AbrState {
  /** hls.js's loadLevel: the rendition it loads next (-1 before it chose). */
  loadLevel: number;
  /** Its bandwidth estimate, bits/s. */
  estimateBps: number;
  /** Renditions with a fragment or load error counted against them: ABR never switches up to one (hls.js 1.7 with errorPenaltyExpireMs 0). */
  penalized: number[];
}

/** One thing hls.js did about renditions, in a viewer's record: ms since the player asked to play. */
export interface AbrEvent {
  atMs: number;
  /** A rendition switch, a non-fatal error, an emergency down-switch of a slow load, or a main fragment loaded. */
  kind: 'switch' | 'error' | 'emergency' | 'frag';
  level: number | null;
  /** hls.js's bandwidth estimate then, bits/s. */
  estimateBps: number;
  /** The error's details, and the HTTP status its loader gave (0: the request failed without one). */
  detail?: string;
  status?: number;
  /** A loaded fragment's bytes and its load time as its loader's stats give it (p2p-media-loader's are synthetic). */
  bytes?: number;
  loadMs?: number;
}

/** Bytes that crossed a viewer's own link so far, read from its veth counters (the link's far end). */
export interface LinkCounters {
  upBytes: number;
  downBytes: number;
}

export interface CohortSample {
  /** Seconds since the cohort's first viewer joined. */
  t: number;
  /** The machine's 1-minute load average. */
  load1: number;
  /** By viewer index; null before the viewer joined, after it left, or when its page did not answer. */
  viewers: (ViewerSample | null)[];
  /** By viewer index, with a link of its own; null before it joined, or without one. */
  links?: (LinkCounters | null)[];
  /** What the harness's namespace (the edge, the tracker) sent into and received from the viewers' links. */
  edgeLink?: LinkCounters | null;
}

/** What crossed a viewer's link over its watch, measured at the veth, not reported by the player. */
export interface LinkUse {
  upBytes: number;
  downBytes: number;
  /** Means over the viewer's watch, Mbit/s. */
  upMbps: number;
  downMbps: number;
  /** The highest rate over any window of at least `windowSeconds`, Mbit/s. */
  peakUpMbps: number;
  peakDownMbps: number;
  windowSeconds: number;
  /** peakUpMbps ≤ (1 + tolerance) × the link's upload cap; true for an unshaped link. */
  upWithinCap: boolean;
}

/** The player's timeline (its snapshot's): ms since the page asked to play; null: not yet, or never. */
export interface PlayerTimeline {
  p2pRequestedMs: number | null;
  p2pStartedMs: number | null;
  firstPeerMs: number | null;
  /** The tracker's count of the swarm first reached the player's tick (absent from an older player's). */
  swarmCountedMs?: number | null;
  stallsAtMs: number[];
  seeksAtMs: number[];
  /** The first media segments as they loaded, and from where (absent from an older player's). */
  segments?: { atMs: number; from: 'hls.js' | 'edge' | 'peer' }[];
}

/** One fetch of a viewer's start-up as Resource Timing saw it: ms since the player asked to play. */
export interface StartupFetch {
  startMs: number;
  /** The response's first byte; null where the timing hides it (a cross-origin fetch without Timing-Allow-Origin). */
  firstByteMs: number | null;
  endMs: number;
}

/** Where a viewer's start-up went: its page, then its first playlist, media playlist, init and media segment fetches. */
export interface StartupPhases {
  /** From the navigation's start to the player's play request (the page and its first script). */
  pageMs: number;
  manifest: StartupFetch | null;
  playlist: StartupFetch | null;
  init: StartupFetch | null;
  segment: StartupFetch | null;
}

export interface ViewerRecord extends ViewerFlow {
  viewer: number;
  mode: string;
  blockedPeersClosed: number;
  stalls: number;
  stalledMs: number;
  startupMs: number | null;
  latencyP50: number | null;
  latencyMax: number | null;
  peerId: string;
  peersAtEnd: string[];
  firstFetcherAtEnd: boolean;
  /** Seconds of its watch the viewer was a first fetcher, from the samples. */
  firstFetcherSeconds: number;
  errors: string[];
  /** Whether the page was a secure context (absent: not read), and the player's warnings, if any. */
  secureContext?: boolean;
  warnings?: string[];
  /** When the player set up P2P against its stalls and seeks, ms since it asked to play (absent: not read). */
  timeline?: PlayerTimeline;
  /** What hls.js did about renditions from the harness's first look on (absent: not read). */
  abrEvents?: AbrEvent[];
  /** Its start-up's fetches (absent: not read). */
  startupPhases?: StartupPhases;
  left: boolean;
  joinedAtSeconds: number;
  watchedSeconds: number;
  /** The player's own once-a-second live latency samples, while playing. */
  latencySamples: number[];
  droppedFrames: number | null;
  totalFrames: number | null;
  /** Its own shaped link, or null on the shared namespace's loopback. */
  link: ViewerLink | null;
  linkUse: LinkUse | null;
  /** CPU its own browser used (with a link of its own, every viewer has one); null in a shared browser. */
  cpu: BrowserCpu | null;
  /** What its WebRTC transport did: connections, time held, data-channel messages (absent: not read). */
  transport?: TransportCount;
}

/** One cohort's run, as the namespace side hands it back. */
export interface CohortRun {
  name: CohortName;
  p2p: boolean;
  stream: string;
  startedAt: string;
  durationSeconds: number;
  staggerSeconds: number;
  viewers: ViewerRecord[];
  samples: CohortSample[];
  /** CPU every browser of the cohort used, together; null when no browser could say. */
  browserCpu: BrowserCpu | null;
  /** Where the renderers' main threads spent their time (compare --profile). */
  profile?: ProfileSummary;
}

/** Whether each viewer was a first fetcher at each sample: [t, yes] from its join on, by viewer. */
export function firstFetcherTimeline(samples: readonly CohortSample[], viewer: number): [number, boolean][] {
  return samples.flatMap((s) => {
    const v = s.viewers[viewer];
    return v ? [[s.t, v.firstFetcher] as [number, boolean]] : [];
  });
}

/** Seconds a viewer was a first fetcher: each sample's verdict holds until the next sample. */
export function firstFetcherSeconds(samples: readonly CohortSample[], viewer: number): number {
  let seconds = 0;
  for (let i = 1; i < samples.length; i++) {
    const previous = samples[i - 1]?.viewers[viewer];
    const current = samples[i];
    if (previous?.firstFetcher && current) seconds += current.t - (samples[i - 1]?.t ?? current.t);
  }
  return seconds;
}

/** Pure: the viewer samples in which the player was backed off for a strained device, of all that answered. */
export function strainedSamples(samples: readonly Pick<CohortSample, 'viewers'>[]): {
  strained: number;
  samples: number;
} {
  let strained = 0;
  let answered = 0;
  for (const sample of samples) {
    for (const v of sample.viewers) {
      if (!v) continue;
      answered++;
      if (v.bandwidth?.strained) strained++;
    }
  }
  return { strained, samples: answered };
}

/** P2P bytes ÷ all bytes received, percent, over some viewers; 0 when they received nothing. */
export function offloadPercent(viewers: readonly Pick<ViewerRecord, 'httpBytes' | 'p2pBytes'>[]): number {
  const p2p = viewers.reduce((sum, v) => sum + v.p2pBytes, 0);
  const all = viewers.reduce((sum, v) => sum + v.p2pBytes + v.httpBytes, 0);
  return all > 0 ? (100 * p2p) / all : 0;
}
