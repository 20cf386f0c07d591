import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { configureEvent } from '../../../player/src/hybrid/configure-event';
import { policyOverridesScript } from './page-faults';

describe('policyOverridesScript', () => {
  it('amends the policy of every player that starts on the page, keeping the values the page itself set', () => {
    const listeners = new Map<string, (event: { detail: { policy?: Record<string, number> } }) => void>();
    const page = {
      addEventListener: (name: string, fn: (event: { detail: { policy?: Record<string, number> } }) => void) =>
        listeners.set(name, fn),
    };
    runInNewContext(policyOverridesScript({ spreadCopies: 0, seederFanout: 8 }), page);
    const listener = listeners.get(configureEvent);
    expect(listener).toBeDefined();
    const event = { detail: { policy: { latencyTargetDurations: 5, seederFanout: 16 } } };
    listener?.(event);
    expect(event.detail.policy).toEqual({ latencyTargetDurations: 5, seederFanout: 8, spreadCopies: 0 });
    const bare: { detail: { policy?: Record<string, number> } } = { detail: {} };
    listener?.(bare);
    expect(bare.detail.policy).toEqual({ spreadCopies: 0, seederFanout: 8 });
  });
});
