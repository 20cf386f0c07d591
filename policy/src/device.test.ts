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

  it('a sign alone while backed off renews nothing; a streak that goes on does', () => {
    let state = calmDevice;
    for (let t = 0; t < o.strainStreakTicks; t++) state = observeDevice(state, busy, 100 + t, o);
    const until = state.strainedUntil;
    expect(until).toBe(100 + o.strainStreakTicks - 1 + o.strainHoldSeconds);
    // The streak goes on one more tick: the hold runs from it.
    const longer = observeDevice(state, busy, 100 + o.strainStreakTicks, o);
    expect(longer.strainedUntil).toBe(until + 1);
    // Calm, then one bad tick every few seconds (a busy machine's bursts): none of them a streak, none renews the hold…
    state = observeDevice(longer, calm, 110, o);
    for (let t = 112; t < longer.strainedUntil; t += 3) {
      state = observeDevice(state, busy, t, o);
      expect(state).toMatchObject({ streak: 1, strainedUntil: longer.strainedUntil, sign: 'long-tasks' });
      state = observeDevice(state, calm, t + 1, o);
    }
    // …so it ends when the streak's hold does.
    expect(state.strainedUntil).toBe(longer.strainedUntil);
    // A new streak while still backed off renews it from its own last tick.
    let renewed = calmDevice;
    for (let t = 0; t < o.strainStreakTicks; t++) renewed = observeDevice(renewed, busy, 200 + t, o);
    const again = [0, 1, 2].reduce((s, i) => observeDevice(s, busy, 210 + i, o), observeDevice(renewed, calm, 205, o));
    expect(again.strainedUntil).toBe(212 + o.strainHoldSeconds);
  });
});
