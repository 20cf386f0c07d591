/**
 * bench:live --parts, the pure half: what a poller reads from an LL-HLS playlist, and what the run's
 * counters come to per part, against the naive baseline of the same run. Plain data in and out; the
 * edge, the publisher and the pollers are in live-parts-run.ts.
 */
import { parsePartName } from '@edgeswarm/protocol';

/** A part by its place in the stream. */
export interface PartRef {
  msn: number;
  part: number;
  /** As the playlist writes it, relative to the rendition (`s0-6.p2.m4s`). */
  uri: string;
}

/** One number per part, in stream order (parts per segment stay far below 10 000: the edge's names allow 4 digits). */
export const partKey = (ref: Pick<PartRef, 'msn' | 'part'>): number => ref.msn * 10_000 + ref.part;

export interface LlPlaylistView {
  /** Every EXT-X-PART the playlist lists, in order. */
  parts: PartRef[];
  /** The part EXT-X-PRELOAD-HINT names: what a blocking poller asks for next. */
  hint?: PartRef;
}

const partTag = /^#EXT-X-PART:.*?URI="([^"]+)"/gm;
const hintTag = /^#EXT-X-PRELOAD-HINT:(?=.*TYPE=PART).*?URI="([^"]+)"/m;

/**
 * What a poller needs from a media playlist of `rendition`: its parts and the hinted part. URIs that are
 * not the edge's part names are left out. A regex read, not parsePlaylist: a thousand pollers read every
 * answer on the machine that also runs the edge.
 */
export function readLlPlaylist(text: string, rendition: string): LlPlaylistView {
  const ref = (uri: string): PartRef | undefined => {
    const name = parsePartName(`${rendition}/${uri}`);
    return name && { msn: name.msn, part: name.part, uri };
  };
  const parts: PartRef[] = [];
  for (const match of text.matchAll(partTag)) {
    const part = ref(match[1] ?? '');
    if (part) parts.push(part);
  }
  const hinted = hintTag.exec(text)?.[1];
  const hint = hinted === undefined ? undefined : ref(hinted);
  return hint ? { parts, hint } : { parts };
}

/** The coordinator's and the Worker's counters a mode is judged by (GET /v1/streams/:id's `coordinator`, /v1/metrics). */
export interface PartsCounters {
  /** The Worker isolate: requests that reached a coordinator, playlists and parts together, after cache and coalescing. */
  coordinatorCalls: number;
  r2Gets: number;
  cacheHits: number;
  /** The coordinator: what reached it, from every isolate. */
  playlistRequests: number;
  partRequests: number;
  renders: number;
  wakeups: number;
  storageReads: number;
}

export const partsCounterNames = [
  'coordinatorCalls',
  'r2Gets',
  'cacheHits',
  'playlistRequests',
  'partRequests',
  'renders',
  'wakeups',
  'storageReads',
] as const satisfies readonly (keyof PartsCounters)[];

export interface PartsMode {
  mode: 'blocking' | 'naive';
  /** Parts published while measuring. */
  parts: number;
  pollers: number;
  httpRequests: number;
  /** Answers that were not 2xx, and requests that failed or timed out. */
  failures: number;
  before: PartsCounters;
  after: PartsCounters;
  /** Per poller and part: ms from the start of the part's PUT to the poller holding both a playlist listing it and its bytes. */
  lagsMs: number[];
  /** Poller–part pairs never completed (no listing or no bytes by the end). */
  missed: number;
}

export interface PartsFigures {
  mode: PartsMode['mode'];
  parts: number;
  failures: number;
  missed: number;
  perPart: {
    httpRequests: number;
    coordinatorCalls: number;
    playlistCalls: number;
    partCalls: number;
    cacheHits: number;
    wakeups: number;
    renders: number;
    /** SQLite reads by the coordinator plus R2 reads by the Worker. */
    storageReads: number;
  };
  /**
   * Whether every call the coordinator received was counted by the isolate /v1/metrics answered from: then the
   * figures are per isolate (wrangler dev runs one). False when another isolate made calls this one did not see.
   */
  oneIsolate: boolean;
  lagMs: { p50: number; p99: number; max: number };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export function partsFigures(run: PartsMode): PartsFigures {
  const delta = (key: keyof PartsCounters) => run.after[key] - run.before[key];
  const per = (value: number) => (run.parts > 0 ? value / run.parts : 0);
  const received = delta('playlistRequests') + delta('partRequests');
  const sorted = [...run.lagsMs].sort((a, b) => a - b);
  return {
    mode: run.mode,
    parts: run.parts,
    failures: run.failures,
    missed: run.missed,
    perPart: {
      httpRequests: per(run.httpRequests),
      coordinatorCalls: per(delta('coordinatorCalls')),
      playlistCalls: per(delta('playlistRequests')),
      partCalls: per(delta('partRequests')),
      cacheHits: per(delta('cacheHits')),
      wakeups: per(delta('wakeups')),
      renders: per(delta('renders')),
      storageReads: per(delta('storageReads') + delta('r2Gets')),
    },
    oneIsolate: delta('coordinatorCalls') === received,
    lagMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
  };
}

/** a ÷ b; null when the baseline is 0 (nothing to compare with). */
export const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export function partsRatios(blocking: PartsFigures, naive: PartsFigures) {
  return {
    httpRequests: ratio(blocking.perPart.httpRequests, naive.perPart.httpRequests),
    coordinatorCalls: ratio(blocking.perPart.coordinatorCalls, naive.perPart.coordinatorCalls),
    storageReads: ratio(blocking.perPart.storageReads, naive.perPart.storageReads),
    lagP50: ratio(blocking.lagMs.p50, naive.lagMs.p50),
  };
}

/**
 * The row: 1 000 blocking part pollers cost at most one coordinator call and one storage read per part per
 * isolate. A poller asks for each part twice (the blocking playlist that lists it, and its bytes), so the calls are
 * judged per URL, playlist and part each, and their sum is reported beside them.
 */
export function partsVerdict(blocking: PartsFigures) {
  const { playlistCalls, partCalls, storageReads } = blocking.perPart;
  const slack = 1e-9;
  return {
    playlistCallsAtMostOne: playlistCalls <= 1 + slack,
    partCallsAtMostOne: partCalls <= 1 + slack,
    storageReadsAtMostOne: storageReads <= 1 + slack,
    perIsolate: blocking.oneIsolate,
  };
}

const times = (value: number | null) => (value === null ? 'n/a (baseline 0)' : `${value.toFixed(2)}x`);

/** The printed report: one row per mode, the ratios, the verdict. */
export function partsReportLines(
  settings: { pollers: number; partSeconds: number; targetDuration: number; segments: number },
  blocking: PartsFigures,
  naive: PartsFigures,
): string[] {
  const row = (f: PartsFigures) =>
    [
      f.mode.padEnd(9),
      f.perPart.httpRequests.toFixed(0).padStart(8),
      f.perPart.playlistCalls.toFixed(2).padStart(9),
      f.perPart.partCalls.toFixed(2).padStart(6),
      f.perPart.coordinatorCalls.toFixed(2).padStart(7),
      f.perPart.wakeups.toFixed(2).padStart(8),
      f.perPart.renders.toFixed(2).padStart(8),
      f.perPart.storageReads.toFixed(2).padStart(8),
      f.lagMs.p50.toFixed(0).padStart(8),
      f.lagMs.p99.toFixed(0).padStart(8),
      String(f.missed).padStart(7),
      String(f.failures).padStart(9),
    ].join(' ');
  const r = partsRatios(blocking, naive);
  const v = partsVerdict(blocking);
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  return [
    `${settings.pollers} pollers per mode, ${blocking.parts} parts of ${settings.partSeconds} s (${settings.segments} segments of ${settings.targetDuration} s); figures per part`,
    '                        coordinator calls',
    'mode      requests  playlist   part   total  wakeups  renders  storage  lag p50  lag p99  missed  failures',
    row(blocking),
    row(naive),
    `ratio blocking/naive: requests ${times(r.httpRequests)}, coordinator calls ${times(r.coordinatorCalls)}, storage reads ${times(r.storageReads)}, lag p50 ${times(r.lagP50)}`,
    `per isolate: ${blocking.oneIsolate && naive.oneIsolate ? 'every coordinator call was counted by the one Worker isolate (calls counted = calls received)' : 'the coordinator received calls the isolate that answered /v1/metrics did not count (more than one isolate): figures are per stream, not per isolate'}`,
    `target, blocking (≤ 1 coordinator call and ≤ 1 storage read per part per isolate): playlist ${yes(v.playlistCallsAtMostOne)}, part bytes ${yes(v.partCallsAtMostOne)}, storage reads ${yes(v.storageReadsAtMostOne)}`,
  ];
}
