import { describe, expect, it } from 'vitest';
import { bitrateKbps, formatStatus, publishLagSeconds } from './status-line';

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

  it('never shows a negative lag', () => {
    const stats = { renditions: 3, kbps: 0, published: 1, queueDepth: 0, retrying: false };
    expect(formatStatus('demo', { ...stats, lagSeconds: -1.7 })).toContain('lag 0.0 s');
    expect(formatStatus('demo', { ...stats, lagSeconds: -0.01 })).toContain('lag 0.0 s');
    expect(formatStatus('demo', { ...stats, lagSeconds: 1.26 })).toContain('lag 1.3 s');
  });

  it('says when an away encoder ends the stream', () => {
    const line = formatStatus('demo', {
      renditions: 3,
      kbps: 0,
      published: 9,
      lagSeconds: 0.5,
      queueDepth: 0,
      retrying: false,
      endsInSeconds: 41.2,
    });
    expect(line).toContain('· encoder away, the stream ends in 42 s unless it comes back');
  });

  it('measures the lag from the last frame to the commit, never below 0', () => {
    const pdt = '2026-12-01T06:00:00.000Z';
    const start = Date.parse(pdt);
    expect(publishLagSeconds(start + 2_500, pdt, 2)).toBeCloseTo(0.5);
    // ffmpeg stamped the segment after its frames arrived: the commit seems to precede the frame
    expect(publishLagSeconds(start + 1_000, pdt, 2)).toBe(0);
    expect(publishLagSeconds(start + 1_000, 'not a date', 2)).toBe(0);
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
