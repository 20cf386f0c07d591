/**
 * Live streaming on the wire: object naming per publisher session, the commit
 * a publisher sends after uploading a segment, blocking-reload directives, and
 * the stream status the lifecycle API returns.
 */
import { type Validation, validateObjectName } from './names';

/** Media playlists of live streams are rendered by the stream's coordinator, never stored. */
export const livePlaylistFile = 'live.m3u8';

export const liveNames = {
  playlist: (rendition: string) => `${rendition}/${livePlaylistFile}`,
  /** Each publisher session has its own names, so a restart never collides with write-once objects. */
  segment: (rendition: string, session: number, msn: number) => `${rendition}/s${session}-${msn}.m4s`,
  init: (rendition: string, session: number) => `${rendition}/init-s${session}.mp4`,
  /** Part `part` of segment `msn` (LL-HLS): kept by the coordinator and the edge cache, never stored in R2. */
  part: (rendition: string, session: number, msn: number, part: number) =>
    `${rendition}/s${session}-${msn}.p${part}.m4s`,
} as const;

export interface PartName {
  rendition: string;
  session: number;
  msn: number;
  part: number;
}

/** Pure: reads a part's object name (liveNames.part), or undefined when the name is not a part's. */
export function parsePartName(name: string): PartName | undefined {
  const match = /^([A-Za-z0-9][A-Za-z0-9_-]{0,31})\/s(\d{1,9})-(\d{1,15})\.p(\d{1,4})\.m4s$/.exec(name);
  if (!match) return undefined;
  const [, rendition = '', session, msn, part] = match;
  return { rendition, session: Number(session), msn: Number(msn), part: Number(part) };
}

/**
 * Pure: the publisher session a commit's objects belong to: `<rendition>/s<N>-….m4s` with
 * `<rendition>/init-s<N>.mp4` (liveNames), or undefined when they name no session or two different ones.
 */
export function commitSession(commit: Pick<SegmentCommit, 'name' | 'init'>): number | undefined {
  const segment = /^[^/]+\/s(\d{1,9})-[^/]+\.m4s$/.exec(commit.name)?.[1];
  const init = /^[^/]+\/init-s(\d{1,9})\.mp4$/.exec(commit.init)?.[1];
  if (segment === undefined || init === undefined || Number(segment) !== Number(init)) return undefined;
  return Number(segment);
}

export function isLivePlaylistName(name: string): boolean {
  return /^[^/]+\/live\.m3u8$/.test(name);
}

const renditionPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** What a publisher tells the coordinator once a segment's bytes are stored. */
export interface SegmentCommit {
  rendition: string;
  /** Media sequence number: the previous commit's + 1, per rendition. */
  msn: number;
  /** Object name of the segment, relative to the stream, inside the rendition's folder. */
  name: string;
  /** Object name of the init segment for this segment. */
  init: string;
  duration: number;
  sha256: string;
  /** ISO 8601 wall-clock time of the segment's first frame. */
  programDateTime: string;
  /** First segment after a publisher restart. */
  discontinuity: boolean;
}

export const commitLimits = { maxBodyBytes: 4096, maxDurationSeconds: 30 } as const;

/** Validates and normalises a commit body at the boundary. */
export function parseCommit(body: unknown): Validation<SegmentCommit> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'commit must be a JSON object' };
  }
  const b = body as Record<string, unknown>;
  const { rendition, msn, name, init, duration, sha256, programDateTime } = b;
  const discontinuity = b.discontinuity ?? false;
  if (typeof rendition !== 'string' || !renditionPattern.test(rendition)) {
    return { ok: false, reason: 'rendition must be 1-32 letters, digits, "_" or "-"' };
  }
  if (typeof msn !== 'number' || !Number.isSafeInteger(msn) || msn < 0) {
    return { ok: false, reason: 'msn must be a non-negative integer' };
  }
  for (const [field, value] of [
    ['name', name],
    ['init', init],
  ] as const) {
    if (typeof value !== 'string') return { ok: false, reason: `${field} must be a string` };
    const valid = validateObjectName(value);
    if (!valid.ok) return { ok: false, reason: `${field}: ${valid.reason}` };
    if (!value.startsWith(`${rendition}/`) || value.split('/').length !== 2) {
      return { ok: false, reason: `${field} must be directly inside the ${rendition}/ folder` };
    }
  }
  if (!(name as string).endsWith('.m4s')) return { ok: false, reason: 'name must be an .m4s segment' };
  if (parsePartName(name as string)) {
    return { ok: false, reason: 'name is a part (.p<N>.m4s); commit the whole segment, PUT parts to their own URL' };
  }
  if (!(init as string).endsWith('.mp4')) return { ok: false, reason: 'init must be an .mp4 init segment' };
  if (commitSession({ name: name as string, init: init as string }) === undefined) {
    return {
      ok: false,
      reason: `name and init must belong to one publisher session: ${rendition}/s<session>-<msn>.m4s and ${rendition}/init-s<session>.mp4`,
    };
  }
  if (
    typeof duration !== 'number' ||
    !Number.isFinite(duration) ||
    duration <= 0 ||
    duration > commitLimits.maxDurationSeconds
  ) {
    return { ok: false, reason: `duration must be a number of seconds in (0, ${commitLimits.maxDurationSeconds}]` };
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    return { ok: false, reason: 'sha256 must be 64 lowercase hex digits' };
  }
  if (typeof programDateTime !== 'string' || Number.isNaN(Date.parse(programDateTime))) {
    return { ok: false, reason: 'programDateTime must be an ISO 8601 date' };
  }
  if (typeof discontinuity !== 'boolean') return { ok: false, reason: 'discontinuity must be a boolean' };
  return {
    ok: true,
    value: {
      rendition,
      msn,
      name: name as string,
      init: init as string,
      duration,
      sha256,
      programDateTime: new Date(programDateTime).toISOString(),
      discontinuity,
    },
  };
}

/** A playlist request's delivery directives (RFC 8216bis §6.2.5). */
export interface BlockingDirectives {
  msn?: number;
  part?: number;
  /** `_HLS_skip=YES` (or `v2`: this server has no date ranges to skip, so the same): a delta update. */
  skip?: boolean;
}

/**
 * `_HLS_msn` / `_HLS_part` / `_HLS_skip` (RFC 8216bis §6.2.5), syntax only: `_HLS_part` without `_HLS_msn`,
 * a number that is not a decimal integer, or an unknown skip value is a 400. The rules that need the
 * playlist (too far ahead, wait or answer) are in low-latency.ts.
 */
export function parseBlockingDirectives(params: URLSearchParams): Validation<BlockingDirectives> {
  const msn = params.get('_HLS_msn');
  const part = params.get('_HLS_part');
  const skip = params.get('_HLS_skip');
  const integer = (value: string) => (/^\d{1,15}$/.test(value) ? Number(value) : undefined);
  if (skip !== null && skip !== 'YES' && skip !== 'v2') {
    return { ok: false, reason: '_HLS_skip must be YES or v2' };
  }
  const skipping: BlockingDirectives = skip === null ? {} : { skip: true };
  if (msn === null) {
    return part === null ? { ok: true, value: skipping } : { ok: false, reason: '_HLS_part requires _HLS_msn' };
  }
  const msnValue = integer(msn);
  if (msnValue === undefined) return { ok: false, reason: '_HLS_msn must be a non-negative integer' };
  if (part === null) return { ok: true, value: { msn: msnValue, ...skipping } };
  const partValue = integer(part);
  if (partValue === undefined) return { ok: false, reason: '_HLS_part must be a non-negative integer' };
  return { ok: true, value: { msn: msnValue, part: partValue, ...skipping } };
}

export type StreamState = 'created' | 'live' | 'ended';

export interface RenditionStatus {
  name: string;
  segments: number;
  /** -1 before the first commit. */
  lastMsn: number;
  lastProgramDateTime?: string;
}

export interface StreamStatus {
  id: string;
  state: StreamState;
  createdAt: string;
  /** When the current live period began. */
  liveSince?: string;
  endedAt?: string;
  targetDuration: number;
  /** Publisher sessions so far; the next publisher uses this number. */
  sessions: number;
  renditions: RenditionStatus[];
}
