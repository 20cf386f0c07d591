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
 * Where p2p-media-loader fetches a segment from, under the tick's windows:
 * - the edge when its slack is inside the high-demand window (the margin: the CDN guarantees deadlines);
 * - the edge when this peer is a first fetcher (its high-demand and HTTP windows cover the whole live window);
 * - a peer when one announced it and it is inside the P2P window (which covers the live window);
 * - otherwise nothing yet: a first fetcher will have it soon, and the margin still guards the deadline.
 */
export function chooseSource(input: SourceInput): Source {
  if (input.slackSeconds <= input.marginSeconds) return 'http';
  if (input.firstFetcher) return 'http';
  if (input.holders > 0) return 'p2p';
  return 'wait';
}

export interface TransferInput {
  slackSeconds: number;
  /** The margin at which the segment enters p2p-media-loader's high-demand window. */
  marginSeconds: number;
}

/**
 * When p2p-media-loader gives up on a peer transfer and finishes it from the
 * edge (resuming with a Range request from the bytes already received): once
 * its segment enters the high-demand window. It does not project a transfer's
 * finish from its rate; a slow peer keeps the segment until the margin. (It
 * also drops a peer that sends nothing for p2pNotReceivingBytesTimeoutMs; the
 * simulator's fluid transfers always send something, so that rule never fires
 * there.) Our own rule, projectTransfer (abandon.ts), gives a slow transfer up
 * earlier and includes this one as its margin case.
 */
export function loaderAbandons(input: TransferInput): boolean {
  return input.slackSeconds <= input.marginSeconds;
}
