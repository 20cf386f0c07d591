/**
 * What the dashboard shows, as pure functions of the stats JSON: chart
 * columns, headline figures, the edge-versus-reported check and the beacon
 * table, all formatted. No DOM here, so all of it is unit-tested in Node.
 */
import type { RejectionReason, StatsSnapshot } from '@edgeswarm/protocol';

export type { StatsSnapshot };

export type ChartId = 'throughput' | 'offload' | 'audience' | 'stalls' | 'timing';
export type CardId = 'offload' | 'viewers' | 'peers' | 'regions' | 'startup' | 'latency' | 'stalls';

/** uPlot's aligned columns: x (Unix seconds), then one array per series. */
export type Columns = [number[], ...(number | null)[][]];

export const dash = '—';

function scaled(value: number, units: readonly string[], step: number): string {
  let unit = 0;
  let v = value;
  while (Math.abs(v) >= step && unit < units.length - 1) {
    v /= step;
    unit++;
  }
  const digits = unit === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[unit]}`;
}

/** SI bytes: 999 B, 1.23 kB, 45.6 MB. */
export const formatBytes = (bytes: number): string => scaled(bytes, ['B', 'kB', 'MB', 'GB', 'TB'], 1000);

/** Bits per second, the way video bitrates are quoted. */
export const formatBitrate = (bitsPerSecond: number): string =>
  scaled(bitsPerSecond, ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'], 1000);

export const formatPercent = (percent: number | null): string => (percent === null ? dash : `${percent.toFixed(1)}%`);

export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return dash;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const formatMs = (ms: number | null): string => formatSeconds(ms === null ? null : ms / 1000);

/** The charts' data. Throughput in bits per second, so its axis ticks fall on round bitrates. */
export function chartColumns(stats: StatsSnapshot): Record<ChartId, Columns> {
  const s = stats.series;
  const bits = (bytesPerSecond: number[]) => bytesPerSecond.map((v) => v * 8);
  return {
    throughput: [s.time, bits(s.httpBytesPerSecond), bits(s.p2pBytesPerSecond), bits(s.servedBytesPerSecond)],
    offload: [s.time, s.offloadPercent],
    audience: [s.time, s.viewers, s.peers, s.regions],
    stalls: [s.time, s.stallSecondsPerViewerMinute],
    timing: [s.time, s.startupP50Ms.map((ms) => (ms === null ? null : ms / 1000)), s.latencyP50Seconds],
  };
}

export interface Card {
  value: string;
  detail: string;
}

export function headlines(stats: StatsSnapshot): Record<CardId, Card> {
  const { current, totals } = stats;
  const received = totals.httpBytes + totals.p2pBytes;
  return {
    offload: {
      value: formatPercent(totals.offloadPercent),
      detail:
        received > 0 ? `${formatBytes(totals.p2pBytes)} P2P of ${formatBytes(received)}` : 'no bytes reported yet',
    },
    viewers: {
      value: String(current.viewers),
      detail: `hybrid ${current.byMode.hybrid} · CDN ${current.byMode.cdn}${current.byMode.p2pml ? ` · stock P2P ${current.byMode.p2pml}` : ''} · ${totals.viewersSeen} seen`,
    },
    peers: {
      value: String(current.peerConnections),
      detail: `${current.viewersWithPeers} of ${current.viewers} viewers connected`,
    },
    regions: {
      value: String(current.regions.length),
      detail:
        current.regions
          .slice(0, 4)
          .map((r) => `${r.region} ${r.viewers}`)
          .join(' · ') || 'none reported',
    },
    startup: {
      value: formatMs(totals.startupP50Ms),
      detail: `p95 ${formatMs(totals.startupP95Ms)} · ${totals.startups} start-up${totals.startups === 1 ? '' : 's'}`,
    },
    latency: {
      value: formatSeconds(current.latencyP50Seconds),
      detail: `now · ${formatSeconds(totals.latencyP50Seconds)} since the start`,
    },
    stalls: {
      value:
        totals.stallSecondsPerViewerMinute === null ? dash : `${totals.stallSecondsPerViewerMinute.toFixed(2)} s/min`,
      detail: `${totals.stalls} stall${totals.stalls === 1 ? '' : 's'} in ${formatSeconds(totals.viewerMs / 1000)} watched`,
    },
  };
}

/** "6.25 s" → ["6.25", "s"], "33.3%" → ["33.3", "%"]: the page sets the unit smaller than the figure. */
export function splitUnit(text: string): [figure: string, unit: string] {
  const match = /^(.*\d)\s?([^\d\s]+)$/.exec(text);
  return match ? [match[1] ?? text, match[2] ?? ''] : [text, ''];
}

export interface EdgeCheck {
  level: 'none' | 'ok' | 'mismatch';
  served: string;
  reported: string;
  difference: string;
  verdict: string;
}

/** The edge's own count beside the viewers' claim; a mismatch is what the page highlights. */
export function edgeCheck(stats: StatsSnapshot): EdgeCheck {
  const e = stats.edge;
  const served = formatBytes(e.servedBytes);
  const reported = formatBytes(e.reportedHttpBytes);
  if (e.differencePercent === null) {
    return { level: 'none', served, reported, difference: dash, verdict: 'nothing served or reported yet' };
  }
  const sign = e.differenceBytes > 0 ? '+' : e.differenceBytes < 0 ? '−' : '±';
  const difference = `${sign}${formatBytes(Math.abs(e.differenceBytes))} (${sign}${Math.abs(e.differencePercent).toFixed(1)}%)`;
  if (e.agrees) return { level: 'ok', served, reported, difference, verdict: `within ${e.tolerancePercent}%` };
  const verdict =
    e.differenceBytes > 0 ? 'the edge served more than viewers reported' : 'viewers reported more than the edge served';
  return { level: 'mismatch', served, reported, difference, verdict };
}

/**
 * The warning the page raises over everything else when the edge's own egress contradicts what viewers report: a
 * stream whose edge sent more than viewers say they took over HTTP has its offload overstated (P2P bytes counted
 * that were never used, or beacons lost or forged); null when the counts agree or there is nothing yet.
 */
export function offloadAlarm(stats: StatsSnapshot): string | null {
  const e = stats.edge;
  if (e.agrees || e.differencePercent === null) return null;
  const offload = stats.totals.offloadPercent === null ? '' : ` ${stats.totals.offloadPercent.toFixed(1)}%`;
  const gap = `${formatBytes(Math.abs(e.differenceBytes))}, ${Math.abs(e.differencePercent).toFixed(1)}%`;
  const rejected =
    stats.totals.rejectedP2pBytes > 0
      ? ` Viewers also refused ${formatBytes(stats.totals.rejectedP2pBytes)} from peers that failed the integrity check.`
      : '';
  if (e.differenceBytes > 0) {
    return `Reported offload${offload} is contradicted by the edge: it served ${gap} more than viewers reported over HTTP (tolerance ${e.tolerancePercent}%), so less was really offloaded than reported.${rejected}`;
  }
  return `Viewers reported ${gap} more HTTP bytes than the edge served (tolerance ${e.tolerancePercent}%): beacons overstate edge traffic, so the reported offload${offload} is unreliable.${rejected}`;
}

export const reasonLabels: Record<RejectionReason, string> = {
  too_large: 'too large (413)',
  not_json: 'not JSON (400)',
  malformed: 'malformed (400)',
  negative: 'negative value (400)',
  absurd: 'absurd value (400)',
  stream_mismatch: 'wrong stream (400)',
  duplicate: 'duplicate or old seq (409)',
  rate_limited: 'too frequent (429)',
  too_many_viewers: 'too many viewers (429)',
};

/** Rows of the beacon table: what came in, what was lost, refused and clamped. */
export function beaconRows(stats: StatsSnapshot): [string, string][] {
  const { totals, rejections } = stats;
  const rows: [string, string][] = [
    ['accepted', String(totals.beacons)],
    ['lost on the way (gaps in seq)', String(totals.lostBeacons)],
    ['refused', String(rejections.total)],
  ];
  for (const [reason, count] of Object.entries(rejections.byReason) as [RejectionReason, number][]) {
    rows.push([`  ${reasonLabels[reason] ?? reason}`, String(count)]);
  }
  const clamped = Object.entries(rejections.clamped);
  if (clamped.length > 0) rows.push(['clamped', clamped.map(([what, n]) => `${what} ${n}`).join(' · ')]);
  return rows;
}

export interface StreamState {
  label: string;
  tone: 'live' | 'ended' | 'idle';
}

/** From the live coordinator's status (undefined: 404, not a live stream) and the stats. */
export function streamState(status: { state?: unknown } | undefined, stats: StatsSnapshot | null): StreamState {
  if (status?.state === 'live') return { label: 'live', tone: 'live' };
  if (status?.state === 'ended') return { label: 'ended', tone: 'ended' };
  if (status?.state === 'created') return { label: 'not started', tone: 'idle' };
  return stats?.startedAt ? { label: 'on demand', tone: 'idle' } : { label: 'no data yet', tone: 'idle' };
}

export function updatedLine(stats: StatsSnapshot): string {
  const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour12: false });
  const since = stats.startedAt === null ? 'no data yet' : `stats since ${time(stats.startedAt)}`;
  return `updated ${time(stats.now)} · ${since} · ${stats.bucketMs / 1000} s buckets, last hour`;
}

/** Whether any series of a chart has a drawable (non-null) point. */
export function hasPoints(columns: Columns): boolean {
  return columns.slice(1).some((series) => series.some((v) => v !== null));
}
