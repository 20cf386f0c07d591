import { describe, expect, it } from 'vitest';
import { ProtectionMemo, playbackAccessDefaults, playbackStreamOf, presentedToken } from './playback-access';

describe('playbackStreamOf', () => {
  it.each([
    ['GET', '/v1/streams/concert/master.m3u8', 'concert'],
    ['HEAD', '/v1/streams/concert/v0/seg-1.m4s', 'concert'],
    ['GET', '/v1/streams/concert/v0/live.m3u8', 'concert'],
    ['GET', '/v1/streams/concert/v0/init-s0.mp4', 'concert'],
    ['POST', '/v1/streams/concert/beacons', 'concert'],
    ['GET', '/v1/tracker/concert', 'concert'],
  ])('%s %s plays %s', (method, path, stream) => {
    expect(playbackStreamOf(method, path)).toBe(stream);
  });

  it.each([
    ['PUT', '/v1/streams/concert/v0/seg-1.m4s'],
    ['POST', '/v1/streams/concert/commits'],
    ['GET', '/v1/streams/concert'],
    ['GET', '/v1/streams/concert/stats'],
    ['GET', '/v1/streams/concert/access'],
    ['GET', '/v1/tracker/concert/stats'],
    ['POST', '/v1/tracker/concert/outage'],
    ['GET', '/watch/concert'],
    ['GET', '/v1/streams/bad%20id/master.m3u8'],
  ])('%s %s plays nothing', (method, path) => {
    expect(playbackStreamOf(method, path)).toBeUndefined();
  });
});

describe('presentedToken', () => {
  const url = (q = '') => new URL(`https://edge.test/v1/streams/s/master.m3u8${q}`);
  it('takes the query parameter first, else the cookie', () => {
    expect(presentedToken(url('?token=abc'), 'edgeswarm_token=def')).toBe('abc');
    expect(presentedToken(url(), 'a=1; edgeswarm_token=def; b=2')).toBe('def');
    expect(presentedToken(url('?token='), 'edgeswarm_token=def')).toBe('def');
    expect(presentedToken(url(), 'edgeswarm_token=')).toBeUndefined();
    expect(presentedToken(url(), 'xedgeswarm_token=def')).toBeUndefined();
    expect(presentedToken(url(), undefined)).toBeUndefined();
  });
});

describe('ProtectionMemo', () => {
  it('remembers for memoSeconds, forgets on demand, and stays bounded', () => {
    const memo = new ProtectionMemo({ ...playbackAccessDefaults, memoEntries: 2 });
    memo.set('a', true, 100);
    expect(memo.get('a', 104)).toBe(true);
    expect(memo.get('a', 105)).toBeUndefined();
    memo.set('a', false, 100);
    memo.forget('a');
    expect(memo.get('a', 101)).toBeUndefined();
    memo.set('a', true, 100);
    memo.set('b', true, 100);
    memo.set('c', true, 100);
    expect([memo.get('a', 101), memo.get('c', 101)]).toEqual([undefined, true]);
  });
});
