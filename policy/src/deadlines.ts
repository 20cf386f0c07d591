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

/** Seconds until the playhead reaches the segment (negative once it has). */
export function slack(segmentStart: number, playhead: number, rate = 1): number {
  return (segmentStart - playhead) / Math.max(rate, 0.1);
}

export type Source = 'http' | 'p2p' | 'wait';

export interface SourceInput {
  slackSeconds: number;
  marginSeconds: number;
  /** Connected peers that hold the segment. */
  holders: number;
  /** This peer is one of the segment's first fetchers. */
  firstFetcher: boolean;
}

/**
 * Where a segment should come from now:
 * - the edge when its deadline is within the margin (the CDN guarantees deadlines);
 * - the edge when this peer is a first fetcher (someone must bring each live segment into the swarm);
 * - a peer when one holds it and there is slack;
 * - otherwise wait: a first fetcher will have it soon, and the margin still guards the deadline.
 */
export function chooseSource(input: SourceInput): Source {
  if (input.slackSeconds <= input.marginSeconds) return 'http';
  if (input.firstFetcher) return 'http';
  if (input.holders > 0) return 'p2p';
  return 'wait';
}

export interface TransferInput {
  slackSeconds: number;
  marginSeconds: number;
  bytesRemaining: number;
  /** Measured rate of this transfer; 0 when nothing has arrived yet. */
  p2pBytesPerSecond: number;
}

/**
 * Abandon a P2P transfer and finish it from the edge (resuming with a Range
 * request from the bytes already received) once it can no longer end before
 * the deadline margin: either the margin is reached, or at its current rate the
 * rest would arrive too late.
 */
export function shouldAbandon(input: TransferInput): boolean {
  if (input.slackSeconds <= input.marginSeconds) return true;
  if (input.bytesRemaining <= 0) return false;
  if (input.p2pBytesPerSecond <= 0) return false; // nothing measured yet: the margin check above guards
  return input.bytesRemaining / input.p2pBytesPerSecond > input.slackSeconds - input.marginSeconds;
}

/** Among segments a peer could fetch P2P, the rarest first (fewest holders), then the earliest deadline. */
export function rarestFirst<T extends { holders: number; slackSeconds: number }>(candidates: T[]): T[] {
  return [...candidates].sort((a, b) => a.holders - b.holders || a.slackSeconds - b.slackSeconds);
}
