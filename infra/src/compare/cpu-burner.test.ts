import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { busyMsPerPeriod, cpuBurnerDefaults, startCpuBurner } from './cpu-burner';

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
});
