import { describe, expect, it } from 'vitest';
import {
  formatFrontierTable,
  frontierChart,
  frontierRows,
  parseLatencyTargets,
  type SweepCohort,
  sweepPoints,
} from './frontier';

describe('parseLatencyTargets', () => {
  it('reads low and target durations in the order given', () => {
    expect(parseLatencyTargets('low,3,4,6')).toEqual({ ok: true, value: ['low', 3, 4, 6] });
    expect(parseLatencyTargets(' LOW , 8 ')).toEqual({ ok: true, value: ['low', 8] });
    expect(parseLatencyTargets('3.5')).toEqual({ ok: true, value: [3.5] });
  });

  it.each([
    ['', 'not ""'],
    ['low,', 'not ""'],
    ['fast', 'not "fast"'],
    ['4,four', 'not "four"'],
    ['2', 'latencyTargetDurations'],
    ['61', 'latencyTargetDurations'],
    ['low,low', 'lists low twice'],
    ['4,4', 'lists 4 twice'],
  ])('refuses %j', (text, reason) => {
    const parsed = parseLatencyTargets(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('sweepPoints', () => {
  it('runs CDN-only HLS and LL-HLS first, then the hybrid at each target', () => {
    expect(sweepPoints(['low', 3, 6])).toEqual([
      { cohort: 'cdn', latency: 'default', label: 'CDN-only HLS' },
      { cohort: 'cdn', latency: 'low', label: 'CDN-only LL-HLS' },
      { cohort: 'hybrid', latency: 'low', label: 'hybrid low' },
      { cohort: 'hybrid', latency: 3, label: 'hybrid 3 TD' },
      { cohort: 'hybrid', latency: 6, label: 'hybrid 6 TD' },
    ]);
  });
});

const summary = (
  latencyP50Seconds: number | null,
  offloadPercent: number,
  edgeEgressBytes: number,
  stalls = 0,
): SweepCohort['summary'] => ({
  latencyP50Seconds,
  latencyP95Seconds: latencyP50Seconds === null ? null : latencyP50Seconds + 0.5,
  offloadPercent,
  edgeEgressBytes,
  stalls,
  stalledSeconds: stalls * 1.5,
  startupP50Ms: 900,
  viewers: 4,
  started: 4,
});

/** A sweep as a run might measure it: the hybrid trades latency for offload. */
function sweep(): SweepCohort[] {
  const [hls, ll, low, three, six] = sweepPoints(['low', 3, 6]);
  return [
    { point: hls as SweepCohort['point'], summary: summary(5.2, 0, 40e6), saturated: false },
    { point: ll as SweepCohort['point'], summary: summary(1.9, 0, 44e6), saturated: false },
    { point: low as SweepCohort['point'], summary: summary(2.0, 0, 44e6), saturated: false },
    { point: three as SweepCohort['point'], summary: summary(6.1, 40, 24e6, 2), saturated: true },
    { point: six as SweepCohort['point'], summary: summary(12.3, 70, 12e6), saturated: false },
  ];
}

describe('frontierRows', () => {
  it('gives each point its egress against CDN-only HLS of the same run, and marks the frontier', () => {
    const rows = frontierRows(sweep());
    expect(rows.map((r) => [r.label, r.egressOfBaseline, r.onFrontier])).toEqual([
      // Dominated by CDN-only LL-HLS: later, and no more offload.
      ['CDN-only HLS', 1, false],
      ['CDN-only LL-HLS', 1.1, true],
      ['hybrid low', 1.1, false],
      ['hybrid 3 TD', 0.6, true],
      ['hybrid 6 TD', 0.3, true],
    ]);
    expect(rows[3]).toMatchObject({ stalls: 2, stalledSeconds: 3, saturated: true, latencyP95Seconds: 6.6 });
  });

  it('keeps a point that never played off the frontier, and has no ratio without the baseline', () => {
    const [, ll, low] = sweep();
    const silent = { ...(low as SweepCohort), summary: summary(null, 0, 0) };
    const rows = frontierRows([ll as SweepCohort, silent]);
    expect(rows.map((r) => [r.onFrontier, r.egressOfBaseline])).toEqual([
      [true, null],
      [false, null],
    ]);
  });

  it('equal points both stay on the frontier', () => {
    const [, ll, low] = sweep();
    const rows = frontierRows([ll as SweepCohort, { ...(low as SweepCohort), summary: summary(1.9, 0, 44e6) }]);
    expect(rows.map((r) => r.onFrontier)).toEqual([true, true]);
  });
});

describe('formatFrontierTable', () => {
  it('lines up one row per point with its stalls, the ratio and the frontier mark', () => {
    const lines = formatFrontierTable(frontierRows(sweep())).split('\n');
    expect(lines[0]).toMatch(/^point\s+latency p50\s+latency p95\s+offload\s+edge egress\s+÷ CDN-only HLS/);
    expect(lines).toHaveLength(6);
    expect(lines[4]).toMatch(
      /^hybrid 3 TD \(saturated\)\s+6\.10 s\s+6\.60 s\s+40\.0%\s+24\.00 MB\s+0\.60×\s+2 \(3\.0\)\s+900 ms\s+yes$/,
    );
    expect(lines[1]).toMatch(/^CDN-only HLS\s+5\.20 s .* 1\.00×\s+0 \(0\.0\)\s+900 ms$/);
  });
});

describe('frontierChart', () => {
  it('draws one named point per cohort with its stalls, and the frontier line', () => {
    const svg = frontierChart(frontierRows(sweep()));
    expect(svg).toContain('<svg');
    for (const name of ['CDN-only HLS: 0 stalls', 'hybrid 3 TD: 2 stalls', 'hybrid 6 TD: 0 stalls', 'frontier']) {
      expect(svg).toContain(name);
    }
  });

  it('leaves out a point without a latency', () => {
    const [, ll, low] = sweep();
    const svg = frontierChart(
      frontierRows([ll as SweepCohort, { ...(low as SweepCohort), summary: summary(null, 0, 0) }]),
    );
    expect(svg).toContain('CDN-only LL-HLS: 0 stalls');
    expect(svg).not.toContain('hybrid low');
  });
});
