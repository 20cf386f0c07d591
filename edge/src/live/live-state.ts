/**
 * The live coordinator's decisions, as pure functions over plain data: which
 * commits to accept, what the media playlists say, when a blocking reload can
 * be answered. The Durable Object only persists, waits and wakes.
 */
import {
  type BlockingDirectives,
  commitSession,
  type MediaPlaylist,
  type MediaSegment,
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
  /** A blocking reload answers with the current playlist after this many target durations. */
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
}

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

/** A publisher starts: it gets a session number of its own, and the stream is live (again). */
export function openSession(state: LiveStreamState, now: Date): { state: LiveStreamState; session: number } {
  const live = state.state === 'live';
  const next: LiveStreamState = {
    ...state,
    state: 'live',
    sessions: state.sessions + 1,
    liveSince: live ? state.liveSince : now.toISOString(),
  };
  delete next.endedAt;
  return { state: next, session: state.sessions };
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

export function livePlaylist(state: LiveStreamState, rendition: string): MediaPlaylist | undefined {
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

export function renderLivePlaylist(state: LiveStreamState, rendition: string): string | undefined {
  const playlist = livePlaylist(state, rendition);
  return playlist && renderMediaPlaylist(playlist);
}

export type BlockingDecision = { kind: 'now' } | { kind: 'wait'; msn: number } | Refusal;

/** Answer now, hold until `msn` is committed, or refuse a request too far ahead (RFC 8216bis: more than last + 2). */
export function blockingDecision(
  state: LiveStreamState,
  rendition: string,
  directives: BlockingDirectives,
): BlockingDecision {
  if (directives.msn === undefined || state.state === 'ended') return { kind: 'now' };
  const last = lastMsn(state, rendition);
  if (directives.msn > last + 2) {
    return {
      ok: false,
      status: 400,
      reason: `_HLS_msn=${directives.msn} is more than two segments past the last one (${last})`,
    };
  }
  return directives.msn <= last ? { kind: 'now' } : { kind: 'wait', msn: directives.msn };
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
