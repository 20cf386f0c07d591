import { parsePlaylist, type SegmentCommit } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import {
  applyCommit,
  blockingDecision,
  dropParts,
  endStream,
  type LiveStreamState,
  liveDefaults,
  livePlaylist,
  newStream,
  openSession,
  type PartRecord,
  partsOfSegment,
  renderLivePlaylist,
  resolveOptions,
  type SegmentRecord,
  sessionStartOffset,
  streamStatus,
} from './live-state';

const t0 = new Date('2026-11-25T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const sha = (n: number) => n.toString(16).padStart(64, '0');

function commit(msn: number, overrides: Partial<SegmentCommit> = {}): SegmentCommit {
  const session = overrides.discontinuity ? 1 : 0;
  return {
    rendition: 'v0',
    msn,
    name: `v0/s${session}-${msn}.m4s`,
    init: `v0/init-s${session}.mp4`,
    duration: 2,
    sha256: sha(msn),
    programDateTime: at(msn * 2).toISOString(),
    discontinuity: false,
    ...overrides,
  };
}

function streamWith(count: number, options = {}): LiveStreamState {
  let state = openSession(newStream('demo', { ...liveDefaults, ...options }, t0), t0).state;
  for (let msn = 0; msn < count; msn++) {
    const result = applyCommit(state, commit(msn), at(msn * 2 + 2));
    if (!result.ok) throw new Error(result.reason);
    state = result.state;
  }
  return state;
}

describe('resolveOptions', () => {
  it('uses defaults and accepts in-range integers', () => {
    expect(resolveOptions()).toEqual(liveDefaults);
    expect(resolveOptions({ targetDuration: 4, dvrWindowSeconds: 600 })).toMatchObject({
      targetDuration: 4,
      dvrWindowSeconds: 600,
    });
  });

  it.each([
    [{ targetDuration: 0 }, 'targetDuration'],
    [{ targetDuration: 2.5 }, 'targetDuration'],
    [{ windowSegments: 2 }, 'windowSegments'],
    [{ dvrWindowSeconds: -1 }, 'dvrWindowSeconds'],
    [{ windowSegments: '6' }, 'windowSegments'],
  ])('refuses %j', (requested, field) => {
    expect(resolveOptions(requested)).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining(field) });
  });
});

describe('applyCommit', () => {
  it('appends msn 0, 1, 2… to the live stream its session opened', () => {
    const created = openSession(newStream('demo', liveDefaults, t0), t0).state;
    const first = applyCommit(created, commit(0), at(2));
    expect(first).toMatchObject({ ok: true, outcome: 'appended' });
    if (!first.ok) return;
    expect(first.state.state).toBe('live');
    expect(first.state.liveSince).toBe(t0.toISOString());
    expect(applyCommit(first.state, commit(1), at(4))).toMatchObject({ ok: true, outcome: 'appended' });
  });

  it.each([
    [
      'a stream with no session opened',
      newStream('demo', liveDefaults, t0),
      commit(0),
      'session 0, which was never opened',
    ],
    [
      'a session never opened',
      openSession(newStream('demo', liveDefaults, t0), t0).state,
      commit(0, { name: 'v0/s1-0.m4s', init: 'v0/init-s1.mp4' }),
      'session 1, which was never opened (sessions opened: 1)',
    ],
    [
      'objects of two sessions',
      openSession(newStream('demo', liveDefaults, t0), t0).state,
      commit(0, { init: 'v0/init-s1.mp4' }),
      'belongs to no publisher session',
    ],
    [
      'a name of no session',
      openSession(newStream('demo', liveDefaults, t0), t0).state,
      commit(0, { name: 'v0/seg-0.m4s' }),
      'belongs to no publisher session',
    ],
  ] as const)('refuses a commit from %s, changing nothing', (_, state, bad, reason) => {
    const before = structuredClone(state);
    expect(applyCommit(state, bad, at(2))).toEqual({ ok: false, status: 409, reason: expect.stringContaining(reason) });
    expect(state).toEqual(before);
  });

  it('accepts a commit from any session opened so far', () => {
    const two = openSession(streamWith(1), at(5)).state;
    expect(applyCommit(two, commit(1, { name: 'v0/s1-1.m4s', init: 'v0/init-s1.mp4' }), at(6))).toMatchObject({
      ok: true,
      outcome: 'appended',
    });
    expect(applyCommit(two, commit(1), at(6))).toMatchObject({ ok: true, outcome: 'appended' });
  });

  it('accepts an exact duplicate as a no-op', () => {
    const state = streamWith(3);
    const again = applyCommit(state, commit(1), at(10));
    expect(again).toEqual({ ok: true, outcome: 'duplicate', state });
  });

  it.each([
    ['a replay with different bytes', commit(1, { sha256: sha(99) }), 409, 'already committed with different content'],
    ['a gap', commit(5), 409, 'leaves a gap; expected 3'],
    [
      'a first commit that does not start at 0',
      { ...commit(1), rendition: 'v1', name: 'v1/s0-1.m4s' },
      409,
      'expected 0',
    ],
    ['a segment longer than the target duration', commit(3, { duration: 2.6 }), 400, 'exceeds the 2 s target'],
  ] as const)('refuses %s with %i', (_, bad, status, reason) => {
    const state = streamWith(3);
    expect(applyCommit(state, bad as SegmentCommit, at(10))).toEqual({
      ok: false,
      status,
      reason: expect.stringContaining(reason),
    });
  });

  it('refuses new segments after the end, but still accepts a duplicate', () => {
    const ended = endStream(streamWith(3), at(8));
    expect(applyCommit(ended, commit(3), at(9))).toMatchObject({
      ok: false,
      status: 409,
      reason: expect.stringContaining('ended'),
    });
    expect(applyCommit(ended, commit(2), at(9))).toMatchObject({ ok: true, outcome: 'duplicate' });
  });

  it('keeps renditions independent', () => {
    const state = streamWith(2);
    const v1 = applyCommit(
      state,
      { ...commit(0), rendition: 'v1', name: 'v1/s0-0.m4s', init: 'v1/init-s0.mp4' },
      at(3),
    );
    expect(v1).toMatchObject({ ok: true, outcome: 'appended' });
  });
});

describe('live playlists', () => {
  it('slides a window of windowSegments with the right media sequence', () => {
    const playlist = livePlaylist(streamWith(10), 'v0');
    expect(playlist?.mediaSequence).toBe(4);
    expect(playlist?.segments.map((s) => s.uri)).toEqual([
      's0-4.m4s',
      's0-5.m4s',
      's0-6.m4s',
      's0-7.m4s',
      's0-8.m4s',
      's0-9.m4s',
    ]);
    expect(playlist?.endList).toBe(false);
    expect(playlist?.serverControl).toEqual({ canBlockReload: true, holdBack: 6 });
  });

  it('widens the window to the DVR window', () => {
    expect(livePlaylist(streamWith(30, { dvrWindowSeconds: 30 }), 'v0')?.segments).toHaveLength(15);
    expect(livePlaylist(streamWith(30, { dvrWindowSeconds: 5 }), 'v0')?.segments).toHaveLength(6);
    expect(livePlaylist(streamWith(4, { dvrWindowSeconds: 600 }), 'v0')?.segments).toHaveLength(4);
  });

  it('lists every segment with ENDLIST once ended, so it plays as VOD', () => {
    const playlist = livePlaylist(endStream(streamWith(10), at(30)), 'v0');
    expect(playlist?.mediaSequence).toBe(0);
    expect(playlist?.segments).toHaveLength(10);
    expect(playlist?.endList).toBe(true);
    expect(playlist?.serverControl).toBeUndefined();
  });

  it('carries program date-time and the committed hash on every segment', () => {
    const text = renderLivePlaylist(streamWith(2), 'v0') ?? '';
    expect(text).toBe(`#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=6
#EXT-X-MAP:URI="init-s0.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:00:00.000Z
#EXT-X-EDGESWARM-SHA256:${sha(0)}
#EXTINF:2,
s0-0.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:00:02.000Z
#EXT-X-EDGESWARM-SHA256:${sha(1)}
#EXTINF:2,
s0-1.m4s
`);
    expect(parsePlaylist(text).ok).toBe(true);
  });

  it('marks a restart with a discontinuity and the new init, and counts it once it slides out', () => {
    let state = streamWith(3);
    state = openSession(endStream(state, at(6)), at(60)).state;
    const restarted = applyCommit(
      state,
      commit(3, { discontinuity: true, programDateTime: at(60).toISOString() }),
      at(62),
    );
    if (!restarted.ok) throw new Error(restarted.reason);
    state = restarted.state;
    const playlist = livePlaylist(state, 'v0');
    expect(playlist?.discontinuitySequence).toBe(0);
    expect(playlist?.segments[3]).toMatchObject({ uri: 's1-3.m4s', discontinuity: true, map: 'init-s1.mp4' });
    for (let msn = 4; msn < 10; msn++) {
      const next = applyCommit(
        state,
        commit(msn, { discontinuity: false, name: `v0/s1-${msn}.m4s`, init: 'v0/init-s1.mp4' }),
        at(70),
      );
      if (!next.ok) throw new Error(next.reason);
      state = next.state;
    }
    const slid = livePlaylist(state, 'v0');
    expect(slid?.mediaSequence).toBe(4);
    expect(slid?.discontinuitySequence).toBe(1);
    expect(slid?.map).toBe('init-s1.mp4');
    expect(slid?.segments.some((s) => s.discontinuity)).toBe(false);
  });

  it('has no playlist for a rendition with no segments', () => {
    expect(livePlaylist(streamWith(2), 'v9')).toBeUndefined();
  });
});

describe('new viewers start within the current session', () => {
  /** `before` segments of session 0, then a publisher restart and `after` segments of session 1. */
  function restarted(before: number, after: number, duration = 2, options = {}): LiveStreamState {
    let state = streamWith(before, options);
    state = openSession(endStream(state, at(2 * before)), at(300)).state;
    for (let msn = before; msn < before + after; msn++) {
      const result = applyCommit(
        state,
        commit(msn, {
          discontinuity: msn === before,
          name: `v0/s1-${msn}.m4s`,
          init: 'v0/init-s1.mp4',
          duration,
          programDateTime: at(300 + msn).toISOString(),
        }),
        at(302 + msn),
      );
      if (!result.ok) throw new Error(result.reason);
      state = result.state;
    }
    return state;
  }
  const offset = (state: LiveStreamState) => sessionStartOffset(state.renditions.v0 as SegmentRecord[], state.options);

  it.each([
    [1, -2],
    [2, -4],
    [3, -6],
    [5, -6],
    [6, -6],
    [7, undefined],
    [20, undefined],
  ])('with %i segments since the restart, starts %s s from the end', (after, expected) => {
    expect(offset(restarted(10, after))).toBe(expected);
  });

  it('starts at the new session, never before it, when its float durations do not add up exactly', () => {
    const state = restarted(10, 3, 0.7);
    const seconds = -(offset(state) as number);
    expect(seconds).toBe(2.099);
    expect(seconds).toBeLessThanOrEqual(0.7 + 0.7 + 0.7);
    expect(renderLivePlaylist(state, 'v0')).toContain('#EXT-X-START:TIME-OFFSET=-2.099\n');
  });

  it('says nothing without a restart, and nothing once the stream has ended', () => {
    expect(offset(streamWith(3))).toBeUndefined();
    expect(livePlaylist(streamWith(10), 'v0')?.start).toBeUndefined();
    expect(livePlaylist(restarted(10, 2), 'v0')?.start).toEqual({ timeOffset: -4 });
    expect(livePlaylist(endStream(restarted(10, 2), at(400)), 'v0')?.start).toBeUndefined();
  });

  it('leaves the old session listed in a DVR window, for a deliberate seek back', () => {
    const state = restarted(10, 2, 2, { dvrWindowSeconds: 60 });
    const playlist = livePlaylist(state, 'v0');
    expect(playlist?.segments).toHaveLength(12);
    expect(playlist?.start).toEqual({ timeOffset: -4 });
    expect(livePlaylist(restarted(10, 8, 2, { dvrWindowSeconds: 60 }), 'v0')?.start).toBeUndefined();
  });
});

describe('blockingDecision', () => {
  const state = streamWith(5); // last msn 4
  it.each([
    [{}, { kind: 'now' }],
    [{ msn: 3 }, { kind: 'now' }],
    [{ msn: 4 }, { kind: 'now' }],
    [{ msn: 5 }, { kind: 'wait', msn: 5 }],
    [{ msn: 6 }, { kind: 'wait', msn: 6 }],
    [{ msn: 7 }, { ok: false, status: 400, reason: expect.stringContaining('more than two segments past') }],
  ])('%j → %j', (directives, expected) => {
    expect(blockingDecision(state, 'v0', directives)).toEqual(expected);
  });

  it('answers at once when the stream has ended', () => {
    expect(blockingDecision(endStream(state, at(20)), 'v0', { msn: 6 })).toEqual({ kind: 'now' });
  });
});

describe('streamStatus', () => {
  it('summarises the stream', () => {
    expect(streamStatus(endStream(streamWith(3), at(10)))).toEqual({
      id: 'demo',
      state: 'ended',
      createdAt: t0.toISOString(),
      liveSince: t0.toISOString(),
      endedAt: at(10).toISOString(),
      targetDuration: 2,
      sessions: 1,
      renditions: [{ name: 'v0', segments: 3, lastMsn: 2, lastProgramDateTime: at(4).toISOString() }],
    });
  });
});

describe('dropParts', () => {
  const part = (msn: number, n: number, session = 0): PartRecord => ({
    msn,
    part: n,
    session,
    uri: `s${session}-${msn}.p${n}.m4s`,
    duration: 0.5,
    independent: n === 0,
    sha256: sha(msn * 10 + n),
    size: 100,
  });
  const log = { v0: [part(1, 0), part(1, 1), part(2, 0)], v1: [part(1, 0)] };

  it('drops exactly the named parts of one rendition', () => {
    const mismatched = partsOfSegment(log.v0, { msn: 1, uri: 's0-1.m4s' }).map((p) => p.uri);
    expect(mismatched).toEqual(['s0-1.p0.m4s', 's0-1.p1.m4s']);
    expect(dropParts(log, 'v0', mismatched)).toEqual({ v0: [part(2, 0)], v1: [part(1, 0)] });
  });

  it('leaves no empty rendition behind, and an unknown rendition or name changes nothing', () => {
    expect(dropParts(log, 'v1', ['s0-1.p0.m4s'])).toEqual({ v0: log.v0 });
    expect(dropParts(log, 'v9', ['s0-1.p0.m4s'])).toEqual(log);
    expect(dropParts(log, 'v0', ['s0-7.p0.m4s'])).toEqual(log);
  });
});
