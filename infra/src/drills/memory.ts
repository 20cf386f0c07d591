/**
 * Resident memory of the stack's processes, read from /proc: workerd, the
 * wrangler that runs it, Chromium (its browser processes, and its renderers,
 * one per tab), the publisher and its ffmpeg. The drill runs in a PID namespace
 * of its own, so every process seen here is the drill's.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { residentBytes } from '../tracker-proc';
import type { MemorySeries } from './types';

export interface ProcessReading {
  pid: number;
  command: string;
  cmdline: string;
  rssBytes: number;
  /** Open file descriptors (sockets, files, pipes). */
  fds: number;
  /** Of those, sockets (TCP, UDP, Unix). */
  sockets: number;
}

/** Chromium's processes other than its renderers: the browser process, the GPU process and its utilities (the network service among them). */
export const chromiumBrowserLabel = 'chromium (browser, gpu, network)';

/** Pure: which series a process belongs to; undefined: not one the drills watch. */
export function memoryLabel(
  p: Pick<ProcessReading, 'pid' | 'command' | 'cmdline'>,
  perTab: boolean,
): string | undefined {
  // wrangler dev runs two: the edge (the one it gives an inspector) and its own dev proxy in front (none of our code
  // runs there, and production has no such process).
  if (p.command === 'workerd') return p.cmdline.includes('--inspector-addr') ? 'workerd' : 'workerd (wrangler proxy)';
  if (p.command === 'ffmpeg') return 'ffmpeg';
  if (/chrom/i.test(p.command)) {
    if (!p.cmdline.includes('--type=renderer')) return chromiumBrowserLabel;
    return perTab ? `chromium tab ${p.pid}` : 'chromium renderers';
  }
  if (p.cmdline.includes('origin/src/cli.ts')) return 'publisher';
  if (p.cmdline.includes('wrangler')) return 'wrangler';
  return undefined;
}

function readings(): ProcessReading[] {
  const found: ProcessReading[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const fds = readdirSync(`/proc/${pid}/fd`);
      let sockets = 0;
      for (const fd of fds) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
        } catch {
          // closed meanwhile
        }
      }
      found.push({ pid, command, cmdline, rssBytes: residentBytes(pid), fds: fds.length, sockets });
    } catch {
      // gone meanwhile, or a kernel thread without VmRSS
    }
  }
  return found;
}

/** Pure: one reading of every process, summed by series, MB. */
export function sumByLabel(procs: readonly ProcessReading[], perTab: boolean): Map<string, number> {
  const sums = new Map<string, number>();
  for (const p of procs) {
    const label = memoryLabel(p, perTab);
    if (label) sums.set(label, (sums.get(label) ?? 0) + p.rssBytes / 1e6);
  }
  return sums;
}

/** The resident memory of one series' processes now, MB; undefined when none is running. */
export function residentMbOf(label: string, perTab: boolean): number | undefined {
  return sumByLabel(readings(), perTab).get(label);
}

/** Pure: open descriptors (or, with `what`, sockets) by series (tabs not split: a count, not a size). */
export function fdsByLabel(procs: readonly ProcessReading[], what: 'fds' | 'sockets' = 'fds'): Map<string, number> {
  const sums = new Map<string, number>();
  for (const p of procs) {
    const label = memoryLabel(p, false);
    if (label) sums.set(label, (sums.get(label) ?? 0) + p[what]);
  }
  return sums;
}

export class MemorySampler {
  private readonly series = new Map<string, [number, number][]>();
  private readonly fdSeries = new Map<string, [number, number][]>();
  private readonly socketSeries = new Map<string, [number, number][]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly elapsed: () => number,
    private readonly perTab = false,
  ) {}

  sample(): void {
    const t = Number(this.elapsed().toFixed(1));
    const procs = readings();
    const add = (into: Map<string, [number, number][]>, label: string, value: number) => {
      const points = into.get(label) ?? [];
      points.push([t, value]);
      into.set(label, points);
    };
    for (const [label, mb] of sumByLabel(procs, this.perTab)) add(this.series, label, Number(mb.toFixed(1)));
    for (const [label, fds] of fdsByLabel(procs)) add(this.fdSeries, label, fds);
    for (const [label, sockets] of fdsByLabel(procs, 'sockets')) add(this.socketSeries, label, sockets);
  }

  /** The memory series so far. */
  memory(): MemorySeries[] {
    return [...this.series].map(([label, points]) => ({ label, points: [...points] }));
  }

  /** Open descriptors by series so far. */
  fds(): MemorySeries[] {
    return [...this.fdSeries].map(([label, points]) => ({ label, points: [...points] }));
  }

  /** Open sockets by series so far. */
  sockets(): MemorySeries[] {
    return [...this.socketSeries].map(([label, points]) => ({ label, points: [...points] }));
  }

  start(everySeconds: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everySeconds * 1000);
    this.timer.unref();
  }

  stop(): MemorySeries[] {
    clearInterval(this.timer);
    return this.memory();
  }
}

/**
 * Pure: a series' trend over its last `windowSeconds`, by least squares: MB per hour, and the growth over the
 * window as a percentage of the fitted value at its start. Undefined with fewer than 3 points in the window.
 */
export function memoryGrowth(
  points: readonly [number, number][],
  windowSeconds: number,
): { mbPerHour: number; growthPercent: number; points: number } | undefined {
  const end = points.at(-1)?.[0];
  if (end === undefined) return undefined;
  const inWindow = points.filter(([t]) => t >= end - windowSeconds - 1e-9);
  if (inWindow.length < 3) return undefined;
  const n = inWindow.length;
  const mx = inWindow.reduce((s, [t]) => s + t, 0) / n;
  const my = inWindow.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = inWindow.reduce((s, [t]) => s + (t - mx) ** 2, 0);
  const sxy = inWindow.reduce((s, [t, y]) => s + (t - mx) * (y - my), 0);
  const slope = sxx > 0 ? sxy / sxx : 0; // MB per second
  const t0 = inWindow[0]?.[0] ?? end;
  const start = my + slope * (t0 - mx);
  const span = end - t0;
  return {
    mbPerHour: slope * 3600,
    growthPercent: start > 0 ? (100 * slope * span) / start : 0,
    points: n,
  };
}

/**
 * Pure: whether a count (timers, sockets, descriptors) grows over a series' last `windowSeconds`. Counts jump about
 * (a timer set and fired between samples), and a leak raises the whole band a count moves in, its floor included,
 * so the window is cut in quarters and the lowest reading of the last quarter is compared with the highest of the
 * first. A count that swings within one band reads as steady wherever the samples fall in its swing: each tab's
 * RTCPeerConnections swing by 5 (bittorrent-tracker's 5 WebRTC offers per 30 s announce, each kept 50 s unless
 * answered), and 15 s samples caught the low or the high side by turns, or only the high, as their phase drifted
 * (the full soak's v7: 12, 17, 12, 17 … for ten minutes, then 17). Undefined with fewer than 8 points in the
 * window (two per quarter).
 */
export function countGrowth(
  points: readonly [number, number][],
  windowSeconds: number,
): { first: number; last: number; growth: number; perHour: number; points: number } | undefined {
  const end = points.at(-1)?.[0];
  if (end === undefined) return undefined;
  const start = end - windowSeconds;
  const inWindow = points.filter(([t]) => t >= start - 1e-9);
  if (inWindow.length < 8) return undefined;
  const quarter = windowSeconds / 4;
  const readings = (from: number, to: number) =>
    inWindow.filter(([t]) => t >= from - 1e-9 && t <= to + 1e-9).map(([, y]) => y);
  const first = Math.max(...readings(start, start + quarter));
  const last = Math.min(...readings(end - quarter, end));
  if (!Number.isFinite(first) || !Number.isFinite(last)) return undefined;
  const growth = last - first;
  // The middles of the first and the last quarter are three quarters of the window apart.
  return { first, last, growth, perHour: (growth * 3600) / (windowSeconds * 0.75), points: inWindow.length };
}

/** Pure: the most a count may grow over the window and still be steady: 5% of where it was, and never under 2. */
export function countAllowance(first: number, percent: number, atLeast: number): number {
  return Math.max(atLeast, (first * percent) / 100);
}
