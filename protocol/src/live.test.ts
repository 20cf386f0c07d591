import { describe, expect, it } from 'vitest';
import {
  commitSession,
  isLivePlaylistName,
  liveNames,
  parseBlockingDirectives,
  parseCommit,
  parsePartName,
} from './live';

const good = {
  rendition: 'v0',
  msn: 3,
  name: 'v0/s0-3.m4s',
  init: 'v0/init-s0.mp4',
  duration: 2.002,
  sha256: 'c'.repeat(64),
  programDateTime: '2026-11-25T00:00:06+00:00',
};

describe('live names', () => {
  it('names objects per session', () => {
    expect(liveNames.segment('v1', 2, 40)).toBe('v1/s2-40.m4s');
    expect(liveNames.init('v1', 2)).toBe('v1/init-s2.mp4');
    expect(liveNames.playlist('v1')).toBe('v1/live.m3u8');
    expect(isLivePlaylistName('v1/live.m3u8')).toBe(true);
    expect(isLivePlaylistName('live.m3u8')).toBe(false);
    expect(isLivePlaylistName('v1/index.m3u8')).toBe(false);
  });
});

describe('commitSession', () => {
  it('reads the session both objects are named for', () => {
    expect(commitSession({ name: 'v0/s0-3.m4s', init: 'v0/init-s0.mp4' })).toBe(0);
    expect(commitSession({ name: 'v1/s12-40.m4s', init: 'v1/init-s12.mp4' })).toBe(12);
    expect(commitSession({ name: 'v0/s0-1b.m4s', init: 'v0/init-s0.mp4' })).toBe(0);
  });

  it.each([
    [{ name: 'v0/s0-3.m4s', init: 'v0/init-s1.mp4' }],
    [{ name: 'v0/seg-3.m4s', init: 'v0/init-s0.mp4' }],
    [{ name: 'v0/s0-3.m4s', init: 'v0/init.mp4' }],
    [{ name: 'v0/sx-3.m4s', init: 'v0/init-sx.mp4' }],
  ])('is undefined for objects of no single session: %j', (names) => {
    expect(commitSession(names)).toBeUndefined();
  });
});

describe('parseCommit', () => {
  it('accepts and normalises a good commit', () => {
    expect(parseCommit(good)).toEqual({
      ok: true,
      value: { ...good, programDateTime: '2026-11-25T00:00:06.000Z', discontinuity: false },
    });
    expect(parseCommit({ ...good, discontinuity: true }).ok).toBe(true);
  });

  it.each([
    [null, 'JSON object'],
    [[], 'JSON object'],
    ['x', 'JSON object'],
    [{ ...good, rendition: '../v0' }, 'rendition'],
    [{ ...good, rendition: 5 }, 'rendition'],
    [{ ...good, msn: -1 }, 'msn'],
    [{ ...good, msn: 1.5 }, 'msn'],
    [{ ...good, msn: '3' }, 'msn'],
    [{ ...good, name: 'v1/s0-3.m4s' }, 'inside the v0/ folder'],
    [{ ...good, name: 'v0/seg-3.m4s' }, 'one publisher session'],
    [{ ...good, init: 'v0/init-s1.mp4' }, 'one publisher session'],
    [{ ...good, name: 'v0/x/s0-3.m4s' }, 'inside the v0/ folder'],
    [{ ...good, name: 'v0/../s0-3.m4s' }, '".."'],
    [{ ...good, name: 'v0/s0-3.mp4' }, '.m4s'],
    [{ ...good, init: 'v0/init.m4s' }, '.mp4'],
    [{ ...good, init: 7 }, 'init must be a string'],
    [{ ...good, duration: 0 }, 'duration'],
    [{ ...good, duration: 31 }, 'duration'],
    [{ ...good, duration: Number.NaN }, 'duration'],
    [{ ...good, sha256: 'C'.repeat(64) }, 'sha256'],
    [{ ...good, sha256: 'c'.repeat(63) }, 'sha256'],
    [{ ...good, programDateTime: 'soon' }, 'programDateTime'],
    [{ ...good, discontinuity: 'yes' }, 'discontinuity'],
  ])('refuses %j (%s)', (body, reason) => {
    const result = parseCommit(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('parseBlockingDirectives', () => {
  it.each([
    ['', { ok: true, value: {} }],
    ['_HLS_msn=12', { ok: true, value: { msn: 12 } }],
    ['_HLS_msn=12&_HLS_part=0', { ok: true, value: { msn: 12, part: 0 } }],
    ['_HLS_part=1', { ok: false, reason: '_HLS_part requires _HLS_msn' }],
    ['_HLS_msn=-1', { ok: false, reason: '_HLS_msn must be a non-negative integer' }],
    ['_HLS_msn=abc', { ok: false, reason: '_HLS_msn must be a non-negative integer' }],
    ['_HLS_msn=1&_HLS_part=x', { ok: false, reason: '_HLS_part must be a non-negative integer' }],
  ])('%j', (query, expected) => {
    expect(parseBlockingDirectives(new URLSearchParams(query))).toEqual(expected);
  });
});

describe('part names', () => {
  it('names parts per session, segment and index, and reads them back', () => {
    expect(liveNames.part('v0', 2, 31, 3)).toBe('v0/s2-31.p3.m4s');
    expect(parsePartName('v0/s2-31.p3.m4s')).toEqual({ rendition: 'v0', session: 2, msn: 31, part: 3 });
    expect(parsePartName('v0/s2-31.m4s')).toBeUndefined();
    expect(parsePartName('v0/x/s2-31.p3.m4s')).toBeUndefined();
  });

  it('refuses to commit a part as a segment', () => {
    const result = parseCommit({ ...good, name: 'v0/s0-3.p1.m4s' });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('is a part') });
  });
});
