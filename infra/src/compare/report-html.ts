/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no
 * external assets) with the side-by-side table, the run's warnings, time
 * series and per-viewer charts, and per-viewer tables. Pure.
 */

import { escapeHtml as esc } from '@edgeswarm/protocol';
import { cohortLabel } from '../cohort/records';
import { linkShaping } from '../cohort/viewer-links';
import { linkLabel } from '../link-profiles';
import { chartDefaults, lineChart, stackedBarChart } from '../svg-charts';
import { frontierCells, frontierChart } from './frontier';
import type { CohortResult, CompareResults } from './results';
import { cohortSeries, rollingHttpMbps, rollingOffload, summaryDefaults } from './summary';
import { comparisonRows, formatBytes, profileTable, tableCohorts } from './table';

/** Intervals the egress and offload charts smooth over (3 × 2 s samples). */
export const smoothingWindow = 3;

export const reportColors = {
  cdn: '#d9731f',
  p2pml: '#8a8f2a',
  hybrid: '#2f6fb3',
  http: '#9aa3ad',
  p2p: '#2e9e5b',
  up: '#b5527a',
  reference: '#7a3ea8',
};

/** A cohort's colour: by name, or in a latency sweep (several cohorts of one name) the palette's, by position. */
function cohortColors(cohorts: readonly CohortResult[]): Map<CohortResult, string> {
  const sweep = cohorts.some((c) => c.latency !== undefined);
  return new Map(
    cohorts.map((c, i) => [
      c,
      sweep ? (chartDefaults.palette[i % chartDefaults.palette.length] as string) : reportColors[c.name],
    ]),
  );
}
/** The CDN-only line is drawn wider, so it shows under the hybrid's where the two coincide. */
const cohortStroke = (c: CohortResult) => (c.name === 'cdn' ? 4.5 : 2);

function charts(results: CompareResults): string[] {
  const cohorts = results.cohorts;
  const colors = cohortColors(cohorts);
  const cohortColor = (c: CohortResult) => colors.get(c) as string;
  // By position: a latency sweep runs several cohorts of one name.
  const series = cohorts.map((c) => cohortSeries(c.run.samples));
  const cap = results.options.edgeMbps;
  const hybrid = cohorts.find((c) => c.name === 'hybrid');
  const xLabel = 'seconds since the first viewer joined';

  const egress = lineChart({
    title: 'From the edge: HTTP bytes the viewers received',
    xLabel,
    yLabel: `Mbit/s over the last ${smoothingWindow * results.options.sampleSeconds} s`,
    series: cohorts.map((c, n) => ({
      name: c.label,
      color: cohortColor(c),
      strokeWidth: cohortStroke(c),
      points: ((figures) => {
        const rolling = rollingHttpMbps(figures, smoothingWindow);
        return figures.map((f, i) => [f.t, rolling[i] ?? 0] as [number, number]);
      })(series[n] ?? []),
    })),
    references: cap === undefined ? [] : [{ label: `cap ${cap} Mbit/s`, y: cap, color: reportColors.reference }],
  });

  const offload = lineChart({
    title: 'Offload: share of the bytes received from peers',
    xLabel,
    yLabel: `% over the last ${smoothingWindow * results.options.sampleSeconds} s`,
    yMin: 0,
    yMax: 100,
    series: cohorts.map((c, n) => ({
      name: c.label,
      color: cohortColor(c),
      strokeWidth: cohortStroke(c),
      points: ((figures) => {
        const rolling = rollingOffload(figures, smoothingWindow);
        return figures.map((f, i) => [f.t, rolling[i] ?? null] as [number, number | null]);
      })(series[n] ?? []),
    })),
    references: hybrid
      ? [
          {
            label: `(N−1)/N = ${hybrid.summary.boundPercent.toFixed(0)}%`,
            y: hybrid.summary.boundPercent,
            color: reportColors.reference,
          },
        ]
      : [],
  });

  const latency = lineChart({
    title: 'Live latency of the playing viewers: median, band lowest to highest',
    xLabel,
    yLabel: 'seconds behind live',
    series: cohorts.map((c, n) => {
      const figures = series[n] ?? [];
      return {
        name: c.label,
        color: cohortColor(c),
        strokeWidth: cohortStroke(c),
        points: figures.map((f) => [f.t, f.latencyP50] as [number, number | null]),
        band: figures.map((f) =>
          f.latencyMin === null || f.latencyMax === null ? null : ([f.latencyMin, f.latencyMax] as [number, number]),
        ),
      };
    }),
  });

  const stalled = lineChart({
    title: 'Stalled seconds so far, all viewers together',
    xLabel,
    yLabel: 'seconds stalled',
    series: cohorts.map((c, n) => {
      let total = 0;
      return {
        name: c.label,
        color: cohortColor(c),
        strokeWidth: cohortStroke(c),
        points: (series[n] ?? []).map((f) => {
          total += f.stalledSeconds;
          return [f.t, total] as [number, number];
        }),
      };
    }),
  });

  const bytes = stackedBarChart({
    title: 'Bytes each viewer received, by source',
    xLabel: 'MB',
    width: 1120,
    format: (v) => `${(v / 1e6).toFixed(2)}`,
    groups: cohorts.map((c) => ({
      label: c.label,
      bars: c.run.viewers.map((v) => ({
        label: `viewer ${v.viewer + 1}`,
        segments: [
          { label: 'from the edge (HTTP)', value: v.httpBytes, color: reportColors.http },
          { label: 'from peers (P2P)', value: v.p2pBytes, color: reportColors.p2p },
        ],
      })),
    })),
  });

  const startup = stackedBarChart({
    title: 'Start-up per viewer (never started: its whole watch time)',
    xLabel: 'seconds',
    width: 1120,
    format: (v) => v.toFixed(1),
    groups: cohorts.map((c) => ({
      label: c.label,
      bars: c.run.viewers.map((v) => ({
        label: `viewer ${v.viewer + 1}`,
        segments: [
          {
            label: c.label,
            value: (v.startupMs ?? v.watchedSeconds * 1000) / 1000,
            color: cohortColor(c),
          },
        ],
      })),
    })),
  });

  return [egress, offload, latency, stalled, bytes, startup];
}

/** With links of their own: each viewer's measured peak upload as a share of its cap (the shaping holds to 110%). */
function linkChart(results: CompareResults): string | null {
  const shaped = results.cohorts.some((c) => c.run.viewers.some((v) => v.linkUse && v.link?.upMbps));
  if (!shaped) return null;
  return stackedBarChart({
    title: `Peak upload per viewer over any ${linkShaping.verifyWindowSeconds} s, measured at its link, as a share of its cap`,
    xLabel: `% of the viewer's upload cap (the shaping is verified when every bar stays under ${Math.round(100 * (1 + linkShaping.tolerance))}%)`,
    width: 1120,
    format: (v) => `${v.toFixed(0)}%`,
    groups: results.cohorts.map((c) => ({
      label: c.label,
      bars: c.run.viewers.map((v) => ({
        label: `${v.viewer + 1} ${v.link?.profile ?? ''}`,
        segments: [
          {
            label: 'peak upload ÷ cap',
            value: v.linkUse && v.link?.upMbps ? (100 * v.linkUse.peakUpMbps) / v.link.upMbps : 0,
            color: v.linkUse?.upWithinCap === false ? '#c0392b' : reportColors.up,
          },
        ],
      })),
    })),
  });
}

function profilesSection(results: CompareResults): string {
  const { head, rows } = profileTable(results);
  return `<h2>Per link profile</h2>
<table class="profiles"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

function viewerTable(c: CohortResult): string {
  const rows = c.run.viewers.map((v) => {
    const total = v.httpBytes + v.p2pBytes;
    const cells = [
      String(v.viewer + 1),
      v.link ? linkLabel(v.link) : 'loopback',
      `${v.joinedAtSeconds.toFixed(1)} s`,
      formatBytes(v.httpBytes),
      formatBytes(v.p2pBytes),
      total ? `${((100 * v.p2pBytes) / total).toFixed(0)}%` : '—',
      formatBytes(v.uploadedBytes),
      v.linkUse
        ? `${formatBytes(v.linkUse.upBytes)} / ${formatBytes(v.linkUse.downBytes)}, peak ↑${v.linkUse.peakUpMbps.toFixed(2)} Mbit/s${v.linkUse.upWithinCap ? '' : ' OVER CAP'}`
        : '—',
      `${(v.firstFetcherSeconds ?? 0).toFixed(0)} s`,
      v.startupMs === null ? 'never' : `${v.startupMs.toFixed(0)} ms`,
      `${v.stalls} (${(v.stalledMs / 1000).toFixed(1)} s)`,
      v.latencyP50 === null ? '—' : `${v.latencyP50.toFixed(1)} s`,
      v.totalFrames ? `${((100 * (v.droppedFrames ?? 0)) / v.totalFrames).toFixed(1)}%` : '—',
      v.errors.length ? v.errors.join('; ') : '',
    ];
    return `<tr>${cells.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`;
  });
  const head = [
    'viewer',
    'link',
    'joined',
    'HTTP',
    'P2P',
    'offload',
    'uploaded',
    'link up / down',
    'first fetcher',
    'start-up',
    'stalls',
    'latency p50',
    'dropped',
    'errors',
  ];
  return `<h3>${esc(c.label)}</h3>
<table class="viewers"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

/** A latency sweep's frontier: the table, then the chart; nothing for a run that is not a sweep. */
function frontierSection(results: CompareResults): string {
  if (!results.frontier) return '';
  const { header, rows } = frontierCells(results.frontier);
  return `<h2>The latency dial: offload against latency</h2>
<p class="notes">Each point is one cohort on the same stream: CDN-only HLS (the player's default target) and CDN-only LL-HLS (latency-target="low") as baselines, then the hybrid at each latency target. Edge egress is against CDN-only HLS of this run; a point is on the frontier when no other has both lower latency and at least as much offload.</p>
<table class="frontier"><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((x, i) => (i === 0 ? `<th scope="row">${esc(x)}</th>` : `<td>${esc(x)}</td>`)).join('')}</tr>`).join('\n')}</tbody></table>
<div class="chart" style="margin-top: 12px">${frontierChart(results.frontier)}</div>`;
}

export function renderReport(results: CompareResults): string {
  const o = results.options;
  const rows = comparisonRows(results)
    .map(
      (r) =>
        `<tr><th scope="row">${esc(r.label)}</th>${r.cells.map((cell) => `<td>${esc(cell)}</td>`).join('')}<td class="ratio">${esc(r.ratio)}</td></tr>`,
    )
    .join('\n');
  const [egress, offload, latency, stalled, bytes, startup] = charts(results);
  const warnings = results.warnings.length
    ? `<section class="warnings"><h2>Read with care</h2><ul>${results.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>`
    : '';
  const cap = o.edgeMbps === undefined ? 'no cap' : `edge capped at ${o.edgeMbps} Mbit/s by the harness proxy`;
  const network =
    (o.network ?? 'loopback') === 'loopback'
      ? 'loopback (no shaping)'
      : `network ${o.network}: a shaped link per viewer${o.edgeLinkMbps === undefined ? '' : `, edge link ${o.edgeLinkMbps} Mbit/s`}`;
  const burn = `${(o.burnCpuPercent ?? 0) > 0 ? ` · ${o.burnCpuPercent}% of the CPU burnt beside each cohort` : ''}${(o.burnLoad ?? 0) > 0 ? ` · ${o.burnLoad} busy processes beside each cohort${o.burnNice ? ` (nice ${o.burnNice} from the browsers)` : ''}` : ''}${o.viewerCpu === undefined ? '' : ` · each viewer's browser capped at ${o.viewerCpu} of a core (a cgroup per viewer)`}`;
  const links = linkChart(results);
  const columns = tableCohorts(results);
  const title = columns.map((c) => c.label).join(' vs ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgeswarm compare: ${esc(title)}, ${o.viewers} viewers</title>
<style>
  body { margin: 0; background: #f6f7f9; color: #23262b; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
  main { max-width: 1160px; margin: 0 auto; padding: 20px 20px 40px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 24px 0 8px; }
  h3 { font-size: 14px; margin: 16px 0 6px; }
  .meta { color: #5b616b; margin: 0 0 12px; }
  code { font: 12px ui-monospace, monospace; background: #eceef1; padding: 1px 4px; border-radius: 3px; }
  table { border-collapse: collapse; background: #fff; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e6e8eb; text-align: right; }
  th[scope="row"], thead th:first-child { text-align: left; font-weight: 500; }
${columns.map((c, i) => `  table.side td:nth-child(${i + 2}) { color: ${cohortColors(results.cohorts).get(c)}; font-weight: 600; }`).join('\n')}
  td.ratio { text-align: left; color: #5b616b; }
  table.viewers, table.profiles { font-size: 12px; }
  table.profiles td:nth-child(-n+2) { text-align: left; }
  table.viewers td:last-child { text-align: left; color: #a33; }
  .warnings { background: #fff6e5; border: 1px solid #f0c36d; border-radius: 6px; padding: 2px 16px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 12px; }
  .chart { background: #fff; border: 1px solid #e6e8eb; border-radius: 6px; padding: 8px; overflow-x: auto; }
  .chart svg { max-width: 100%; height: auto; display: block; }
  .notes { color: #454a52; max-width: 900px; }
</style>
</head>
<body>
<main>
<h1>${esc(title)}: ${o.viewers} viewers, ${o.seconds} s per cohort</h1>
<p class="meta">${esc(results.startedAt.replace('T', ' ').slice(0, 19))} UTC · stream <code>${esc(results.stream)}</code> · ${esc(results.edge.url)} · ${esc(cap)} · ${esc(network)} · viewers ${o.staggerSeconds} s apart · ${esc((results.frontier ? results.cohorts.map((c) => c.label) : o.order.map(cohortLabel)).join(' first, then '))} · ${results.machine.cores} cores, ${esc(results.machine.node)}${esc(burn)}<br>
<code>${esc(results.command)}</code></p>
${warnings}
${frontierSection(results)}
<h2>Side by side</h2>
<table class="side">
<thead><tr><th></th>${columns.map((c) => `<th>${esc(c.label)}</th>`).join('')}<th class="ratio">hybrid vs CDN-only</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Over time</h2>
<div class="grid">
<div class="chart">${egress}</div>
<div class="chart">${offload}</div>
<div class="chart">${latency}</div>
<div class="chart">${stalled}</div>
</div>
<h2>Per viewer</h2>
<div class="chart">${bytes}</div>
<div class="chart" style="margin-top: 12px">${startup}</div>
${links ? `<div class="chart" style="margin-top: 12px">${links}</div>` : ''}
${profilesSection(results)}
${results.cohorts.map(viewerTable).join('\n')}
<h2>How it was measured</h2>
<div class="notes">
<p>One live test pattern (${esc(o.size)}, ${o.segmentSeconds} s segments, ABR ladder) is published once; the two cohorts watch it one after the other, each inside a private network namespace, so WebRTC between viewers never leaves the machine. On loopback a cohort's viewers share one headless Chromium; with a network of shaped links each viewer's Chromium has a network namespace of its own, joined to the others and to the edge by a veth pair on a bridge, its uplink and downlink shaped with tbf. <b>Link up / down</b> is what crossed the veth (its counters, sampled with the time series), not what the player reports; the peak is the highest rate over any ${linkShaping.verifyWindowSeconds} s or more. Every viewer reaches the edge through the harness's proxy; with a cap, one token bucket shared by all connections limits the HLS responses (playlists and segments) it passes on.</p>
<p><b>Offload</b>: bytes viewers received from peers ÷ all bytes they received (media segments). <b>Edge egress</b>: media-segment bytes the edge itself counted for the cohort (the difference of <code>/v1/streams/:stream/stats</code> across it), next to what the viewers reported over HTTP. With a cap it is what crossed the capped link (the proxy's count): the edge counts a segment in full when it answers, so segments that starved viewers abandon at the cap count there although little of them was sent. <b>Start-up</b>: from the page asking to play to the first frame; a viewer that never started counts as its whole watch time. <b>Stalls</b>: a <code>waiting</code> after playback started, until the next <code>playing</code>; a stall still under way at the end counts up to the end. <b>Live latency</b>: wall clock minus the playhead's program date-time, sampled once a second while playing, pooled over viewers. <b>CPU busy</b>: all cores, whole machine (other work included), over the cohort; at ${summaryDefaults.saturatedBusyPercent}% or more the cohort is flagged CPU-saturated: its timings measure the machine as much as the stream. Raw numbers: <code>results.json</code> beside this file.</p>
</div>
</main>
</body>
</html>
`;
}
