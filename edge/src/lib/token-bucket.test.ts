import { describe, expect, it } from 'vitest';
import { fullBucket, type TokenBucket, takeToken } from './token-bucket';

describe('takeToken', () => {
  const cases: [string, TokenBucket, number, boolean, number, number][] = [
    // name, bucket, now, ok, tokens after, retryAfterMs (capacity 5, 2 per second)
    ['full bucket gives a token', { tokens: 5, at: 0 }, 0, true, 4, 0],
    ['empty bucket refuses', { tokens: 0, at: 1000 }, 1000, false, 0, 500],
    ['refills with time', { tokens: 0, at: 0 }, 1000, true, 1, 0], // 2 tokens, one taken
    ['partial refill is not enough', { tokens: 0, at: 0 }, 400, false, 0.8, 100],
    ['never above capacity', { tokens: 5, at: 0 }, 60_000, true, 4, 0],
    ['a clock going backwards refills nothing', { tokens: 0.5, at: 5000 }, 1000, false, 0.5, 250],
  ];
  it.each(cases)('%s', (_name, bucket, now, ok, tokens, retryAfterMs) => {
    const result = takeToken(bucket, now, 5, 2);
    expect(result.ok).toBe(ok);
    expect(result.bucket.tokens).toBeCloseTo(tokens);
    expect(result.bucket.at).toBe(now);
    expect(result.retryAfterMs).toBe(retryAfterMs);
  });

  it('lets exactly the burst through at one instant, then one per refill', () => {
    let bucket = fullBucket(3, 0);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = takeToken(bucket, 0, 3, 1);
      bucket = r.bucket;
      outcomes.push(r.ok);
    }
    expect(outcomes).toEqual([true, true, true, false, false]);
    expect(takeToken(bucket, 1000, 3, 1).ok).toBe(true);
  });

  it('says how long until the next token', () => {
    // Empty at 0: half a token after 500 ms at 1 per second, so 500 ms more to wait.
    const half = takeToken({ tokens: 0, at: 0 }, 500, 4, 1);
    expect(half).toEqual({ ok: false, bucket: { tokens: 0.5, at: 500 }, retryAfterMs: 500 });
    expect(takeToken(half.bucket, 1000, 4, 1).ok).toBe(true);
  });

  it('does not mutate its input', () => {
    const bucket = { tokens: 2, at: 0 };
    takeToken(bucket, 0, 5, 1);
    expect(bucket).toEqual({ tokens: 2, at: 0 });
  });
});
