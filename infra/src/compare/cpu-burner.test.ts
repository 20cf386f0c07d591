import { existsSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { busyMsPerPeriod, cpuBurnerDefaults, startCpuBurner, startLoadBurner } from './cpu-burner';

describe('CPU burner', () => {
  it('is busy for its share of each period, clamped to 0–100%', () => {
    expect(busyMsPerPeriod(40, 50)).toBe(20);
    expect(busyMsPerPeriod(0, 50)).toBe(0);
    expect(busyMsPerPeriod(150, 50)).toBe(50);
    expect(busyMsPerPeriod(-5)).toBe(0);
    expect(busyMsPerPeriod(100)).toBe(cpuBurnerDefaults.periodMs);
  });

  it('starts nothing at 0%', async () => {
    const burner = startCpuBurner(0, 2);
    expect(burner.threads).toBe(0);
    await burner.stop();
  });

  it('burns CPU on its threads while running, and its threads end on stop', async () => {
    const before = process.cpuUsage();
    const burner = startCpuBurner(50, 1);
    expect(burner.threads).toBe(1);
    await sleep(500);
    await burner.stop();
    const used = process.cpuUsage(before);
    // Half of one core for 0.5 s is 250 ms of CPU on an idle machine; this process does nothing else meanwhile
    // (a sleep costs ~1 ms). A loaded machine gives the loop less, so the mark is a fifth of that.
    expect((used.user + used.system) / 1000).toBeGreaterThan(50);
  });

  it('starts no busy process at 0', async () => {
    const burner = startLoadBurner(0);
    expect(burner.processes).toBe(0);
    expect(burner.pids).toEqual([]);
    await burner.stop();
  });

  it('keeps its processes busy (running, not sleeping) until stopped, then they are gone', async () => {
    const burner = startLoadBurner(2);
    expect(burner.processes).toBe(2);
    expect(burner.pids).toHaveLength(2);
    try {
      await sleep(1000);
      // utime+stime (fields 14, 15 of /proc/<pid>/stat) in clock ticks (100 a second): a sleeping process has ~0.
      // The mark is 0.1 s of CPU between the two in 1 s, whatever else the machine runs.
      const ticks = burner.pids.map((pid) => {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return Number(fields[11]) + Number(fields[12]);
      });
      expect((ticks[0] ?? 0) + (ticks[1] ?? 0)).toBeGreaterThan(10);
    } finally {
      await burner.stop();
    }
    for (const pid of burner.pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('runs its processes the given nice levels from this one', async () => {
    // Away from the end of the range this runs at, so the child's nice differs from the one it inherits.
    const delta = getPriority() >= 17 ? -2 : 2;
    const burner = startLoadBurner(1, delta);
    try {
      const [pid] = burner.pids;
      // Field 19 of /proc/<pid>/stat is the nice value.
      const nice = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
      expect(nice).toBe(getPriority() + delta);
    } finally {
      await burner.stop();
    }
  });
});
