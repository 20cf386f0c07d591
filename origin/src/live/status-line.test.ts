import { describe, expect, it } from 'vitest';
import { bitrateKbps, formatStatus } from './status-line';

describe('status line', () => {
  it('shows bitrate, segments, lag and queue depth', () => {
    expect(
      formatStatus('demo', {
        renditions: 3,
        kbps: 812.4,
        published: 57,
        lagSeconds: 0.42,
        queueDepth: 0,
        retrying: false,
      }),
    ).toBe('live demo · 3 renditions · 812 kb/s · 57 segments published · lag 0.4 s · queue 0');
    expect(
      formatStatus('demo', {
        renditions: 3,
        kbps: 0,
        published: 0,
        lagSeconds: undefined,
        queueDepth: 9,
        retrying: true,
      }),
    ).toContain('lag — · queue 9 · edge unreachable, queueing');
  });

  it('averages bits over the window, ignoring older samples', () => {
    const samples = [
      { at: 0, bytes: 1_000_000 },
      { at: 5_000, bytes: 125_000 },
      { at: 9_000, bytes: 125_000 },
    ];
    expect(bitrateKbps(samples, 12_000)).toBe(200);
  });
});
