import { describe, expect, it } from 'vitest';
import type { CompareResults } from './results';
import { summariseCohort } from './summary';
import {
  formatBytes,
  formatProfileTable,
  formatTable,
  profileTable,
  comparisonRows as rowsOf,
  tableCohorts,
  throttledPercent,
} from './table';
import { bandwidthOf as bw, cohort, results, run, sampleOf, shapedResults, viewer } from './test-fixtures';

/** The rows with each cell named by its cohort, so expectations read `cdn: …, hybrid: …`. */
function comparisonRows(r: CompareResults) {
  const names = tableCohorts(r).map((c) => c.name);
  return rowsOf(r).map(({ cells, ...rest }) => ({
    ...rest,
    ...Object.fromEntries(cells.map((cell, i) => [names[i] as string, cell])),
  }));
}

describe('side-by-side table', () => {
  it('has every figure the issue asks for, with hybrid vs CDN-only', () => {
    const rows = Object.fromEntries(comparisonRows(results()).map((r) => [r.label, r]));
    expect(rows['offload: P2P ÷ all bytes']).toEqual({
      label: 'offload: P2P ÷ all bytes',
      cdn: '0.0%',
      hybrid: '75.0%',
      ratio: '150% of (N−1)/N = 50%',
    });
    expect(rows["edge egress (edge's own count)"]).toMatchObject({ cdn: '4.00 MB', hybrid: '1.00 MB', ratio: '0.25×' });
    expect(rows['start-up p50']).toMatchObject({ cdn: '500 ms', hybrid: '500 ms', ratio: '1.00×' });
    expect(rows['start-up p95']).toMatchObject({ cdn: '700 ms', hybrid: '57000 ms' });
    expect(rows['stalls (count)']).toMatchObject({ cdn: '0', hybrid: '1', ratio: '+1' });
    expect(rows['stalled seconds']).toMatchObject({ cdn: '0.0', hybrid: '1.5', ratio: '+1.5 s' });
    expect(rows['live latency p50']).toMatchObject({ cdn: '6.0 s', hybrid: '7.0 s', ratio: '1.17×' });
    expect(rows['viewers (started)']).toMatchObject({ cdn: '2 (2)', hybrid: '2 (1)' });
    expect(rows['rendition played (mean)']).toMatchObject({ cdn: '300 kbit/s', hybrid: '300 kbit/s', ratio: '1.00×' });
  });

  it('shows the proxy count always, and how long a cap was binding only with a cap', () => {
    const labels = (r: ReturnType<typeof results>) => comparisonRows(r).map((x) => x.label);
    expect(labels(results())).toContain('segments through the harness proxy');
    expect(labels(results()).some((l) => l.includes('cap'))).toBe(false);
    const capped = results();
    capped.options.edgeMbps = 1;
    const [cdn] = capped.cohorts;
    if (cdn) cdn.proxy.capBindingMs = 57_400;
    for (const c of capped.cohorts) c.summary = summariseCohort(c.run, c.edge, c.proxy, true);
    // With a cap the headline is what crossed the capped link; the edge's own count follows it.
    expect(comparisonRows(capped)[2]).toMatchObject({
      label: 'edge egress (through the harness proxy)',
      cdn: '4.00 MB',
    });
    expect(comparisonRows(capped)[3]).toMatchObject({ label: "edge's own count of segments served", cdn: '4.00 MB' });
    expect(comparisonRows(capped).find((x) => x.label === 'time the 1 Mbit/s cap was binding')).toMatchObject({
      cdn: '57 of 60 s',
      hybrid: '0 of 60 s',
    });
  });

  it('says CPU-saturated when either cohort was', () => {
    const r = results();
    const [cdn] = r.cohorts;
    if (cdn) r.cohorts[0] = cohort(cdn.run, 4_000_000, 97);
    const row = comparisonRows(r).find((x) => x.label.startsWith('CPU'));
    expect(row).toMatchObject({ cdn: '97%, 1.5', ratio: 'CPU-saturated' });
  });

  it("names the source of the edge figure when the edge's count is missing", () => {
    const r = results();
    const hybrid = cohort(run('hybrid', [viewer(0, { httpBytes: 10 })]), 0);
    hybrid.summary.edgeEgressSource = 'proxy';
    r.cohorts[1] = hybrid;
    expect(comparisonRows(r)[2]?.label).toBe("edge egress (edge's own count / through the harness proxy)");
  });

  it('puts stock p2p-media-loader between CDN-only and the hybrid, whatever order the cohorts ran in', () => {
    const r = results();
    const stock = cohort(run('p2pml', [viewer(0, { httpBytes: 3_000_000, p2pBytes: 1_000_000 })]), 3_000_000);
    r.cohorts = [r.cohorts[1] as (typeof r.cohorts)[number], stock, r.cohorts[0] as (typeof r.cohorts)[number]];
    expect(tableCohorts(r).map((c) => c.name)).toEqual(['cdn', 'p2pml', 'hybrid']);
    expect(comparisonRows(r).find((x) => x.label === 'offload: P2P ÷ all bytes')).toMatchObject({
      cdn: '0.0%',
      p2pml: '25.0%',
      hybrid: '75.0%',
    });
    expect(formatTable(r).split('\n')[0]).toMatch(/^\s+CDN-only\s+stock p2p-media-loader\s+hybrid\s+hybrid vs CDN$/);
  });

  it('pads columns as text', () => {
    const lines = formatTable(results()).split('\n');
    expect(lines[0]).toMatch(/^\s+CDN-only\s+hybrid\s+hybrid vs CDN$/);
    expect(lines.find((l) => l.startsWith('live latency p50'))).toMatch(/6\.0 s\s+7\.0 s\s+1\.17×$/);
  });

  it('writes bytes in kB, MB or GB', () => {
    expect(formatBytes(999)).toBe('1 kB');
    expect(formatBytes(2_345_678)).toBe('2.35 MB');
    expect(formatBytes(3e9)).toBe('3.00 GB');
  });
});

describe('per-profile table', () => {
  it('has a row per profile and cohort, with measured link bytes and the peak as a share of the cap', () => {
    const { head, rows } = profileTable(shapedResults());
    expect(head).toContain('peak up (of cap)');
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      'dsl 16/1 CDN-only',
      'cable 100/10 CDN-only',
      'dsl 16/1 hybrid',
      'cable 100/10 hybrid',
    ]);
    expect(rows[2]).toEqual([
      'dsl 16/1',
      'hybrid',
      '1',
      '50.0%',
      '1.00 MB',
      '1.00 MB',
      '2.00 MB',
      '1.50 MB / 2.00 MB',
      '0.95 Mbit/s (95%)',
      '40 s',
      '0 (0.0 s)',
      '6.0 s',
    ]);
    expect(formatProfileTable(shapedResults()).split('\n')).toHaveLength(5);
  });

  it('says loopback, with no link figures, when viewers share the namespace', () => {
    const { rows } = profileTable(results());
    expect(rows.map((r) => r[0])).toEqual(['loopback ∞/∞', 'loopback ∞/∞']);
    expect(rows[0]?.[7]).toBe('—');
  });
});

describe('a starved device, in the table', () => {
  it('gives the mean share of CFS periods each viewer was held at its quota, none without --viewer-cpu', () => {
    const throttling = [
      { periods: 100, throttledPeriods: 50, throttledSeconds: 3 },
      { periods: 200, throttledPeriods: 20, throttledSeconds: 1 },
      null,
      { periods: 0, throttledPeriods: 0, throttledSeconds: 0 },
    ];
    expect(throttledPercent({ viewerCpu: { cores: 0.2, quotaUs: 20_000, periodUs: 100_000, throttling } })).toBe(30);
    expect(throttledPercent({})).toBeNull();
  });

  it('shows the quota row only with --viewer-cpu, and the backed-off row always', () => {
    const plain = comparisonRows(results()).map((r) => r.label);
    expect(plain).toContain('samples backed off (device strained)');
    const strained = results();
    for (const c of strained.cohorts) {
      c.run.samples = [sampleOf(2, [{ bandwidth: bw(c.p2p) }, { bandwidth: bw(false) }]), sampleOf(4, [null, null])];
    }
    expect(comparisonRows(strained).find((r) => r.label === 'samples backed off (device strained)')).toMatchObject({
      cdn: '0 of 2',
      hybrid: '1 of 2',
    });
    expect(plain.some((label) => label.includes('quota'))).toBe(false);
    const capped = results();
    capped.options = { ...capped.options, viewerCpu: 0.2 };
    for (const c of capped.cohorts) {
      c.viewerCpu = {
        cores: 0.2,
        quotaUs: 20_000,
        periodUs: 100_000,
        throttling: [{ periods: 10, throttledPeriods: 4, throttledSeconds: 1 }],
      };
    }
    const row = comparisonRows(capped).find((r) => r.label === 'periods held at the 0.2-core quota (mean)');
    expect(row).toMatchObject({ cdn: '40.0%', hybrid: '40.0%' });
  });
});

describe('P2P transport, in the table', () => {
  it("gives connections made and held, and messages each way, per viewer; '—' for a cohort that made none", () => {
    const counted = results();
    for (const c of counted.cohorts) {
      c.run.viewers = c.run.viewers.map((v) => ({
        ...v,
        watchedSeconds: 100,
        transport: {
          connections: c.p2p ? 9 : 0,
          connected: c.p2p ? 7 : 0,
          connectionSeconds: c.p2p ? 700 : 0,
          sent: (c.p2p ? { announcement: 200, request: 50 } : {}) as Record<string, number>,
          received: (c.p2p ? { announcement: 250, data: 50, done: 50, chunk: 80 } : {}) as Record<string, number>,
          bytesSent: 0,
          bytesReceived: 0,
        },
      }));
    }
    const rows = comparisonRows(counted);
    expect(rows.find((r) => r.label === 'P2P connections per viewer: made, held at a time')).toMatchObject({
      cdn: '—',
      hybrid: '9.0, 7.0',
    });
    expect(rows.find((r) => r.label === 'data-channel messages per viewer (sent / received)')).toMatchObject({
      cdn: '—',
      hybrid: '250 / 350',
    });
    // A run from before the count: no numbers, the row still there.
    expect(comparisonRows(results()).find((r) => r.label.startsWith('P2P connections'))).toMatchObject({ hybrid: '—' });
  });
});
