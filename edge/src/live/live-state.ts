/**
 * The live coordinator's decisions, as pure functions over plain data: which
 * commits to accept, what the media playlists say, when a blocking reload can
 * be answered. The Durable Object only persists, waits and wakes.
 */
import {
  type BlockingDirectives,
  commitSession,
  decideBlockingReload,
  deltaUpdate,
  type LiveEdge,
  type MediaPlaylist,
  type MediaSegment,
  nextPart,
  type OpenSegment,
  type Part,
  type RenditionReport,
  renderMediaPlaylist,
  type SegmentCommit,
  type StreamStatus,
} from '@edgeswarm/protocol';

export interface LiveOptions {
  /** Seconds; every segment must round to at most this. */
  targetDuration: number;
  /** Segments in the live playlist (the sliding window). */
  windowSegments: number;
  /** Seconds a viewer can seek back while live; the window grows to cover it. 0: just the window. */
  dvrWindowSeconds: number;
  /**
   * A blocking reload answers with the current playlist after this many target durations. Kept in stored
   * state; the wait itself is protocol's blockingDefaults.timeoutTargetDurations (the same 3, RFC 8216bis).
   */
  blockingTimeoutTargetDurations: number;
}

export const liveDefaults: LiveOptions = {
  targetDuration: 2,
  windowSegments: 6,
  dvrWindowSeconds: 0,
  blockingTimeoutTargetDurations: 3,
};

export const liveLimits = {
  targetDuration: [1, 10],
  windowSegments: [3, 100],
  dvrWindowSeconds: [0, 6 * 3600],
} as const;

export interface SegmentRecord {
  msn: number;
  /** Relative to the rendition's folder, as the playlist lists it. */
  uri: string;
  init: string;
  duration: number;
  sha256: string;
  programDateTime: string;
  discontinuity: boolean;
}

export interface LiveStreamState {
  id: string;
  state: 'created' | 'live' | 'ended';
  createdAt: string;
  liveSince?: string;
  endedAt?: string;
  sessions: number;
  options: LiveOptions;
  /** Every retained segment, per rendition, ascending and gapless (retention drops the oldest). */
  renditions: Record<string, SegmentRecord[]>;
  /** Per rendition, what retention dropped: how many segments, and how many discontinuities among them. */
  pruned?: Record<string, PrunedCount>;
  /**
   * PART-TARGET, seconds, when the current publisher session sends parts (LL-HLS); a session opened
   * without it is plain HLS, exactly as before parts existed.
   */
  partTarget?: number;
}

/**
 * A part the coordinator holds (LL-HLS). Parts live only in the coordinator's memory and the edge cache,
 * never in R2 or SQLite: each is useful for a few seconds, and its bytes arrive again in the whole segment.
 */
export interface PartRecord {
  msn: number;
  part: number;
  session: number;
  /** Relative to the rendition's folder, as the playlist lists it (`s0-11.p2.m4s`). */
  uri: string;
  duration: number;
  independent: boolean;
  sha256: string;
  size: number;
}

/** Per rendition, the parts held, ascending by (msn, part). */
export type PartLog = Record<string, PartRecord[]>;

export type PartUpload = Omit<PartRecord, 'uri'> & { rendition: string };

export const partDefaults = {
  /** Parts are listed for segments starting within this many target durations of the end (RFC 8216bis §6.2.2). */
  listedTargetDurations: 3,
  /** Complete segments whose parts the coordinator still holds (a late part request, the edge cache aside). */
  heldSegments: 4,
  /** PART-TARGET limits, seconds: below 0.1 s the per-part overhead dominates; above half a segment it is no part. */
  minPartTarget: 0.1,
  /** A part may exceed PART-TARGET by this much (rounding of frame durations). */
  durationTolerance: 0.001,
} as const;

export interface PrunedCount {
  segments: number;
  /** Discontinuities before the first retained segment (not counting one on the stream's very first segment). */
  discontinuities: number;
}

export type Refusal = { ok: false; status: 400 | 409; reason: string };

/** Validates options a creator asked for; unknown or out-of-range values are refused, not clamped. */
export function resolveOptions(requested: Partial<Record<keyof LiveOptions, unknown>> = {}): LiveOptions | Refusal {
  const options = { ...liveDefaults };
  for (const key of ['targetDuration', 'windowSegments', 'dvrWindowSeconds'] as const) {
    const value = requested[key];
    if (value === undefined) continue;
    const [min, max] = liveLimits[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return { ok: false, status: 400, reason: `${key} must be an integer in [${min}, ${max}]` };
    }
    options[key] = value;
  }
  return options;
}

export function newStream(id: string, options: LiveOptions, now: Date): LiveStreamState {
  return { id, state: 'created', createdAt: now.toISOString(), sessions: 0, options, renditions: {} };
}

/** A publisher starts: it gets a session number of its own, and the stream is live (again). With parts if it says so. */
export function openSession(
  state: LiveStreamState,
  now: Date,
  partTarget?: number,
): { state: LiveStreamState; session: number } {
  const live = state.state === 'live';
  const next: LiveStreamState = {
    ...state,
    state: 'live',
    sessions: state.sessions + 1,
    liveSince: live ? state.liveSince : now.toISOString(),
  };
  delete next.endedAt;
  if (partTarget === undefined) delete next.partTarget;
  else next.partTarget = partTarget;
  return { state: next, session: state.sessions };
}

/** Validates a session's requested PART-TARGET: absent (plain HLS), or seconds in [0.1, half the target duration]. */
export function resolvePartTarget(value: unknown, options: LiveOptions): number | undefined | Refusal {
  if (value === undefined || value === null) return undefined;
  const max = options.targetDuration / 2;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < partDefaults.minPartTarget || value > max) {
    return {
      ok: false,
      status: 400,
      reason: `partTarget must be a number of seconds in [${partDefaults.minPartTarget}, ${max}]`,
    };
  }
  return Math.round(value * 1000) / 1000;
}

export function endStream(state: LiveStreamState, now: Date): LiveStreamState {
  if (state.state === 'ended') return state;
  return { ...state, state: 'ended', endedAt: now.toISOString() };
}

export function lastMsn(state: LiveStreamState, rendition: string): number {
  return state.renditions[rendition]?.at(-1)?.msn ?? -1;
}

export type CommitResult =
  | { ok: true; outcome: 'appended'; state: LiveStreamState; record: SegmentRecord }
  | { ok: true; outcome: 'duplicate'; state: LiveStreamState }
  | Refusal;

function recordOf(commit: SegmentCommit): SegmentRecord {
  const local = (name: string) => name.slice(name.indexOf('/') + 1);
  return {
    msn: commit.msn,
    uri: local(commit.name),
    init: local(commit.init),
    duration: commit.duration,
    sha256: commit.sha256,
    programDateTime: commit.programDateTime,
    discontinuity: commit.discontinuity,
  };
}

export function applyCommit(state: LiveStreamState, commit: SegmentCommit, now: Date): CommitResult {
  // Only a publisher that opened a session commits: its session number names its objects.
  const session = commitSession(commit);
  if (session === undefined || session >= state.sessions) {
    return {
      ok: false,
      status: 409,
      reason: `${commit.name} belongs to ${session === undefined ? 'no publisher session' : `session ${session}, which was never opened`} (sessions opened: ${state.sessions}); POST /v1/streams/${state.id}/sessions first`,
    };
  }
  const record = recordOf(commit);
  const segments = state.renditions[commit.rendition] ?? [];
  const last = segments.at(-1);
  if (last && commit.msn <= last.msn) {
    // A late retry of a commit retention already dropped: it was accepted once, so it is a duplicate.
    if (commit.msn < (segments[0]?.msn ?? 0) && (state.pruned?.[commit.rendition]?.segments ?? 0) > 0) {
      return { ok: true, outcome: 'duplicate', state };
    }
    const existing = segments.find((s) => s.msn === commit.msn);
    const same = existing && JSON.stringify(existing) === JSON.stringify(record);
    if (same) return { ok: true, outcome: 'duplicate', state };
    return {
      ok: false,
      status: 409,
      reason: `msn ${commit.msn} of ${commit.rendition} is already committed${existing ? ' with different content' : ''}; the next is ${last.msn + 1}`,
    };
  }
  const expected = last ? last.msn + 1 : 0;
  if (commit.msn !== expected) {
    return {
      ok: false,
      status: 409,
      reason: `msn ${commit.msn} of ${commit.rendition} leaves a gap; expected ${expected}`,
    };
  }
  if (state.state === 'ended') {
    return { ok: false, status: 409, reason: 'the stream has ended; open a new session to continue it' };
  }
  if (Math.round(commit.duration) > state.options.targetDuration) {
    return {
      ok: false,
      status: 400,
      reason: `a ${commit.duration} s segment exceeds the ${state.options.targetDuration} s target duration`,
    };
  }
  const next: LiveStreamState = {
    ...state,
    state: 'live',
    liveSince: state.liveSince ?? now.toISOString(),
    renditions: { ...state.renditions, [commit.rendition]: [...segments, record] },
  };
  return { ok: true, outcome: 'appended', state: next, record };
}

/** Which segments a live playlist lists: the window, widened to the DVR window. All of them once ended. */
export function windowStart(segments: SegmentRecord[], state: LiveStreamState): number {
  if (state.state === 'ended') return 0;
  let start = Math.max(0, segments.length - state.options.windowSegments);
  let covered = segments.slice(start).reduce((sum, s) => sum + s.duration, 0);
  while (start > 0 && covered + (segments[start - 1]?.duration ?? 0) <= state.options.dvrWindowSeconds) {
    start--;
    covered += segments[start]?.duration ?? 0;
  }
  return start;
}

/**
 * Where a new viewer should start (EXT-X-START, as seconds from the end), so it starts within the current publisher
 * session: while a restart's discontinuity is inside the live window (the last windowSegments segments), a player
 * starting a usual distance behind the end would land in the previous session, minutes old. It starts at the
 * session's first segment, or HOLD-BACK (3 target durations) behind the end once the session is that long. Once the
 * session fills the window, undefined: players start where they like, and only a deliberate seek reaches the old one.
 */
export function sessionStartOffset(segments: SegmentRecord[], options: LiveOptions): number | undefined {
  const recent = Math.max(1, segments.length - options.windowSegments);
  let sessionStart = -1;
  for (let i = segments.length - 1; i >= recent; i--) {
    if (segments[i]?.discontinuity) {
      sessionStart = i;
      break;
    }
  }
  if (sessionStart === -1) return undefined;
  const sessionSeconds = segments.slice(sessionStart).reduce((sum, s) => sum + s.duration, 0);
  // Rounded toward the end, so float sums never reach back into the previous session's last segment.
  const seconds = Math.min(Math.floor(sessionSeconds * 1000) / 1000, 3 * options.targetDuration);
  return -seconds;
}

/** The parts of a complete segment: those named for its session and msn. */
export function partsOfSegment(parts: PartRecord[], segment: Pick<SegmentRecord, 'msn' | 'uri'>): PartRecord[] {
  const prefix = `${segment.uri.slice(0, -'.m4s'.length)}.p`;
  return parts.filter((p) => p.msn === segment.msn && p.uri.startsWith(prefix));
}

/** Pure: where a rendition's live edge is, as the LL-HLS rules (protocol/low-latency) see it. */
export function liveEdge(state: LiveStreamState, rendition: string, log: PartLog = {}): LiveEdge {
  const segments = state.renditions[rendition] ?? [];
  const last = segments.at(-1);
  const lastMsnValue = last?.msn ?? -1;
  const parts = log[rendition] ?? [];
  const edge: LiveEdge = {
    ended: state.state === 'ended',
    targetDuration: state.options.targetDuration,
    lastMsn: lastMsnValue,
    lastSegmentParts: last ? partsOfSegment(parts, last).length : 0,
    openParts: parts.filter((p) => p.msn === lastMsnValue + 1).length,
  };
  if (state.partTarget !== undefined && state.state === 'live') edge.partTarget = state.partTarget;
  return edge;
}

export type PartResult =
  | { ok: true; outcome: 'appended'; log: PartLog; record: PartRecord }
  | { ok: true; outcome: 'duplicate'; log: PartLog }
  | Refusal;

/**
 * A part from the publisher: accepted only for the segment after the last complete one, gapless and in
 * order, from the current session while it sends parts; an identical repeat is a no-op. The log keeps the
 * parts of the last few complete segments and drops older ones.
 */
export function applyPart(state: LiveStreamState, log: PartLog, upload: PartUpload): PartResult {
  const { rendition, msn, part } = upload;
  if (state.state !== 'live') return { ok: false, status: 409, reason: 'the stream is not live; open a session first' };
  if (state.partTarget === undefined) {
    return {
      ok: false,
      status: 409,
      reason: 'the current session was opened without partTarget; open one with partTarget to send parts',
    };
  }
  if (upload.session !== state.sessions - 1) {
    return {
      ok: false,
      status: 409,
      reason: `the part belongs to session ${upload.session}; the current session is ${state.sessions - 1}`,
    };
  }
  if (
    !Number.isFinite(upload.duration) ||
    upload.duration <= 0 ||
    upload.duration > state.partTarget + partDefaults.durationTolerance
  ) {
    return { ok: false, status: 400, reason: `a part lasts (0, ${state.partTarget}] s, the part target` };
  }
  const uri = `s${upload.session}-${msn}.p${part}.m4s`;
  const record: PartRecord = { ...upload, uri };
  delete (record as Partial<PartUpload>).rendition;
  const parts = log[rendition] ?? [];
  const existing = parts.find((p) => p.msn === msn && p.part === part && p.session === upload.session);
  if (existing) {
    if (JSON.stringify(existing) === JSON.stringify(record)) return { ok: true, outcome: 'duplicate', log };
    return {
      ok: false,
      status: 409,
      reason: `part ${part} of segment ${msn} is already published with different content`,
    };
  }
  const open = lastMsn(state, rendition) + 1;
  if (msn !== open) {
    return {
      ok: false,
      status: 409,
      reason: `parts are accepted for segment ${open} only (the one after the last complete segment), not ${msn}`,
    };
  }
  const published = parts.filter((p) => p.msn === open && p.session === upload.session).length;
  if (part !== published) {
    return {
      ok: false,
      status: 409,
      reason: `part ${part} of segment ${msn} leaves a gap; expected part ${published}`,
    };
  }
  const kept = parts.filter(
    (p) => p.msn > open - 1 - partDefaults.heldSegments && (p.msn !== open || p.session === upload.session),
  );
  return { ok: true, outcome: 'appended', log: { ...log, [rendition]: [...kept, record] }, record };
}

/** Drops parts of segments that are no longer near the live edge (after a commit). */
export function pruneParts(state: LiveStreamState, log: PartLog): PartLog {
  const next: PartLog = {};
  for (const [rendition, parts] of Object.entries(log)) {
    const oldest = lastMsn(state, rendition) - partDefaults.heldSegments;
    const kept = state.state === 'live' ? parts.filter((p) => p.msn > oldest) : [];
    if (kept.length > 0) next[rendition] = kept;
  }
  return next;
}

/** The log without these parts of a rendition (a segment that did not match its parts keeps none). */
export function dropParts(log: PartLog, rendition: string, uris: readonly string[]): PartLog {
  const kept = (log[rendition] ?? []).filter((p) => !uris.includes(p.uri));
  const { [rendition]: _, ...others } = log;
  return kept.length > 0 ? { ...others, [rendition]: kept } : others;
}

const toPart = (p: PartRecord): Part => ({
  uri: p.uri,
  duration: p.duration,
  ...(p.independent ? { independent: true } : {}),
});

/** Where another rendition's live edge is (EXT-X-RENDITION-REPORT: its last part when it has parts). */
function renditionReport(state: LiveStreamState, rendition: string, log: PartLog): RenditionReport {
  const edge = liveEdge(state, rendition, log);
  const report: RenditionReport = { uri: `../${rendition}/live.m3u8` };
  if (edge.openParts > 0) return { ...report, lastMsn: edge.lastMsn + 1, lastPart: edge.openParts - 1 };
  if (edge.lastMsn >= 0) report.lastMsn = edge.lastMsn;
  if (edge.lastSegmentParts > 0) report.lastPart = edge.lastSegmentParts - 1;
  return report;
}

/**
 * The LL-HLS additions to a live playlist while the session sends parts: PART-INF, the server control a
 * low-latency client needs, parts of the segments near the end, the open segment's parts, a preload hint
 * for the next part, and the other renditions' reports.
 */
function addParts(
  playlist: MediaPlaylist,
  state: LiveStreamState,
  rendition: string,
  shown: SegmentRecord[],
  log: PartLog,
): void {
  const partTarget = state.partTarget as number;
  const targetDuration = state.options.targetDuration;
  const parts = log[rendition] ?? [];
  const edge = liveEdge(state, rendition, log);
  const openParts = parts.filter((p) => p.msn === edge.lastMsn + 1);
  const openSeconds = openParts.reduce((sum, p) => sum + p.duration, 0);
  playlist.partTarget = partTarget;
  playlist.serverControl = {
    canBlockReload: true,
    canSkipUntil: 6 * targetDuration,
    holdBack: 3 * targetDuration,
    partHoldBack: 3 * partTarget,
  };
  // Parts are listed for segments that start within 3 target durations of the end.
  let fromEnd = openSeconds;
  for (let i = shown.length - 1; i >= 0; i--) {
    const record = shown[i] as SegmentRecord;
    fromEnd += record.duration;
    if (fromEnd > partDefaults.listedTargetDurations * targetDuration) break;
    const own = partsOfSegment(parts, record);
    if (own.length > 0) (playlist.segments[i] as MediaSegment).parts = own.map(toPart);
  }
  if (openParts.length > 0) {
    const open: OpenSegment = { parts: openParts.map(toPart) };
    const session = (openParts[0] as PartRecord).session;
    const init = `init-s${session}.mp4`;
    const lastInit = shown.at(-1)?.init;
    if (lastInit !== undefined && lastInit !== init) {
      open.discontinuity = true;
      open.map = init;
    }
    playlist.openSegment = open;
  }
  const hint = nextPart({ ...edge, partTarget }, openSeconds);
  playlist.preloadHints = [{ type: 'PART', uri: `s${state.sessions - 1}-${hint.msn}.p${hint.part}.m4s` }];
  const others = Object.keys(state.renditions)
    .filter((r) => r !== rendition && (state.renditions[r]?.length ?? 0) > 0)
    .sort();
  if (others.length > 0) playlist.renditionReports = others.map((r) => renditionReport(state, r, log));
}

export function livePlaylist(state: LiveStreamState, rendition: string, log: PartLog = {}): MediaPlaylist | undefined {
  const all = state.renditions[rendition];
  if (!all || all.length === 0) return undefined;
  const start = windowStart(all, state);
  const shown = all.slice(start);
  const first = shown[0] as SegmentRecord;
  const segments: MediaSegment[] = shown.map((s, i) => {
    const segment: MediaSegment = {
      uri: s.uri,
      duration: s.duration,
      programDateTime: s.programDateTime,
      sha256: s.sha256,
    };
    if (s.discontinuity && i > 0) segment.discontinuity = true;
    if (i > 0 && s.init !== shown[i - 1]?.init) segment.map = s.init;
    return segment;
  });
  const ended = state.state === 'ended';
  const playlist: MediaPlaylist = {
    type: 'media',
    version: 7,
    targetDuration: state.options.targetDuration,
    mediaSequence: first.msn,
    // Discontinuities that slid out of the window (retention's included), plus the one on the first shown segment.
    discontinuitySequence: discontinuitiesThrough(state, rendition, start),
    independentSegments: true,
    map: first.init,
    segments,
    endList: ended,
  };
  if (!ended) {
    playlist.serverControl = { canBlockReload: true, holdBack: 3 * state.options.targetDuration };
    const offset = sessionStartOffset(all, state.options);
    if (offset !== undefined) playlist.start = { timeOffset: offset };
    if (state.partTarget !== undefined) addParts(playlist, state, rendition, shown, log);
  }
  return playlist;
}

/** Discontinuities up to and including retained segment `index`; one on the stream's first segment ever does not count. */
function discontinuitiesThrough(state: LiveStreamState, rendition: string, index: number): number {
  const pruned = state.pruned?.[rendition] ?? { segments: 0, discontinuities: 0 };
  const retained = (state.renditions[rendition] ?? [])
    .slice(0, index + 1)
    .filter((s, i) => s.discontinuity && pruned.segments + i > 0).length;
  return pruned.discontinuities + retained;
}

/** The playlist as text; `skip`: the delta update (_HLS_skip), which only a low-latency playlist offers. */
export function renderLivePlaylist(
  state: LiveStreamState,
  rendition: string,
  log: PartLog = {},
  skip = false,
): string | undefined {
  const playlist = livePlaylist(state, rendition, log);
  return playlist && renderMediaPlaylist(skip ? deltaUpdate(playlist) : playlist);
}

export type BlockingDecision = { kind: 'now' } | { kind: 'wait'; msn: number } | Refusal;

/**
 * Plain HLS's view of the blocking rules (protocol/low-latency decides): answer now, hold until `msn` is
 * committed, or refuse a request too far ahead (RFC 8216bis: more than last + 2).
 */
export function blockingDecision(
  state: LiveStreamState,
  rendition: string,
  directives: BlockingDirectives,
): BlockingDecision {
  const decision = decideBlockingReload(directives, { ...liveEdge(state, rendition), partTarget: undefined }, 0);
  if ('ok' in decision) return decision;
  return decision.kind === 'wait' ? { kind: 'wait', msn: decision.msn } : decision;
}

export function streamStatus(state: LiveStreamState): StreamStatus {
  const status: StreamStatus = {
    id: state.id,
    state: state.state,
    createdAt: state.createdAt,
    targetDuration: state.options.targetDuration,
    sessions: state.sessions,
    renditions: Object.entries(state.renditions).map(([name, segments]) => {
      const last = segments.at(-1);
      return {
        name,
        segments: segments.length,
        lastMsn: last?.msn ?? -1,
        ...(last ? { lastProgramDateTime: last.programDateTime } : {}),
      };
    }),
  };
  if (state.liveSince) status.liveSince = state.liveSince;
  if (state.endedAt) status.endedAt = state.endedAt;
  return status;
}
