import { describe, expect, it } from 'vitest';
import { earliestFinish, newBucket, refill, settingsForMbps, sliceSizes, take } from './token-bucket';

// 1 Mbit/s = 125 000 bytes/s; burst 0.1 s = 12 500 bytes, raised to the 16 KiB minimum.
const settings = settingsForMbps(1);

describe('token bucket', () => {
  it('turns Mbit/s into bytes per second, with a burst of at least one slice', () => {
    expect(settings).toEqual({ bytesPerSecond: 125_000, burstBytes: 16_384 });
    expect(settingsForMbps(8, 0.1, 1000)).toEqual({ bytesPerSecond: 1_000_000, burstBytes: 100_000 });
    expect(() => settingsForMbps(0)).toThrow(RangeError);
    expect(() => settingsForMbps(Number.NaN)).toThrow(RangeError);
  });

  it('starts full and grants the burst at once', () => {
    const result = take(newBucket(settings, 0), settings, 16_384, 0);
    expect(result).toEqual({ granted: true, bucket: { tokens: 0, at: 0 } });
  });

  it('says how long until enough tokens: 10 000 bytes at 125 000 bytes/s is 80 ms', () => {
    const empty = { tokens: 0, at: 1000 };
    const result = take(empty, settings, 10_000, 1000);
    expect(result).toEqual({ granted: false, bucket: empty, waitMs: 80 });
    // 80 ms later they are there, and taking them empties the bucket again.
    expect(take(empty, settings, 10_000, 1080)).toEqual({ granted: true, bucket: { tokens: 0, at: 1080 } });
  });

  it('refills at the rate, never above the burst, and ignores a clock that steps back', () => {
    expect(refill({ tokens: 0, at: 0 }, settings, 40)).toEqual({ tokens: 5000, at: 40 });
    expect(refill({ tokens: 0, at: 0 }, settings, 10_000)).toEqual({ tokens: 16_384, at: 10_000 });
    expect(refill({ tokens: 100, at: 50 }, settings, 20)).toEqual({ tokens: 100, at: 50 });
  });

  it('waits at least 1 ms so a caller always makes progress', () => {
    const result = take({ tokens: 9999.99, at: 0 }, settings, 10_000, 0);
    expect(result.granted).toBe(false);
    if (!result.granted) expect(result.waitMs).toBe(1);
  });

  it('refuses a request larger than the burst: it could never be granted', () => {
    expect(() => take(newBucket(settings, 0), settings, 16_385, 0)).toThrow(/slice/);
  });

  it('slices a chunk in order', () => {
    expect(sliceSizes(40_000, 16_384)).toEqual([16_384, 16_384, 7232]);
    expect(sliceSizes(0, 16_384)).toEqual([]);
    expect(() => sliceSizes(10, 0)).toThrow(RangeError);
  });

  it('bounds a transfer: the burst at once, the rest at the rate', () => {
    // 1 MB at 1 Mbit/s from a full bucket: (1 000 000 − 16 384) / 125 000 s.
    expect(earliestFinish(settings, 1_000_000, 0)).toBeCloseTo(7868.928, 6);
    expect(earliestFinish(settings, 1000, 5)).toBe(5);
  });
});
