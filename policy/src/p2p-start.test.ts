import { describe, expect, it } from 'vitest';
import { policyDefaults } from './options';
import {
  keptPace,
  observeP2PStart,
  type P2PStart,
  type PlaybackPace,
  p2pNotStarted,
  startDroppedDecay,
  startDroppedWeight,
} from './p2p-start';
import { makePeerId } from './roles';
import { initialTickState, type TickObservations, tick } from './tick';

const o = policyDefaults;
/** A tick's playback: played media seconds over wall seconds, with a buffer ahead. */
const pace = (playedSeconds: number, wallSeconds = 1, bufferSeconds = 4): PlaybackPace => ({
  playedSeconds,
  wallSeconds,
  bufferSeconds,
});

describe('keptPace', () => {
  it.each([
    ['played as long as the wall clock ran', pace(1), true],
    ['at the mark (p2pStartPace of the wall time)', pace(o.p2pStartPace), true],
    ['just under it', pace(o.p2pStartPace - 0.01), false],
    ['faster (hls.js catching up at 1.1x)', pace(1.1), true],
    ['a starved page whose playhead barely moves', pace(0.2), false],
    ['paused, or before the first frame', pace(0), false],
    ['no wall time', pace(0, 0), false],
    ['half a tick (the page ticked again on a new playlist), played through', pace(0.5, 0.5), true],
  ] as const)('%s', (_name, observed, kept) => {
    expect(keptPace(observed, o)).toBe(kept);
  });
});

describe('observeP2PStart', () => {
  const margin = 1;
  /** The gate after a sequence of ticks. */
  const after = (ticks: (PlaybackPace | undefined)[], options = o, strained: boolean[] = []): P2PStart[] => {
    let state = p2pNotStarted;
    return ticks.map((t, i) => {
      state = observeP2PStart(state, t, { marginSeconds: margin, strained: strained[i] ?? false }, options);
      return state;
    });
  };

  it.each([
    // case, ticks → ready after each
    [
      'a quiet machine: a partial tick with the first frame, then a full one',
      [pace(0), pace(0.4), pace(1)],
      [false, false, true],
    ],
    ['steady from its first tick', [pace(1)], [true]],
    ['two half ticks add up', [pace(0.5, 0.5), pace(0.5, 0.5)], [false, true]],
    [
      'a starved start: the playhead barely moves, hls.js jumps to live (the seek adds nothing), then it keeps pace',
      [pace(0.1), pace(0.2), pace(0.1), pace(0), pace(0.3), pace(1), pace(1)],
      [false, false, false, false, false, true, true],
    ],
    [
      'a break starts the count again',
      [pace(0.5, 0.5), pace(0.2), pace(0.5, 0.5), pace(0.5, 0.5)],
      [false, false, false, true],
    ],
    ['paused: never, until it plays', [pace(0), pace(0), pace(0), pace(1)], [false, false, false, true]],
  ] as const)('%s', (_name, ticks, ready) => {
    expect(after([...ticks]).map((s) => s.ready)).toEqual(ready);
  });

  it('waits, steady, until the buffer holds the deadline margin', () => {
    const states = after([pace(1, 1, 0.5), pace(1, 1, 0.9), pace(1, 1, margin)]);
    expect(states.map((s) => s.ready)).toEqual([false, false, true]);
    expect(states.map((s) => s.steadySeconds)).toEqual([1, 2, 3]);
  });

  it('waits, steady, while the device is strained, and starts once it is calm', () => {
    const ticks = [pace(1), pace(1), pace(1), pace(1)];
    expect(after(ticks, o, [true, true, false, false]).map((s) => s.ready)).toEqual([false, false, true, true]);
    // Strained for good (a device that keeps dropping frames): never, as CDN-only.
    expect(after(ticks, o, [true, true, true, true]).some((s) => s.ready)).toBe(false);
    // Strain after the start does not stop it: the back-off takes over there.
    expect(after(ticks, o, [false, true, true, true]).map((s) => s.ready)).toEqual([true, true, true, true]);
  });

  describe('frames dropped recently hold it back, though the strain streak is not met', () => {
    /** Ticks kept in pace, each with `dropped` of `frames` frames dropped. */
    const dropping = (counts: (readonly [dropped: number, frames: number])[], options = o): P2PStart[] => {
      let state = p2pNotStarted;
      return counts.map(([dropped, frames]) => {
        const device = {
          marginSeconds: margin,
          strained: false,
          droppedFrames: dropped,
          decodedFrames: frames - dropped,
        };
        state = observeP2PStart(state, pace(1), device, options);
        return state;
      });
    };
    const ticks = (n: number, dropped: number, frames = 30) =>
      Array.from({ length: n }, () => [dropped, frames] as const);

    it.each([
      ['a quiet device: no frame dropped', ticks(3, 0), [true, true, true]],
      ['1 frame in 15 (6.7%, over the mark of 1 in 17), every tick: never', ticks(60, 2, 30), Array(60).fill(false)],
      ['1 frame in 18 (5.6%), every tick: at once', ticks(3, 1, 18), [true, true, true]],
      [
        'a busy machine, unstarved: 1 frame in 30 (3.3%) every tick, as CDN-only viewers drop at N = 8 on two cores: at once',
        ticks(3, 1),
        [true, true, true],
      ],
      [
        'a starved device at 6%: 2 of 33 every tick, one under the per-tick strain mark (10%): never',
        ticks(60, 2, 33),
        Array(60).fill(false),
      ],
      [
        // Ticks of 20% every third tick: 6.7% overall, and never strainStreakTicks (3) signs in a row.
        'a starved device dropping in bursts: never',
        Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? ([6, 30] as const) : ([0, 30] as const))),
        Array(60).fill(false),
      ],
      ['no frames yet (before the first frame): the other conditions decide', ticks(1, 0, 0), [true]],
    ] as const)('%s', (_name, counts, ready) => {
      expect(dropping([...counts]).map((s) => s.ready)).toEqual(ready);
    });

    it('a burst as playback starts is outgrown within seconds, once the frames after it are shown', () => {
      // 10 of 30 dropped, then none: 10 x startDroppedWeight - 20 = 140, decayed by startDroppedDecay, less 30 a tick.
      const states = dropping([[10, 30], ...ticks(10, 0)]);
      const started = states.findIndex((s) => s.ready);
      expect(started).toBe(5);
      let sum = startDroppedWeight * 10 - 20;
      for (let i = 1; i <= started; i++) sum = sum * startDroppedDecay - 30;
      expect(states[started]?.droppedFrames).toBeCloseTo(sum);
      expect(sum).toBeLessThanOrEqual(0);
    });

    it('a device whose counts are not measured starts on pace alone', () => {
      const state = observeP2PStart(p2pNotStarted, pace(1), { marginSeconds: margin, strained: false }, o);
      expect(state).toEqual({ steadySeconds: 1, droppedFrames: 0, ready: true });
    });
  });

  it('once ready, stays ready: a later stall or pause does not stop P2P (the strain back-off covers that)', () => {
    expect(after([pace(1), pace(0), pace(0.1, 1, 0)]).map((s) => s.ready)).toEqual([true, true, true]);
  });

  it('not measured (the simulator), or turned off with p2pStartSteadySeconds 0: ready at once', () => {
    expect(after([undefined])[0]?.ready).toBe(true);
    expect(after([pace(0)], { ...o, p2pStartSteadySeconds: 0 })[0]?.ready).toBe(true);
  });

  it('longer settings wait longer', () => {
    const ticks = Array.from({ length: 5 }, () => pace(1));
    expect(after(ticks, { ...o, p2pStartSteadySeconds: 3 }).map((s) => s.ready)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});

describe('tick: when the hybrid starts P2P', () => {
  const T0 = 1_764_000_000;
  const me = makePeerId(T0, 'me00000');
  const observe = (extra: Partial<TickObservations>): TickObservations => ({
    self: me,
    live: true,
    targetDuration: 2,
    peers: [],
    uploadedBytes: 0,
    edgeFetchSeconds: [],
    ...extra,
  });
  const p2pAfter = (ticks: Partial<TickObservations>[], options = o) => {
    let state = initialTickState(T0, options);
    return ticks.map((extra, i) => {
      const r = tick(state, observe(extra), T0 + i, options);
      state = r.state;
      return r.actions.p2p;
    });
  };

  it('plays as CDN-only until playback keeps pace, then P2P for good', () => {
    const ticks = [pace(0), pace(0.1), pace(0.2), pace(1), pace(0)].map((playback) => ({ playback }));
    expect(p2pAfter(ticks)).toEqual([false, false, false, true, true]);
  });

  it('the margin it waits for is the tick’s: slow edge fetches widen it', () => {
    // Three fetches of 1 s make the margin marginFetchFactor (3) seconds: a 2 s buffer is not enough, 3 s is.
    const slowEdge = { edgeFetchSeconds: [1, 1, 1] };
    expect(
      p2pAfter([{ ...slowEdge, playback: pace(1, 1, 2) }, { playback: pace(1, 1, 2) }, { playback: pace(1, 1, 3) }]),
    ).toEqual([false, false, true]);
  });

  it('a device strained by dropped frames does not start P2P until the strain is over (strainFirstHoldSeconds after the last sign)', () => {
    const dropping = { timerLateSeconds: 0, droppedFrames: 5, decodedFrames: 20 };
    const calm = { timerLateSeconds: 0, droppedFrames: 0, decodedFrames: 25 };
    const steady = (device: typeof calm) => ({ playback: pace(1), device });
    const ticks = [
      ...Array.from({ length: o.strainStreakTicks }, () => steady(dropping)),
      ...Array.from({ length: o.strainHoldSeconds + 1 }, () => steady(calm)),
    ];
    // Steady from the first tick: the first two dropping ticks are not strain yet, but 20% of frames dropped is far
    // over the share the gate allows.
    expect(p2pAfter(ticks)[0]).toBe(false);
    expect(p2pAfter([steady(calm)])).toEqual([true]);
    const strainedFromTheStart = p2pAfter([
      { playback: pace(0), device: dropping },
      { playback: pace(0.2), device: dropping },
      ...ticks.slice(o.strainStreakTicks - 1),
    ]);
    // Strained at the third dropping tick, held strainFirstHoldSeconds after it; started at the first calm tick after.
    const started = strainedFromTheStart.indexOf(true);
    expect(strainedFromTheStart.slice(0, started).every((on) => !on)).toBe(true);
    expect(started).toBe(2 + o.strainFirstHoldSeconds);
  });

  it('unmeasured (the simulator) or turned off: P2P at once, as before', () => {
    expect(p2pAfter([{}])).toEqual([true]);
    expect(p2pAfter([{ playback: pace(0) }], { ...o, p2pStartSteadySeconds: 0 })).toEqual([true]);
  });

  it('a low-latency viewer needs both: playback that keeps pace, and the slack to use peers', () => {
    const vod = { live: false, lowLatency: true };
    expect(
      p2pAfter([
        { ...vod, playback: pace(0) },
        { ...vod, playback: pace(1) },
      ]),
    ).toEqual([false, true]);
    const atTheEdge = { lowLatency: true, behindLiveSeconds: 1.5 };
    expect(
      p2pAfter([
        { ...atTheEdge, playback: pace(1) },
        { ...atTheEdge, playback: pace(1) },
      ]),
    ).toEqual([false, false]);
  });
});
