/**
 * Low-latency HLS rules (RFC 8216bis), pure: what a blocking playlist request
 * gets (answer now, wait until a segment or part exists, or 400), what a
 * request for a part gets (serve, hold until it exists, 404), and the delta
 * update a client asking `_HLS_skip=YES` receives. Plain data and an injected
 * `now` in, a decision out; the coordinator only waits and wakes.
 */
import { type BlockingDirectives, parseBlockingDirectives } from './live';
import type { MediaPlaylist, MediaSegment } from './playlist';

/** Where a rendition's live edge is: what the rules need to know about its playlist. */
export interface LiveEdge {
  /** The playlist has EXT-X-ENDLIST: directives are ignored (§6.2.5.2, §6.2.5.1). */
  ended: boolean;
  targetDuration: number;
  /** Last complete segment; -1 before the first. */
  lastMsn: number;
  /** PART-TARGET, seconds; undefined when the rendition has no parts (plain HLS). */
  partTarget?: number;
  /** Parts the last complete segment had (0: none were published for it). */
  lastSegmentParts: number;
  /** Parts of segment lastMsn + 1 published so far. */
  openParts: number;
}

export const blockingDefaults = {
  /** §6.2.5.2: a server that cannot answer after three target durations should give up. */
  timeoutTargetDurations: 3,
  /** §6.2.5.2: `_HLS_msn` more than this past the last segment is a 400. */
  maxSegmentsAhead: 2,
  /** §6.2.5.2 Advance Part Limit, in seconds of parts: 3 / PART-TARGET parts below 1 s parts, else 3 parts. */
  advancePartSeconds: 3,
} as const;

export type BlockingReloadDecision =
  | { kind: 'now' }
  | {
      kind: 'wait';
      msn: number;
      /** Absent: the whole segment msn. */
      part?: number;
      /** Epoch ms after which the request gives up. */
      until: number;
      /**
       * On timeout, a low-latency rendition answers 503 (§6.2.5.2 SHOULD); a plain one answers its current
       * playlist, uncached, as it always has, so players that never asked for parts see no new status.
       */
      onTimeout: 'current-playlist' | 'unavailable';
    }
  | { ok: false; status: 400; reason: string };

/** The Advance Part Limit (§6.2.5.2), in parts. */
export function advancePartLimit(partTarget: number): number {
  return partTarget < 1 ? Math.ceil(blockingDefaults.advancePartSeconds / partTarget - 1e-9) : 3;
}

/**
 * Whether the playlist already holds segment `msn` (whole), or part `part` of it. A part index past the last
 * part of a complete segment means part 0 of the next one (§6.2.5.2); a complete segment published without
 * parts holds every part index.
 */
export function hasReached(edge: LiveEdge, msn: number, part?: number): boolean {
  if (part === undefined || edge.partTarget === undefined) return msn <= edge.lastMsn;
  if (msn < edge.lastMsn) return true;
  if (msn === edge.lastMsn) {
    return edge.lastSegmentParts === 0 || part < edge.lastSegmentParts || edge.openParts > 0;
  }
  if (msn === edge.lastMsn + 1) return part < edge.openParts;
  return false;
}

/** Parts a segment is expected to have: the last segment's count, or target duration / part target. */
function partsPerSegment(edge: LiveEdge & { partTarget: number }): number {
  return edge.lastSegmentParts > 0 ? edge.lastSegmentParts : Math.ceil(edge.targetDuration / edge.partTarget);
}

/** The blocking-reload rules (§6.2.5.2) for directives already parsed. */
export function decideBlockingReload(
  directives: BlockingDirectives,
  edge: LiveEdge,
  now: number,
): BlockingReloadDecision {
  if (edge.ended || directives.msn === undefined) return { kind: 'now' };
  const { msn } = directives;
  if (msn > edge.lastMsn + blockingDefaults.maxSegmentsAhead) {
    return {
      ok: false,
      status: 400,
      reason: `_HLS_msn=${msn} is more than two segments past the last one (${edge.lastMsn})`,
    };
  }
  // Without parts, _HLS_part asks for nothing finer than the segment.
  const part = edge.partTarget === undefined ? undefined : directives.part;
  if (part !== undefined && edge.partTarget !== undefined) {
    // How many parts past the last published one the request is (the last segment's count estimates those to come).
    const perSegment = partsPerSegment({ ...edge, partTarget: edge.partTarget });
    const ahead = (msn - (edge.lastMsn + 1)) * perSegment + part - (edge.openParts - 1);
    const limit = advancePartLimit(edge.partTarget);
    if (ahead > limit) {
      return {
        ok: false,
        status: 400,
        reason: `_HLS_msn=${msn}&_HLS_part=${part} is ${ahead} parts past the last one, more than the Advance Part Limit (${limit})`,
      };
    }
  }
  if (hasReached(edge, msn, part)) return { kind: 'now' };
  return {
    kind: 'wait',
    msn,
    ...(part === undefined ? {} : { part }),
    until: now + blockingDefaults.timeoutTargetDurations * edge.targetDuration * 1000,
    onTimeout: edge.partTarget === undefined ? 'current-playlist' : 'unavailable',
  };
}

/**
 * One function for a playlist request's query: every 400 RFC 8216bis asks for (`_HLS_part` without
 * `_HLS_msn`, numbers that are not decimal integers, `_HLS_msn` more than two segments ahead, `_HLS_part`
 * past the Advance Part Limit, and an unknown `_HLS_skip`), else answer now or wait.
 */
export function blockingReload(params: URLSearchParams, edge: LiveEdge, now: number): BlockingReloadDecision {
  const directives = parseBlockingDirectives(params);
  if (!directives.ok) return { ok: false, status: 400, reason: directives.reason };
  return decideBlockingReload(directives.value, edge, now);
}

export type PartRequestDecision =
  | { kind: 'now' }
  | { kind: 'wait'; until: number }
  | { ok: false; status: 404; reason: string };

/**
 * A request for part `part` of segment `msn` (§6.2.6): served when published; held when it is the part a
 * preload hint names or could name next (the open segment's next part, or the next segment's first); 404
 * for a part that will never be published (its segment is complete without it) or is too far ahead.
 * `published`: whether the coordinator still has that part's bytes.
 */
export function decidePartRequest(
  edge: LiveEdge,
  msn: number,
  part: number,
  published: boolean,
  now: number,
): PartRequestDecision {
  if (published) return { kind: 'now' };
  const open = edge.lastMsn + 1;
  const next = (msn === open && part === edge.openParts) || (msn === open + 1 && part === 0);
  if (!edge.ended && edge.partTarget !== undefined && next) {
    return { kind: 'wait', until: now + blockingDefaults.timeoutTargetDurations * edge.targetDuration * 1000 };
  }
  if (msn <= edge.lastMsn || (msn === open && part < edge.openParts)) {
    return { ok: false, status: 404, reason: `part ${part} of segment ${msn} is not (or no longer) published` };
  }
  return {
    ok: false,
    status: 404,
    reason: `part ${part} of segment ${msn} is not the next part of this rendition (segment ${open}, part ${edge.openParts})`,
  };
}

/**
 * The part a preload hint names (§6.2.6): the open segment's next part, or, once its parts add up to the
 * target duration (less half a part), the next segment's first, since the encoder cuts a segment there.
 */
export function nextPart(edge: LiveEdge & { partTarget: number }, openSeconds: number): { msn: number; part: number } {
  const open = edge.lastMsn + 1;
  if (edge.openParts > 0 && openSeconds + edge.partTarget / 2 >= edge.targetDuration) return { msn: open + 1, part: 0 };
  return { msn: open, part: edge.openParts };
}

/**
 * A delta update (§6.2.5.1): segments whose end is further than CAN-SKIP-UNTIL from the end of the last
 * complete segment are replaced by EXT-X-SKIP. The playlist is returned unchanged when it offers no skips
 * or has ended. Media sequence and discontinuity sequence stay as they were: the skipped segments still
 * count. The init segment in force at the first listed segment is named in EXT-X-MAP.
 */
export function deltaUpdate(playlist: MediaPlaylist): MediaPlaylist {
  const boundary = playlist.serverControl?.canSkipUntil;
  if (boundary === undefined || playlist.endList || playlist.skippedSegments !== undefined) return playlist;
  const total = playlist.segments.reduce((sum, s) => sum + s.duration, 0);
  let end = 0;
  let skipped = 0;
  let map = playlist.map;
  for (const segment of playlist.segments) {
    end += segment.duration;
    if (total - end <= boundary + 1e-9) break;
    if (segment.map) map = segment.map;
    skipped++;
  }
  if (skipped === 0) return playlist;
  const [first, ...rest] = playlist.segments.slice(skipped) as [MediaSegment, ...MediaSegment[]];
  const { map: firstMap, ...kept } = first;
  const delta: MediaPlaylist = {
    ...playlist,
    version: Math.max(playlist.version, 9), // EXT-X-SKIP needs protocol version 9
    skippedSegments: skipped,
    segments: [kept, ...rest],
  };
  const inForce = firstMap ?? map;
  if (inForce) delta.map = inForce;
  return delta;
}
