import { policyDefaults } from '@edgeswarm/policy';
import { describe, expect, it } from 'vitest';
import {
  calibrationOverrides,
  type RealRun,
  realRunsFrom,
  ungatedP2PStartSteadySeconds,
  unrecordedLatencyTargetDurations,
} from './real-runs';
import { profileCalibration } from './report';
import { configFor } from './runs';
import { calibrationWorld } from './scenarios';
import { runSimulation } from './swarm-sim';

const offloadFile = {
  settings: { viewers: '4,8', seconds: '60', stagger: '3' },
  rows: [
    {
      viewers: 4,
      hybrid: { offloadPercent: 65.4, stalls: 0, stalledSeconds: 0, latencyP50: 6.87, startupP50Ms: 431 },
    },
    {
      viewers: 8,
      hybrid: { offloadPercent: 77.5, stalls: 1, stalledSeconds: 0.2, latencyP50: 6.83, startupP50Ms: 406 },
    },
  ],
};

const compareFile = (edgeMbps?: number) => ({
  kind: 'edgeswarm-compare',
  options: { viewers: 8, seconds: 120, staggerSeconds: 3, ...(edgeMbps ? { edgeMbps } : {}) },
  cohorts: [
    {
      p2p: false,
      summary: {
        viewers: 8,
        offloadPercent: 0,
        stalls: 0,
        stalledSeconds: 0,
        latencyP50Seconds: 6.5,
        startupP50Ms: 400,
      },
    },
    {
      p2p: true,
      summary: {
        viewers: 8,
        offloadPercent: 81.2,
        stalls: 2,
        stalledSeconds: 0.5,
        latencyP50Seconds: 6.9,
        startupP50Ms: 450,
      },
    },
  ],
});

describe('realRunsFrom', () => {
  it("reads bench:offload's rows, watched --seconds after the last join", () => {
    const runs = realRunsFrom(offloadFile, 'offload.json');
    expect(runs).toEqual([
      {
        viewers: 4,
        secondsAfterLastJoin: 60,
        source: 'offload.json (bench:offload)',
        hybrid: { offloadPercent: 65.4, stalls: 0, stalledSeconds: 0, latencyP50: 6.87, startupP50: 0.431 },
        // The file records no policy: it was made at the latency target of its day, before the P2P start gate.
        policy: { latencyTargetDurations: 4, p2pStartSteadySeconds: 0 },
      },
      {
        viewers: 8,
        secondsAfterLastJoin: 60,
        source: 'offload.json (bench:offload)',
        hybrid: { offloadPercent: 77.5, stalls: 1, stalledSeconds: 0.2, latencyP50: 6.83, startupP50: 0.406 },
        policy: { latencyTargetDurations: 4, p2pStartSteadySeconds: 0 },
      },
    ]);
  });

  it("reads compare's hybrid cohort, whose --seconds run from the first join, and how far apart its viewers joined", () => {
    expect(realRunsFrom(compareFile(), 'results.json')).toEqual([
      {
        viewers: 8,
        // 120 s from the first join; the eighth joined 7 × 3 s later.
        secondsAfterLastJoin: 99,
        source: 'results.json (compare)',
        staggerSeconds: 3,
        hybrid: { offloadPercent: 81.2, stalls: 2, stalledSeconds: 0.5, latencyP50: 6.9, startupP50: 0.45 },
        policy: { latencyTargetDurations: 4, p2pStartSteadySeconds: 0 },
      },
    ]);
  });

  it("takes the policy the real hybrid played with: recorded whole, or the old default's target with --policy's and --latency's values", () => {
    expect(unrecordedLatencyTargetDurations).toBe(4);
    const file = compareFile();
    const [, hybrid] = file.cohorts as unknown as [Record<string, unknown>, Record<string, unknown>];
    const withCohort = (cohort: Record<string, unknown>, policy?: Record<string, number>) =>
      realRunsFrom(
        { ...file, options: { ...file.options, ...(policy ? { policy } : {}) }, cohorts: [{ ...hybrid, ...cohort }] },
        'results.json',
      )[0]?.policy;
    expect(ungatedP2PStartSteadySeconds).toBe(0);
    const ungated = { p2pStartSteadySeconds: 0 };
    // Before the harness recorded it: 4 target durations, then what --policy changed (4.5 included); no start gate.
    expect(withCohort({}, { spreadCopies: 0 })).toEqual({ latencyTargetDurations: 4, spreadCopies: 0, ...ungated });
    expect(withCohort({}, { latencyTargetDurations: 4.5 })).toEqual({ latencyTargetDurations: 4.5, ...ungated });
    // A sweep's hybrid cohort at a numeric target played at it; one in low-latency mode is not the simulator's.
    expect(withCohort({ name: 'hybrid', latency: 6 })).toEqual({ latencyTargetDurations: 6, ...ungated });
    expect(withCohort({ name: 'hybrid', latency: 'default' })).toEqual({ latencyTargetDurations: 4, ...ungated });
    expect(() => withCohort({ name: 'hybrid', latency: 'low' })).toThrow(/low-latency mode/);
    // Recorded whole (compare from 4.5 TD's default on): as recorded, --policy already in it; from the start gate's
    // commit on it records the gate, and before that the policy had none (P2P at the first frame).
    const recorded = { ...policyDefaults, latencyTargetDurations: 4.5, spreadCopies: 0 };
    expect(withCohort({ policy: recorded }, { spreadCopies: 0 })).toEqual(recorded);
    expect(realRunsFrom({ ...offloadFile, policy: recorded }, 'offload.json')[1]?.policy).toEqual(recorded);
    const { p2pStartSteadySeconds: _gate, ...beforeGate } = recorded;
    expect(withCohort({ policy: beforeGate })).toEqual({ ...beforeGate, ...ungated });
  });

  it('refuses what is not a calibration run, saying why', () => {
    expect(() => realRunsFrom(compareFile(1), 'capped.json')).toThrow(/capped/);
    expect(() => realRunsFrom({ rows: 3 }, 'x.json')).toThrow(/neither/);
    expect(() => realRunsFrom({ rows: [] }, 'x.json')).toThrow(/settings.seconds/);
    expect(() => realRunsFrom(null, 'x.json')).toThrow(/not a JSON object/);
  });

  it('takes the hybrid cohort by name when stock p2p-media-loader ran first, with its offload per link profile', () => {
    const file = compareFile();
    const [cdn, hybrid] = file.cohorts as unknown as [Record<string, unknown>, Record<string, unknown>];
    const stock = { ...hybrid, name: 'p2pml', summary: { ...(hybrid.summary as object), offloadPercent: 0 } };
    const shaped = {
      ...file,
      cohorts: [
        { ...cdn, name: 'cdn' },
        stock,
        {
          ...hybrid,
          name: 'hybrid',
          byProfile: [
            { profile: 'dsl', viewers: 1, offloadPercent: 40, stalls: 0 },
            { profile: 'fibre', viewers: 1, offloadPercent: 70, stalls: 0 },
          ],
        },
      ],
    };
    const [run] = realRunsFrom(shaped, 'results.json');
    expect(run?.hybrid.offloadPercent).toBe(81.2);
    expect(run?.byProfile).toEqual([
      { profile: 'dsl', viewers: 1, offloadPercent: 40 },
      { profile: 'fibre', viewers: 1, offloadPercent: 70 },
    ]);
    // A loopback run has one `loopback` row: no profiles to calibrate.
    const loopback = {
      ...shaped,
      cohorts: [{ ...hybrid, name: 'hybrid', byProfile: [{ profile: 'loopback', viewers: 8, offloadPercent: 81.2 }] }],
    };
    expect(realRunsFrom(loopback, 'results.json')[0]?.byProfile).toBeUndefined();
  });
});

describe('calibrationOverrides', () => {
  const real: RealRun = {
    viewers: 8,
    secondsAfterLastJoin: 99,
    source: 'results.json (compare)',
    staggerSeconds: 5,
    hybrid: { offloadPercent: 80, stalls: 0, stalledSeconds: 0, latencyP50: 5.1, startupP50: 0.45 },
    policy: { latencyTargetDurations: 4, spreadCopies: 0 },
  };

  it("sets the simulated run beside the real one: its watching time, its joins and its hybrid's policy", () => {
    const overrides = calibrationOverrides(8, real, {});
    // 7 joins 5 s apart, then 99 s.
    expect(overrides.audience).toEqual({ seconds: 134, staggerSeconds: 5 });
    expect(overrides.policy).toEqual({ latencyTargetDurations: 4, spreadCopies: 0 });
    // What the simulator then plays: the real run's target, not today's default.
    const config = configFor({ scenario: 'calibrate', viewers: 8, p2p: true, seed: 1, overrides });
    expect(config.policy.latencyTargetDurations).toBe(4);
    expect(config.audience).toMatchObject({ seconds: 134, staggerSeconds: 5, viewers: 8 });
  });

  it('lets --seconds and --set’s policy win, and without a real run keeps the defaults', () => {
    const set = { policy: { latencyTargetDurations: 5 }, player: { liveCatchUp: false } };
    const overrides = calibrationOverrides(8, real, set, 30);
    expect(overrides.audience).toEqual({ seconds: 7 * 5 + 30, staggerSeconds: 5 });
    expect(overrides.policy).toEqual({ latencyTargetDurations: 5, spreadCopies: 0 });
    expect(overrides.player).toEqual({ liveCatchUp: false });
    const alone = calibrationOverrides(4, undefined, {}, 30);
    expect(alone).toEqual({ audience: { seconds: 3 * calibrationWorld.staggerSeconds + 30 } });
    expect(calibrationOverrides(4, undefined, set)).toEqual(set);
    const config = configFor({ scenario: 'calibrate', viewers: 4, p2p: true, seed: 1, overrides: alone });
    expect(config.policy.latencyTargetDurations).toBeUndefined();
  });
});

describe('profileCalibration', () => {
  it("sets the simulated viewers' offload per access profile beside the real run's", () => {
    const sim = [
      { access: 'dsl', httpBytes: 600, p2pBytes: 400 },
      { access: 'fibre', httpBytes: 100, p2pBytes: 300 },
      { access: 'fibre', httpBytes: 300, p2pBytes: 300 },
    ];
    expect(
      profileCalibration(
        [
          { profile: 'dsl', viewers: 1, offloadPercent: 38 },
          { profile: 'fibre', viewers: 2, offloadPercent: 61 },
          { profile: 'mobile', viewers: 1, offloadPercent: 50 },
        ],
        sim,
      ),
    ).toEqual([
      { profile: 'dsl', viewers: 1, realOffloadPercent: 38, simOffloadPercent: 40 },
      { profile: 'fibre', viewers: 2, realOffloadPercent: 61, simOffloadPercent: 60 },
    ]);
  });
});

describe('a real run with viewers behind a NAT', () => {
  const natRun = { ...compareFile(), options: { ...compareFile().options, nat: 'symmetric:2' } };

  it("reads compare's --nat as each viewer's NAT in join order, and the calibration puts the same viewers behind them", () => {
    const [run] = realRunsFrom(natRun, 'results.json');
    const kinds = ['open', 'open', 'symmetric', 'open', 'open', 'open', 'symmetric', 'open'];
    expect(run?.nat).toEqual(kinds);
    const overrides = calibrationOverrides(8, run, { network: { connectSeconds: 2 } });
    expect(overrides.network).toEqual({ connectSeconds: 2, natOrder: kinds });
    // --set places them itself when asked (e.g. a viewer stranded in another swarm as one that reaches nobody).
    const own = ['open', 'udp-blocked'] as const;
    expect(calibrationOverrides(8, run, { network: { natOrder: [...own] } }).network).toEqual({ natOrder: own });
    expect(
      realRunsFrom({ ...natRun, options: { ...natRun.options, nat: 'symmetric:0' } }, 'r')[0]?.nat,
    ).toBeUndefined();
    expect(realRunsFrom(compareFile(), 'r')[0]?.nat).toBeUndefined();
    expect(() => realRunsFrom({ ...natRun, options: { ...natRun.options, nat: 'symmetric:9' } }, 'r')).toThrow(
      /only 7 of 8/,
    );
  });

  it('places the simulated viewers by natOrder, open beyond it, and keeps every other draw of the run', () => {
    const natOrder = ['open', 'open', 'symmetric', 'open'] as const;
    const config = configFor({
      scenario: 'calibrate',
      viewers: 6,
      p2p: true,
      seed: 1,
      overrides: { network: { natOrder: [...natOrder] }, audience: { seconds: 30 } },
    });
    const plain = configFor({
      scenario: 'calibrate',
      viewers: 6,
      p2p: true,
      seed: 1,
      overrides: { audience: { seconds: 30 } },
    });
    const withNat = runSimulation(config).viewers ?? [];
    const without = runSimulation(plain).viewers ?? [];
    expect(withNat.map((v) => v.nat)).toEqual(['open', 'open', 'symmetric', 'open', 'open', 'open']);
    expect(without.map((v) => v.nat)).toEqual(Array(6).fill('open'));
    expect(withNat.map((v) => v.access)).toEqual(without.map((v) => v.access));
    expect(() => runSimulation({ ...config, network: { ...config.network, natOrder: ['carrier' as 'open'] } })).toThrow(
      /not a NAT class/,
    );
  });

  it('sets a NATed profile (`fibre/symmetric`) beside the simulated viewers of that access behind that NAT', () => {
    const sim = [
      { access: 'fibre', nat: 'open', httpBytes: 100, p2pBytes: 300 },
      { access: 'fibre', nat: 'symmetric', httpBytes: 300, p2pBytes: 100 },
    ];
    expect(
      profileCalibration(
        [
          { profile: 'fibre', viewers: 1, offloadPercent: 70 },
          { profile: 'fibre/symmetric', viewers: 1, offloadPercent: 30 },
        ],
        sim,
      ),
    ).toEqual([
      { profile: 'fibre', viewers: 1, realOffloadPercent: 70, simOffloadPercent: 75 },
      { profile: 'fibre/symmetric', viewers: 1, realOffloadPercent: 30, simOffloadPercent: 25 },
    ]);
  });
});
