import { describe, expect, it } from 'vitest';
import { realRunsFrom } from './real-runs';
import { profileCalibration } from './report';

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
      },
      {
        viewers: 8,
        secondsAfterLastJoin: 60,
        source: 'offload.json (bench:offload)',
        hybrid: { offloadPercent: 77.5, stalls: 1, stalledSeconds: 0.2, latencyP50: 6.83, startupP50: 0.406 },
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
      },
    ]);
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
