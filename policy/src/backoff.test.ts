import { describe, expect, it } from 'vitest';
import { edgeRecoveryDelayMs, trackerReconnectDelayMs } from './backoff';
import { nextSeed } from './seeded';

describe('tracker reconnect backoff', () => {
  it('retries first within a second, jittered over all of it', () => {
    expect(trackerReconnectDelayMs(0, 0)).toBe(0);
    expect(trackerReconnectDelayMs(0, 0.5)).toBe(500);
    expect(trackerReconnectDelayMs(0, 0.999)).toBe(999);
    expect(trackerReconnectDelayMs(-3, 0.999)).toBe(999);
  });

  it('then backs off exponentially from 1 s to a 30 s cap, jittered over the upper half', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((r) => trackerReconnectDelayMs(r, 1))).toEqual([
      2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(trackerReconnectDelayMs(1, 0)).toBe(1000);
    expect(trackerReconnectDelayMs(4, 0.5)).toBe(12000);
  });
});

describe('edge recovery backoff', () => {
  it('loads again after 1 s, doubling to an 8 s cap, jittered over the upper half, for ever', () => {
    expect([0, 1, 2, 3, 4, 50].map((r) => edgeRecoveryDelayMs(r, 1))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(edgeRecoveryDelayMs(0, 0)).toBe(500);
    expect(edgeRecoveryDelayMs(-1, 1)).toBe(1000);
  });
});

describe('seeded tie-break stream', () => {
  it('is xorshift32: the same seed gives the same stream, and 0 is never a state', () => {
    expect(nextSeed(1)).toBe(270369);
    expect(nextSeed(nextSeed(1))).toBe(67634689);
    expect(nextSeed(0)).toBe(nextSeed(1));
    let x = 42;
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      x = nextSeed(x);
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(2 ** 32);
      seen.add(x);
    }
    expect(seen.size).toBe(1000);
  });
});
