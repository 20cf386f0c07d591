/**
 * The /dashboard/:stream page: polls the stream's stats every 2 s and draws
 * them with uPlot. Figures and formatting come from dashboard-model.ts; this
 * file only touches the DOM. `window.edgeswarmDashboard` exposes the charts
 * and the last stats for the browser tests (and for anyone curious).
 */
import uPlot from 'uplot';
import {
  beaconRows,
  type CardId,
  type ChartId,
  type Columns,
  chartColumns,
  edgeCheck,
  formatBitrate,
  formatSeconds,
  hasPoints,
  headlines,
  offloadAlarm,
  type StatsSnapshot,
  splitUnit,
  streamState,
  updatedLine,
} from '../dashboard-model';

interface DashboardState {
  charts: Partial<Record<ChartId, uPlot>>;
  lastStats: StatsSnapshot | null;
  polls: number;
  errors: string[];
}

declare global {
  interface Window {
    edgeswarmDashboard: DashboardState;
  }
}

const pollMs = 2000;
/** The coordinator's status changes rarely: every 5th poll. */
const statusEvery = 5;

const root = document.getElementById('dashboard') as HTMLElement;
const statsUrl = root.dataset.statsUrl ?? '';
const statusUrl = root.dataset.statusUrl ?? '';
const state: DashboardState = { charts: {}, lastStats: null, polls: 0, errors: [] };
window.edgeswarmDashboard = state;

const colors = {
  http: '#f0a03c',
  p2p: '#3ecf8e',
  edge: '#d0d4dc',
  viewers: '#5aa9ff',
  peers: '#b48cff',
  regions: '#e6c84d',
  stall: '#ff6b6b',
  startup: '#5aa9ff',
  latency: '#f0a03c',
};

type Format = (value: number) => string;

const number: Format = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

function line(label: string, color: string, format: Format, extra: Partial<uPlot.Series> = {}): uPlot.Series {
  return {
    label,
    stroke: color,
    width: 2,
    spanGaps: false,
    points: { show: (self) => self.data[0].length < 40, size: 5, fill: color },
    value: (_self, raw) => (raw === null || raw === undefined ? '—' : format(raw)),
    ...extra,
  };
}

const fill = (hex: string, alpha: number) =>
  `rgba(${Number.parseInt(hex.slice(1, 3), 16)}, ${Number.parseInt(hex.slice(3, 5), 16)}, ${Number.parseInt(hex.slice(5, 7), 16)}, ${alpha})`;

const measure = document.createElement('canvas').getContext('2d');
const axisFont = '11px system-ui, sans-serif';
function textWidth(text: string): number {
  if (!measure) return text.length * 7;
  measure.font = axisFont;
  return Math.ceil(measure.measureText(text).width);
}

function axis(format: Format, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: '#8b93a3',
    grid: { stroke: '#232833', width: 1 },
    ticks: { stroke: '#232833', width: 1 },
    font: axisFont,
    // Wide enough for the longest label ("160 kbit/s"), which a fixed size would clip.
    size: (_self, values) => 22 + Math.max(16, ...(values ?? []).map(textWidth)),
    values: (_self, splits) => splits.map((v) => (v === null ? '' : format(v))),
    ...extra,
  };
}

const clock = (seconds: number) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });
/** Time ticks on whole buckets: never finer than 10 s, the data's own resolution. */
const timeAxis = axis(clock, {
  size: 36,
  space: 70,
  incrs: [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600],
});

interface ChartSpec {
  series: uPlot.Series[];
  format: Format;
  /** Fixed y range (offload is a percentage); otherwise from 0 to the data's maximum. */
  range?: [number, number];
  height: number;
}

const percent: Format = (v) => `${v.toFixed(0)}%`;
const specs: Record<ChartId, ChartSpec> = {
  throughput: {
    height: 260,
    format: formatBitrate,
    series: [
      line('HTTP (viewers)', colors.http, formatBitrate, { fill: fill(colors.http, 0.12) }),
      line('P2P (viewers)', colors.p2p, formatBitrate, { fill: fill(colors.p2p, 0.12) }),
      line('edge served', colors.edge, formatBitrate, { dash: [6, 4], width: 1.5 }),
    ],
  },
  offload: {
    height: 200,
    format: percent,
    range: [0, 100],
    series: [line('offload', colors.p2p, (v) => `${v.toFixed(1)}%`, { fill: fill(colors.p2p, 0.15) })],
  },
  audience: {
    height: 200,
    format: number,
    series: [
      line('viewers', colors.viewers, number),
      line('peers per viewer', colors.peers, number),
      line('regions', colors.regions, number),
    ],
  },
  stalls: {
    height: 200,
    format: (v) => `${number(v)} s`,
    series: [line('stalled s / viewer-min', colors.stall, (v) => v.toFixed(2), { fill: fill(colors.stall, 0.12) })],
  },
  timing: {
    height: 200,
    format: (v) => `${number(v)} s`,
    series: [
      line('start-up p50', colors.startup, (v) => formatSeconds(v), { spanGaps: true }),
      line('latency p50', colors.latency, (v) => formatSeconds(v), { spanGaps: true }),
    ],
  },
};

function plotWidth(container: HTMLElement): number {
  return Math.max(240, Math.floor(container.clientWidth));
}

function createChart(id: ChartId, columns: Columns): uPlot {
  const spec = specs[id];
  const container = document.getElementById(`chart-${id}`) as HTMLElement;
  container.textContent = '';
  const range = spec.range;
  return new uPlot(
    {
      width: plotWidth(container),
      height: spec.height,
      scales: {
        x: { time: true },
        y: range
          ? { range: () => range }
          : { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] as uPlot.Range.MinMax },
      },
      series: [{ value: (_self, raw) => (raw ? clock(raw) : '—') }, ...spec.series],
      axes: [timeAxis, axis(spec.format)],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    },
    columns as uPlot.AlignedData,
    container,
  );
}

function drawCharts(stats: StatsSnapshot): void {
  const columns = chartColumns(stats);
  for (const id of Object.keys(specs) as ChartId[]) {
    const data = columns[id];
    const chart = state.charts[id];
    if (chart) chart.setData(data as uPlot.AlignedData);
    else if (data[0].length > 0 && hasPoints(data)) state.charts[id] = createChart(id, data);
  }
}

function setText(selector: string, text: string): void {
  const element = document.querySelector(selector);
  if (element && element.textContent !== text) element.textContent = text;
}

function drawFigures(stats: StatsSnapshot): void {
  const cards = headlines(stats);
  for (const id of Object.keys(cards) as CardId[]) {
    const [figure, unit] = splitUnit(cards[id].value);
    setText(`#card-${id} .figure`, figure);
    setText(`#card-${id} .unit`, unit);
    setText(`#card-${id} .detail`, cards[id].detail);
  }
  const alarm = offloadAlarm(stats);
  const alarmPanel = document.getElementById('offload-alarm');
  if (alarmPanel) {
    alarmPanel.hidden = alarm === null;
    if (alarm !== null && alarmPanel.textContent !== alarm) alarmPanel.textContent = alarm;
  }
  const check = edgeCheck(stats);
  const panel = document.getElementById('edge-check') as HTMLElement;
  panel.classList.toggle('ok', check.level === 'ok');
  panel.classList.toggle('mismatch', check.level === 'mismatch');
  setText('#edge-check .served b', check.served);
  setText('#edge-check .reported b', check.reported);
  setText('#edge-check .difference b', check.difference);
  setText('#edge-check .difference span', `Difference · ${check.verdict}`);

  const body = document.createElement('tbody');
  for (const [label, value] of beaconRows(stats)) {
    const row = body.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = value;
  }
  (document.querySelector('#beacons tbody') as HTMLElement).replaceWith(body);
}

let status: { state?: unknown } | undefined;

async function fetchStatus(): Promise<{ state?: unknown } | undefined> {
  const response = await fetch(statusUrl, { cache: 'no-store' });
  return response.ok ? ((await response.json()) as { state?: unknown }) : undefined;
}

function drawState(stats: StatsSnapshot | null): void {
  const pill = document.getElementById('state') as HTMLElement;
  const { label, tone } = streamState(status, stats);
  pill.textContent = label;
  pill.className = `pill ${tone}`;
}

async function poll(): Promise<void> {
  const meta = document.getElementById('updated') as HTMLElement;
  try {
    if (state.polls % statusEvery === 0) status = await fetchStatus().catch(() => status);
    const response = await fetch(statsUrl, { cache: 'no-store' });
    if (!response.ok) throw new Error(`the stats answered HTTP ${response.status}`);
    const stats = (await response.json()) as StatsSnapshot;
    state.lastStats = stats;
    drawState(stats);
    drawFigures(stats);
    drawCharts(stats);
    meta.textContent = updatedLine(stats);
    meta.classList.remove('error');
  } catch (error) {
    state.errors.push(String(error));
    meta.textContent = `stats unavailable (${error instanceof Error ? error.message : String(error)}); retrying`;
    meta.classList.add('error');
  } finally {
    state.polls++;
    setTimeout(() => void poll(), pollMs);
  }
}

window.addEventListener('resize', () => {
  for (const [id, chart] of Object.entries(state.charts) as [ChartId, uPlot][]) {
    chart.setSize({
      width: plotWidth(document.getElementById(`chart-${id}`) as HTMLElement),
      height: specs[id].height,
    });
  }
});

void poll();
