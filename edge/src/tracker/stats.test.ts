import { describe, expect, it } from 'vitest';
import { createRateMeter, ratePerSecond, recordEvents } from './stats';

describe('rate meter', () => {
  it('averages over the window', () => {
    const meter = createRateMeter(10);
    for (let t = 0; t < 10_000; t += 100) recordEvents(meter, t); // 10 per second for 10 s
    expect(ratePerSecond(meter, 9_999)).toBe(10);
  });

  it('forgets events older than the window', () => {
    const meter = createRateMeter(10);
    recordEvents(meter, 0, 50);
    expect(ratePerSecond(meter, 5_000)).toBe(5);
    expect(ratePerSecond(meter, 10_000)).toBe(0);
    expect(ratePerSecond(meter, 60_000)).toBe(0);
  });

  it('reuses a slot after wrapping around rather than adding to stale counts', () => {
    const meter = createRateMeter(10);
    recordEvents(meter, 1_000, 7);
    recordEvents(meter, 11_000, 2); // same slot, ten seconds later
    expect(ratePerSecond(meter, 11_000)).toBe(0.2);
  });

  it('ignores buckets from the future (a clock that went back)', () => {
    const meter = createRateMeter(10);
    recordEvents(meter, 20_000, 9);
    expect(ratePerSecond(meter, 15_000)).toBe(0);
  });
});
