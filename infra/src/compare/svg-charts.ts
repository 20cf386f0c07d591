/**
 * Small inline-SVG charts for the compare report: a line chart (with dashed
 * reference lines and an optional band) and a horizontal stacked bar chart.
 * Pure string rendering, no external assets, every label escaped, so the
 * report is one self-contained file.
 */

export const chartDefaults = {
  width: 560,
  height: 260,
  margin: { top: 34, right: 16, bottom: 40, left: 56 },
  font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  axisColor: '#8a8f98',
  gridColor: '#e6e8eb',
  textColor: '#30343b',
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

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

const fmt = (value: number) => (Math.abs(value) >= 1000 ? value.toFixed(0) : String(Number(value.toPrecision(3))));

export interface LineSeries {
  name: string;
  color: string;
  /** [x, y]; a null y breaks the line. */
  points: [number, number | null][];
  dashed?: boolean;
  /** Stroke width; a wider line drawn first stays visible under a narrower one where they overlap. */
  strokeWidth?: number;
  /** Lower and upper edge of a shaded band around the line, by point; null leaves a gap. */
  band?: ([number, number] | null)[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Horizontal reference lines, e.g. a cap or a bound. */
  references?: { label: string; y: number; color: string }[];
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

function frame(width: number, height: number, title: string, body: string): string {
  const d = chartDefaults;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}" font-family='${d.font}' font-size="11" fill="${d.textColor}">
<text x="${d.margin.left}" y="16" font-size="13" font-weight="600">${escapeXml(title)}</text>
${body}
</svg>`;
}

export function lineChart(chart: LineChart): string {
  const d = chartDefaults;
  const width = chart.width ?? d.width;
  const height = chart.height ?? d.height;
  const m = d.margin;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xs = chart.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = [
    ...chart.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y]))),
    ...chart.series.flatMap((s) => (s.band ?? []).flatMap((b) => (b ? [b[1]] : []))),
    ...(chart.references ?? []).map((r) => r.y),
  ];
  const xTicks = niceTicks(0, Math.max(1, ...xs), 6);
  // All zeros (no stalls, say) still get a readable 0–1 axis.
  const highest = Math.max(0, ...ys);
  const yTicks = niceTicks(chart.yMin ?? 0, chart.yMax ?? (highest > 0 ? highest : 1), 5);
  const xMax = xTicks.at(-1) ?? 1;
  const yMin = yTicks[0] ?? 0;
  const yMax = yTicks.at(-1) ?? 1;
  const px = (x: number) => m.left + (plotW * x) / xMax;
  const py = (y: number) => m.top + plotH - (plotH * (Math.min(Math.max(y, yMin), yMax) - yMin)) / (yMax - yMin || 1);
  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="${d.gridColor}"/>`,
      `<text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    parts.push(
      `<text x="${px(t).toFixed(1)}" y="${m.top + plotH + 15}" text-anchor="middle">${fmt(t)}</text>`,
      `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="${d.axisColor}"/>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="${d.axisColor}"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  for (const s of chart.series) {
    if (!s.band) continue;
    // One closed polygon per run of points that have a band.
    let run: [number, [number, number]][] = [];
    const flush = () => {
      if (run.length > 1) {
        const upper = run.map(([x, [, hi]]) => `${px(x).toFixed(1)},${py(hi).toFixed(1)}`);
        const lower = [...run].reverse().map(([x, [lo]]) => `${px(x).toFixed(1)},${py(lo).toFixed(1)}`);
        parts.push(
          `<path class="band" d="M${[...upper, ...lower].join('L')}Z" fill="${s.color}" fill-opacity="0.22"/>`,
        );
      }
      run = [];
    };
    s.points.forEach(([x], i) => {
      const band = s.band?.[i];
      if (band) run.push([x, band]);
      else flush();
    });
    flush();
  }
  for (const r of chart.references ?? []) {
    parts.push(
      `<path class="reference" d="M${m.left},${py(r.y).toFixed(1)}H${m.left + plotW}" stroke="${r.color}" stroke-dasharray="5 4" fill="none"/>`,
      `<text x="${m.left + plotW - 4}" y="${(py(r.y) - 4).toFixed(1)}" text-anchor="end" fill="${r.color}">${escapeXml(r.label)}</text>`,
    );
  }
  for (const s of chart.series) {
    let path = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    }
    if (path) {
      parts.push(
        `<path class="series" d="${path}" stroke="${s.color}" stroke-width="${s.strokeWidth ?? 2}" fill="none" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
  }
  let lx = m.left + 4;
  for (const s of chart.series) {
    parts.push(
      `<line x1="${lx}" x2="${lx + 16}" y1="${m.top - 11}" y2="${m.top - 11}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 2"' : ''}/>`,
      `<text x="${lx + 20}" y="${m.top - 7}">${escapeXml(s.name)}</text>`,
    );
    lx += 30 + 5.8 * s.name.length;
  }
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
      `<text x="${x.toFixed(1)}" y="${plotBottom + 14}" text-anchor="middle">${escapeXml(chart.format(t))}</text>`,
    );
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 2}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  let y = top;
  for (const group of chart.groups) {
    y += groupGap - 6;
    parts.push(`<text x="4" y="${y - 4}" font-weight="600">${escapeXml(group.label)}</text>`);
    for (const bar of group.bars) {
      parts.push(`<text x="${left - 6}" y="${y + barH - 2}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      let x = left;
      for (const segment of bar.segments) {
        const w = sx(segment.value);
        if (w > 0) {
          parts.push(
            `<rect class="bar" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${segment.color}"><title>${escapeXml(`${bar.label}, ${segment.label}: ${chart.format(segment.value)}`)}</title></rect>`,
          );
        }
        x += w;
      }
      const total = bar.segments.reduce((s, x) => s + x.value, 0);
      parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + barH - 2}">${escapeXml(chart.format(total))}</text>`);
      y += barH + gap;
    }
    y += 6;
  }
  const legend = new Map<string, string>();
  for (const s of chart.groups.flatMap((g) => g.bars.flatMap((b) => b.segments))) legend.set(s.label, s.color);
  let lx = left;
  for (const [label, color] of legend) {
    parts.push(
      `<rect x="${lx}" y="${top - 22}" width="10" height="10" fill="${color}"/>`,
      `<text x="${lx + 14}" y="${top - 13}">${escapeXml(label)}</text>`,
    );
    lx += 30 + 6.5 * label.length;
  }
  return frame(width, height, chart.title, parts.join('\n'));
}
