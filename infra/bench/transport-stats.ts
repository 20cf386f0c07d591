/**
 * bench:transport's arithmetic (pure): phase readings in, CPU per unit of work and what it predicts for a hybrid
 * viewer out. Every phase's cost is its CPU less the browser's own idle rate over the phase's wall time, per unit.
 */
import { messageTotal, type TransportCount } from '../src/cohort/transport-count';

/** A browser's CPU so far: Chromium's per-process times, and its renderer's threads by kind (cpuByThreadKind). */
export interface TransportCpu {
  rendererSeconds: number;
  totalSeconds: number;
  threads: Record<string, number>;
}

export type TransportPhase = 'idle' | 'http' | 'channel' | 'messages' | 'connect' | 'offer' | 'held';

/** One phase of one round: the work done and both browsers' CPU before and after it. */
export interface TransportPhaseReading {
  phase: TransportPhase;
  round: number;
  wallSeconds: number;
  /** MB for http and channel, messages, connections for connect, offers, connection-seconds for held. */
  units: number;
  receiver: { before: TransportCpu; after: TransportCpu };
  sender: { before: TransportCpu; after: TransportCpu };
}

/** CPU seconds per unit, beyond the browser's idle rate. */
export interface UnitCost {
  rendererSeconds: number;
  totalSeconds: number;
  /** The receiver's renderer threads by kind (empty for the sender). */
  threads: Record<string, number>;
}

export interface PhaseCost {
  phase: Exclude<TransportPhase, 'idle'>;
  /** What one unit is, for printing. */
  unit: string;
  rounds: number;
  /** Medians over the rounds. */
  receiver: UnitCost;
  sender: UnitCost;
}

export const transportUnits: Record<Exclude<TransportPhase, 'idle'>, { unit: string; per: number }> = {
  http: { unit: 'MB', per: 1 },
  channel: { unit: 'MB', per: 1 },
  messages: { unit: '1 000 messages', per: 1000 },
  connect: { unit: 'connection', per: 1 },
  offer: { unit: 'unanswered offer', per: 1 },
  held: { unit: 'connection-minute', per: 60 },
};

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Delta {
  rendererSeconds: number;
  totalSeconds: number;
  threads: Record<string, number>;
}

function delta(before: TransportCpu, after: TransportCpu): Delta {
  const threads: Record<string, number> = {};
  for (const [kind, seconds] of Object.entries(after.threads)) threads[kind] = seconds - (before.threads[kind] ?? 0);
  return {
    rendererSeconds: after.rendererSeconds - before.rendererSeconds,
    totalSeconds: after.totalSeconds - before.totalSeconds,
    threads,
  };
}

/** Per second of wall time: what a browser spends doing nothing (its idle phase). */
function rate(d: Delta, seconds: number): Delta {
  const threads: Record<string, number> = {};
  for (const [kind, s] of Object.entries(d.threads)) threads[kind] = s / seconds;
  return { rendererSeconds: d.rendererSeconds / seconds, totalSeconds: d.totalSeconds / seconds, threads };
}

function perUnit(d: Delta, idle: Delta | undefined, wallSeconds: number, units: number): Delta {
  const less = (value: number, idleRate = 0) => (value - idleRate * wallSeconds) / units;
  const threads: Record<string, number> = {};
  for (const [kind, s] of Object.entries(d.threads)) threads[kind] = less(s, idle?.threads[kind]);
  return {
    rendererSeconds: less(d.rendererSeconds, idle?.rendererSeconds),
    totalSeconds: less(d.totalSeconds, idle?.totalSeconds),
    threads,
  };
}

function medianCost(deltas: readonly Delta[], withThreads: boolean): UnitCost {
  const kinds = new Set(deltas.flatMap((d) => Object.keys(d.threads)));
  const threads: Record<string, number> = {};
  if (withThreads) {
    for (const kind of kinds) {
      const m = median(deltas.map((d) => d.threads[kind] ?? 0));
      if (Math.abs(m) >= 1e-4) threads[kind] = m;
    }
  }
  return {
    rendererSeconds: median(deltas.map((d) => d.rendererSeconds)),
    totalSeconds: median(deltas.map((d) => d.totalSeconds)),
    threads,
  };
}

/**
 * Pure: each phase's CPU per unit (transportUnits), the median over rounds, each round's idle rate subtracted. A
 * round without an idle phase subtracts nothing.
 */
export function transportCosts(readings: readonly TransportPhaseReading[]): PhaseCost[] {
  const idle = new Map<number, { receiver: Delta; sender: Delta }>();
  for (const r of readings) {
    if (r.phase !== 'idle' || !(r.wallSeconds > 0)) continue;
    idle.set(r.round, {
      receiver: rate(delta(r.receiver.before, r.receiver.after), r.wallSeconds),
      sender: rate(delta(r.sender.before, r.sender.after), r.wallSeconds),
    });
  }
  const costs: PhaseCost[] = [];
  for (const phase of Object.keys(transportUnits) as Exclude<TransportPhase, 'idle'>[]) {
    const rows = readings.filter((r) => r.phase === phase && r.units > 0);
    if (rows.length === 0) continue;
    const { unit, per } = transportUnits[phase];
    const receiver = rows.map((r) =>
      perUnit(delta(r.receiver.before, r.receiver.after), idle.get(r.round)?.receiver, r.wallSeconds, r.units / per),
    );
    const sender = rows.map((r) =>
      perUnit(delta(r.sender.before, r.sender.after), idle.get(r.round)?.sender, r.wallSeconds, r.units / per),
    );
    costs.push({
      phase,
      unit,
      rounds: rows.length,
      receiver: medianCost(receiver, true),
      sender: medianCost(sender, false),
    });
  }
  return costs;
}

/** What one hybrid viewer did over a run, as counted (data channels' messages, connections, bytes). */
export interface ViewerWork {
  label: string;
  /** MB taken from peers, which CDN-only would have fetched over HTTP. */
  p2pMb: number;
  /** MB uploaded to peers. */
  uploadedMb: number;
  messagesSent: number;
  messagesReceived: number;
  /** Connections that connected (offers answered, answers to others' offers). */
  connected: number;
  /** RTCPeerConnections made that never connected: offers nobody answered (bittorrent-tracker's 5 an announce). */
  unansweredOffers: number;
  /** Connections held open, summed over time. */
  connectionMinutes: number;
  /** The same viewer's renderer CPU seconds in the CDN-only cohort of that run: the 10% budget's base. */
  cdnRendererSeconds: number;
}

/**
 * A receiver of session 24's first counted run (bench-results/s24-c8-res-1, N = 8 residential, 120 s, the third to join):
 * 3.76 MB from peers, 0.13 MB up, 277 messages sent and 377 received besides segment chunks, 15 connections made of
 * which 7 connected and were held 699 connection-seconds; its CDN-only counterpart's renderer 9.09 s.
 */
export const hybridReceiverN8: ViewerWork = {
  label: 'hybrid receiver, N = 8 residential, 120 s',
  p2pMb: 3.76,
  uploadedMb: 0.13,
  messagesSent: 277,
  messagesReceived: 377,
  connected: 7,
  unansweredOffers: 8,
  connectionMinutes: 699 / 60,
  cdnRendererSeconds: 9.09,
};

export interface TransportPrediction {
  /** Renderer CPU seconds each part of the work adds over CDN-only. */
  parts: { bytes: number; upload: number; messages: number; connections: number; offers: number; held: number };
  rendererSeconds: number;
  /** hybrid ÷ CDN-only, from this transport alone. */
  ratio: number;
}

/** (base + extra) ÷ base, or 1 without a base. */
function ratioOver(base: number, extra: number): number {
  return base > 0 ? (base + extra) / base : 1;
}

/**
 * Pure: the renderer CPU a viewer's P2P transport adds over CDN-only by these costs: bytes over a data channel less
 * the same bytes over HTTP, upload at the sender's rate, messages at each side's rate, connections made and held.
 * Nothing of p2p-media-loader's or our own JavaScript is in it: it is the floor any data-channel P2P pays.
 */
export function predictTransport(costs: readonly PhaseCost[], work: ViewerWork): TransportPrediction | null {
  const cost = (phase: PhaseCost['phase']) => costs.find((c) => c.phase === phase);
  const http = cost('http');
  const channel = cost('channel');
  const messages = cost('messages');
  const connect = cost('connect');
  const offer = cost('offer');
  const held = cost('held');
  if (!http || !channel || !messages || !connect || !offer || !held) return null;
  const parts = {
    bytes: work.p2pMb * (channel.receiver.rendererSeconds - http.receiver.rendererSeconds),
    upload: work.uploadedMb * channel.sender.rendererSeconds,
    messages:
      (work.messagesSent * messages.sender.rendererSeconds +
        work.messagesReceived * messages.receiver.rendererSeconds) /
      1000,
    // A connection costs both ends: a viewer is one end of each connection it makes or answers.
    connections: (work.connected * (connect.receiver.rendererSeconds + connect.sender.rendererSeconds)) / 2,
    // An offer nobody answers costs only its maker (the sender).
    offers: work.unansweredOffers * offer.sender.rendererSeconds,
    held: (work.connectionMinutes * (held.receiver.rendererSeconds + held.sender.rendererSeconds)) / 2,
  };
  const rendererSeconds = parts.bytes + parts.upload + parts.messages + parts.connections + parts.offers + parts.held;
  return { parts, rendererSeconds, ratio: ratioOver(work.cdnRendererSeconds, rendererSeconds) };
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`;

function topThreads(threads: Record<string, number>, count = 3): string {
  return Object.entries(threads)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([kind, s]) => `${kind} ${ms(s)}`)
    .join(' · ');
}

/** Pure: the printed table. */
export function formatTransport(
  costs: readonly PhaseCost[],
  prediction: TransportPrediction | null,
  work: ViewerWork,
): string {
  const lines = [
    'per unit (median of rounds, less idle)   receiver renderer  receiver browser  sender renderer  receiver threads',
  ];
  for (const c of costs) {
    lines.push(
      `${`${c.phase} (per ${c.unit})`.padEnd(41)}${ms(c.receiver.rendererSeconds).padStart(17)}${ms(c.receiver.totalSeconds).padStart(18)}${ms(c.sender.rendererSeconds).padStart(17)}  ${topThreads(c.receiver.threads)}`,
    );
  }
  const http = costs.find((c) => c.phase === 'http');
  const channel = costs.find((c) => c.phase === 'channel');
  if (http && channel && http.receiver.rendererSeconds > 0) {
    lines.push(
      `data channel ÷ HTTP, receiver renderer per MB: ${(channel.receiver.rendererSeconds / http.receiver.rendererSeconds).toFixed(2)}×; whole receiving browser: ${(channel.receiver.totalSeconds / Math.max(1e-9, http.receiver.totalSeconds)).toFixed(2)}×`,
    );
  }
  if (prediction) {
    const p = prediction.parts;
    lines.push(
      `${work.label}: transport alone adds ${prediction.rendererSeconds.toFixed(2)} s renderer CPU (bytes ${p.bytes.toFixed(2)} · upload ${p.upload.toFixed(2)} · messages ${p.messages.toFixed(2)} · connections ${p.connections.toFixed(2)} · offers ${p.offers.toFixed(2)} · held ${p.held.toFixed(2)}) to CDN-only's ${work.cdnRendererSeconds.toFixed(1)} s: ${prediction.ratio.toFixed(3)}× (the target is < 1.10×, ${(0.1 * work.cdnRendererSeconds).toFixed(2)} s)`,
    );
  }
  return lines.join('\n');
}

/** What explainRun reads of a compare run's viewer (results.json's cohorts[].run.viewers[]). */
export interface RunViewer {
  viewer: number;
  p2pBytes: number;
  cpu: { rendererSeconds: number } | null;
  transport?: TransportCount;
}

/** Pure: a counted viewer's work, its matching CDN-only viewer's renderer CPU as the base. */
export function viewerWorkFrom(viewer: RunViewer, cdnRendererSeconds: number, label: string): ViewerWork | null {
  const t = viewer.transport;
  if (!t) return null;
  return {
    label,
    p2pMb: viewer.p2pBytes / 1e6,
    uploadedMb: t.bytesSent / 1e6,
    messagesSent: messageTotal(t.sent) - (t.sent.chunk ?? 0),
    messagesReceived: messageTotal(t.received) - (t.received.chunk ?? 0),
    connected: t.connected,
    unansweredOffers: Math.max(0, t.connections - t.connected),
    connectionMinutes: t.connectionSeconds / 60,
    cdnRendererSeconds,
  };
}

export interface CohortExplained {
  cohort: string;
  viewers: number;
  /** Means a viewer: its renderer CPU over its CDN-only counterpart's (same join slot, same link). */
  measuredExtraSeconds: number;
  cdnRendererSeconds: number;
  /** What bench:transport's costs predict for the same viewers' counted transport, and its parts. */
  predicted: TransportPrediction;
}

/**
 * Pure: for each P2P cohort of a compare run, the renderer CPU its viewers spent beyond their CDN-only counterparts
 * (viewer i against CDN-only's viewer i), and how much of it these transport costs account for. A string says why
 * nothing can be said (no CDN-only cohort, no counted viewers).
 */
export function explainRun(
  costs: readonly PhaseCost[],
  cohorts: readonly { name: string; viewers: readonly RunViewer[] }[],
): CohortExplained[] | string {
  const missing = (Object.keys(transportUnits) as PhaseCost['phase'][]).filter(
    (p) => !costs.some((c) => c.phase === p),
  );
  if (missing.length > 0) return `the costs have no ${missing.join(', ')} phase: measure them again with this version`;
  const cdn = cohorts.find((c) => c.name === 'cdn');
  if (!cdn) return 'the run has no CDN-only cohort to measure against';
  const explained: CohortExplained[] = [];
  for (const cohort of cohorts) {
    if (cohort === cdn) continue;
    const rows = cohort.viewers.flatMap((v) => {
      const base = cdn.viewers.find((c) => c.viewer === v.viewer)?.cpu?.rendererSeconds;
      if (base === undefined || !v.cpu) return [];
      const work = viewerWorkFrom(v, base, cohort.name);
      const prediction = work ? predictTransport(costs, work) : null;
      return prediction ? [{ base, extra: v.cpu.rendererSeconds - base, prediction }] : [];
    });
    if (rows.length === 0) continue;
    const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((sum, r) => sum + f(r), 0) / rows.length;
    const cdnRendererSeconds = mean((r) => r.base);
    const partNames = Object.keys(rows[0]?.prediction.parts ?? {}) as (keyof TransportPrediction['parts'])[];
    const parts = Object.fromEntries(
      partNames.map((name) => [name, mean((r) => r.prediction.parts[name])]),
    ) as TransportPrediction['parts'];
    const rendererSeconds = mean((r) => r.prediction.rendererSeconds);
    explained.push({
      cohort: cohort.name,
      viewers: rows.length,
      measuredExtraSeconds: mean((r) => r.extra),
      cdnRendererSeconds,
      predicted: { parts, rendererSeconds, ratio: ratioOver(cdnRendererSeconds, rendererSeconds) },
    });
  }
  return explained.length > 0
    ? explained
    : 'no viewer of a P2P cohort has a transport count (a run from before 6394c63?)';
}

/** Pure: explainRun's lines. */
export function formatExplained(explained: readonly CohortExplained[]): string {
  return explained
    .map((e) => {
      const p = e.predicted.parts;
      const rest = e.measuredExtraSeconds - e.predicted.rendererSeconds;
      const measured = `${e.measuredExtraSeconds >= 0 ? '+' : ''}${e.measuredExtraSeconds.toFixed(2)}`;
      return `${e.cohort} (${e.viewers} viewers): measured ${measured} s a viewer over CDN-only's ${e.cdnRendererSeconds.toFixed(2)} s (${((e.cdnRendererSeconds + e.measuredExtraSeconds) / e.cdnRendererSeconds).toFixed(3)}×); transport predicts +${e.predicted.rendererSeconds.toFixed(2)} s (bytes ${p.bytes.toFixed(2)} · upload ${p.upload.toFixed(2)} · messages ${p.messages.toFixed(2)} · connections ${p.connections.toFixed(2)} · offers ${p.offers.toFixed(2)} · held ${p.held.toFixed(2)}); the rest ${rest >= 0 ? '+' : ''}${rest.toFixed(2)} s`;
    })
    .join('\n');
}
