/**
 * The policy, expressed as p2p-media-loader's time windows and hls.js's
 * live-sync settings. p2p-media-loader fetches a segment from the edge when it
 * is inside `highDemandTimeWindow` of the playhead, from a peer when a peer
 * holds it inside `p2pDownloadTimeWindow`, and (randomly) from the edge inside
 * `httpDownloadTimeWindow`. With the windows below it makes exactly the
 * choices `chooseSource` makes: the edge inside the deadline margin (opened
 * `loaderLagSeconds` early, see below), the edge at once for first fetchers,
 * a peer when one holds it, otherwise wait.
 * The stock windows (15 s / 3000 s / 6000 s) prefetch without end; these stop
 * a few segments past the live edge.
 */
import { type LatencyPlan, planLatency } from './deadlines';

export interface LoaderWindows {
  highDemandTimeWindow: number;
  httpDownloadTimeWindow: number;
  p2pDownloadTimeWindow: number;
  p2pNotReceivingBytesTimeoutMs: number;
  isP2PUploadDisabled: boolean;
}

export interface WindowInput {
  live: boolean;
  targetDuration: number;
  /** The deadline margin (deadlineMargin of the measured edge fetch time). */
  marginSeconds: number;
  firstFetcher: boolean;
  uploadOpen: boolean;
}

/**
 * p2p-media-loader looks at its queue on playback updates at most once a
 * second, so a segment can sit inside the high-demand window this long before
 * its edge fetch starts. The window opens this much before the margin, so the
 * fetch starts between the margin and the margin plus this.
 */
export const loaderLagSeconds = 1;

/** VOD has no live edge to chase: fetch a little ahead from the edge, a minute ahead from peers. */
export const vodHorizon = { httpSeconds: 20, p2pSeconds: 60 } as const;

/**
 * How long a requester waits for a peer's first byte before it drops that peer for the segment (p2p-media-loader's
 * p2pNotReceivingBytesTimeoutMs, as loaderWindows sets it): half the deadline margin, at least half a second.
 */
export function noBytesTimeoutSeconds(marginSeconds: number): number {
  return Math.round(Math.max(500, marginSeconds * 500)) / 1000;
}

export function loaderWindows(input: WindowInput, plan: LatencyPlan): LoaderWindows {
  const margin = input.marginSeconds;
  const highDemand = margin + loaderLagSeconds;
  const common = {
    // A peer that sends nothing for a while is dropped for this segment; the margin still guards the deadline.
    p2pNotReceivingBytesTimeoutMs: noBytesTimeoutSeconds(margin) * 1000,
    isP2PUploadDisabled: !input.uploadOpen,
  };
  if (!input.live) {
    return {
      highDemandTimeWindow: Math.max(highDemand, 2 * input.targetDuration),
      httpDownloadTimeWindow: input.firstFetcher ? vodHorizon.httpSeconds : 0,
      p2pDownloadTimeWindow: vodHorizon.p2pSeconds,
      ...common,
    };
  }
  // Everything from the playhead to just past the newest segment.
  const horizon = plan.liveSyncDuration + 2 * input.targetDuration;
  return input.firstFetcher
    ? { highDemandTimeWindow: horizon, httpDownloadTimeWindow: horizon, p2pDownloadTimeWindow: horizon, ...common }
    : { highDemandTimeWindow: highDemand, httpDownloadTimeWindow: 0, p2pDownloadTimeWindow: horizon, ...common };
}

export interface HlsLiveSettings {
  liveSyncDuration: number;
  /** Past this latency hls.js jumps back toward liveSync instead of drifting further behind. */
  liveMaxLatencyDuration: number;
  maxBufferLength: number;
  /**
   * Played media hls.js keeps in the media element's buffers. hls.js keeps all of it by default, and the browser
   * evicts only at its quota: in the 30-minute soak every tab grew by the stream's own bitrate (about 140 MB an hour).
   */
  backBufferLength: number;
  /**
   * A viewer that fell behind its target catches up by playing up to this much faster (hls.js low-latency mode),
   * rather than drifting until liveMaxLatencyDuration makes hls.js jump, which skips video and counts as a stall.
   */
  maxLiveSyncPlaybackRate: number;
  /**
   * How long hls.js holds a load error against a rendition before ABR may pick it again. hls.js keeps it for good by
   * default (0): one failed fragment of the top rendition (a status 0 or 4xx, which it does not retry) switches the
   * viewer down for the rest of its session however fast its link. The hybrid's swarms are per rendition, so that
   * viewer is then a swarm of one, fetching everything from the edge (BENCHMARKS, spreadRelays, the isolated viewer).
   */
  errorPenaltyExpireMs: number;
}

/** Fast enough to win back a target duration in 20 s of 2 s segments; slow enough that few notice it. */
export const catchUpPlaybackRate = 1.1;

/** Target durations a rendition that failed a load is passed over before ABR may go back to it. */
export const renditionPenaltyTargetDurations = 5;

/** Seconds of played media kept for seeking back a little without a refetch (at least 3 target durations). */
export const backBufferSeconds = 30;

export function hlsLiveSettings(plan: LatencyPlan, targetDuration: number): HlsLiveSettings {
  return {
    liveSyncDuration: plan.liveSyncDuration,
    liveMaxLatencyDuration: plan.liveSyncDuration + 3 * targetDuration,
    // Ask for each new segment as soon as it is listed, so it has the whole slack for P2P.
    maxBufferLength: Math.max(30, plan.liveSyncDuration + 3 * targetDuration),
    backBufferLength: Math.max(backBufferSeconds, 3 * targetDuration),
    maxLiveSyncPlaybackRate: catchUpPlaybackRate,
    errorPenaltyExpireMs: Math.round(renditionPenaltyTargetDurations * targetDuration * 1000),
  };
}

export { planLatency };
