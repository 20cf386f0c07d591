import { describe, expect, it } from 'vitest';
import { addStrike, fullBucket, resolveLimits, takeToken, trackerDefaults } from './limits';

describe('takeToken', () => {
  const cases: [string, { tokens: number; at: number }, number, boolean, number][] = [
    // name, bucket, now, ok, tokens after
    ['full bucket gives a token', { tokens: 5, at: 0 }, 0, true, 4],
    ['empty bucket refuses', { tokens: 0, at: 1000 }, 1000, false, 0],
    ['refills with time', { tokens: 0, at: 0 }, 1000, true, 1], // 2/s → 2 tokens, one taken
    ['partial refill is not enough', { tokens: 0, at: 0 }, 400, false, 0.8],
    ['never above capacity', { tokens: 5, at: 0 }, 60_000, true, 4],
    ['a clock going backwards refills nothing', { tokens: 0.5, at: 5000 }, 1000, false, 0.5],
  ];
  it.each(cases)('%s', (_name, bucket, now, ok, tokens) => {
    const result = takeToken(bucket, now, 5, 2);
    expect(result.ok).toBe(ok);
    expect(result.bucket.tokens).toBeCloseTo(tokens);
    expect(result.bucket.at).toBe(now);
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

  it('does not mutate its input', () => {
    const bucket = { tokens: 2, at: 0 };
    takeToken(bucket, 0, 5, 1);
    expect(bucket).toEqual({ tokens: 2, at: 0 });
  });
});

describe('addStrike', () => {
  const limits = { strikesBeforeClose: 3, strikeForgivenessMs: 1000 };
  it.each([
    ['first strike', { count: 0, at: 0 }, 0, 1, false],
    ['second strike', { count: 1, at: 0 }, 10, 2, false],
    ['third strike closes', { count: 2, at: 0 }, 10, 3, true],
    ['one strike forgiven after the period', { count: 2, at: 0 }, 1000, 2, false],
    ['all forgiven after long enough', { count: 2, at: 0 }, 10_000, 1, false],
  ])('%s', (_name, strikes, now, count, close) => {
    const result = addStrike(strikes, now, limits);
    expect(result.strikes.count).toBe(count);
    expect(result.close).toBe(close);
  });

  it('keeps the unfinished part of a forgiveness period', () => {
    // 2 strikes at 0; at 1500 one is forgiven and the next forgiveness is due at 2000, not 2500.
    const { strikes } = addStrike({ count: 2, at: 0 }, 1500, limits);
    expect(strikes).toEqual({ count: 2, at: 1000 });
    expect(addStrike(strikes, 2000, limits).strikes.count).toBe(2);
  });

  it('a steady trickle of mistakes below the forgiveness rate never closes', () => {
    let strikes = { count: 0, at: 0 };
    for (let t = 0; t < 100_000; t += 1000) {
      const r = addStrike(strikes, t, limits);
      expect(r.close).toBe(false);
      strikes = r.strikes;
    }
  });
});

describe('resolveLimits', () => {
  it('merges overrides over the defaults', () => {
    expect(resolveLimits({ maxOffersPerAnnounce: 3 })).toEqual({ ...trackerDefaults, maxOffersPerAnnounce: 3 });
  });
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (value) => {
    expect(() => resolveLimits({ maxMessageBytes: value })).toThrow(/maxMessageBytes/);
  });
  it('defaults keep the advertised protocol bounds', () => {
    expect(trackerDefaults.maxOffersPerAnnounce).toBe(10);
    expect(trackerDefaults.peerTimeoutMs).toBeGreaterThan(trackerDefaults.intervalSeconds * 1000 * 2);
  });
});
