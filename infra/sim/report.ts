/**
 * The simulator's report: one self-contained HTML file (inline SVG, no
 * scripts, no external assets) with the summary table, the curves over N, each
 * run's time series and every assumption the runs were made with.
 */
import type { SimRunRecord } from './runs';

export interface ReportInput {
  title: string;
  generatedAt: string;
  command: string;
  runs: SimRunRecord[];
  /** Calibration rows against real browsers, when there are any. */
  calibration?: CalibrationRow[];
}

export interface CalibrationRow {
  viewers: number;
  secondsAfterLastJoin: number;
  /** The real run's file and harness. */
  source?: string;
  real: { offloadPercent: number; stalls: number; stalledSeconds: number; latencyP50: number; startupP50: number };
  sim: { offloadPercent: number; stalls: number; stalledSeconds: number; latencyP50: number; startupP50: number };
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

export interface ChartSeries {
  name: string;
  points: [number, number][];
  color?: string;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  logX?: boolean;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 10) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1).replace(/\.0$/, '');
  return v.toPrecision(2);
}

/** A line chart as an SVG string. */
export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 560;
  const height = spec.height ?? 280;
  const m = { left: 56, right: 16, top: 28, bottom: 42 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const tx = (x: number) => (spec.logX ? Math.log10(Math.max(x, 1e-9)) : x);
  const xs = all.map((p) => tx(p[0]));
  const ys = all.map((p) => p[1]);
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  const y0 = spec.yMin ?? Math.min(0, ...ys);
  let y1 = spec.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (y1 <= y0) y1 = y0 + 1;
  const sx = (x: number) => m.left + ((tx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(spec.title)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${m.left}" y="16" font-size="13" font-weight="600">${esc(spec.title)}</text>`);
  for (const y of niceTicks(y0, y1, 5)) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/><text x="${m.left - 6}" y="${sy(y) + 4}" font-size="10" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  const xTicks = spec.logX
    ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => 10 ** (Math.ceil(x0) + i))
    : niceTicks(x0, x1, 6);
  for (const x of xTicks) {
    parts.push(
      `<line x1="${sx(x)}" x2="${sx(x)}" y1="${m.top}" y2="${m.top + ph}" stroke="#f3f3f3"/><text x="${sx(x)}" y="${m.top + ph + 14}" font-size="10" text-anchor="middle">${fmt(x)}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${m.left + pw / 2}" y="${height - 6}" font-size="11" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text x="12" y="${m.top + ph / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${m.top + ph / 2})">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    const pts = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    if (s.points.length > 1) {
      parts.push(
        `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      );
    }
    if (s.points.length <= 12) {
      for (const [x, y] of s.points) parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="2.8" fill="${color}"/>`);
    }
    const ly = m.top + 12 + i * 14;
    parts.push(
      `<line x1="${m.left + pw - 150}" x2="${m.left + pw - 132}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${m.left + pw - 128}" y="${ly}" font-size="10">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const n1 = (v: number) => v.toFixed(1);
const n2 = (v: number) => v.toFixed(2);

function runLabel(r: SimRunRecord): string {
  return `${r.scenario} · N=${r.viewers}${r.p2p ? '' : ' · CDN-only'}`;
}

function summaryTable(runs: SimRunRecord[]): string {
  const head = [
    'scenario',
    'N',
    'cohort',
    'viewers (total)',
    'never started',
    'offload %',
    '(N−1)/N %',
    'edge GB',
    'edge peak Mbit/s',
    'stall ratio %',
    'viewers stalled %',
    'start-up p50 / p95 s',
    'latency p50 / p95 s',
    'first-fetcher %',
    'mean peers',
    'wall s',
    'peak MB',
  ];
  const rows = runs.map((r) => {
    const s = r.summary;
    return [
      r.scenario,
      String(r.viewers),
      r.p2p ? 'hybrid' : 'CDN-only',
      String(s.viewersTotal),
      String(s.neverStarted),
      n1(s.offloadPercent),
      n1(s.boundPercent),
      n2(s.edgeGB),
      n1(s.edgePeakMbps),
      n2(s.stallRatioPercent),
      n1(s.viewersWithStallPercent),
      `${n2(s.startupP50)} / ${n2(s.startupP95)}`,
      `${n2(s.latencyP50)} / ${n2(s.latencyP95)}`,
      n1(s.firstFetcherPercent),
      n1(s.meanPeers),
      n1(r.perf.wallSeconds),
      r.perf.peakRssMB.toFixed(0),
    ];
  });
  return table(head, rows);
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function curves(runs: SimRunRecord[]): string {
  const hybrid = runs.filter((r) => r.p2p);
  const byScenario = new Map<string, SimRunRecord[]>();
  for (const r of hybrid) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
  const sweeps = [...byScenario.entries()].filter(([, rs]) => new Set(rs.map((r) => r.viewers)).size > 1);
  if (sweeps.length === 0) return '';
  const ns = [...new Set(sweeps.flatMap(([, rs]) => rs.map((r) => r.viewers)))].sort((a, b) => a - b);
  const line = (pick: (r: SimRunRecord) => number) =>
    sweeps.map(([name, rs]) => ({
      name,
      points: [...rs].sort((a, b) => a.viewers - b.viewers).map((r) => [r.viewers, pick(r)] as [number, number]),
    }));
  const charts = [
    lineChart({
      title: 'Offload vs audience size',
      xLabel: 'viewers (N)',
      yLabel: 'offload %',
      logX: true,
      yMin: 0,
      yMax: 100,
      series: [
        ...line((r) => r.summary.offloadPercent),
        { name: '(N−1)/N', points: ns.map((n) => [n, (100 * (n - 1)) / n]), dashed: true, color: '#555' },
      ],
    }),
    lineChart({
      title: 'Edge egress per viewer',
      xLabel: 'viewers (N)',
      yLabel: 'kbit/s per viewer (mean)',
      logX: true,
      yMin: 0,
      series: line((r) => (r.summary.edgeMeanMbps * 1000) / Math.max(1, r.summary.viewersPeak)),
    }),
    lineChart({
      title: 'Stall ratio',
      xLabel: 'viewers (N)',
      yLabel: '% of watch time stalled',
      logX: true,
      yMin: 0,
      series: line((r) => r.summary.stallRatioPercent),
    }),
    lineChart({
      title: 'Live latency p50',
      xLabel: 'viewers (N)',
      yLabel: 'seconds',
      logX: true,
      yMin: 0,
      series: line((r) => r.summary.latencyP50),
    }),
    lineChart({
      title: 'Start-up p50',
      xLabel: 'viewers (N)',
      yLabel: 'seconds',
      logX: true,
      yMin: 0,
      series: line((r) => r.summary.startupP50),
    }),
    lineChart({
      title: 'Simulator cost',
      xLabel: 'viewers (N)',
      yLabel: 'wall s (solid), peak MB / 10 (dashed)',
      logX: true,
      yMin: 0,
      series: [
        ...line((r) => r.perf.wallSeconds),
        ...line((r) => r.perf.peakRssMB / 10).map((s) => ({ ...s, name: `${s.name} MB/10`, dashed: true })),
      ],
    }),
  ];
  return `<h2>Curves over N</h2><div class="grid">${charts.join('')}</div>`;
}

function timeSeries(r: SimRunRecord): string {
  const s = r.series;
  const pts = (ys: number[]) => s.t.map((t, i) => [t, ys[i] ?? 0] as [number, number]);
  return `<h3>${esc(runLabel(r))}</h3><div class="grid">${[
    lineChart({
      title: 'Throughput',
      xLabel: 'seconds since the first join',
      yLabel: 'Mbit/s',
      yMin: 0,
      series: [
        { name: 'edge', points: pts(s.edgeMbps) },
        { name: 'peers', points: pts(s.p2pMbps) },
      ],
    }),
    lineChart({
      title: 'Offload and first fetchers',
      xLabel: 'seconds since the first join',
      yLabel: '%',
      yMin: 0,
      yMax: 100,
      series: [
        { name: 'offload', points: pts(s.offloadPercent) },
        { name: 'first-fetcher decisions', points: pts(s.firstFetcherPercent) },
      ],
    }),
    lineChart({
      title: 'Audience and stalls',
      xLabel: 'seconds since the first join',
      yLabel: 'viewers; stalled s (×10)',
      yMin: 0,
      series: [
        { name: 'viewers', points: pts(s.viewers) },
        { name: 'stalled s × 10', points: pts(s.stalledSeconds.map((x) => x * 10)) },
      ],
    }),
  ].join('')}</div>`;
}

function reasons(runs: SimRunRecord[]): string {
  const names = Object.keys(runs[0]?.summary.httpByReason ?? {});
  const rows = runs.map((r) => {
    const total = Object.values(r.summary.httpByReason).reduce((a, b) => a + b, 0) || 1;
    return [
      runLabel(r),
      ...names.map((n) => n1((100 * ((r.summary.httpByReason as Record<string, number>)[n] ?? 0)) / total)),
    ];
  });
  return `<h2>Why bytes came from the edge (% of edge bytes)</h2>
<p>first-fetcher: ranked among recently heard peers into the first-fetcher set; alone: no peer heard from within
3 target durations, so isFirstFetcher says fetch yourself; deadline: slack reached the margin; abandoned: the rest of a
peer transfer shouldAbandon gave up on.</p>${table(['run', ...names], rows)}`;
}

function calibrationTable(rows: CalibrationRow[]): string {
  return `<h2>Calibration against real browsers</h2>${table(
    [
      'N',
      's after last join',
      'offload real %',
      'offload sim %',
      'gap (points)',
      'stalls real (s)',
      'stalls sim (s)',
      'latency p50 real / sim s',
      'start-up p50 real / sim s',
      'real run',
    ],
    rows.map((r) => [
      String(r.viewers),
      String(r.secondsAfterLastJoin),
      n1(r.real.offloadPercent),
      n1(r.sim.offloadPercent),
      n1(r.sim.offloadPercent - r.real.offloadPercent),
      `${r.real.stalls} (${n1(r.real.stalledSeconds)})`,
      `${r.sim.stalls} (${n1(r.sim.stalledSeconds)})`,
      `${n2(r.real.latencyP50)} / ${n2(r.sim.latencyP50)}`,
      `${n2(r.real.startupP50)} / ${n2(r.sim.startupP50)}`,
      esc(r.source ?? ''),
    ]),
  )}`;
}

export function renderReport(input: ReportInput): string {
  const first = input.runs[0];
  const assumptions = first
    ? `<h2>Assumptions</h2><p>Model (first run; scenarios override parts of it):</p><pre>${esc(
        JSON.stringify(first.config, (_k, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v), 2),
      )}</pre><p>Policy (the policy package, defaults unless overridden):</p><pre>${esc(JSON.stringify(first.policy, null, 2))}</pre>`
    : '';
  const seriesRuns = input.runs.filter((r) => r.p2p).slice(0, 12);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1800px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:12px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:12px}pre{background:#f7f7f7;padding:10px;font-size:11px;overflow:auto}
code{background:#f2f2f2;padding:1px 4px}
</style></head><body>
<h1>${esc(input.title)}</h1>
<p>Generated ${esc(input.generatedAt)} by <code>${esc(input.command)}</code>. Seeded and deterministic: the same command
gives the same figures. Every decision comes from the policy package (each viewer runs the player's tick; the tracker's
matching introduces peers), imported unchanged; the world around them (links, round trips, NATs, the edge, the audience) is modelled, and the
model's assumptions are listed at the end.</p>
<h2>Runs</h2>${summaryTable(input.runs)}
${input.calibration?.length ? calibrationTable(input.calibration) : ''}
${curves(input.runs)}
${input.runs.length ? reasons(input.runs) : ''}
<h2>Time series</h2>${seriesRuns.map(timeSeries).join('')}
${assumptions}
</body></html>
`;
}
