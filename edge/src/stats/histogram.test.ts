import { describe, expect, it } from 'vitest';
import { statsDefaults } from './aggregate';
import { addSample, binEdges, binOf, exactPercentile, mergeHistograms, percentile, sampleCount } from './histogram';

describe('histogram', () => {
  const edges = binEdges([
    [1, 0.5],
    [3, 1],
  ]);

  it('builds upper edges from runs', () => {
    expect(edges).toEqual([0.5, 1, 2, 3]);
    // 40 quarter seconds, 20 halves, 40 seconds, 24 tens, 55 minutes: up to beaconLimits.maxLatencySeconds.
    expect(statsDefaults.latencyEdgesSeconds).toHaveLength(179);
    expect(statsDefaults.latencyEdgesSeconds.slice(0, 3)).toEqual([0.25, 0.5, 0.75]);
    expect(statsDefaults.latencyEdgesSeconds.at(-1)).toBe(3600);
    expect(statsDefaults.startupEdgesMs.slice(0, 2)).toEqual([50, 100]);
    expect(statsDefaults.startupEdgesMs.at(-1)).toBe(300_000);
  });

  it('puts a value in the first bin whose upper edge is at least the value', () => {
    expect([0, 0.5, 0.6, 1, 2.5, 3, 99].map((v) => binOf(edges, v))).toEqual([0, 0, 1, 1, 3, 3, 3]);
  });

  it('reports nearest-rank percentiles as bin upper edges', () => {
    let h = {};
    for (const v of [0.4, 0.9, 1.5, 2.9]) h = addSample(h, edges, v);
    expect(h).toEqual({ 0: 1, 1: 1, 2: 1, 3: 1 });
    expect(sampleCount(h)).toBe(4);
    expect(percentile(h, edges, 0)).toBe(0.5); // rank 1
    expect(percentile(h, edges, 50)).toBe(1); // rank 2 of 4
    expect(percentile(h, edges, 95)).toBe(3); // rank ⌈3.8⌉ = 4
    expect(percentile({}, edges, 50)).toBeNull();
    expect(mergeHistograms({ 1: 2 }, { 1: 1, 3: 4 })).toEqual({ 1: 3, 3: 4 });
  });

  it('takes exact nearest-rank percentiles of a few values', () => {
    expect(exactPercentile([5, 1, 3], 50)).toBe(3);
    expect(exactPercentile([5, 1, 3, 7], 50)).toBe(3);
    expect(exactPercentile([], 50)).toBeNull();
  });
});
