/**
 * Is this viewer's own device the bottleneck? A starved device (a low-end
 * phone, a browser fighting for two cores) shows it two ways: the player's
 * once-a-second timer fires late, and the video drops frames. A browser short
 * of CPU on every thread (compare's --viewer-cpu) drops frames: at a tenth of
 * a core, 10% or more in most ticks, while its timer stays under the mark.
 * A third sign, the share of a tick the page's main thread spends in long
 * tasks, is measured but off by default (strainLongTaskPercent 0): starved
 * alone, a page shows long tasks only in bursts as it starts. A slow or
 * unreachable edge shows none of them: only the device's own clock, frames
 * and threads are read. P2P costs CPU
 * (WebRTC, hashing, serving peers), so a strained device stops uploading,
 * gives up any first-fetcher role and takes segments from the edge earlier (a
 * wider deadline margin), until it has been calm for a while. Then it is no
 * worse off than a CDN-only viewer on the same device. Pure.
 */
import type { PolicyOptions } from './options';

/** What the player saw of its device since the last tick. */
export interface DeviceObservation {
  /** How late the tick's own timer fired, seconds (0 when on time). */
  timerLateSeconds: number;
  /** Frames the video element dropped and decoded since the last tick (getVideoPlaybackQuality deltas). */
  droppedFrames: number;
  decodedFrames: number;
  /**
   * Time the page's main thread spent in long tasks (50 ms or more, the Long Tasks API) since the last tick, seconds,
   * over `elapsedSeconds` of wall time. Absent: not measured.
   */
  longTaskSeconds?: number;
  elapsedSeconds?: number;
}

export type StrainSign = 'late-timer' | 'dropped-frames' | 'long-tasks';

/** Pure: the share of the wall time since the last tick spent in long tasks, percent; null when not measured. */
export function longTaskPercent(device: DeviceObservation): number | null {
  const { longTaskSeconds, elapsedSeconds } = device;
  if (longTaskSeconds === undefined || elapsedSeconds === undefined || !(elapsedSeconds > 0)) return null;
  return (100 * Math.max(0, longTaskSeconds)) / elapsedSeconds;
}

export interface DeviceStrain {
  /** Backed off until this time, seconds; 0 when never strained. */
  strainedUntil: number;
  /** The last sign seen. */
  sign: StrainSign | null;
  /** Ticks in a row that showed a sign: one alone (a garbage collection, a burst at start-up) is not strain. */
  streak: number;
  /** How long the current (or last) back-off holds after its streak's last tick, seconds; 0 when never strained. */
  holdSeconds: number;
}

export const calmDevice: DeviceStrain = { strainedUntil: 0, sign: null, streak: 0, holdSeconds: 0 };

/**
 * Pure: how long a back-off that starts at `now` holds after its streak's last tick. The first, or the first after a
 * calm spell of strainHoldSeconds since the last one ended, holds strainFirstHoldSeconds; one that starts sooner after
 * the last (the device relapsed once P2P resumed) holds twice as long as the last, up to strainHoldSeconds. A streak
 * while still backed off keeps the hold it has: strain that P2P's absence did not end is no evidence against P2P.
 */
export function nextHoldSeconds(
  state: DeviceStrain,
  now: number,
  options: Pick<PolicyOptions, 'strainFirstHoldSeconds' | 'strainHoldSeconds'>,
): number {
  const first = Math.min(options.strainFirstHoldSeconds, options.strainHoldSeconds);
  if (state.holdSeconds === 0) return first;
  if (now < state.strainedUntil) return state.holdSeconds;
  if (now - state.strainedUntil >= options.strainHoldSeconds) return first;
  return Math.min(options.strainHoldSeconds, Math.max(first, 2 * state.holdSeconds));
}

/** Pure: the sign of strain in one tick's observation, if any. */
export function strainSign(
  device: DeviceObservation,
  options: Pick<
    PolicyOptions,
    'strainTimerLateSeconds' | 'strainDroppedFramesPercent' | 'strainMinFrames' | 'strainLongTaskPercent'
  >,
): StrainSign | null {
  if (device.timerLateSeconds >= options.strainTimerLateSeconds) return 'late-timer';
  const longTasks = longTaskPercent(device);
  if (longTasks !== null && options.strainLongTaskPercent > 0 && longTasks >= options.strainLongTaskPercent) {
    return 'long-tasks';
  }
  const frames = device.droppedFrames + device.decodedFrames;
  if (
    frames >= options.strainMinFrames &&
    (100 * device.droppedFrames) / frames >= options.strainDroppedFramesPercent
  ) {
    return 'dropped-frames';
  }
  return null;
}

/**
 * Pure: the strain after one tick. strainStreakTicks ticks in a row with a sign start the back-off, held for
 * nextHoldSeconds (short the first time, doubling while the device keeps relapsing); every further tick of that streak
 * holds it that long from then. A sign alone renews nothing: the evidence that keeps a device backed off is the
 * evidence that backed it off. Renewed by any sign, the hold never ended on a busy machine: one freeze of three seconds
 * (a memory dump, a collection) backed eight viewers off at once, and a single tick in 30 s dropping a tenth of its
 * frames, common at 70% busy, held them there for good, with P2P at 0% and nothing stalling (BENCHMARKS.md, #13's
 * soak). And a single streak, a burst a CDN-only viewer on the same machine has as well, held P2P off for the whole
 * longest hold: the hold now grows with the evidence instead.
 */
export function observeDevice(
  state: DeviceStrain,
  device: DeviceObservation | undefined,
  now: number,
  options: Pick<
    PolicyOptions,
    | 'strainTimerLateSeconds'
    | 'strainDroppedFramesPercent'
    | 'strainMinFrames'
    | 'strainLongTaskPercent'
    | 'strainFirstHoldSeconds'
    | 'strainHoldSeconds'
    | 'strainStreakTicks'
  >,
): DeviceStrain {
  const sign = device ? strainSign(device, options) : null;
  if (!sign) return state.streak === 0 ? state : { ...state, streak: 0 };
  const streak = state.streak + 1;
  if (streak < options.strainStreakTicks) return { ...state, sign, streak };
  // The tick that completes a streak starts (or, while backed off, renews) a back-off; the streak's later ticks extend it.
  const holdSeconds = streak === options.strainStreakTicks ? nextHoldSeconds(state, now, options) : state.holdSeconds;
  return { strainedUntil: now + holdSeconds, sign, streak, holdSeconds };
}

export const isStrained = (state: DeviceStrain, now: number): boolean => now < state.strainedUntil;
