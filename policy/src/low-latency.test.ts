import { describe, expect, it } from 'vitest';
import { planLatency } from './deadlines';
import { lowLatencyP2P } from './low-latency';
import { resolvePolicyOptions } from './options';

describe('P2P for a low-latency viewer', () => {
  const plan = { liveSyncDuration: 5 };

  it('is on for VOD, whatever else is known', () => {
    for (const wasOn of [false, true]) {
      expect(lowLatencyP2P({ live: false, targetDuration: 2 }, wasOn, plan)).toBe(true);
      expect(lowLatencyP2P({ live: false, behindLiveSeconds: 0, targetDuration: 2 }, wasOn, plan)).toBe(true);
    }
  });

  it('is off at the live edge (parts from the edge) and until the distance to live is known', () => {
    for (const behindLiveSeconds of [undefined, Number.NaN, 0, 1.5, 4.99]) {
      expect(lowLatencyP2P({ live: true, behindLiveSeconds, targetDuration: 2 }, false, plan)).toBe(false);
    }
  });

  it("turns on from where the hybrid's plan plays (paused, sought back, DVR)", () => {
    for (const behindLiveSeconds of [5, 6, 30, 3600]) {
      expect(lowLatencyP2P({ live: true, behindLiveSeconds, targetDuration: 2 }, false, plan)).toBe(true);
    }
  });

  it('turns off only one target duration nearer live than it turned on', () => {
    const at = (behindLiveSeconds: number, wasOn: boolean) =>
      lowLatencyP2P({ live: true, behindLiveSeconds, targetDuration: 2 }, wasOn, plan);
    expect([at(4, false), at(4, true)]).toEqual([false, true]);
    expect([at(3, false), at(3, true)]).toEqual([false, true]);
    expect([at(2.99, false), at(2.99, true)]).toEqual([false, false]);
    // A viewer walking back to live from the DVR window: on, on, on, then off within one target duration of the mark.
    let on = false;
    const seen = [10, 6, 5, 4, 3.5, 2.5, 4, 5].map((behind) => {
      on = at(behind, on);
      return on;
    });
    expect(seen).toEqual([true, true, true, true, true, false, false, true]);
  });

  it('uses the latency plan as resolved from the options (the hybrid default)', () => {
    const { options } = resolvePolicyOptions({});
    const defaultPlan = planLatency(2, options.plannedPublishLagSeconds, options);
    const behind = defaultPlan.liveSyncDuration;
    // The low mode's P2P mark with 2 s segments at the default 4.5 TD: 9 − 2 − 0.3 − 0.8 s (README's dial table).
    expect(behind).toBeCloseTo(5.9);
    expect(lowLatencyP2P({ live: true, behindLiveSeconds: behind, targetDuration: 2 }, false, defaultPlan)).toBe(true);
    expect(lowLatencyP2P({ live: true, behindLiveSeconds: behind - 0.1, targetDuration: 2 }, false, defaultPlan)).toBe(
      false,
    );
  });
});
