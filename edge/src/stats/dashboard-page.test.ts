import { describe, expect, it } from 'vitest';
import { renderDashboardPage } from './dashboard-page';

const page = {
  streamId: 'demo',
  statsUrl: '/v1/streams/demo/stats',
  statusUrl: '/v1/streams/demo',
  watchUrl: '/watch/demo',
  script: '/player/dashboard.js',
};

describe('renderDashboardPage', () => {
  it('lays out the cards, the edge check and a panel per chart, and loads the bundle', () => {
    const html = renderDashboardPage(page);
    expect(html).toContain('<title>demo · dashboard · edgeswarm</title>');
    expect(html).toContain('data-stats-url="/v1/streams/demo/stats"');
    expect(html).toContain('data-status-url="/v1/streams/demo"');
    for (const card of ['offload', 'viewers', 'peers', 'regions', 'startup', 'latency', 'stalls']) {
      expect(html).toContain(`id="card-${card}"`);
    }
    for (const chart of ['throughput', 'offload', 'audience', 'stalls', 'timing']) {
      expect(html).toContain(`id="chart-${chart}"`);
    }
    expect(html).toContain('id="edge-check"');
    expect(html).toContain('.u-legend'); // uPlot's stylesheet is inlined
    expect(html).toContain('<script src="/player/dashboard.js"></script>');
  });

  it('escapes everything it interpolates', () => {
    const html = renderDashboardPage({ ...page, streamId: '<x>', statsUrl: '"onload="', script: "'" });
    expect(html).not.toContain('<x>');
    expect(html).toContain('data-stats-url="&quot;onload=&quot;"');
    expect(html).toContain('<script src="&#39;"></script>');
  });
});
