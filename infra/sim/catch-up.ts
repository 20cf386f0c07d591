/**
 * hls.js's live catch-up, as its latency controller does it in low-latency mode (hls.js 1.x,
 * src/controller/latency-controller.ts, onTimeupdate): a viewer further behind than its target latency plays faster,
 * up to `maxLiveSyncPlaybackRate` (the policy's hls settings), while it has more than a second buffered and is within
 * one target duration of the target's live range. The player runs hls.js in low-latency mode at every numeric
 * target, so every real viewer, the CDN-only cohort's too, drifts back to liveSyncDuration after a late start; the
 * simulator's viewers do the same through this.
 */

export interface CatchUpInput {
  /** hls.js's own latency: the playlist's live edge (its last segment's end plus the playlist's age) minus the playhead. */
  latency: number;
  /** hls.js's target: liveSyncDuration, plus liveSyncOnStallIncrease per stall it saw (at most a target duration). */
  targetLatency: number;
  /** liveMaxLatencyDuration. */
  maxLatency: number;
  targetDuration: number;
  /** Media buffered ahead of the playhead, seconds. */
  forwardBufferSeconds: number;
  /** maxLiveSyncPlaybackRate. */
  maxRate: number;
}

/** The playback rate hls.js sets: 1 unless it is catching up. */
export function catchUpRate(input: CatchUpInput): number {
  const distance = input.latency - input.targetLatency;
  const liveMin = Math.min(input.maxLatency, input.targetLatency + input.targetDuration);
  if (!(distance > 0.05 && distance < liveMin && input.forwardBufferSeconds > 1)) return 1;
  const max = Math.min(2, Math.max(1, input.maxRate));
  // hls.js's curve, rounded to 0.05 (edgeStalled is 0 while playlists keep arriving, as blocking reloads make them).
  const rate = Math.round((2 / (1 + Math.exp(-0.75 * distance))) * 20) / 20;
  return Math.min(max, Math.max(1, rate));
}

/**
 * Seconds of latency won by playing `seconds` at the rate hls.js would set now: never past the target, and never more
 * than the buffer ahead allows (the rate needs over a second of it).
 */
export function catchUpSeconds(input: CatchUpInput, seconds: number): number {
  const rate = catchUpRate(input);
  if (rate <= 1) return 0;
  return Math.max(
    0,
    Math.min(input.latency - input.targetLatency, (rate - 1) * seconds, input.forwardBufferSeconds - 1),
  );
}
