/**
 * The one chart kit for every report the project writes (the compare report,
 * the simulator's report): inline-SVG line charts (gaps, dashed lines, shaded
 * bands, reference lines, a log x axis, point markers) and horizontal stacked
 * bar charts. Pure string rendering, no external assets, every label escaped,
 * so a report is one self-contained file.
 */
import { escapeHtml } from '@edgeswarm/protocol';

export const chartDefaults = {
  width: 560,
  height: 260,
  margin: { top: 34, right: 16, bottom: 40, left: 56 },
  font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  axisColor: '#8a8f98',
  gridColor: '#e6e8eb',
  textColor: '#30343b',
  /** Colours for series that name none, in order. */
  palette: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'],
  /** A series with this many points or fewer gets a marker on each, unless it says otherwise. */
  markersUpTo: 12,
  /** Legend rows: the height of each. */
  legendRowHeight: 14,
};

/** Round numbers for axis ticks: 1, 2 or 5 × 10^k apart, covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (max <= min) max = min + 1;
  const rough = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude) as number;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toFixed(10)));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toFixed(10)));
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0), for a log axis. */
export function decadeTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, Number.MIN_VALUE)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, Number.MIN_VALUE))));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

/** An axis label: three significant digits, thousands as k and millions as M from 10 000 on. */
export function formatTick(value: number): string {
  const a = Math.abs(value);
  if (a >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (a >= 1000) return value.toFixed(0);
  return String(Number(value.toPrecision(3)));
}

export interface LineSeries {
  name: string;
  /** Absent: the next colour of the palette. */
  color?: string;
  /** [x, y]; a null y breaks the line. */
  points: [number, number | null][];
  dashed?: boolean;
  /** Stroke width; a wider line drawn first stays visible under a narrower one where they overlap. */
  strokeWidth?: number;
  /** Lower and upper edge of a shaded band around the line, by point; null leaves a gap. */
  band?: ([number, number] | null)[];
  /** A dot on every point; absent: only for series of a few points. */
  markers?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Horizontal reference lines, e.g. a cap or a bound. */
  references?: { label: string; y: number; color: string }[];
  /** A log10 x axis (x > 0), ticked at powers of ten. */
  logX?: boolean;
  /** Absent: 0, or the lowest value when it is negative. */
  xMin?: number;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

function frame(width: number, height: number, title: string, body: string): string {
  const d = chartDefaults;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}" font-family='${d.font}' font-size="11" fill="${d.textColor}">
<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>
<text x="${d.margin.left}" y="16" font-size="13" font-weight="600">${escapeHtml(title)}</text>
${body}
</svg>`;
}

/** Pure: where each legend entry goes, wrapping into rows that fit between `left` and `right`. */
export function legendLayout(
  names: readonly string[],
  left: number,
  right: number,
  charWidth = 5.8,
): { x: number; row: number }[] {
  let x = left;
  let row = 0;
  return names.map((name) => {
    const w = 30 + charWidth * name.length;
    if (x > left && x + w > right) {
      x = left;
      row++;
    }
    const at = { x, row };
    x += w;
    return at;
  });
}

export function lineChart(chart: LineChart): string {
  const d = chartDefaults;
  const width = chart.width ?? d.width;
  const m = d.margin;
  const colors = chart.series.map((s, i) => s.color ?? (d.palette[i % d.palette.length] as string));
  const legend = legendLayout(
    chart.series.map((s) => s.name),
    m.left + 4,
    width - m.right,
  );
  const legendRows = legend.length ? Math.max(...legend.map((l) => l.row)) + 1 : 1;
  const top = m.top + (legendRows - 1) * d.legendRowHeight;
  const height = (chart.height ?? d.height) + (legendRows - 1) * d.legendRowHeight;
  const plotW = width - m.left - m.right;
  const plotH = height - top - m.bottom;

  const xs = chart.series.flatMap((s) => s.points.map(([x]) => x)).filter((x) => !chart.logX || x > 0);
  const ys = [
    ...chart.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y]))),
    ...chart.series.flatMap((s) => (s.band ?? []).flatMap((b) => (b ? [b[0], b[1]] : []))),
    ...(chart.references ?? []).map((r) => r.y),
  ];
  const xTicks = chart.logX
    ? decadeTicks(xs.length ? Math.min(...xs) : 1, xs.length ? Math.max(...xs) : 10)
    : niceTicks(chart.xMin ?? Math.min(0, ...xs), Math.max(1, ...xs), 6);
  const yLow = chart.yMin ?? Math.min(0, ...ys);
  // All zeros (no stalls, say) still get a readable 0–1 axis.
  const highest = Math.max(yLow, ...ys);
  const yTicks = niceTicks(yLow, chart.yMax ?? (highest > yLow ? highest : yLow + 1), 5);
  const tx = (x: number) => (chart.logX ? Math.log10(Math.max(x, Number.MIN_VALUE)) : x);
  const xMin = tx(xTicks[0] ?? 0);
  const xMax = tx(xTicks.at(-1) ?? 1);
  const yMin = yTicks[0] ?? 0;
  const yMax = yTicks.at(-1) ?? 1;
  const px = (x: number) => m.left + (plotW * (tx(x) - xMin)) / (xMax - xMin || 1);
  const py = (y: number) => top + plotH - (plotH * (Math.min(Math.max(y, yMin), yMax) - yMin)) / (yMax - yMin || 1);
  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="${d.gridColor}"/>`,
      `<text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    parts.push(
      `<text x="${px(t).toFixed(1)}" y="${top + plotH + 15}" text-anchor="middle">${formatTick(t)}</text>`,
      `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="${d.axisColor}"/>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${m.left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="${d.axisColor}"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(chart.xLabel)}</text>`,
    `<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    if (!s.band) return;
    // One closed polygon per run of points that have a band.
    let run: [number, [number, number]][] = [];
    const flush = () => {
      if (run.length > 1) {
        const upper = run.map(([x, [, hi]]) => `${px(x).toFixed(1)},${py(hi).toFixed(1)}`);
        const lower = [...run].reverse().map(([x, [lo]]) => `${px(x).toFixed(1)},${py(lo).toFixed(1)}`);
        parts.push(
          `<path class="band" d="M${[...upper, ...lower].join('L')}Z" fill="${colors[i]}" fill-opacity="0.22"/>`,
        );
      }
      run = [];
    };
    s.points.forEach(([x], j) => {
      const band = s.band?.[j];
      if (band) run.push([x, band]);
      else flush();
    });
    flush();
  });
  for (const r of chart.references ?? []) {
    parts.push(
      `<path class="reference" d="M${m.left},${py(r.y).toFixed(1)}H${m.left + plotW}" stroke="${r.color}" stroke-dasharray="5 4" fill="none"/>`,
      `<text x="${m.left + plotW - 4}" y="${(py(r.y) - 4).toFixed(1)}" text-anchor="end" fill="${r.color}">${escapeHtml(r.label)}</text>`,
    );
  }
  chart.series.forEach((s, i) => {
    const points = s.points.filter((p): p is [number, number] => p[1] !== null && (!chart.logX || p[0] > 0));
    let path = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || (chart.logX && x <= 0)) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    }
    if (path) {
      parts.push(
        `<path class="series" d="${path}" stroke="${colors[i]}" stroke-width="${s.strokeWidth ?? 2}" fill="none" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    if (s.markers ?? points.length <= d.markersUpTo) {
      for (const [x, y] of points) {
        parts.push(
          `<circle class="marker" cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.8" fill="${colors[i]}"/>`,
        );
      }
    }
  });
  chart.series.forEach((s, i) => {
    const at = legend[i] ?? { x: m.left + 4, row: 0 };
    const y = 23 + at.row * d.legendRowHeight;
    parts.push(
      `<line x1="${at.x}" x2="${at.x + 16}" y1="${y}" y2="${y}" stroke="${colors[i]}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 2"' : ''}/>`,
      `<text x="${at.x + 20}" y="${y + 4}">${escapeHtml(s.name)}</text>`,
    );
  });
  return frame(width, height, chart.title, parts.join('\n'));
}

export interface BarSegment {
  label: string;
  value: number;
  color: string;
}

export interface BarGroup {
  label: string;
  bars: { label: string; segments: BarSegment[] }[];
}

export interface BarChart {
  title: string;
  groups: BarGroup[];
  /** How a total is written at the end of its bar. */
  format: (value: number) => string;
  xLabel: string;
  width?: number;
  barHeight?: number;
}

/** Horizontal stacked bars in labelled groups (e.g. viewers of each cohort), one shared scale. */
export function stackedBarChart(chart: BarChart): string {
  const d = chartDefaults;
  const width = chart.width ?? d.width;
  const barH = chart.barHeight ?? 12;
  const gap = 4;
  const groupGap = 22;
  const left = 92;
  const right = 70;
  const top = 48;
  const rows = chart.groups.reduce((n, g) => n + g.bars.length, 0);
  const height = top + rows * (barH + gap) + chart.groups.length * groupGap + 30;
  const longest = Math.max(
    0,
    ...chart.groups.flatMap((g) => g.bars.map((b) => b.segments.reduce((s, x) => s + x.value, 0))),
  );
  const max = longest > 0 ? longest : 1;
  const ticks = niceTicks(0, max, 5);
  const scaleMax = ticks.at(-1) ?? max;
  const plotW = width - left - right;
  const sx = (v: number) => (plotW * v) / scaleMax;
  const parts: string[] = [];
  const plotBottom = height - 30;
  for (const t of ticks) {
    const x = left + sx(t);
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top - 6}" y2="${plotBottom}" stroke="${d.gridColor}"/>`,
      `<text x="${x.toFixed(1)}" y="${plotBottom + 14}" text-anchor="middle">${escapeHtml(chart.format(t))}</text>`,
    );
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 2}" text-anchor="middle">${escapeHtml(chart.xLabel)}</text>`);
  let y = top;
  for (const group of chart.groups) {
    y += groupGap - 6;
    parts.push(`<text x="4" y="${y - 4}" font-weight="600">${escapeHtml(group.label)}</text>`);
    for (const bar of group.bars) {
      parts.push(`<text x="${left - 6}" y="${y + barH - 2}" text-anchor="end">${escapeHtml(bar.label)}</text>`);
      let x = left;
      for (const segment of bar.segments) {
        const w = sx(segment.value);
        if (w > 0) {
          parts.push(
            `<rect class="bar" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${segment.color}"><title>${escapeHtml(`${bar.label}, ${segment.label}: ${chart.format(segment.value)}`)}</title></rect>`,
          );
        }
        x += w;
      }
      const total = bar.segments.reduce((s, x) => s + x.value, 0);
      parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + barH - 2}">${escapeHtml(chart.format(total))}</text>`);
      y += barH + gap;
    }
    y += 6;
  }
  const legend = new Map<string, string>();
  for (const s of chart.groups.flatMap((g) => g.bars.flatMap((b) => b.segments))) legend.set(s.label, s.color);
  const at = legendLayout([...legend.keys()], left, width - 8, 6.5);
  [...legend].forEach(([label, color], i) => {
    const { x, row } = at[i] ?? { x: left, row: 0 };
    const ly = top - 22 - row * d.legendRowHeight;
    parts.push(
      `<rect x="${x}" y="${ly}" width="10" height="10" fill="${color}"/>`,
      `<text x="${x + 14}" y="${ly + 9}">${escapeHtml(label)}</text>`,
    );
  });
  return frame(width, height, chart.title, parts.join('\n'));
}
