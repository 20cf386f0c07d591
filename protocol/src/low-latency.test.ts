import { describe, expect, it } from 'vitest';
import { parseBlockingDirectives } from './live';
import {
  advancePartLimit,
  blockingReload,
  decidePartRequest,
  deltaUpdate,
  hasReached,
  type LiveEdge,
  nextPart,
} from './low-latency';
import { type MediaPlaylist, parsePlaylist, renderMediaPlaylist } from './playlist';

const now = Date.UTC(2026, 11, 1, 9, 0, 0);
/** Segments 0-9 complete with 4 parts each (0.5 s parts, 2 s segments); segment 10 has 2 parts so far. */
const edge: LiveEdge = {
  ended: false,
  targetDuration: 2,
  lastMsn: 9,
  partTarget: 0.5,
  lastSegmentParts: 4,
  openParts: 2,
};
const plain: LiveEdge = { ended: false, targetDuration: 2, lastMsn: 9, lastSegmentParts: 0, openParts: 0 };
const query = (q: string) => new URLSearchParams(q);

describe('blockingReload: every 400 RFC 8216bis §6.2.5.2 asks for', () => {
  it.each([
    ['_HLS_part without _HLS_msn', '_HLS_part=1', '_HLS_part requires _HLS_msn'],
    ['a negative msn', '_HLS_msn=-1', '_HLS_msn must be a non-negative integer'],
    ['a word for msn', '_HLS_msn=abc', '_HLS_msn must be a non-negative integer'],
    ['a decimal msn', '_HLS_msn=10.5', '_HLS_msn must be a non-negative integer'],
    ['an empty msn', '_HLS_msn=', '_HLS_msn must be a non-negative integer'],
    ['an msn beyond 15 digits', '_HLS_msn=1234567890123456', '_HLS_msn must be a non-negative integer'],
    ['a word for part', '_HLS_msn=10&_HLS_part=x', '_HLS_part must be a non-negative integer'],
    ['a negative part', '_HLS_msn=10&_HLS_part=-1', '_HLS_part must be a non-negative integer'],
    ['an unknown skip value', '_HLS_skip=NO', '_HLS_skip must be YES or v2'],
    ['msn last + 3', '_HLS_msn=12', 'more than two segments past the last one (9)'],
    ['msn last + 3 with a part', '_HLS_msn=12&_HLS_part=0', 'more than two segments past'],
    ['a part past the Advance Part Limit (6 parts of 0.5 s)', '_HLS_msn=11&_HLS_part=4', 'Advance Part Limit (6)'],
    ['a part index far past the open segment', '_HLS_msn=10&_HLS_part=99', 'Advance Part Limit'],
  ])('%s: %j', (_, q, reason) => {
    const decision = blockingReload(query(q), edge, now);
    expect(decision).toMatchObject({ ok: false, status: 400 });
    if ('ok' in decision) expect(decision.reason).toContain(reason);
  });

  it('refuses too-far requests on a plain (no parts) rendition too', () => {
    expect(blockingReload(query('_HLS_msn=12'), plain, now)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('blockingReload: answer now or wait', () => {
  it('answers at once without directives, for what exists, and for a segment long gone (§6.2.5.2 M4)', () => {
    expect(blockingReload(query(''), edge, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_skip=YES'), edge, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_msn=9'), edge, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_msn=0'), edge, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_msn=10&_HLS_part=1'), edge, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_msn=3&_HLS_part=3'), edge, now)).toEqual({ kind: 'now' });
  });

  it('ignores directives once the playlist has ENDLIST (§6.2.5.2 M5), but not their syntax', () => {
    const ended = { ...edge, ended: true };
    expect(blockingReload(query('_HLS_msn=50&_HLS_part=9'), ended, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_part=1'), ended, now)).toMatchObject({ status: 400 });
  });

  it('waits three target durations for the next part, then 503s', () => {
    expect(blockingReload(query('_HLS_msn=10&_HLS_part=2'), edge, now)).toEqual({
      kind: 'wait',
      msn: 10,
      part: 2,
      until: now + 6000,
      onTimeout: 'unavailable',
    });
  });

  it('waits for a whole segment when no part is named', () => {
    expect(blockingReload(query('_HLS_msn=10'), edge, now)).toMatchObject({ kind: 'wait', msn: 10 });
    expect(blockingReload(query('_HLS_msn=11'), edge, now)).toMatchObject({ kind: 'wait', msn: 11 });
  });

  it('holds the parts up to the Advance Part Limit', () => {
    // Parts 10.2 .. 11.3 are 1..6 parts past the last published (10.1).
    expect(blockingReload(query('_HLS_msn=10&_HLS_part=3'), edge, now)).toMatchObject({ kind: 'wait' });
    expect(blockingReload(query('_HLS_msn=11&_HLS_part=3'), edge, now)).toMatchObject({ kind: 'wait' });
  });

  it('treats a part past the last of a complete segment as part 0 of the next (§6.2.5.2 M3)', () => {
    const atBoundary = { ...edge, openParts: 0 };
    expect(blockingReload(query('_HLS_msn=9&_HLS_part=3'), atBoundary, now)).toEqual({ kind: 'now' });
    expect(blockingReload(query('_HLS_msn=9&_HLS_part=4'), atBoundary, now)).toMatchObject({
      kind: 'wait',
      msn: 9,
      part: 4,
    });
    expect(hasReached({ ...atBoundary, openParts: 1 }, 9, 4)).toBe(true);
  });

  it('on a plain rendition, _HLS_part asks for the segment, and a timeout answers the current playlist as before', () => {
    expect(blockingReload(query('_HLS_msn=10&_HLS_part=0'), plain, now)).toEqual({
      kind: 'wait',
      msn: 10,
      until: now + 6000,
      onTimeout: 'current-playlist',
    });
    expect(blockingReload(query('_HLS_msn=9&_HLS_part=7'), plain, now)).toEqual({ kind: 'now' });
  });

  it('sets the Advance Part Limit from the part target', () => {
    expect(advancePartLimit(0.5)).toBe(6);
    expect(advancePartLimit(0.2)).toBe(15);
    expect(advancePartLimit(1)).toBe(3);
    expect(advancePartLimit(2)).toBe(3);
  });
});

describe('decidePartRequest', () => {
  it('serves a published part, holds the next ones a hint can name, 404s the rest', () => {
    expect(decidePartRequest(edge, 10, 1, true, now)).toEqual({ kind: 'now' });
    expect(decidePartRequest(edge, 10, 2, false, now)).toEqual({ kind: 'wait', until: now + 6000 });
    expect(decidePartRequest(edge, 11, 0, false, now)).toEqual({ kind: 'wait', until: now + 6000 });
    expect(decidePartRequest(edge, 10, 3, false, now)).toMatchObject({ ok: false, status: 404 });
    expect(decidePartRequest(edge, 12, 0, false, now)).toMatchObject({ ok: false, status: 404 });
    expect(decidePartRequest(edge, 9, 4, false, now)).toMatchObject({
      status: 404,
      reason: expect.stringContaining('no longer'),
    });
    expect(decidePartRequest({ ...edge, ended: true }, 10, 2, false, now)).toMatchObject({ status: 404 });
    expect(decidePartRequest(plain, 10, 0, false, now)).toMatchObject({ status: 404 });
  });
});

describe('nextPart', () => {
  const withParts = { ...edge, partTarget: 0.5 };
  it('hints the open segment next part, or the next segment first part once the segment is full', () => {
    expect(nextPart(withParts, 1)).toEqual({ msn: 10, part: 2 });
    expect(nextPart({ ...withParts, openParts: 4 }, 2)).toEqual({ msn: 11, part: 0 });
    expect(nextPart({ ...withParts, openParts: 0 }, 0)).toEqual({ msn: 10, part: 0 });
  });
});

describe('deltaUpdate (§6.2.5.1)', () => {
  const segment = (msn: number, extra = {}) => ({ uri: `s0-${msn}.m4s`, duration: 2, ...extra });
  const full: MediaPlaylist = {
    type: 'media',
    version: 7,
    targetDuration: 2,
    mediaSequence: 20,
    discontinuitySequence: 1,
    independentSegments: true,
    map: 'init-s0.mp4',
    serverControl: { canBlockReload: true, canSkipUntil: 12, holdBack: 6, partHoldBack: 1.5 },
    partTarget: 0.5,
    segments: [
      segment(20),
      segment(21, { discontinuity: true, map: 'init-s1.mp4' }),
      ...[22, 23, 24, 25, 26, 27, 28, 29].map((msn) => segment(msn)),
    ],
    openSegment: { parts: [{ uri: 's0-30.p0.m4s', duration: 0.5, independent: true }] },
    endList: false,
  };

  it('skips segments ending more than CAN-SKIP-UNTIL before the end, keeping sequence numbers and the init in force', () => {
    const delta = deltaUpdate(full);
    // 10 segments, 20 s: those ending before 8 s (20-22) are further than 12 s from the end; 23 ends exactly 12 s before.
    expect(delta.skippedSegments).toBe(3);
    expect(delta.mediaSequence).toBe(20);
    expect(delta.discontinuitySequence).toBe(1);
    expect(delta.version).toBe(9);
    expect(delta.map).toBe('init-s1.mp4');
    expect(delta.segments.map((s) => s.uri)).toEqual(full.segments.slice(3).map((s) => s.uri));
    const text = renderMediaPlaylist(delta);
    expect(text).toContain('#EXT-X-MAP:URI="init-s1.mp4"\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n#EXTINF:2,\ns0-23.m4s');
    const parsed = parsePlaylist(text);
    expect(parsed.ok && parsed.value).toEqual(delta);
  });

  it('moves the first listed segment own init into EXT-X-MAP', () => {
    const delta = deltaUpdate({ ...full, serverControl: { canBlockReload: true, canSkipUntil: 16 } });
    expect(delta.skippedSegments).toBe(1);
    expect(delta.map).toBe('init-s1.mp4');
    expect(delta.segments[0]).toEqual({ uri: 's0-21.m4s', duration: 2, discontinuity: true });
  });

  it('leaves a playlist alone that offers no skips, has ended, or is too short to skip anything', () => {
    const noSkips = { ...full, serverControl: { canBlockReload: true } };
    expect(deltaUpdate(noSkips)).toBe(noSkips);
    const ended = { ...full, endList: true };
    expect(deltaUpdate(ended)).toBe(ended);
    const short = { ...full, segments: full.segments.slice(0, 6) };
    expect(deltaUpdate(short)).toBe(short);
  });
});

describe('parseBlockingDirectives: _HLS_skip', () => {
  it('reads YES and v2 as a delta update request', () => {
    expect(parseBlockingDirectives(query('_HLS_skip=YES'))).toEqual({ ok: true, value: { skip: true } });
    expect(parseBlockingDirectives(query('_HLS_msn=3&_HLS_part=1&_HLS_skip=v2'))).toEqual({
      ok: true,
      value: { msn: 3, part: 1, skip: true },
    });
  });
});
