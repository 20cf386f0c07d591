import { describe, expect, it } from 'vitest';
import { bandwidthOf as bw, sampleOf } from '../compare/test-fixtures';
import { firstFetcherSeconds, firstFetcherTimeline, offloadPercent, strainedSamples, viewerFlow } from './records';

describe('cohort records', () => {
  const samples = [
    sampleOf(1, [{ firstFetcher: true }, null]),
    sampleOf(2, [{ firstFetcher: true }, { firstFetcher: false }]),
    sampleOf(3, [{ firstFetcher: false }, { firstFetcher: true }]),
    sampleOf(5, [null, { firstFetcher: true }]),
  ];

  it('gives each viewer’s first-fetcher verdict over time, from its join', () => {
    expect(firstFetcherTimeline(samples, 0)).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(firstFetcherTimeline(samples, 1)).toEqual([
      [2, false],
      [3, true],
      [5, true],
    ]);
  });

  it('counts the seconds a viewer was a first fetcher, each verdict holding until the next sample', () => {
    expect(firstFetcherSeconds(samples, 0)).toBe(2);
    expect(firstFetcherSeconds(samples, 1)).toBe(2);
    expect(firstFetcherSeconds([], 0)).toBe(0);
  });

  it('takes offload over the viewers given, and the counters a record keeps', () => {
    expect(
      offloadPercent([
        { httpBytes: 100, p2pBytes: 300 },
        { httpBytes: 100, p2pBytes: 0 },
      ]),
    ).toBe(60);
    expect(offloadPercent([])).toBe(0);
    const flow = viewerFlow(null);
    expect(flow.httpBytes).toBe(0);
    expect(Object.keys(flow)).not.toContain('stalls');
  });
});

describe('strainedSamples', () => {
  it('counts the samples in which a player was backed off for its device, of all that answered', () => {
    const samples = [
      sampleOf(2, [{ bandwidth: bw(false) }, null]),
      sampleOf(4, [{ bandwidth: bw(true) }, { bandwidth: null }]),
      sampleOf(6, [{ bandwidth: bw(true) }, { bandwidth: bw(false) }]),
    ];
    expect(strainedSamples(samples)).toEqual({ strained: 2, samples: 5 });
    expect(strainedSamples(samples.slice(0, 1))).toEqual({ strained: 0, samples: 1 });
    expect(strainedSamples([])).toEqual({ strained: 0, samples: 0 });
  });
});
