import { describe, expect, it } from 'vitest';
import { memoryGrowth, memoryLabel, sumByLabel } from './memory';

describe('memoryLabel', () => {
  it('groups the stack by what each process is', () => {
    const p = (command: string, cmdline: string, pid = 1) => memoryLabel({ pid, command, cmdline }, false);
    expect(p('workerd', '/x/workerd serve')).toBe('workerd');
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
        { pid: 1, command: 'workerd', cmdline: '', rssBytes: 100e6, fds: 10 },
        { pid: 2, command: 'workerd', cmdline: '', rssBytes: 50e6, fds: 5 },
        { pid: 3, command: 'bash', cmdline: '', rssBytes: 5e6, fds: 1 },
      ],
      false,
    );
    expect([...sums]).toEqual([['workerd', 150]]);
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
