import { describe, expect, it } from 'vitest';
import { realRunsFrom } from './real-runs';

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

  it("reads compare's hybrid cohort, whose --seconds run from the first join", () => {
    expect(realRunsFrom(compareFile(), 'results.json')).toEqual([
      {
        viewers: 8,
        // 120 s from the first join; the eighth joined 7 × 3 s later.
        secondsAfterLastJoin: 99,
        source: 'results.json (compare)',
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
});
