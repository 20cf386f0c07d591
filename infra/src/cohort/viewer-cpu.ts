/**
 * A CPU quota per viewer: a stand-in for a low-end phone. Each viewer's
 * browser, with every process it forks (renderer, GPU and network services,
 * WebRTC's threads inside them), runs in a cgroup of its own whose CFS quota
 * lets it use at most `cores` of a core over every period. The publisher, the
 * edge and the harness stay outside, unstarved: only the viewers' devices are
 * slow, as on the internet.
 *
 * Why a cgroup and not DevTools' `Emulation.setCPUThrottlingRate`: throttling
 * slows only the renderer's main thread (it pauses the thread for a share of
 * each task), while a slow phone is slow on every thread: WebRTC's network
 * thread, the decoder, the browser process's IPC. The cgroup's quota starves
 * them all together, and the kernel enforces it.
 *
 * cgroup v1's cpu controller (`cpu.cfs_quota_us`, `cpu.cfs_period_us`,
 * `cgroup.procs`); it needs root. The browser joins its cgroup before it
 * starts (browser.ts's wrapper writes its own pid into `cgroup.procs` and then
 * execs Chromium), so every process it forks is born inside it. The quota
 * applies from when its page opens: the browser's own launch is not starved.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const viewerCpuDefaults = {
  /** Where cgroup v1's cpu controller is mounted. */
  root: '/sys/fs/cgroup/cpu',
  /** The CFS period, µs: the kernel's default. A shorter one throttles in finer slices. */
  periodUs: 100_000,
  /** The kernel refuses a quota under 1 ms. */
  minQuotaUs: 1_000,
  /** A cgroup holds dying processes for a moment after its browser closes: rmdir is retried this often. */
  removeTries: 50,
  removeRetryMs: 100,
};

export const viewerCpuLimits = { min: 0.02, max: 32 };

/** Pure: the CFS quota that gives a cgroup `cores` of a core, µs per period. */
export function cfsQuota(cores: number, periodUs = viewerCpuDefaults.periodUs): { quotaUs: number; periodUs: number } {
  if (!Number.isFinite(cores) || cores <= 0)
    throw new RangeError(`a CPU quota must be a positive share of a core, not ${cores}`);
  return { quotaUs: Math.max(viewerCpuDefaults.minQuotaUs, Math.round(cores * periodUs)), periodUs };
}

/** Pure: the cgroups of one cohort's viewers, under `root`: `edgeswarm-<run>/v<i>`. */
export function viewerCgroupDirs(root: string, run: string, viewers: number): { parent: string; viewers: string[] } {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$/.test(run)) throw new RangeError(`bad cgroup name ${JSON.stringify(run)}`);
  const parent = join(root, `edgeswarm-${run}`);
  return { parent, viewers: Array.from({ length: viewers }, (_, i) => join(parent, `v${i + 1}`)) };
}

/** Why per-viewer CPU quotas cannot be had here; undefined when they can. */
export function viewerCpuUnavailable(root = viewerCpuDefaults.root, uid = process.getuid?.()): string | undefined {
  if (uid !== 0) return 'a CPU quota per viewer needs root (it creates cgroups)';
  if (!existsSync(join(root, 'cpu.cfs_quota_us'))) {
    return existsSync('/sys/fs/cgroup/cgroup.controllers')
      ? `cgroup v2 only on this machine (no cgroup v1 cpu controller at ${root}): --viewer-cpu needs cgroup v1's cpu.cfs_quota_us`
      : `no cgroup v1 cpu controller at ${root} (cpu.cfs_quota_us): mount it, or run without --viewer-cpu`;
  }
  return undefined;
}

/** Caps a viewer's cgroup at its quota, from now on (the runner calls it once the viewer's browser is up). */
export function applyQuota(dir: string, quotaUs: number): void {
  writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
}

/** What the kernel throttled in one viewer's cgroup (its cpu.stat). */
export interface CgroupThrottling {
  /** CFS periods in which the cgroup ran. */
  periods: number;
  /** Periods in which it used its whole quota and was stopped. */
  throttledPeriods: number;
  /** Time its processes were held back, seconds (summed over their threads' waits). */
  throttledSeconds: number;
}

/** Pure: a v1 cpu.stat as throttling figures. */
export function parseCpuStat(text: string): CgroupThrottling {
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    periods: value('nr_periods'),
    throttledPeriods: value('nr_throttled'),
    throttledSeconds: value('throttled_time') / 1e9,
  };
}

/** The quota every viewer of a cohort ran under, and what it cost each of them: results.json's record. */
export interface ViewerCpuRecord {
  cores: number;
  quotaUs: number;
  periodUs: number;
  /** By viewer index; null where the cgroup could not be read. */
  throttling: (CgroupThrottling | null)[];
}

/**
 * One cohort's viewer cgroups, made at once and removed by `remove()` (idempotent, synchronous, so it can run from a
 * process 'exit' handler too). Only empty cgroups can be removed: call it once the cohort's browsers are gone.
 */
export class ViewerCgroups {
  readonly dirs: string[];
  readonly parent: string;
  readonly quota: { quotaUs: number; periodUs: number };
  /** The directories this made, in order: only these are removed. */
  private readonly created: string[] = [];

  constructor(
    run: string,
    viewers: number,
    readonly cores: number,
    where: { root?: string; uid?: number } = {},
  ) {
    const root = where.root ?? viewerCpuDefaults.root;
    const unavailable = viewerCpuUnavailable(root, 'uid' in where ? where.uid : process.getuid?.());
    if (unavailable) throw new Error(unavailable);
    this.quota = cfsQuota(cores);
    const { parent, viewers: dirs } = viewerCgroupDirs(root, run, viewers);
    this.parent = parent;
    this.dirs = dirs;
    try {
      mkdirSync(parent);
      this.created.push(parent);
      for (const dir of dirs) {
        mkdirSync(dir);
        this.created.push(dir);
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(this.quota.periodUs));
        // Unlimited until the viewer's browser is up (applyQuota): a phone's browser is running before its viewer
        // opens the page, and a launch at a tenth of a core would take ten seconds and delay every join after it.
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), '-1');
      }
    } catch (error) {
      this.remove();
      throw new Error(`could not set up the viewers' cgroups under ${parent}: ${(error as Error).message}`);
    }
  }

  /** Each viewer's throttling so far. */
  throttling(): (CgroupThrottling | null)[] {
    return this.dirs.map((dir) => {
      try {
        return parseCpuStat(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
      } catch {
        return null;
      }
    });
  }

  record(): ViewerCpuRecord {
    return { cores: this.cores, ...this.quota, throttling: this.throttling() };
  }

  /** Removes every cgroup, waiting (briefly) for processes still dying in them; what stays busy is reported. */
  remove(): string[] {
    const left: string[] = [];
    for (const dir of this.created.splice(0).reverse()) {
      if (existsSync(dir) && !removeWithRetries(dir)) left.push(dir);
    }
    // What could not go stays listed, for a later try (the 'exit' handler).
    this.created.push(...left.reverse());
    return left;
  }
}

function removeWithRetries(dir: string): boolean {
  for (let i = 0; i < viewerCpuDefaults.removeTries; i++) {
    try {
      rmdirSync(dir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      // EBUSY: a process is still in it (a browser dying); wait without an event loop, as 'exit' handlers must.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, viewerCpuDefaults.removeRetryMs);
    }
  }
  return false;
}
