import { describe, expect, it } from 'vitest';
import { addBrowserCpu, sumProcessCpu } from './browser-cpu';

describe('browser CPU', () => {
  it('sums renderer processes apart from the whole browser, skipping nonsense values', () => {
    expect(
      sumProcessCpu([
        { type: 'browser', cpuTime: 0.5 },
        { type: 'renderer', cpuTime: 1.25 },
        { type: 'renderer', cpuTime: 0.25 },
        { type: 'GPU', cpuTime: 0.1 },
        { type: 'network.mojom.NetworkService', cpuTime: Number.NaN },
        { type: 'renderer', cpuTime: -1 },
      ]),
    ).toEqual({ rendererSeconds: 1.5, totalSeconds: 2.1 });
    expect(sumProcessCpu([])).toEqual({ rendererSeconds: 0, totalSeconds: 0 });
  });

  it('adds browsers together', () => {
    expect(addBrowserCpu({ rendererSeconds: 1, totalSeconds: 2 }, { rendererSeconds: 0.5, totalSeconds: 1 })).toEqual({
      rendererSeconds: 1.5,
      totalSeconds: 3,
    });
  });
});
