/**
 * The side-by-side table, as rows of text the CLI prints and the report puts
 * in an HTML table. Pure.
 */
import { cohortNames, strainedSamples } from '../cohort/records';
import { summariseTransport } from '../cohort/transport-count';
import type { CohortResult, CompareResults } from './results';

export interface TableRow {
  label: string;
  /** One per cohort, in the order of `tableCohorts`. */
  cells: string[];
  /** hybrid ÷ CDN-only, or a note. */
  ratio: string;
}

/** The cohorts as the table's columns: CDN-only first, the hybrid last, stock p2p-media-loader between. */
export function tableCohorts(results: CompareResults): CohortResult[] {
  return cohortNames.flatMap((name) => results.cohorts.filter((c) => c.name === name));
}

export const formatBytes = (bytes: number) =>
  bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(2)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(2)} MB`
      : `${(bytes / 1e3).toFixed(0)} kB`;
const ms = (value: number | null) => (value === null ? '—' : `${value.toFixed(0)} ms`);
const sec = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} s`);
const times = (value: number | null) => (value === null || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`);
/** A percentage to one decimal, or — when unknown. */
export const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${value.toFixed(1)}%`;
const div = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

/** Pure: the share of CFS periods in which the kernel stopped a viewer for its quota, mean over the viewers, percent. */
export function throttledPercent(result: Pick<CohortResult, 'viewerCpu'>): number | null {
  const shares = (result.viewerCpu?.throttling ?? []).flatMap((t) =>
    t && t.periods > 0 ? [(100 * t.throttledPeriods) / t.periods] : [],
  );
  return shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length;
}

const egressSourceName = {
  edge: "edge's own count",
  proxy: 'through the harness proxy',
  viewers: "viewers' count",
};

export function comparisonRows(results: CompareResults): TableRow[] {
  const cdn = results.cohorts.find((c) => c.name === 'cdn') as CohortResult;
  const hybrid = results.cohorts.find((c) => c.name === 'hybrid') as CohortResult;
  const columns = tableCohorts(results);
  const c = cdn.summary;
  const h = hybrid.summary;
  const row = (label: string, pick: (x: CohortResult) => string, ratio = ''): TableRow => ({
    label,
    cells: columns.map(pick),
    ratio,
  });
  const sources = new Set(columns.map((x) => x.summary.edgeEgressSource));
  const sourceNote = [...sources].map((s) => egressSourceName[s]).join(' / ');
  return [
    row('viewers (started)', (x) => `${x.summary.viewers} (${x.summary.started})`),
    row(
      'offload: P2P ÷ all bytes',
      (x) => `${x.summary.offloadPercent.toFixed(1)}%`,
      results.comparison.offloadOfBoundPercent === null
        ? ''
        : `${results.comparison.offloadOfBoundPercent.toFixed(0)}% of (N−1)/N = ${h.boundPercent.toFixed(0)}%`,
    ),
    row(
      `edge egress (${sourceNote})`,
      (x) => formatBytes(x.summary.edgeEgressBytes),
      times(results.comparison.edgeEgress),
    ),
    // The other two counts of the same bytes, unless one is the headline above.
    ...(sources.has('edge')
      ? []
      : [
          row(
            "edge's own count of segments served",
            (x) => (x.edge ? formatBytes(x.edge.servedBytes) : '—'),
            times(div(hybrid.edge?.servedBytes ?? null, cdn.edge?.servedBytes ?? null)),
          ),
        ]),
    ...(sources.has('proxy')
      ? []
      : [
          row(
            'segments through the harness proxy',
            (x) => formatBytes(x.proxy.mediaBytes),
            times(div(hybrid.proxy.mediaBytes, cdn.proxy.mediaBytes)),
          ),
        ]),
    row("viewers' HTTP bytes", (x) => formatBytes(x.summary.httpBytes), times(div(h.httpBytes, c.httpBytes))),
    row("viewers' P2P bytes", (x) => formatBytes(x.summary.p2pBytes)),
    row('upload: largest uploader’s share, viewers uploading', (x) =>
      x.summary.uploadedBytes > 0
        ? `${x.summary.upload.topViewerShare.toFixed(0)}%, ${x.summary.upload.uploadersPercent.toFixed(0)}%`
        : '—',
    ),
    row('start-up p50', (x) => ms(x.summary.startupP50Ms), times(results.comparison.startupP50)),
    row('start-up p95', (x) => ms(x.summary.startupP95Ms), times(div(h.startupP95Ms, c.startupP95Ms))),
    row(
      'stalls (count)',
      (x) => String(x.summary.stalls),
      `${h.stalls - c.stalls >= 0 ? '+' : ''}${h.stalls - c.stalls}`,
    ),
    row(
      'stalled seconds',
      (x) => x.summary.stalledSeconds.toFixed(1),
      `${results.comparison.stalledSecondsDelta >= 0 ? '+' : ''}${results.comparison.stalledSecondsDelta.toFixed(1)} s`,
    ),
    row('live latency p50', (x) => sec(x.summary.latencyP50Seconds), times(results.comparison.latencyP50)),
    row(
      'live latency p95',
      (x) => sec(x.summary.latencyP95Seconds),
      times(div(h.latencyP95Seconds, c.latencyP95Seconds)),
    ),
    row(
      'rendition played (mean)',
      (x) => (x.summary.meanRenditionKbps === null ? '—' : `${x.summary.meanRenditionKbps.toFixed(0)} kbit/s`),
      times(div(h.meanRenditionKbps, c.meanRenditionKbps)),
    ),
    row('dropped frames', (x) => pct(x.summary.droppedFramesPercent)),
    ...(results.options.edgeMbps === undefined
      ? []
      : [
          row(
            `time the ${results.options.edgeMbps} Mbit/s cap was binding`,
            (x) => `${(x.proxy.capBindingMs / 1000).toFixed(0)} of ${x.run.durationSeconds.toFixed(0)} s`,
          ),
        ]),
    row(
      'renderer CPU per viewer (of one core)',
      (x) => pct(x.summary.rendererCpuPercent),
      times(results.comparison.rendererCpu ?? null),
    ),
    row(
      'renderer CPU less decode and compositing (ratio: the same with media threads alike)',
      (x) => pct(x.summary.rendererLessMediaCpuPercent ?? null),
      times(results.comparison.rendererCpuAlikeMedia ?? null),
    ),
    row('whole browser CPU per viewer', (x) => pct(x.summary.browserCpuPercent)),
    row('P2P connections per viewer: made, held at a time', (x) => {
      const t = summariseTransport(x.run.viewers);
      return t && t.made > 0 ? `${t.made.toFixed(1)}, ${t.held.toFixed(1)}` : '—';
    }),
    row('data-channel messages per viewer (sent / received)', (x) => {
      const t = summariseTransport(x.run.viewers);
      return t && t.made > 0 ? `${t.messagesSent.toFixed(0)} / ${t.messagesReceived.toFixed(0)}` : '—';
    }),
    ...(results.options.viewerCpu === undefined
      ? []
      : [row(`periods held at the ${results.options.viewerCpu}-core quota (mean)`, (x) => pct(throttledPercent(x)))]),
    row('samples backed off (device strained)', (x) => {
      const { strained, samples } = strainedSamples(x.run.samples);
      return `${strained} of ${samples}`;
    }),
    row(
      'CPU busy, load avg max',
      (x) => `${x.cpu.busyPercent.toFixed(0)}%, ${x.cpu.loadAverageMax.toFixed(1)}`,
      columns.some((x) => x.saturated) ? 'CPU-saturated' : '',
    ),
  ];
}

/** The table as monospace text, columns padded. */
export function formatTable(results: CompareResults): string {
  const rows = comparisonRows(results);
  const header: TableRow = {
    label: '',
    cells: tableCohorts(results).map((c) => c.label),
    ratio: 'hybrid vs CDN',
  };
  const all = [header, ...rows];
  const labelWidth = Math.max(...all.map((r) => r.label.length));
  const widths = header.cells.map((_, i) => Math.max(...all.map((r) => (r.cells[i] ?? '').length)));
  return all
    .map((r) =>
      [r.label.padEnd(labelWidth), ...r.cells.map((cell, i) => cell.padStart(widths[i] ?? 0)), r.ratio]
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const mbit = (mbps: number | null) => (mbps === null ? '∞' : String(mbps));

/**
 * Figures per link profile, each cohort's viewers on that profile together: what they received, what
 * they sent (as the players counted it, and as their links measured it), the highest upload rate
 * against the cap, time as first fetcher, stalls and latency.
 */
export function profileTable(results: CompareResults): { head: string[]; rows: string[][] } {
  const head = [
    'link (down/up Mbit/s)',
    'cohort',
    'viewers',
    'offload',
    'from edge',
    'from peers',
    'uploaded (player)',
    'link up / down (measured)',
    'peak up (of cap)',
    'first fetcher',
    'stalls',
    'latency p50',
  ];
  const rows = results.cohorts.flatMap((c) =>
    (c.byProfile ?? []).map((p) => [
      `${p.profile} ${mbit(p.downMbps)}/${mbit(p.upMbps)}`,
      c.label,
      String(p.viewers),
      `${p.offloadPercent.toFixed(1)}%`,
      formatBytes(p.httpBytes),
      formatBytes(p.p2pBytes),
      formatBytes(p.uploadedBytes),
      p.linkUpBytes === null || p.linkDownBytes === null
        ? '—'
        : `${formatBytes(p.linkUpBytes)} / ${formatBytes(p.linkDownBytes)}`,
      p.peakUpMbps === null
        ? '—'
        : `${p.peakUpMbps.toFixed(2)} Mbit/s${p.peakUpOfCapPercent === null ? '' : ` (${p.peakUpOfCapPercent.toFixed(0)}%)`}${p.upWithinCap === false ? ' OVER CAP' : ''}`,
      // The role is the hybrid's: CDN-only viewers all fetch from the edge, and stock p2p-media-loader has none.
      c.name === 'hybrid' ? `${p.firstFetcherSeconds.toFixed(0)} s` : '—',
      `${p.stalls} (${p.stalledSeconds.toFixed(1)} s)`,
      sec(p.latencyP50Seconds),
    ]),
  );
  return { head, rows };
}

/** The per-profile table as monospace text. */
export function formatProfileTable(results: CompareResults): string {
  const { head, rows } = profileTable(results);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}
