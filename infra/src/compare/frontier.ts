/**
 * The latency dial, measured: `compare --latency low,3,4,6` runs CDN-only HLS and CDN-only LL-HLS as the
 * baselines, then the hybrid at each latency target, one cohort after another on the same live stream, and
 * draws the offload–latency frontier with the stalls beside each point. Pure: the sweep's plan, its
 * parsing, the rows, the text table and the chart, from plain data.
 */
import { policyDefaults, resolvePolicyOptions } from '@edgeswarm/policy';
import type { CohortName } from '../cohort/records';
import { lineChart } from '../svg-charts';
import type { CohortSummary } from './results';

/** A player's `latency-target`: `low` (LL-HLS from the edge) or target durations behind live (the hybrid's plan). */
export type LatencyTarget = 'low' | number;

/** One cohort of the sweep: who plays, at what setting; `default` is the player's own (no attribute). */
export interface SweepPoint {
  cohort: Extract<CohortName, 'cdn' | 'hybrid'>;
  latency: LatencyTarget | 'default';
  label: string;
}

export const frontierDefaults = {
  /** What a player with no latency-target plays at, in target durations (the policy's default). */
  defaultTargetDurations: policyDefaults.latencyTargetDurations,
};

/** How a point reads in tables, charts and logs. */
export function sweepLabel(cohort: SweepPoint['cohort'], latency: SweepPoint['latency']): string {
  if (cohort === 'cdn') return latency === 'low' ? 'CDN-only LL-HLS' : 'CDN-only HLS';
  if (latency === 'low') return 'hybrid low';
  return `hybrid ${latency === 'default' ? frontierDefaults.defaultTargetDurations : latency} TD`;
}

/**
 * `--latency low,3,4,6` as targets, in the order given: `low`, or a number of target durations the policy
 * accepts as it is (a value it would clamp measures something else). Each at most once.
 */
export function parseLatencyTargets(
  text: string,
): { ok: true; value: LatencyTarget[] } | { ok: false; reason: string } {
  const targets: LatencyTarget[] = [];
  for (const raw of text.split(',').map((t) => t.trim())) {
    let target: LatencyTarget;
    if (raw.toLowerCase() === 'low') target = 'low';
    else {
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        return {
          ok: false,
          reason: `--latency takes low or numbers of target durations, separated by commas, not ${JSON.stringify(raw)}`,
        };
      }
      const { warnings } = resolvePolicyOptions({ latencyTargetDurations: value });
      if (warnings.length > 0) return { ok: false, reason: `--latency: ${warnings.join('; ')}` };
      target = value;
    }
    if (targets.includes(target)) return { ok: false, reason: `--latency lists ${target} twice` };
    targets.push(target);
  }
  return { ok: true, value: targets };
}

/** The cohorts a sweep runs, in order: both CDN-only baselines first, then the hybrid at each target. */
export function sweepPoints(targets: readonly LatencyTarget[]): SweepPoint[] {
  const point = (cohort: SweepPoint['cohort'], latency: SweepPoint['latency']): SweepPoint => ({
    cohort,
    latency,
    label: sweepLabel(cohort, latency),
  });
  return [point('cdn', 'default'), point('cdn', 'low'), ...targets.map((t) => point('hybrid', t))];
}

/** What one point of the sweep measured, as the frontier shows it. */
export interface FrontierRow {
  label: string;
  cohort: SweepPoint['cohort'];
  latency: SweepPoint['latency'];
  /** Wall clock − the playhead's program date-time, over every viewer's samples. */
  latencyP50Seconds: number | null;
  latencyP95Seconds: number | null;
  offloadPercent: number;
  edgeEgressBytes: number;
  /** Edge egress ÷ CDN-only HLS's, measured in the same run; null without that baseline. */
  egressOfBaseline: number | null;
  stalls: number;
  stalledSeconds: number;
  startupP50Ms: number | null;
  viewers: number;
  started: number;
  /** The machine was saturated while it ran: its timings measure the machine as much as the stream. */
  saturated: boolean;
  /** No other point has lower latency and at least as much offload, or as low a latency and more offload. */
  onFrontier: boolean;
}

export interface SweepCohort {
  point: Pick<SweepPoint, 'cohort' | 'latency' | 'label'>;
  summary: Pick<
    CohortSummary,
    | 'latencyP50Seconds'
    | 'latencyP95Seconds'
    | 'offloadPercent'
    | 'edgeEgressBytes'
    | 'stalls'
    | 'stalledSeconds'
    | 'startupP50Ms'
    | 'viewers'
    | 'started'
  >;
  saturated: boolean;
}

/** Pareto: a point with a latency is dominated by one at most as late with at least as much offload, better in one. */
function dominated(row: FrontierRow, rows: readonly FrontierRow[]): boolean {
  const l = row.latencyP50Seconds;
  if (l === null) return true;
  return rows.some((o) => {
    const ol = o.latencyP50Seconds;
    if (o === row || ol === null) return false;
    return ol <= l && o.offloadPercent >= row.offloadPercent && (ol < l || o.offloadPercent > row.offloadPercent);
  });
}

export function frontierRows(cohorts: readonly SweepCohort[]): FrontierRow[] {
  const baseline = cohorts.find((c) => c.point.cohort === 'cdn' && c.point.latency === 'default');
  const baseBytes = baseline?.summary.edgeEgressBytes ?? 0;
  const rows: FrontierRow[] = cohorts.map(({ point, summary: s, saturated }) => ({
    label: point.label,
    cohort: point.cohort,
    latency: point.latency,
    latencyP50Seconds: s.latencyP50Seconds,
    latencyP95Seconds: s.latencyP95Seconds,
    offloadPercent: s.offloadPercent,
    edgeEgressBytes: s.edgeEgressBytes,
    egressOfBaseline: baseBytes > 0 ? s.edgeEgressBytes / baseBytes : null,
    stalls: s.stalls,
    stalledSeconds: s.stalledSeconds,
    startupP50Ms: s.startupP50Ms,
    viewers: s.viewers,
    started: s.started,
    saturated,
    onFrontier: false,
  }));
  for (const row of rows) row.onFrontier = !dominated(row, rows);
  return rows;
}

const seconds = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)} s`);

/** The table's header and rows as cells; the text table and the report's HTML table both use it. */
export function frontierCells(rows: readonly FrontierRow[]): { header: string[]; rows: string[][] } {
  return {
    header: [
      'point',
      'latency p50',
      'latency p95',
      'offload',
      'edge egress',
      '÷ CDN-only HLS',
      'stalls (s)',
      'start-up p50',
      'frontier',
    ],
    rows: rows.map((r) => [
      `${r.label}${r.saturated ? ' (saturated)' : ''}`,
      seconds(r.latencyP50Seconds),
      seconds(r.latencyP95Seconds),
      `${r.offloadPercent.toFixed(1)}%`,
      `${(r.edgeEgressBytes / 1e6).toFixed(2)} MB`,
      r.egressOfBaseline === null ? '—' : `${r.egressOfBaseline.toFixed(2)}×`,
      `${r.stalls} (${r.stalledSeconds.toFixed(1)})`,
      r.startupP50Ms === null ? '—' : `${r.startupP50Ms.toFixed(0)} ms`,
      r.onFrontier ? 'yes' : '',
    ]),
  };
}

/** The frontier as aligned text columns, for the terminal and BENCHMARKS.md. */
export function formatFrontierTable(rows: readonly FrontierRow[]): string {
  const { header, rows: body } = frontierCells(rows);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

export const frontierColors = { frontier: '#7a3ea8' };

/**
 * The chart: latency p50 across, offload up, one marked point per cohort (each its own colour) named with its
 * stalls, and the frontier through the points no other beats on both.
 */
export function frontierChart(rows: readonly FrontierRow[]): string {
  const placed = rows.filter((r) => r.latencyP50Seconds !== null);
  const frontier = placed
    .filter((r) => r.onFrontier)
    .sort((a, b) => (a.latencyP50Seconds as number) - (b.latencyP50Seconds as number));
  return lineChart({
    title: 'The latency dial: offload against latency, stalls beside each point',
    xLabel: 'latency p50, s (wall clock − program date-time of the playhead)',
    yLabel: 'offload, % of bytes from peers',
    yMin: 0,
    yMax: 100,
    series: [
      {
        name: 'frontier',
        color: frontierColors.frontier,
        dashed: true,
        points: frontier.map((r) => [r.latencyP50Seconds as number, r.offloadPercent]),
      },
      ...placed.map((r) => ({
        name: `${r.label}: ${r.stalls} stall${r.stalls === 1 ? '' : 's'}`,
        markers: true,
        strokeWidth: 2,
        points: [[r.latencyP50Seconds as number, r.offloadPercent] as [number, number]],
      })),
    ],
  });
}
