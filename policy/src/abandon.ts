/**
 * When to give up on a running peer transfer: ours, not p2p-media-loader's.
 *
 * p2p-media-loader finishes a peer transfer from the edge only once its
 * segment enters the high-demand window (the margin, `loaderAbandons`), so a
 * slow peer keeps a segment until the edge has just the margin left to fetch
 * the rest. This projects the transfer's finish from its measured rate and the
 * bytes it still needs, and gives it up as soon as that finish lands after the
 * deadline less the margin: the edge fetch then starts with the slack the peer
 * would have wasted. A peer that has sent nothing yet cannot be projected; it is
 * left to p2p-media-loader's own no-bytes timeout (p2pNotReceivingBytesTimeoutMs)
 * and to the margin.
 */
import { loaderAbandons } from './loader-model';
import type { PolicyOptions } from './options';

/** The player projects its running peer transfers at its tick, once a second; the simulator looks as often. */
export const transferCheckSeconds = 1;

/** One attempt at a segment from one peer, as far as it got. Times in seconds. */
export interface TransferProgress {
  /** When the attempt was asked of the peer. */
  startedAt: number;
  /** Bytes this attempt has received (not those an earlier attempt brought, which a resumed one skips). */
  receivedBytes: number;
  /** Bytes still missing for the whole segment; undefined until the peer has said how big it is. */
  bytesLeft: number | undefined;
  /** An earlier look at the same attempt: a transfer that sped up since is judged on its recent rate too. */
  previous?: { at: number; receivedBytes: number };
}

export type TransferVerdictReason =
  /** All bytes are in: nothing to abandon. */
  | 'finished'
  /** The segment is inside the margin: p2p-media-loader's own switch to the edge. */
  | 'margin'
  /** Too little measured yet (no bytes, too short, size unknown): the no-bytes timeout and the margin guard it. */
  | 'unmeasured'
  /** The projected finish lands after the deadline less the margin: to the edge now. */
  | 'late'
  | 'on-time';

export interface TransferVerdict {
  abandon: boolean;
  reason: TransferVerdictReason;
  /** The rate the projection used, bytes/s (0 when unmeasured). */
  rateBps: number;
  /** Seconds from now to the projected finish (Infinity when unmeasured, 0 when finished). */
  finishInSeconds: number;
}

/**
 * Projects a peer transfer's finish and says whether to finish it from the edge now.
 * `slackSeconds` is the time until the playhead reaches the segment; the edge needs `marginSeconds` of it.
 * A finish exactly at the deadline less the margin is on time.
 */
export function projectTransfer(
  progress: TransferProgress,
  slackSeconds: number,
  marginSeconds: number,
  now: number,
  options: Pick<PolicyOptions, 'abandonSampleSeconds' | 'abandonSampleBytes'>,
): TransferVerdict {
  const { bytesLeft, receivedBytes } = progress;
  if (bytesLeft !== undefined && bytesLeft <= 0) {
    return { abandon: false, reason: 'finished', rateBps: 0, finishInSeconds: 0 };
  }
  const rateBps = measuredRate(progress, now, options);
  const finishInSeconds = rateBps > 0 && bytesLeft !== undefined ? bytesLeft / rateBps : Number.POSITIVE_INFINITY;
  if (loaderAbandons({ slackSeconds, marginSeconds }))
    return { abandon: true, reason: 'margin', rateBps, finishInSeconds };
  if (rateBps === 0 || bytesLeft === undefined || receivedBytes <= 0) {
    return { abandon: false, reason: 'unmeasured', rateBps, finishInSeconds };
  }
  const late = finishInSeconds > slackSeconds - marginSeconds;
  return { abandon: late, reason: late ? 'late' : 'on-time', rateBps, finishInSeconds };
}

/**
 * The attempt's rate, bytes/s: what it received over the time since it was asked (the wait for the first byte
 * counts, as it does for the deadline), or its rate since the previous look when that is higher. 0 until the
 * attempt has run abandonSampleSeconds and received abandonSampleBytes.
 */
export function measuredRate(
  progress: TransferProgress,
  now: number,
  options: Pick<PolicyOptions, 'abandonSampleSeconds' | 'abandonSampleBytes'>,
): number {
  const elapsed = now - progress.startedAt;
  const received = progress.receivedBytes;
  if (!(elapsed > 0) || elapsed < options.abandonSampleSeconds) return 0;
  if (!(received > 0) || received < options.abandonSampleBytes) return 0;
  let rate = received / elapsed;
  const previous = progress.previous;
  if (previous) {
    const span = now - previous.at;
    const more = received - previous.receivedBytes;
    if (span > 0 && span >= options.abandonSampleSeconds && more > 0) rate = Math.max(rate, more / span);
  }
  return rate;
}
