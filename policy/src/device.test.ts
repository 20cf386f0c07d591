import { describe, expect, it } from 'vitest';
import {
  calmDevice,
  type DeviceObservation,
  type DeviceStrain,
  longTaskPercent,
  nextHoldSeconds,
  observeDevice,
  strainSign,
} from './device';
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
  it('backs off after strainStreakTicks ticks of long tasks in a row, and holds strainFirstHoldSeconds from the last', () => {
    let state = calmDevice;
    const strainedAt: boolean[] = [];
    for (let t = 0; t < o.strainStreakTicks; t++) {
      state = observeDevice(state, busy, 100 + t, o);
      strainedAt.push(state.strainedUntil > 100 + t);
    }
    expect(strainedAt).toEqual([...Array(o.strainStreakTicks - 1).fill(false), true]);
    expect(state).toMatchObject({
      sign: 'long-tasks',
      strainedUntil: 100 + o.strainStreakTicks - 1 + o.strainFirstHoldSeconds,
      holdSeconds: o.strainFirstHoldSeconds,
    });
    // Calm: the streak ends, the hold stays.
    const after = observeDevice(state, calm, 110, o);
    expect(after).toMatchObject({ streak: 0, strainedUntil: state.strainedUntil });
  });

  it('a sign alone while backed off renews nothing; a streak that goes on does', () => {
    let state = calmDevice;
    for (let t = 0; t < o.strainStreakTicks; t++) state = observeDevice(state, busy, 100 + t, o);
    const until = state.strainedUntil;
    expect(until).toBe(100 + o.strainStreakTicks - 1 + o.strainFirstHoldSeconds);
    // The streak goes on one more tick: the hold runs from it.
    const longer = observeDevice(state, busy, 100 + o.strainStreakTicks, o);
    expect(longer.strainedUntil).toBe(until + 1);
    // Calm, then one bad tick every few seconds (a busy machine's bursts): none of them a streak, none renews the hold…
    state = observeDevice(longer, calm, 104, o);
    for (let t = 105; t < longer.strainedUntil; t += 3) {
      state = observeDevice(state, busy, t, o);
      expect(state).toMatchObject({ streak: 1, strainedUntil: longer.strainedUntil, sign: 'long-tasks' });
      state = observeDevice(state, calm, t + 1, o);
    }
    // …so it ends when the streak's hold does.
    expect(state.strainedUntil).toBe(longer.strainedUntil);
    // A new streak while still backed off renews it from its own last tick.
    let renewed = calmDevice;
    for (let t = 0; t < o.strainStreakTicks; t++) renewed = observeDevice(renewed, busy, 200 + t, o);
    const again = [0, 1, 2].reduce((s, i) => observeDevice(s, busy, 204 + i, o), observeDevice(renewed, calm, 203, o));
    expect(again.strainedUntil).toBe(206 + o.strainFirstHoldSeconds);
    expect(again.holdSeconds).toBe(o.strainFirstHoldSeconds);
  });

  /** A calm tick, then a streak of strainStreakTicks bad ticks, one a second, whose last is at `end`. */
  const streakEndingAt = (state: DeviceStrain, end: number): DeviceStrain => {
    let s = observeDevice(state, calm, end - o.strainStreakTicks, o);
    for (let t = end - o.strainStreakTicks + 1; t <= end; t++) s = observeDevice(s, busy, t, o);
    return s;
  };

  it('a device that relapses soon after its hold ends is held twice as long each time, up to strainHoldSeconds', () => {
    // Defaults: a first hold of 8 s, at most 30 s; each streak starts the tick after the last hold ended.
    expect([o.strainFirstHoldSeconds, o.strainHoldSeconds]).toEqual([8, 30]);
    let state = calmDevice;
    let end = 100;
    const holds: number[] = [];
    for (let i = 0; i < 5; i++) {
      state = streakEndingAt(state, end);
      expect(state.strainedUntil).toBe(end + state.holdSeconds);
      holds.push(state.holdSeconds);
      end = state.strainedUntil + o.strainStreakTicks;
    }
    expect(holds).toEqual([8, 16, 30, 30, 30]);
  });

  it('calm for strainHoldSeconds after a hold ends, the next back-off is a first one again; a little less is not', () => {
    const held = streakEndingAt(streakEndingAt(calmDevice, 100), 120);
    expect(held).toMatchObject({ holdSeconds: 16, strainedUntil: 136 });
    // Judged at the tick that completes the next streak, against the end of the last hold.
    expect(streakEndingAt(held, 136 + o.strainHoldSeconds).holdSeconds).toBe(o.strainFirstHoldSeconds);
    expect(streakEndingAt(held, 136 + o.strainHoldSeconds - 1).holdSeconds).toBe(30);
  });

  it('a streak that goes on keeps its hold from each tick; one while still backed off keeps the hold it has', () => {
    const escalated = streakEndingAt(streakEndingAt(calmDevice, 100), 112);
    expect(escalated).toMatchObject({ holdSeconds: 16, strainedUntil: 128 });
    // Four more bad ticks: the hold runs 16 s from the last of them, not longer.
    const longer = [113, 114, 115, 116].reduce((s, t) => observeDevice(s, busy, t, o), escalated);
    expect(longer).toMatchObject({ holdSeconds: 16, strainedUntil: 132, streak: o.strainStreakTicks + 4 });
    // A calm tick, then a new streak inside the hold: renewed at 16 s, not doubled.
    const renewed = streakEndingAt(observeDevice(longer, calm, 117, o), 120);
    expect(renewed).toMatchObject({ holdSeconds: 16, strainedUntil: 136 });
  });
});

describe('nextHoldSeconds', () => {
  const at = (holdSeconds: number, strainedUntil: number): DeviceStrain => ({
    ...calmDevice,
    holdSeconds,
    strainedUntil,
  });
  it.each([
    ['never strained', calmDevice, 50, o, 8],
    ['still backed off: the same hold', at(16, 60), 50, o, 16],
    ['relapsed at once', at(8, 50), 50, o, 16],
    ['relapsed just inside strainHoldSeconds', at(16, 20), 49.9, o, 30],
    ['calm for strainHoldSeconds since', at(30, 20), 50, o, 8],
    ['at the longest hold already', at(30, 45), 50, o, 30],
    [
      'a first hold longer than the longest is cut to it',
      calmDevice,
      50,
      { strainFirstHoldSeconds: 60, strainHoldSeconds: 30 },
      30,
    ],
    [
      'no first hold (0): a device is never held',
      at(0, 50),
      50,
      { strainFirstHoldSeconds: 0, strainHoldSeconds: 30 },
      0,
    ],
    [
      'first equal to the longest: the old rule',
      at(30, 45),
      50,
      { strainFirstHoldSeconds: 30, strainHoldSeconds: 30 },
      30,
    ],
  ] as const)('%s', (_name, state, now, options, hold) => {
    expect(nextHoldSeconds(state, now, options)).toBe(hold);
  });
});
