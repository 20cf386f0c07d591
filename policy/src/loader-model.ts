/**
 * p2p-media-loader's own per-segment choices, as the simulator models them.
 *
 * These are not decisions the player makes. The player's decisions are the
 * tick's (tick.ts): the role, the margin, the windows, upload and chokes.
 * Per segment, p2p-media-loader's scheduler (HybridLoader.processQueue, 2.3.x)
 * then picks the source under those windows: the edge for a segment inside
 * `highDemandTimeWindow` (a first fetcher's covers the whole live window), a
 * peer that announced it inside `p2pDownloadTimeWindow`, otherwise nothing yet.
 * A peer transfer still running when its segment enters the high-demand window
 * is switched to the edge. The simulator applies these rules to the windows
 * the tick returned; the player lets p2p-media-loader apply them itself.
 */
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
