/** The coordinator's LL-HLS decisions, pure: accepting parts, listing them, where the live edge is. */
import { parsePlaylist } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { fixturePart, partsFixture, partsFixtureStart } from './live-parts-fixture';
import {
  applyPart,
  endStream,
  liveDefaults,
  liveEdge,
  livePlaylist,
  openSession,
  pruneParts,
  renderLivePlaylist,
  resolvePartTarget,
} from './live-state';

const at = (seconds: number) => new Date(partsFixtureStart.getTime() + seconds * 1000);

describe('resolvePartTarget', () => {
  it('accepts none, or seconds in [0.1, half the target duration]', () => {
    expect(resolvePartTarget(undefined, liveDefaults)).toBeUndefined();
    expect(resolvePartTarget(0.5, liveDefaults)).toBe(0.5);
    expect(resolvePartTarget(1, liveDefaults)).toBe(1);
    for (const bad of [0.05, 1.5, '0.5', Number.NaN]) {
      expect(resolvePartTarget(bad, liveDefaults)).toMatchObject({ ok: false, status: 400 });
    }
  });
});

describe('applyPart', () => {
  it('accepts the open segment parts in order, and an identical repeat as a duplicate', () => {
    const { state, log } = partsFixture(2, 1);
    expect(applyPart(state, log, fixturePart(2, 1))).toMatchObject({ ok: true, outcome: 'appended' });
    expect(applyPart(state, log, fixturePart(2, 0))).toMatchObject({ ok: true, outcome: 'duplicate' });
  });

  it.each([
    ['a gap', fixturePart(2, 2), 409, 'expected part 1'],
    ['a complete segment', fixturePart(1, 4), 409, 'segment 2 only'],
    ['a segment after the open one', fixturePart(3, 0), 409, 'segment 2 only'],
    ['a changed repeat', { ...fixturePart(2, 0), size: 5 }, 409, 'different content'],
    ['an old session', fixturePart(2, 1, 'v0', 1), 409, 'current session is 0'],
    ['a part longer than the target', { ...fixturePart(2, 1), duration: 0.6 }, 400, 'part target'],
  ])('refuses %s', (_, part, status, reason) => {
    const { state, log } = partsFixture(2, 1);
    expect(applyPart(state, log, part)).toMatchObject({ ok: false, status, reason: expect.stringContaining(reason) });
  });

  it('refuses parts from a session opened without partTarget, and once the stream ended', () => {
    const plain = partsFixture(1, 0, null);
    expect(applyPart(plain.state, plain.log, fixturePart(1, 0))).toMatchObject({ status: 409 });
    const ll = partsFixture(1, 0);
    expect(applyPart(endStream(ll.state, at(10)), ll.log, fixturePart(1, 0))).toMatchObject({ status: 409 });
  });

  it('holds the parts of the last few segments only', () => {
    const { log } = partsFixture(10, 2);
    expect(new Set(log.v0?.map((p) => p.msn))).toEqual(new Set([6, 7, 8, 9, 10]));
  });
});

describe('liveEdge', () => {
  it('tells where the last part is', () => {
    const { state, log } = partsFixture(3, 2);
    expect(liveEdge(state, 'v0', log)).toEqual({
      ended: false,
      targetDuration: 2,
      lastMsn: 2,
      partTarget: 0.5,
      lastSegmentParts: 4,
      openParts: 2,
    });
    expect(liveEdge(endStream(state, at(10)), 'v0', log)).toMatchObject({ ended: true });
    expect(liveEdge(endStream(state, at(10)), 'v0', log).partTarget).toBeUndefined();
  });
});

describe('livePlaylist with parts', () => {
  it('lists parts for segments starting within 3 target durations of the end, the open segment, a hint', () => {
    const { state, log } = partsFixture(6, 2);
    const playlist = livePlaylist(state, 'v0', log);
    // 6 s before the end (12 + 1 s of open parts): segments 4 and 5 start within it, 3 starts 7 s before.
    expect(playlist?.segments.map((s) => s.parts?.length ?? 0)).toEqual([0, 0, 0, 0, 4, 4]);
    expect(playlist?.openSegment?.parts.map((p) => p.uri)).toEqual(['s0-6.p0.m4s', 's0-6.p1.m4s']);
    expect(playlist?.preloadHints).toEqual([{ type: 'PART', uri: 's0-6.p2.m4s' }]);
    const text = renderLivePlaylist(state, 'v0', log) ?? '';
    expect(parsePlaylist(text)).toMatchObject({ ok: true, value: { partTarget: 0.5 } });
  });

  it('starts the open segment of a new session with a discontinuity and its init segment', () => {
    const { state, log } = partsFixture(2, 0);
    const reopened = openSession(state, at(20), 0.5).state;
    const result = applyPart(reopened, log, fixturePart(2, 0, 'v0', 1));
    if (!result.ok) throw new Error(result.reason);
    expect(livePlaylist(reopened, 'v0', result.log)?.openSegment).toEqual({
      parts: [{ uri: 's1-2.p0.m4s', duration: 0.5, independent: true }],
      discontinuity: true,
      map: 'init-s1.mp4',
    });
  });

  it('renders exactly as plain HLS when the session sends no parts, whatever the part log holds', () => {
    const plain = partsFixture(3, 0, null);
    const ll = partsFixture(3, 2);
    expect(renderLivePlaylist(plain.state, 'v0', ll.log)).toBe(renderLivePlaylist(plain.state, 'v0'));
    expect(renderLivePlaylist(plain.state, 'v0')).not.toContain('PART');
  });

  it('drops every part tag once the stream ends', () => {
    const { state, log } = partsFixture(3, 2);
    const text = renderLivePlaylist(endStream(state, at(10)), 'v0', pruneParts(endStream(state, at(10)), log)) ?? '';
    expect(text).not.toContain('PART');
    expect(text).toContain('#EXT-X-ENDLIST');
  });
});
