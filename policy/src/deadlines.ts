/**
 * Deadline arithmetic for live playback. A segment's slack is the time until
 * the playhead reaches it; the deadline margin is how close to that moment we
 * dare wait before the edge must deliver it. Pure: all times in seconds.
 */
import type { PolicyOptions } from './options';

export interface LatencyPlan {
  /** Wall-clock latency the player aims to stay under. */
  targetLatency: number;
  /** How far behind the newest segment's end the playhead sits (hls.js liveSyncDuration). */
  liveSyncDuration: number;
  /** Worst-case latency with this plan: liveSync + one segment still being produced + publishing lag. */
  worstLatency: number;
}

/**
 * Latency = liveSync + age of the newest segment's end, and that age runs from
 * the publishing lag up to lag + one target duration. Choose liveSync so the
 * worst case stays under the target, but never less than one segment of buffer.
 */
export function planLatency(targetDuration: number, publishLagSeconds: number, options: PolicyOptions): LatencyPlan {
  const targetLatency = options.latencyTargetDurations * targetDuration;
  const liveSyncDuration = Math.max(
    targetDuration,
    targetLatency - targetDuration - publishLagSeconds - options.safetySeconds,
  );
  return { targetLatency, liveSyncDuration, worstLatency: liveSyncDuration + targetDuration + publishLagSeconds };
}

/** How long before its deadline a segment must be handed to the edge: a few HTTP fetch times, at least the minimum. */
export function deadlineMargin(httpFetchSeconds: number, options: PolicyOptions): number {
  return Math.max(options.minMarginSeconds, httpFetchSeconds * options.marginFetchFactor);
}
