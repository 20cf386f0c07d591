/**
 * The player's once-a-second decision, as one pure function. The player calls
 * it every second with what it observed (peers, bytes uploaded, edge fetch
 * times, the playlist); the simulator calls it for each viewer with the same
 * kind of observations. Nothing here reads a clock, a timer or the DOM.
 *
 * What is ours and what is p2p-media-loader's: the tick decides who counts as
 * an active peer, the first-fetcher role, the deadline margin, the loader's
 * time windows, whether upload is open and which peers are choked, and the
 * latency plan (hls.js's live-sync settings). Per segment, p2p-media-loader's
 * own scheduler then chooses the source under those windows; `loader-model.ts`
 * states that choice as we model it for the simulator.
 */
import { deadlineMargin, type LatencyPlan, planLatency } from './deadlines';
import type { PolicyOptions } from './options';
import {
  budgetContended,
  newUploadBudget,
  type PeerLedger,
  rankUploadTargets,
  spendUpload,
  type UploadBudget,
  uploadOpen,
} from './reciprocity';
import { epochOf, isFirstFetcher } from './roles';
import { type HlsLiveSettings, hlsLiveSettings, type LoaderWindows, loaderWindows } from './windows';

/** A connected peer as the player sees it. */
export interface PeerObservation extends PeerLedger {
  /** When it last sent us bytes or announced a new segment, seconds (connectedAt counts as heard). */
  lastHeardAt: number;
}

export interface TickObservations {
  /** This viewer's own peer id (makePeerId): the rank is computed over it and its active peers. */
  self: string;
  /** The playlist says the stream is live (no ENDLIST). */
  live: boolean;
  /** EXT-X-TARGETDURATION of the playing rendition, seconds. */
  targetDuration: number;
  /** Peers connected now. */
  peers: readonly PeerObservation[];
  /** Bytes uploaded to peers since the last tick. */
  uploadedBytes: number;
  /** Seconds each edge fetch took that finished since the last tick (hls.js's and p2p-media-loader's alike). */
  edgeFetchSeconds: readonly number[];
  /** When P2P started (the tracker was first asked for peers); absent before that, or with P2P off. */
  p2pStartedAt?: number;
}

export interface TickState {
  budget: UploadBudget;
  /** Smoothed seconds per edge fetch; 0 until the first one is measured. */
  edgeFetchSeconds: number;
  /** What the last tick decided, to tell the adapter what changed. */
  firstFetcher: boolean;
  /** The role and what it was computed from: an unchanged swarm in the same epoch keeps it without ranking again. */
  role: RoleMemo | undefined;
  windows: LoaderWindows | undefined;
  hls: HlsLiveSettings | undefined;
}

export interface RoleMemo {
  epoch: number;
  newcomer: boolean;
  active: readonly string[];
  firstFetcher: boolean;
}

export interface TickActions {
  /** Peers counted as present for the first-fetcher rank: heard from within activePeerTargetDurations. */
  active: string[];
  firstFetcher: boolean;
  /** No active peer at all: a first fetcher for lack of anyone to wait for. */
  alone: boolean;
  /** How long before its deadline a segment goes to the edge. */
  marginSeconds: number;
  /** p2p-media-loader's time windows; `windowsChanged` when they differ from the last tick's. */
  windows: LoaderWindows;
  windowsChanged: boolean;
  uploadOpen: boolean;
  /** Peers to choke now: disconnect and keep away for optimisticSeconds. Empty unless the budget is contended. */
  choke: string[];
  plan: LatencyPlan;
  /** hls.js's live settings; `hlsChanged` when they differ from the last tick's. */
  hls: HlsLiveSettings;
  hlsChanged: boolean;
}

export function initialTickState(now: number, options: PolicyOptions): TickState {
  return {
    budget: newUploadBudget(now, options),
    edgeFetchSeconds: 0,
    firstFetcher: true,
    role: undefined,
    windows: undefined,
    hls: undefined,
  };
}

/** Smooths edge fetch times: the first one as it is, then an exponential moving average. */
export function smoothFetchSeconds(previous: number, samples: readonly number[], weight: number): number {
  let smoothed = previous;
  for (const seconds of samples) {
    if (!(seconds > 0) || !Number.isFinite(seconds)) continue;
    smoothed = smoothed === 0 ? seconds : (1 - weight) * smoothed + weight * seconds;
  }
  return smoothed;
}

/** Peers heard from within the active window (a closed tab takes ~30 s to time out in WebRTC; it must not keep a role). */
export function activePeers(
  peers: readonly PeerObservation[],
  now: number,
  targetDuration: number,
  options: Pick<PolicyOptions, 'activePeerTargetDurations'>,
): string[] {
  const window = options.activePeerTargetDurations * targetDuration;
  return peers.filter((p) => now - Math.max(p.connectedAt, p.lastHeardAt) <= window).map((p) => p.id);
}

export function tick(
  state: TickState,
  observations: TickObservations,
  now: number,
  options: PolicyOptions,
): { state: TickState; actions: TickActions } {
  const { live, targetDuration, peers } = observations;
  const budget =
    observations.uploadedBytes > 0 ? spendUpload(state.budget, observations.uploadedBytes, now, options) : state.budget;
  const edgeFetchSeconds = smoothFetchSeconds(
    state.edgeFetchSeconds,
    observations.edgeFetchSeconds,
    options.edgeFetchSmoothing,
  );

  const active = activePeers(peers, now, targetDuration, options);
  const role = decideRole(state.role, observations, active, now, options);
  const { firstFetcher } = role;

  const open = uploadOpen(budget, now, options);
  const choke = budgetContended(budget, now, options) ? rankUploadTargets(peers, now, options).choked : [];

  const plan = planLatency(targetDuration, options.plannedPublishLagSeconds, options);
  const hls = hlsLiveSettings(plan, targetDuration);
  const marginSeconds = deadlineMargin(edgeFetchSeconds, options);
  const windows = loaderWindows({ live, targetDuration, marginSeconds, firstFetcher, uploadOpen: open }, plan);

  return {
    state: { budget, edgeFetchSeconds, firstFetcher, role, windows, hls },
    actions: {
      active,
      firstFetcher,
      alone: active.length === 0,
      marginSeconds,
      windows,
      windowsChanged: !sameValues(windows, state.windows),
      uploadOpen: open,
      choke,
      plan,
      hls,
      hlsChanged: !sameValues(hls, state.hls),
    },
  };
}

/** The first-fetcher role over the active peers; the previous tick's when nothing it depends on changed. */
function decideRole(
  previous: RoleMemo | undefined,
  observations: TickObservations,
  active: readonly string[],
  now: number,
  options: PolicyOptions,
): RoleMemo {
  const epoch = epochOf(now, options.epochSeconds);
  const p2pSeconds = observations.p2pStartedAt === undefined ? undefined : now - observations.p2pStartedAt;
  const newcomer = p2pSeconds !== undefined && p2pSeconds < options.newcomerSeconds;
  if (previous && previous.epoch === epoch && previous.newcomer === newcomer && sameList(previous.active, active)) {
    return previous;
  }
  const firstFetcher = isFirstFetcher(
    { self: observations.self, peers: active, epoch, ...(p2pSeconds === undefined ? {} : { p2pSeconds }) },
    options,
  );
  return { epoch, newcomer, active, firstFetcher };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameValues<T extends object>(a: T, b: T | undefined): boolean {
  if (!b) return false;
  for (const key of Object.keys(a) as (keyof T)[]) if (a[key] !== b[key]) return false;
  return true;
}
