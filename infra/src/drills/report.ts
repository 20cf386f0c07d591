/**
 * The drills' table (one row per drill, as the terminal shows it) and the HTML
 * report: one self-contained page (inline CSS and SVG, no scripts) with the
 * table, every check, and a memory-over-time chart per drill. Pure.
 */
import { escapeHtml as esc } from '@edgeswarm/protocol';
import { lineChart } from '../svg-charts';
import { memoryGrowth } from './memory';
import type { DrillResult, MemorySeries } from './types';

export interface DrillsReport {
  command: string;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  /** 1-minute load average before the first drill and after the last. */
  load: { start: number; end: number };
  cpus: number;
  /** Ctrl-C stopped the run; the drills after the one interrupted did not run. */
  interrupted: boolean;
  drills: DrillResult[];
}

export const verdict = (d: Pick<DrillResult, 'ok'>) => (d.ok ? 'pass' : 'FAIL');

/** Pure: a figure as the table shows it. */
export function formatFigure(name: string, value: number | string): string {
  const shown = typeof value === 'number' ? String(Number(value.toFixed(value >= 100 ? 0 : 2))) : value;
  return `${name} ${shown}`;
}

/** Pure: one drill's row. */
export function drillRow(d: DrillResult, nameWidth = 18): string {
  const figures = Object.entries(d.figures).map(([k, v]) => formatFigure(k, v));
  const failed = d.checks.filter((c) => !c.ok).map((c) => `✗ ${c.name}: ${c.detail}`);
  const why = d.error ? [`error: ${d.error.split('\n')[0]}`] : [];
  return `${d.drill.padEnd(nameWidth)} ${verdict(d).padEnd(4)} ${`${d.seconds.toFixed(0)} s`.padStart(6)}  ${[...why, ...failed, ...figures].join(' · ')}`;
}

export function drillsTable(drills: readonly DrillResult[]): string {
  const width = Math.max(5, ...drills.map((d) => d.drill.length));
  const head = `${'drill'.padEnd(width)} ${'    '} ${'time'.padStart(6)}  figures`;
  return [head, ...drills.map((d) => drillRow(d, width))].join('\n');
}

/**
 * Pure: one chart of series over the drill's time (seconds since it started),
 * shown in minutes once the drill ran 10 minutes or more.
 */
export function timeSeriesChart(title: string, yLabel: string, series: readonly MemorySeries[]): string {
  const minutes = (series[0]?.points.at(-1)?.[0] ?? 0) >= 600;
  return lineChart({
    title,
    xLabel: minutes ? 'minutes since the drill started' : 'seconds since the drill started',
    yLabel,
    series: series.map((s) => ({
      name: s.label,
      points: s.points.map(([t, y]) => [minutes ? t / 60 : t, y] as [number, number | null]),
    })),
    width: 760,
    height: 300,
  });
}

/** Pure: growth of each memory series over the last `windowSeconds` (the soak's 20 minutes). */
export function memoryTrends(d: DrillResult, windowSeconds: number): string {
  const rows = d.memory.map((s) => {
    const g = memoryGrowth(s.points, windowSeconds);
    const last = s.points.at(-1)?.[1];
    return `<tr><td>${esc(s.label)}</td><td>${last === undefined ? '—' : last.toFixed(0)}</td><td>${g ? g.mbPerHour.toFixed(1) : '—'}</td><td>${g ? g.growthPercent.toFixed(1) : '—'}</td></tr>`;
  });
  return `<table><tr><th>process</th><th>MB at the end</th><th>MB/hour</th><th>growth %, last ${Math.round(windowSeconds / 60)} min</th></tr>${rows.join('')}</table>`;
}

export function renderDrillsHtml(report: DrillsReport): string {
  const passed = report.drills.filter((d) => d.ok).length;
  const rows = report.drills
    .map(
      (d) =>
        `<tr class="${d.ok ? 'ok' : 'bad'}"><td><a href="#${esc(d.drill)}">${esc(d.drill)}</a></td><td>${verdict(d)}</td><td>${d.seconds.toFixed(0)} s</td><td>${Object.entries(
          d.figures,
        )
          .map(([k, v]) => esc(formatFigure(k, v)))
          .join(' · ')}</td></tr>`,
    )
    .join('\n');
  const sections = report.drills
    .map((d) => {
      const checks = d.checks
        .map(
          (c) => `<li class="${c.ok ? 'ok' : 'bad'}">${c.ok ? '✓' : '✗'} <b>${esc(c.name)}</b>: ${esc(c.detail)}</li>`,
        )
        .join('\n');
      const window = Math.min(20 * 60, Math.max(0, (d.memory[0]?.points.at(-1)?.[0] ?? 0) * (2 / 3)));
      return `<section id="${esc(d.drill)}"><h2>${esc(d.drill)}: ${esc(d.title)} — ${verdict(d)}</h2>
<p class="muted">${d.quick ? 'quick' : 'full'} · started ${esc(d.startedAt)} · ${d.seconds.toFixed(0)} s · load ${d.load.start.toFixed(2)} → ${d.load.end.toFixed(2)}</p>
${d.error ? `<pre class="bad">${esc(d.error)}</pre>` : ''}
<ul>${checks}</ul>
${d.memory.length ? timeSeriesChart(`${d.drill}: resident memory`, 'MB', d.memory) : '<p class="muted">no memory samples</p>'}
${memoryTrends(d, window)}
${d.counts?.length ? timeSeriesChart(`${d.drill}: open timers, sockets and descriptors`, 'count', d.counts) : ''}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeswarm drills: ${passed}/${report.drills.length} passed</title>
<style>
body{font:14px system-ui,-apple-system,"Segoe UI",sans-serif;color:#30343b;max-width:1000px;margin:24px auto;padding:0 16px}
table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #e6e8eb;padding:4px 10px;text-align:left;vertical-align:top}
.ok td:nth-child(2),li.ok{color:#2e7d32}.bad td:nth-child(2),li.bad,pre.bad{color:#c62828}
.muted{color:#8a8f98}ul{list-style:none;padding-left:0}section{margin-top:32px}pre{white-space:pre-wrap}
</style></head><body>
<h1>edgeswarm drills: ${passed}/${report.drills.length} passed${report.interrupted ? ' (interrupted)' : ''}</h1>
<p class="muted"><code>${esc(report.command)}</code> · ${esc(report.startedAt)} → ${esc(report.finishedAt)} · ${report.cpus} CPUs · load ${report.load.start.toFixed(2)} → ${report.load.end.toFixed(2)}</p>
<table><tr><th>drill</th><th></th><th>time</th><th>figures</th></tr>
${rows}
</table>
${sections}
</body></html>
`;
}
