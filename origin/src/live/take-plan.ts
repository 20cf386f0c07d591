/**
 * What the publisher does when a take ends (its ffmpeg exited: the encoder left, the source ended,
 * --duration was reached, or Ctrl-C). Pure.
 *
 * Only an RTMP encoder can come back; it is waited for unless the run was stopped, has all the
 * media it was asked for, or has no grace period.
 */
export interface TakeEnd {
  /** The source is an RTMP listener (the only one that can have another take). */
  rtmp: boolean;
  stopRequested: boolean;
  graceSeconds: number;
  /** Media published so far, over every take, and --duration if given. */
  mediaSeconds: number;
  durationSeconds: number | undefined;
  segmentSeconds: number;
}

export type AfterTake = { kind: 'end'; why: 'source-ended' | 'stopped' | 'duration' | 'no-grace' } | { kind: 'wait' };

export function afterTake(t: TakeEnd): AfterTake {
  if (!t.rtmp) return { kind: 'end', why: 'source-ended' };
  if (t.stopRequested) return { kind: 'end', why: 'stopped' };
  // The last segment may be short: within half a segment of --duration is done.
  if (t.durationSeconds && t.mediaSeconds >= t.durationSeconds - t.segmentSeconds / 2)
    return { kind: 'end', why: 'duration' };
  if (t.graceSeconds <= 0) return { kind: 'end', why: 'no-grace' };
  return { kind: 'wait' };
}
