import { describe, expect, it } from 'vitest';
import { goToLivePosition, liveIndicator } from './live-indicator';

const live = { live: true, paused: false, targetDuration: 2, targetEdgeDistanceSeconds: 5 };

describe('liveIndicator', () => {
  it('shows no badge on VOD (or before the first playlist), and the corner offers the stats', () => {
    expect(liveIndicator({ ...live, live: false, latencySeconds: 300 })).toEqual({
      badge: 'none',
      badgeTitle: '',
      cornerText: 'stats',
    });
  });

  it('is at live near the plan’s distance from the end, with the latency in the corner', () => {
    expect(liveIndicator({ ...live, edgeDistanceSeconds: 6.5, latencySeconds: 7.26 })).toEqual({
      badge: 'at-live',
      badgeTitle: 'Playing live',
      cornerText: 'latency 7.3 s',
    });
    expect(liveIndicator({ ...live }).cornerText).toBe('latency …');
    expect(liveIndicator({ ...live, latencySeconds: -0.2 }).cornerText).toBe('latency 0.0 s');
  });

  it('offers "go to live" when paused or well behind the plan', () => {
    expect(liveIndicator({ ...live, paused: true, edgeDistanceSeconds: 5 })).toMatchObject({
      badge: 'behind',
      badgeTitle: 'Go to live (5 s behind)',
    });
    expect(liveIndicator({ ...live, edgeDistanceSeconds: 8 }).badge).toBe('at-live'); // 3 s over: the catch-up's job
    expect(liveIndicator({ ...live, edgeDistanceSeconds: 8.1 }).badge).toBe('behind');
    expect(liveIndicator({ ...live, targetDuration: 6, edgeDistanceSeconds: 13 }).badge).toBe('at-live');
    expect(liveIndicator({ ...live, targetDuration: 6, edgeDistanceSeconds: 14.1 }).badge).toBe('behind');
  });

  it('falls back to HOLD-BACK as the plan when hls.js has none (native HLS)', () => {
    const native = { live: true, paused: false, targetDuration: 2 };
    expect(liveIndicator({ ...native, edgeDistanceSeconds: 9 }).badge).toBe('at-live');
    expect(liveIndicator({ ...native, edgeDistanceSeconds: 9.5 }).badge).toBe('behind');
  });
});

describe('goToLivePosition', () => {
  it('seeks to hls.js’s live sync position, else HOLD-BACK before the seekable end', () => {
    expect(goToLivePosition(41.5, 50, 2)).toBe(41.5);
    expect(goToLivePosition(null, 50, 2)).toBe(44);
    expect(goToLivePosition(undefined, 4, 2)).toBe(0);
    expect(goToLivePosition(null, undefined, 2)).toBeUndefined();
    expect(goToLivePosition(Number.NaN, Number.POSITIVE_INFINITY, 2)).toBeUndefined();
  });
});
