import { describe, expect, it } from 'vitest';
import { drillRow, drillsTable, renderDrillsHtml, timeSeriesChart } from './report';
import type { DrillResult } from './types';

const result = (over: Partial<DrillResult> = {}): DrillResult => ({
  drill: 'publisher-kill',
  title: 'publisher killed',
  quick: true,
  ok: true,
  startedAt: '2026-12-01T08:00:00.000Z',
  seconds: 27.4,
  figures: { 'queued at kill': 12, lost: 0, 'lag s': 2.4567 },
  checks: [{ name: 'queued segments all delivered', ok: true, detail: '12 queued, 0 missing' }],
  memory: [
    {
      label: 'workerd',
      points: [
        [0, 100],
        [2, 110],
        [4, 112],
      ],
    },
  ],
  load: { start: 1, end: 2 },
  ...over,
});

describe('drill rows', () => {
  it('one row per drill: verdict, time and figures', () => {
    expect(drillRow(result(), 14)).toBe('publisher-kill pass   27 s  queued at kill 12 · lost 0 · lag s 2.46');
  });

  it('a failed drill leads with what failed', () => {
    const failed = result({
      ok: false,
      checks: [{ name: 'queued segments all delivered', ok: false, detail: '3 missing' }],
    });
    expect(drillRow(failed, 14)).toMatch(
      /^publisher-kill FAIL {3}27 s {2}✗ queued segments all delivered: 3 missing · queued/,
    );
    expect(drillsTable([failed]).split('\n')).toHaveLength(2);
  });
});

describe('renderDrillsHtml', () => {
  it('is one self-contained page with the table, the checks and a memory chart, every label escaped', () => {
    const html = renderDrillsHtml({
      command: 'npm run drills -- --quick',
      quick: true,
      startedAt: 'a',
      finishedAt: 'b',
      load: { start: 1, end: 2 },
      cpus: 2,
      interrupted: false,
      drills: [result({ title: '<script>x</script>' })],
    });
    expect(html).toContain('1/1 passed');
    expect(html).toContain('<svg');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect(html).not.toContain('open timers, sockets and descriptors');
  });

  it('charts the counts a drill recorded beside its memory', () => {
    const counts = [{ label: 'v1 <timeouts>', points: [[0, 3] as [number, number], [5, 4] as [number, number]] }];
    const html = renderDrillsHtml({
      command: 'npm run drills -- --only soak',
      quick: false,
      startedAt: 'a',
      finishedAt: 'b',
      load: { start: 1, end: 2 },
      cpus: 2,
      interrupted: false,
      drills: [result({ drill: 'soak', counts })],
    });
    expect(html).toContain('soak: open timers, sockets and descriptors');
    expect(html).toContain('v1 &lt;timeouts&gt;');
    expect(html.match(/<svg/g)).toHaveLength(2);
  });
});

describe('timeSeriesChart', () => {
  const series = (last: number) => [
    {
      label: 'workerd',
      points: [
        [0, 100],
        [last, 120],
      ] as [number, number][],
    },
  ];

  it('plots seconds for a short drill', () => {
    const svg = timeSeriesChart('quick: resident memory', 'MB', series(120));
    expect(svg).toContain('seconds since the drill started');
    expect(svg).toContain('quick: resident memory');
  });

  it('plots minutes once the drill ran 10 minutes or more', () => {
    const svg = timeSeriesChart('soak: resident memory', 'MB', series(1800));
    expect(svg).toContain('minutes since the drill started');
    expect(svg).not.toContain('seconds since');
  });
});
