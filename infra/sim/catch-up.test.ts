/**
 * hls.js's live catch-up as the simulator reproduces it: the rate hls.js's latency controller sets, and the
 * latency a viewer wins over a stretch of playback.
 */
import { describe, expect, it } from 'vitest';
import { type CatchUpInput, catchUpRate, catchUpSeconds } from './catch-up';

/** The player's plan at 4 target durations (liveSync 4.9 s, liveMaxLatency 10.9 s), 2 s segments, catch-up up to 1.1×. */
const at = (latency: number, more: Partial<CatchUpInput> = {}): CatchUpInput => ({
  latency,
  targetLatency: 4.9,
  maxLatency: 10.9,
  targetDuration: 2,
  forwardBufferSeconds: 3,
  maxRate: 1.1,
  ...more,
});

describe('catchUpRate (hls.js latency-controller)', () => {
  it('plays at 1 on target and within hls.js’s 0.05 s dead band', () => {
    expect(catchUpRate(at(4.9))).toBe(1);
    expect(catchUpRate(at(4.95))).toBe(1);
    expect(catchUpRate(at(4.0))).toBe(1);
  });

  it('follows hls.js’s curve, rounded to 0.05, capped at maxLiveSyncPlaybackRate', () => {
    // 2 / (1 + e^(-0.75 × 0.1)) = 1.037, which rounds to 1.05.
    expect(catchUpRate(at(5.0))).toBe(1.05);
    expect(catchUpRate(at(6.4))).toBe(1.1);
    expect(catchUpRate(at(6.4, { maxRate: 1.5 }))).toBe(1.5);
    // hls.js never goes past 2, nor below 1 when configured lower.
    expect(catchUpRate(at(8, { maxRate: 4 }))).toBeLessThanOrEqual(2);
    expect(catchUpRate(at(8, { maxRate: 0.5 }))).toBe(1);
  });

  it('does not catch up on a second of buffer or less, nor beyond the live range', () => {
    expect(catchUpRate(at(6.4, { forwardBufferSeconds: 1 }))).toBe(1);
    // The live range ends a target duration past the target's own distance: 4.9 + 2 = 6.9 s past it.
    expect(catchUpRate(at(4.9 + 6.8))).toBe(1.1);
    expect(catchUpRate(at(4.9 + 6.9))).toBe(1);
  });
});

describe('catchUpSeconds', () => {
  it('wins (rate − 1) × the time played, never past the target or into the last second of buffer', () => {
    expect(catchUpSeconds(at(6.4), 2)).toBeCloseTo(0.2, 10);
    expect(catchUpSeconds(at(5.0), 2)).toBeCloseTo(0.1, 10);
    expect(catchUpSeconds(at(5.0), 10)).toBeCloseTo(0.1, 10);
    expect(catchUpSeconds(at(6.4, { forwardBufferSeconds: 1.1 }), 2)).toBeCloseTo(0.1, 10);
    expect(catchUpSeconds(at(4.9), 2)).toBe(0);
  });

  it('takes a viewer that started 1.5 s late back to the target in about 15 s of 2 s segments', () => {
    let latency = 6.4;
    let seconds = 0;
    while (catchUpSeconds(at(latency), 2) > 0 && seconds < 60) {
      latency -= catchUpSeconds(at(latency), 2);
      seconds += 2;
    }
    // Within hls.js's last step: its rate rounds to 1 under 0.067 s from the target.
    expect(latency).toBeLessThanOrEqual(4.9 + 0.067);
    expect(latency).toBeGreaterThanOrEqual(4.9);
    expect(seconds).toBeGreaterThanOrEqual(14);
    expect(seconds).toBeLessThanOrEqual(20);
  });
});
