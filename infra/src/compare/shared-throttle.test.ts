import { describe, expect, it } from 'vitest';
import { type Clock, SharedThrottle } from './shared-throttle';
import { earliestFinish, settingsForMbps, sliceSizes } from './token-bucket';

/** Virtual time: sleeping moves the clock, so a schedule of seconds runs at once. */
function virtualClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('shared throttle', () => {
  it('holds a transfer to the cap: 1 MB at 1 Mbit/s takes as long as the bucket allows', async () => {
    const clock = virtualClock();
    const settings = settingsForMbps(1);
    const throttle = new SharedThrottle(settings, clock);
    for (const size of sliceSizes(1_000_000, 16_384)) await throttle.acquire(size);
    const bound = earliestFinish(settings, 1_000_000, 0);
    // Waits are rounded up to whole ms, one per slice at most.
    expect(clock.now()).toBeGreaterThanOrEqual(bound);
    expect(clock.now()).toBeLessThanOrEqual(bound + sliceSizes(1_000_000, 16_384).length);
    expect(throttle.counters().grantedBytes).toBe(1_000_000);
    expect(throttle.counters().waitedMs).toBe(clock.now());
  });

  it('shares one bucket between concurrent transfers, first come first served', async () => {
    const clock = virtualClock();
    const throttle = new SharedThrottle(settingsForMbps(1), clock);
    const order: string[] = [];
    const transfer = async (name: string, slices: number) => {
      for (let i = 0; i < slices; i++) {
        await throttle.acquire(16_384);
        order.push(name);
      }
    };
    await Promise.all([transfer('a', 3), transfer('b', 3)]);
    // Each asks again only after its previous slice: they alternate instead of one hogging the cap.
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    // Six slices through one bucket: five beyond the first burst, each 16 384 / 125 000 s = 131.072 ms, rounded up.
    expect(clock.now()).toBeGreaterThanOrEqual(5 * 131.072);
    expect(clock.now()).toBeLessThanOrEqual(5 * 132);
  });

  it('lets a transfer within the burst through without waiting', async () => {
    const clock = virtualClock();
    const throttle = new SharedThrottle(settingsForMbps(1), clock);
    await throttle.acquire(10_000);
    expect(clock.sleeps).toEqual([]);
  });
});
