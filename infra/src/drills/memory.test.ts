import { describe, expect, it } from 'vitest';
import { countAllowance, countGrowth, memoryGrowth, memoryLabel, sumByLabel } from './memory';

describe('memoryLabel', () => {
  it('groups the stack by what each process is', () => {
    const p = (command: string, cmdline: string, pid = 1) => memoryLabel({ pid, command, cmdline }, false);
    expect(p('workerd', '/x/workerd serve --control-fd=3 - --inspector-addr=localhost:0')).toBe('workerd');
    expect(p('workerd', '/x/workerd serve --socket-addr=entry=127.0.0.1:8787 --control-fd=3 -')).toBe(
      'workerd (wrangler proxy)',
    );
    expect(p('ffmpeg', 'ffmpeg -i')).toBe('ffmpeg');
    expect(p('chromium', '/usr/lib/chromium/chromium --type=renderer --x')).toBe('chromium renderers');
    expect(p('chromium', '/usr/lib/chromium/chromium --headless')).toBe('chromium (browser, gpu, network)');
    expect(p('node', 'node --import tsx /repo/origin/src/cli.ts publish')).toBe('publisher');
    expect(p('node', 'node /repo/node_modules/wrangler/bin/wrangler.js dev')).toBe('wrangler');
    expect(p('node', 'node child.ts')).toBeUndefined();
    expect(memoryLabel({ pid: 7, command: 'chromium', cmdline: 'chromium --type=renderer' }, true)).toBe(
      'chromium tab 7',
    );
  });

  it('sums each group in MB', () => {
    const sums = sumByLabel(
      [
        { pid: 1, command: 'workerd', cmdline: '--inspector-addr=localhost:0', rssBytes: 100e6, fds: 10, sockets: 4 },
        { pid: 2, command: 'workerd', cmdline: '--inspector-addr=localhost:0', rssBytes: 50e6, fds: 5, sockets: 2 },
        { pid: 3, command: 'workerd', cmdline: '', rssBytes: 60e6, fds: 5, sockets: 2 },
        { pid: 4, command: 'bash', cmdline: '', rssBytes: 5e6, fds: 1, sockets: 0 },
      ],
      false,
    );
    expect([...sums]).toEqual([
      ['workerd', 150],
      ['workerd (wrangler proxy)', 60],
    ]);
  });
});

describe('memoryGrowth', () => {
  it('is flat for a flat series and reads a steady climb as MB/hour and % over the window', () => {
    const flat = Array.from({ length: 31 }, (_, i) => [i * 60, 200] as [number, number]);
    expect(memoryGrowth(flat, 20 * 60)).toEqual({ mbPerHour: 0, growthPercent: 0, points: 21 });
    // 100 MB at 10 min, +1 MB per minute: 60 MB/hour, 20 % over the last 20 minutes.
    const climbing = Array.from({ length: 31 }, (_, i) => [i * 60, 90 + i] as [number, number]);
    const g = memoryGrowth(climbing, 20 * 60);
    expect(g?.mbPerHour).toBeCloseTo(60);
    expect(g?.growthPercent).toBeCloseTo(20);
  });

  it('needs three points in the window', () => {
    expect(memoryGrowth([[0, 1]], 60)).toBeUndefined();
    expect(memoryGrowth([], 60)).toBeUndefined();
  });
});

describe('countGrowth', () => {
  const series = (f: (i: number) => number) => Array.from({ length: 41 }, (_, i) => [i * 30, f(i)] as [number, number]);

  it('reads a count that jumps about but keeps its floor as not growing', () => {
    const g = countGrowth(
      series((i) => 10 + (i % 3) * 4),
      20 * 60,
    );
    expect(g?.last).toBe(10);
    expect(g?.growth).toBeLessThanOrEqual(0);
  });

  it('reads a rising floor as growth, per hour over the three quarters between the quarters', () => {
    // One more every 2 minutes: the first quarter of 20 minutes ends at 12, the last starts at 17.
    const g = countGrowth(
      series((i) => 10 + Math.floor(i / 4)),
      20 * 60,
    );
    expect(g).toMatchObject({ first: 12, last: 17, growth: 5 });
    expect(g?.perHour).toBeCloseTo(20);
  });

  it('reads a leak that swings as it grows as growth', () => {
    // The full soak's 12/17 swing, with one more every minute under it.
    const g = countGrowth(
      series((i) => 12 + (i % 2) * 5 + Math.floor(i / 2)),
      20 * 60,
    );
    expect(g?.growth).toBeGreaterThan(countAllowance(g?.first ?? 0, 5, 2));
  });

  it('does not read a swing whose samples drift from both sides to the high side as growth', () => {
    // v7's RTCPeerConnections in the full soak, every 15 s: 12, 17, 12, 17 … then 17 from minute 21 on.
    const v7 = Array.from({ length: 81 }, (_, i) => [i * 15, i < 44 && i % 2 === 0 ? 12 : 17] as [number, number]);
    expect(countGrowth(v7, 20 * 60)).toMatchObject({ first: 17, last: 17, growth: 0 });
  });

  it('does not read one dip early in the window as growth', () => {
    const g = countGrowth(
      series((i) => (i === 2 ? 12 : 17)),
      20 * 60,
    );
    expect(g).toMatchObject({ first: 17, last: 17, growth: 0 });
  });

  it('needs two points per quarter', () => {
    expect(countGrowth(series(() => 1).slice(0, 5), 20 * 60)).toBeUndefined();
    expect(countGrowth([], 60)).toBeUndefined();
  });

  it('allows 5% of the floor, and never less than the slack', () => {
    expect(countAllowance(10, 5, 2)).toBe(2);
    expect(countAllowance(400, 5, 2)).toBe(20);
  });
});
