import { describe, expect, it } from 'vitest';
import { frontierRows } from './frontier';
import { renderReport } from './report-html';
import type { CohortResult } from './results';
import { results, shapedResults } from './test-fixtures';

describe('report.html', () => {
  const html = renderReport(results({ warnings: ['hybrid: the machine was <CPU-saturated>'] }));

  it('is one self-contained page: no scripts, no external assets', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/);
  });

  it('has the side-by-side table, the warnings escaped, and six charts', () => {
    expect(html).toContain('<table class="side">');
    expect(html).toContain('the machine was &lt;CPU-saturated&gt;');
    expect((html.match(/<svg /g) ?? []).length).toBe(6);
    // Egress, offload, latency, stalled seconds: a line per cohort each.
    expect((html.match(/class="series"/g) ?? []).length).toBe(4 * 2);
    // Per-viewer bytes: CDN-only 2 HTTP bars; hybrid 1 HTTP + 2 P2P; start-up 4.
    expect((html.match(/class="bar"/g) ?? []).length).toBe(2 + 3 + 4);
  });

  it('draws the cap when there is one', () => {
    const base = results();
    const capped = renderReport(results({ options: { ...base.options, edgeMbps: 1.5 } }));
    expect(capped).toContain('cap 1.5 Mbit/s');
    expect(capped).toContain('edge capped at 1.5 Mbit/s');
    expect(html).not.toContain('cap 1.5');
  });

  it('shows figures per link profile, and with links of their own each viewer’s upload against its cap', () => {
    expect(html).toContain('<table class="profiles">');
    expect(html).toContain('loopback (no shaping)');
    const shaped = renderReport(shapedResults());
    expect((shaped.match(/<svg /g) ?? []).length).toBe(7);
    expect(shaped).toContain('network residential: a shaped link per viewer');
    expect(shaped).toContain('dsl 16/1 Mbit/s');
    expect(shaped).toContain('0.95 Mbit/s (95%)');
  });

  it('leads a latency sweep with the frontier table and chart, and draws every cohort of one name apart', () => {
    const base = results();
    const [cdn, hybrid] = base.cohorts as [CohortResult, CohortResult];
    const cohorts: CohortResult[] = [
      { ...cdn, label: 'CDN-only HLS', latency: 'default' },
      { ...cdn, label: 'CDN-only LL-HLS', latency: 'low', summary: { ...cdn.summary, latencyP50Seconds: 2 } },
      { ...hybrid, label: 'hybrid 6 TD', latency: 6 },
    ];
    const frontier = frontierRows(
      cohorts.map((c) => ({
        point: { cohort: c.name === 'cdn' ? 'cdn' : 'hybrid', latency: c.latency ?? 'default', label: c.label },
        summary: c.summary,
        saturated: c.saturated,
      })),
    );
    const sweep = renderReport({ ...base, cohorts, frontier, options: { ...base.options, latency: [6] } });
    expect(sweep).toContain('<table class="frontier">');
    expect(sweep).toContain('The latency dial');
    expect(sweep).toContain('CDN-only HLS first, then CDN-only LL-HLS first, then hybrid 6 TD');
    // Six charts and the frontier's; a line per cohort in each of the four time series, three colours.
    expect((sweep.match(/<svg /g) ?? []).length).toBe(7);
    expect((sweep.match(/class="series"/g) ?? []).length).toBe(4 * 3 + 1 + 3);
    expect(html).not.toContain('The latency dial');
  });
});
