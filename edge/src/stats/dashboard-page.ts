/**
 * The /dashboard/:stream page: a skeleton of headline cards and chart panels
 * that the dashboard bundle (player/src/pages/dashboard.ts) fills from the
 * stats JSON every 2 s. Pure string rendering; every value is escaped.
 */
import { faviconLink } from '../lib/favicon';
import { escapeHtml } from '../lib/pages';

export interface DashboardPage {
  streamId: string;
  statsUrl: string;
  /** The live coordinator's status (404 for a stream that is not live). */
  statusUrl: string;
  watchUrl: string;
  /** Script served from the edge's static assets. */
  script: string;
}

/** uPlot's own stylesheet (uplot 1.6, MIT), inlined: the page bundle is a plain script. */
const uplotCss = `.uplot, .uplot *, .uplot *::before, .uplot *::after {box-sizing: border-box;}
.uplot {font-family: inherit; line-height: 1.5; width: min-content;}
.u-title {text-align: center; font-size: 18px; font-weight: bold;}
.u-wrap {position: relative; user-select: none;}
.u-over, .u-under {position: absolute;}
.u-under {overflow: hidden;}
.uplot canvas {display: block; position: relative; width: 100%; height: 100%;}
.u-axis {position: absolute;}
.u-legend {font-size: 14px; margin: auto; text-align: center;}
.u-inline {display: block;}
.u-inline * {display: inline-block;}
.u-inline tr {margin-right: 16px;}
.u-legend th {font-weight: 600;}
.u-legend th > * {vertical-align: middle; display: inline-block;}
.u-legend .u-marker {width: 1em; height: 1em; margin-right: 4px; background-clip: padding-box !important;}
.u-inline.u-live th::after {content: ":"; vertical-align: middle;}
.u-inline:not(.u-live) .u-value {display: none;}
.u-series > * {padding: 4px;}
.u-series th {cursor: pointer;}
.u-legend .u-off > * {opacity: 0.3;}
.u-select {background: rgba(255,255,255,0.07); position: absolute; pointer-events: none;}
.u-cursor-x, .u-cursor-y {position: absolute; left: 0; top: 0; pointer-events: none; will-change: transform;}
.u-hz .u-cursor-x, .u-vt .u-cursor-y {height: 100%; border-right: 1px dashed #607D8B;}
.u-hz .u-cursor-y, .u-vt .u-cursor-x {width: 100%; border-bottom: 1px dashed #607D8B;}
.u-cursor-pt {position: absolute; top: 0; left: 0; border-radius: 50%; border: 0 solid; pointer-events: none; will-change: transform; background-clip: padding-box !important;}
.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off {display: none;}`;

const pageCss = `:root { color-scheme: dark; --bg: #0f1115; --panel: #171a21; --line: #262b36; --text: #e6e8ee;
  --muted: #8b93a3; --http: #f0a03c; --p2p: #3ecf8e; --edge: #d0d4dc; --bad: #ff6b6b; --good: #3ecf8e; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 40px; }
a { color: #7fb4ff; }
header { display: flex; align-items: center; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
h1 { font-size: 22px; margin: 0; font-weight: 600; }
h1 .product { color: var(--muted); font-weight: 400; }
.meta { color: var(--muted); font-size: 13px; font-variant-numeric: tabular-nums; }
.meta.error { color: var(--bad); }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600;
  letter-spacing: 0.05em; text-transform: uppercase; background: #252a35; color: var(--muted); vertical-align: 3px; margin-left: 10px; }
.pill.live { background: #3a1c1f; color: #ff7b7b; }
.pill.live::before { content: "\\25CF"; margin-right: 6px; }
.pill.ended { background: #1d2a3a; color: #8fb8ff; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 18px 0 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.card .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.06em; }
.card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; margin: 2px 0; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.card .unit { font-size: 14px; font-weight: 500; color: var(--muted); margin-left: 4px; }
.card .detail { color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; }
.card.offload .value { color: var(--p2p); }
.check { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: baseline; background: var(--panel);
  border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 10px; padding: 12px 16px; margin-bottom: 12px; }
.alarm { background: #3a1519; border: 1px solid var(--bad); color: #ffd7d7; border-radius: 10px; padding: 10px 14px;
  margin: 12px 0 0; font-weight: 600; }
.alarm[hidden] { display: none; }
.check.ok { border-left-color: var(--good); }
.check.mismatch { border-left-color: var(--bad); background: #23171a; }
.check .figure { font-variant-numeric: tabular-nums; }
.check .figure b { font-size: 18px; font-weight: 600; }
.check .figure span { color: var(--muted); font-size: 12px; display: block; }
.check.mismatch .difference b { color: var(--bad); }
.check.ok .difference b { color: var(--good); }
.check .note { color: var(--muted); font-size: 12px; flex-basis: 100%; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.chart { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px 4px; margin: 0; min-width: 0; }
.chart.wide { grid-column: 1 / -1; }
.chart h2 { font-size: 14px; margin: 0; font-weight: 600; }
.chart p { margin: 0 0 6px; color: var(--muted); font-size: 12px; }
.chart .plot { min-height: 200px; }
.chart .empty { color: var(--muted); font-size: 13px; padding: 80px 0; text-align: center; }
.u-legend { color: var(--text); font-size: 12px; }
.u-legend .u-series:first-child { display: none; }
.u-legend .u-value { color: var(--muted); font-variant-numeric: tabular-nums; }
.lower { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 12px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.panel h2 { font-size: 14px; margin: 0 0 8px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
td, th { padding: 3px 0; border-bottom: 1px solid var(--line); text-align: left; font-weight: 400; }
td:last-child { text-align: right; }
dl { margin: 0; font-size: 12px; color: var(--muted); }
dt { color: var(--text); margin-top: 6px; }
dd { margin: 0; }
@media (max-width: 860px) { .charts, .lower { grid-template-columns: 1fr; } }`;

interface ChartPanel {
  id: string;
  title: string;
  about: string;
  wide?: boolean;
}

const charts: ChartPanel[] = [
  {
    id: 'throughput',
    title: 'Throughput',
    about: 'What viewers received over HTTP and from peers, and what the edge itself served, per 10 s.',
    wide: true,
  },
  { id: 'offload', title: 'Offload', about: 'P2P bytes ÷ all bytes viewers received, per 10 s.' },
  {
    id: 'audience',
    title: 'Viewers, peers and regions',
    about: 'Average concurrent viewers, mean peer connections per viewer, distinct regions.',
  },
  { id: 'stalls', title: 'Stall rate', about: 'Seconds stalled per viewer-minute watched.' },
  {
    id: 'timing',
    title: 'Start-up and live latency',
    about: 'p50 of start-ups reported in each 10 s, and of live latency over its beacons.',
  },
];

const cards: { id: string; label: string }[] = [
  { id: 'offload', label: 'Offload' },
  { id: 'viewers', label: 'Viewers now' },
  { id: 'peers', label: 'Peer connections' },
  { id: 'regions', label: 'Regions' },
  { id: 'startup', label: 'Start-up p50' },
  { id: 'latency', label: 'Live latency p50' },
  { id: 'stalls', label: 'Stall rate' },
];

export function renderDashboardPage(page: DashboardPage): string {
  const stream = escapeHtml(page.streamId);
  const cardHtml = cards
    .map(
      (card) =>
        `<div class="card ${card.id}" id="card-${card.id}"><div class="label">${escapeHtml(card.label)}</div><div class="value"><span class="figure">—</span><span class="unit"></span></div><div class="detail">&nbsp;</div></div>`,
    )
    .join('\n    ');
  const chartHtml = charts
    .map(
      (chart) => `<figure class="chart${chart.wide ? ' wide' : ''}">
      <h2>${escapeHtml(chart.title)}</h2>
      <p>${escapeHtml(chart.about)}</p>
      <div class="plot" id="chart-${chart.id}"><div class="empty">waiting for the first 10 s of data…</div></div>
    </figure>`,
    )
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${stream} · dashboard · edgeswarm</title>
${faviconLink}
<style>
${uplotCss}
${pageCss}
</style>
</head>
<body>
<main id="dashboard" data-stream="${stream}" data-stats-url="${escapeHtml(page.statsUrl)}" data-status-url="${escapeHtml(page.statusUrl)}">
  <header>
    <h1><span class="product">edgeswarm ·</span> ${stream}<span class="pill" id="state">…</span></h1>
    <div class="meta" id="updated">loading…</div>
  </header>
  <div class="alarm" id="offload-alarm" role="alert" hidden></div>
  <section class="cards">
    ${cardHtml}
  </section>
  <section class="check" id="edge-check">
    <div class="figure served"><span>Edge served (its own count)</span><b>—</b></div>
    <div class="figure reported"><span>Viewers reported over HTTP</span><b>—</b></div>
    <div class="figure difference"><span>Difference</span><b>—</b></div>
    <div class="note">Media-segment bytes since the stats started. The edge counts every segment it sends; viewers count what their player loaded.</div>
  </section>
  <section class="charts">
    ${chartHtml}
  </section>
  <section class="lower">
    <div class="panel">
      <h2>Beacons</h2>
      <table id="beacons"><tbody><tr><td>waiting for data…</td><td></td></tr></tbody></table>
    </div>
    <div class="panel">
      <h2>How to read this</h2>
      <dl>
        <dt>Offload</dt><dd>P2P bytes ÷ (P2P + HTTP bytes), as viewers reported them.</dd>
        <dt>Viewers now</dt><dd>Viewers whose last beacon is under 30 s old and was not their last one.</dd>
        <dt>Stall rate</dt><dd>Seconds spent stalled per minute watched, over all viewers.</dd>
        <dt>Start-up, latency</dt><dd>Nearest-rank percentiles; start-up is reported once per page view, latency is wall clock minus the playhead's program date-time.</dd>
        <dt>Edge vs reported</dt><dd>A gap means viewers that send no beacons, beacons lost on the way, or a client misreporting.</dd>
      </dl>
      <p><a href="${escapeHtml(page.watchUrl)}">Watch ${stream}</a> · <a href="${escapeHtml(page.statsUrl)}">stats JSON</a></p>
    </div>
  </section>
</main>
<script src="${escapeHtml(page.script)}"></script>
</body>
</html>
`;
}
