import { describe, expect, it } from 'vitest';
import { calmDevice, type DeviceObservation, longTaskPercent, observeDevice, strainSign } from './device';
import { policyDefaults } from './options';

/** With the long-task sign on (it is off by default: measured, not used). */
const o = { ...policyDefaults, strainLongTaskPercent: 25 };
const calm: DeviceObservation = { timerLateSeconds: 0, droppedFrames: 0, decodedFrames: 30 };

describe('longTaskPercent', () => {
  it.each([
    ['a quarter of a second in a second', { longTaskSeconds: 0.25, elapsedSeconds: 1 }, 25],
    ['half a second in two', { longTaskSeconds: 0.5, elapsedSeconds: 2 }, 25],
    ['none', { longTaskSeconds: 0, elapsedSeconds: 1 }, 0],
    ['a negative count as none', { longTaskSeconds: -1, elapsedSeconds: 1 }, 0],
    ['not measured', {}, null],
    ['no wall time', { longTaskSeconds: 0.3, elapsedSeconds: 0 }, null],
    ['no wall time given', { longTaskSeconds: 0.3 }, null],
  ] as const)('%s: %s', (_name, fields, percent) => {
    expect(longTaskPercent({ ...calm, ...fields })).toBe(percent);
  });
});

describe('strainSign', () => {
  const lt = (percent: number): DeviceObservation => ({ ...calm, longTaskSeconds: percent / 100, elapsedSeconds: 1 });
  it.each([
    ['calm', calm, o, null],
    ['long tasks at the mark', lt(o.strainLongTaskPercent), o, 'long-tasks'],
    ['long tasks under it', lt(o.strainLongTaskPercent - 1), o, null],
    ['long tasks with the sign turned off (the default)', lt(90), policyDefaults, null],
    ['a late timer goes first', { ...lt(90), timerLateSeconds: 1 }, o, 'late-timer'],
    ['long tasks go before dropped frames', { ...lt(90), droppedFrames: 10, decodedFrames: 20 }, o, 'long-tasks'],
  ] as const)('%s', (_name, device, options, sign) => {
    expect(strainSign(device, options)).toBe(sign);
  });
});

describe('observeDevice', () => {
  const busy: DeviceObservation = { ...calm, longTaskSeconds: 0.6, elapsedSeconds: 1 };
  it('backs off after strainStreakTicks ticks of long tasks in a row, and holds strainHoldSeconds from the last', () => {
    let state = calmDevice;
    const strainedAt: boolean[] = [];
    for (let t = 0; t < o.strainStreakTicks; t++) {
      state = observeDevice(state, busy, 100 + t, o);
      strainedAt.push(state.strainedUntil > 100 + t);
    }
    expect(strainedAt).toEqual([...Array(o.strainStreakTicks - 1).fill(false), true]);
    expect(state).toMatchObject({
      sign: 'long-tasks',
      strainedUntil: 100 + o.strainStreakTicks - 1 + o.strainHoldSeconds,
    });
    // Calm: the streak ends, the hold stays.
    const after = observeDevice(state, calm, 110, o);
    expect(after).toMatchObject({ streak: 0, strainedUntil: state.strainedUntil });
  });
});
