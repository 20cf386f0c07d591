/**
 * The simulator's report: one self-contained HTML file (inline SVG, no
 * scripts, no external assets) with the summary table, the curves over N, each
 * run's time series and every assumption the runs were made with.
 */
import { escapeHtml as esc } from '@edgeswarm/protocol';
import { lineChart } from '../src/svg-charts';
import type { SimRunRecord } from './runs';

/** The shared chart kit's line chart, which the report draws every chart with. */
export { lineChart };

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
  /** Offload per link profile, where the real run had links of its own (compare --network). */
  profiles?: ProfileCalibration[];
}

export interface ProfileCalibration {
  profile: string;
  viewers: number;
  realOffloadPercent: number;
  simOffloadPercent: number;
}

/** Pure: offload per access profile over the simulated viewers, beside the real run's, for the profiles both have. */
export function profileCalibration(
  real: readonly { profile: string; viewers: number; offloadPercent: number }[],
  sim: readonly { access: string; nat?: string; httpBytes: number; p2pBytes: number }[],
): ProfileCalibration[] {
  return real.flatMap((r) => {
    // compare names a NATed viewer's profile with its kind (`dsl/symmetric`); the rest are open.
    const [access, nat = 'open'] = r.profile.split('/');
    const mine = sim.filter((v) => v.access === access && (v.nat ?? 'open') === nat);
    const http = mine.reduce((sum, v) => sum + v.httpBytes, 0);
    const p2p = mine.reduce((sum, v) => sum + v.p2pBytes, 0);
    if (mine.length === 0) return [];
    return [
      {
        profile: r.profile,
        viewers: r.viewers,
        realOffloadPercent: r.offloadPercent,
        simOffloadPercent: http + p2p > 0 ? (100 * p2p) / (http + p2p) : 0,
      },
    ];
  });
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
peer transfer still running when its segment entered the high-demand window (loaderAbandons, p2p-media-loader's rule).</p>${table(['run', ...names], rows)}`;
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
