import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyQuota,
  cfsQuota,
  parseCpuStat,
  ViewerCgroups,
  viewerCgroupDirs,
  viewerCpuDefaults,
  viewerCpuUnavailable,
} from './viewer-cpu';

describe('cfsQuota', () => {
  it.each([
    [0.25, 100_000, 25_000],
    [1, 100_000, 100_000],
    [1.5, 100_000, 150_000],
    [0.5, 50_000, 25_000],
    [0.333, 100_000, 33_300],
    // The kernel refuses a quota under 1 ms: the smallest is 1 ms.
    [0.001, 100_000, viewerCpuDefaults.minQuotaUs],
  ])('%s of a core over %i µs is %i µs', (cores, periodUs, quotaUs) => {
    expect(cfsQuota(cores, periodUs)).toEqual({ quotaUs, periodUs });
  });

  it.each([0, -0.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s cores', (cores) => {
    expect(() => cfsQuota(cores)).toThrow(/positive share of a core/);
  });
});

describe('viewerCgroupDirs', () => {
  it('puts one cgroup per viewer under one parent per run', () => {
    expect(viewerCgroupDirs('/cg', 'run-1', 3)).toEqual({
      parent: '/cg/edgeswarm-run-1',
      viewers: ['/cg/edgeswarm-run-1/v1', '/cg/edgeswarm-run-1/v2', '/cg/edgeswarm-run-1/v3'],
    });
  });

  it.each(['', '../x', 'a/b', 'a b'])('refuses the run name %j', (run) => {
    expect(() => viewerCgroupDirs('/cg', run, 1)).toThrow(/bad cgroup name/);
  });
});

describe('parseCpuStat', () => {
  it('reads periods, throttled periods and throttled time', () => {
    const text = 'nr_periods 1200\nnr_throttled 900\nthrottled_time 45500000000\nnr_bursts 0\nburst_time 0\n';
    expect(parseCpuStat(text)).toEqual({ periods: 1200, throttledPeriods: 900, throttledSeconds: 45.5 });
  });

  it('reads what is missing as 0', () => {
    expect(parseCpuStat('')).toEqual({ periods: 0, throttledPeriods: 0, throttledSeconds: 0 });
  });
});

describe('ViewerCgroups', () => {
  // A stand-in for the cpu controller's mount: the same files, in a plain directory (a real cgroup needs root and
  // cgroup v1; the compare run is where that is exercised).
  const roots: string[] = [];
  const fakeRoot = () => {
    const root = mkdtempSync(join(tmpdir(), 'viewer-cpu-'));
    writeFileSync(join(root, 'cpu.cfs_quota_us'), '-1\n');
    roots.push(root);
    return root;
  };
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('says why it cannot run: not root, no cpu controller', () => {
    const root = fakeRoot();
    expect(viewerCpuUnavailable(root, 1000)).toMatch(/needs root/);
    expect(viewerCpuUnavailable(join(root, 'nowhere'), 0)).toMatch(/cgroup|cpu controller/);
    expect(viewerCpuUnavailable(root, 0)).toBeUndefined();
    expect(() => new ViewerCgroups('r', 2, 0.5, { root, uid: 1000 })).toThrow(/needs root/);
  });

  it('makes a cgroup per viewer with its quota, and removes them all', () => {
    const root = fakeRoot();
    const cgroups = new ViewerCgroups('r1', 2, 0.3, { root, uid: 0 });
    expect(cgroups.dirs).toEqual([join(root, 'edgeswarm-r1', 'v1'), join(root, 'edgeswarm-r1', 'v2')]);
    // Unlimited until the browser is up; then its quota.
    for (const dir of cgroups.dirs) {
      expect(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8')).toBe('-1');
      expect(readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8')).toBe('100000');
      applyQuota(dir, cgroups.quota.quotaUs);
      expect(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8')).toBe('30000');
    }
    // A real cgroup's files vanish with it; here they are plain files, so take them away as the kernel would.
    for (const dir of cgroups.dirs) {
      rmSync(join(dir, 'cpu.cfs_quota_us'));
      rmSync(join(dir, 'cpu.cfs_period_us'));
    }
    expect(cgroups.remove()).toEqual([]);
    expect(existsSync(join(root, 'edgeswarm-r1'))).toBe(false);
    expect(cgroups.remove()).toEqual([]);
  });

  it('records each viewer throttling, null where it cannot be read', () => {
    const root = fakeRoot();
    const cgroups = new ViewerCgroups('r2', 2, 1, { root, uid: 0 });
    writeFileSync(
      join(cgroups.dirs[0] as string, 'cpu.stat'),
      'nr_periods 10\nnr_throttled 4\nthrottled_time 2000000000\n',
    );
    expect(cgroups.record()).toEqual({
      cores: 1,
      quotaUs: 100_000,
      periodUs: 100_000,
      throttling: [{ periods: 10, throttledPeriods: 4, throttledSeconds: 2 }, null],
    });
  });

  it('fails clearly, leaving nothing behind, when a cgroup cannot be made', () => {
    const root = fakeRoot();
    mkdirSync(join(root, 'edgeswarm-taken'));
    expect(() => new ViewerCgroups('taken', 1, 0.5, { root, uid: 0 })).toThrow(/could not set up the viewers' cgroups/);
    // Not this run's: left as it was.
    expect(existsSync(join(root, 'edgeswarm-taken'))).toBe(true);
  });
});
