import { describe, expect, it } from 'vitest';
import { afterTake, type TakeEnd } from './take-plan';

const rtmp: TakeEnd = {
  rtmp: true,
  stopRequested: false,
  graceSeconds: 60,
  mediaSeconds: 8,
  durationSeconds: undefined,
  segmentSeconds: 2,
};

describe('afterTake', () => {
  it('waits for an RTMP encoder that went away', () => {
    expect(afterTake(rtmp)).toEqual({ kind: 'wait' });
  });

  it('ends a source that cannot come back, a stopped run, a run with all its media, and --grace 0', () => {
    expect(afterTake({ ...rtmp, rtmp: false })).toEqual({ kind: 'end', why: 'source-ended' });
    expect(afterTake({ ...rtmp, stopRequested: true })).toEqual({ kind: 'end', why: 'stopped' });
    expect(afterTake({ ...rtmp, durationSeconds: 9 })).toEqual({ kind: 'end', why: 'duration' });
    expect(afterTake({ ...rtmp, durationSeconds: 20 })).toEqual({ kind: 'wait' });
    expect(afterTake({ ...rtmp, graceSeconds: 0 })).toEqual({ kind: 'end', why: 'no-grace' });
  });
});
