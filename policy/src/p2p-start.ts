/**
 * When the hybrid starts P2P. It plays as CDN-only until its playback has kept pace: from the first frame on, the
 * playhead has played at least p2pStartPace of the wall time for p2pStartSteadySeconds, the buffer holds the deadline
 * margin, the device is not strained (device.ts) and its video has not recently dropped more than 1 in 17 of its frames.
 * Only then are the P2P script, the tracker socket and the peer connections set up. On a quiet machine that is a second
 * or two after the first frame. On a starved device (a low-end phone; compare's --viewer-cpu) the first frame is
 * followed by seconds in which the playhead barely moves, the page still busy starting, until hls.js jumps back to the
 * live sync point; and a device that keeps dropping frames is strained. A strained device takes nothing from peers and
 * uploads nothing anyway (the back-off), but a started P2P stack still holds a connection to every peer, with their
 * handshakes and announcements, on the CPU the playhead is short of: so it is not started until the device is calm.
 * Strain needs a sign in strainStreakTicks ticks in a row, and a starved device drops its frames in bursts: between
 * them it passed for calm, started P2P, took the first fetcher's role and fell back to a second jump (BENCHMARKS.md,
 * #17 item 4). Hence the share of frames dropped, read over the last 20 s or so. Once started, P2P stays started (the
 * strain back-off covers a device that falls behind later). Pure.
 */
import type { PolicyOptions } from './options';

/**
 * P2P does not start while the video has recently dropped more than 1 in (startDroppedWeight + 1) frames (5.9%): each
 * tick adds startDroppedWeight for each frame it dropped and takes the frames it showed, to a sum that decays by
 * startDroppedDecay a second (a time constant of 19.5 s). Starved at a tenth of a core, viewers dropped 4.4-14.7% of
 * their frames over a watch on earlier machines and 14-27% on these 2-core AMD ones, in bursts the strain streak can
 * miss; unstarved, 0-1.9% on earlier machines (loopback and shaped links, load up to 8) and 1.2-4.1% here (N = 8 on
 * loopback, 64-80% busy). At the first mark, 1 in 33 (3%), half of an unstarved N = 8 swarm on AMD never started P2P (4 of 8 in
 * bench:offload and in the soak, BENCHMARKS.md #13); at 1 in 17 a device dropping in bursts of 20% one tick in three,
 * or 2 frames in 33 every tick, still never starts. Not options: the first script has no room for two more names
 * (player-first-script.test.ts).
 */
export const startDroppedWeight = 16;
export const startDroppedDecay = 0.95;

/** How playback went since the last tick. */
export interface PlaybackPace {
  /** Media seconds the playhead played since the last tick (a seek adds nothing; 0 before the first frame). */
  playedSeconds: number;
  /** Wall seconds since the last tick. */
  wallSeconds: number;
  /** Media buffered ahead of the playhead now, seconds. */
  bufferSeconds: number;
}

export interface P2PStart {
  /** Wall seconds playback has kept pace, without a break, up to the last tick. */
  steadySeconds: number;
  /**
   * startDroppedWeight for each frame dropped less the frames shown, decayed (startDroppedDecay): above 0, the video
   * has recently dropped more than 1 in 17 frames.
   */
  droppedFrames: number;
  /** P2P may start (and, once true, stays so). */
  ready: boolean;
}

export const p2pNotStarted: P2PStart = { steadySeconds: 0, droppedFrames: 0, ready: false };

/** Pure: whether the playhead kept pace with the wall clock over one tick. */
export function keptPace(pace: PlaybackPace, options: Pick<PolicyOptions, 'p2pStartPace'>): boolean {
  return pace.wallSeconds > 0 && pace.playedSeconds >= options.p2pStartPace * pace.wallSeconds;
}

/**
 * Pure: the start gate after one tick (`device`: the tick's deadline margin and strain, and the frames the video
 * dropped and showed since the last tick). Not measured (`pace` absent: a player that cannot read what it played) or
 * turned off (p2pStartSteadySeconds 0): ready at once, P2P starting with the first frame.
 */
export function observeP2PStart(
  state: P2PStart,
  pace: PlaybackPace | undefined,
  device: { marginSeconds: number; strained: boolean; droppedFrames?: number; decodedFrames?: number },
  options: Pick<PolicyOptions, 'p2pStartPace' | 'p2pStartSteadySeconds'>,
): P2PStart {
  if (state.ready) return state;
  if (pace === undefined || options.p2pStartSteadySeconds <= 0) return { ...state, ready: true };
  const droppedFrames =
    state.droppedFrames * startDroppedDecay ** pace.wallSeconds +
    startDroppedWeight * (device.droppedFrames ?? 0) -
    (device.decodedFrames ?? 0);
  const steadySeconds = keptPace(pace, options) ? state.steadySeconds + pace.wallSeconds : 0;
  return {
    steadySeconds,
    droppedFrames,
    ready:
      steadySeconds >= options.p2pStartSteadySeconds &&
      pace.bufferSeconds >= device.marginSeconds &&
      !device.strained &&
      droppedFrames <= 0,
  };
}
