import { describe, expect, it } from 'vitest';
import { renderReport } from './report-html';
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
});
