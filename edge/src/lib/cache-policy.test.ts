import { describe, expect, it } from 'vitest';
import { type CacheSubject, cacheControlFor, isImmutable } from './cache-policy';

describe('cacheControlFor', () => {
  it.each<[CacheSubject, string]>([
    [{ kind: 'segment' }, 'public, max-age=31536000, immutable'],
    [{ kind: 'init' }, 'public, max-age=31536000, immutable'],
    [{ kind: 'sidecar' }, 'public, max-age=1'],
    [{ kind: 'playlist', playlist: 'multivariant' }, 'public, max-age=60'],
    [{ kind: 'playlist', playlist: 'media', endList: true, targetDuration: 2 }, 'public, max-age=300'],
    [{ kind: 'playlist', playlist: 'media', endList: false, targetDuration: 6 }, 'public, max-age=3'],
    [{ kind: 'playlist', playlist: 'media', endList: false, targetDuration: 4 }, 'public, max-age=2'],
    // Never more than half a target duration, never zero (which would disable caching entirely).
    [{ kind: 'playlist', playlist: 'media', endList: false, targetDuration: 3 }, 'public, max-age=1'],
    [{ kind: 'playlist', playlist: 'media', endList: false, targetDuration: 1 }, 'public, max-age=1'],
    // Keyed by _HLS_msn, and always containing that segment.
    [{ kind: 'playlist', playlist: 'blocking', targetDuration: 2 }, 'public, max-age=12'],
  ])('%j → %s', (subject, expected) => {
    expect(cacheControlFor(subject)).toBe(expected);
  });

  it('merges partial options over the defaults', () => {
    expect(cacheControlFor({ kind: 'playlist', playlist: 'multivariant' }, { multivariantMaxAge: 5 })).toBe(
      'public, max-age=5',
    );
  });
});

describe('isImmutable', () => {
  it('holds for segments and init segments only', () => {
    expect(['init', 'segment', 'playlist', 'sidecar'].map((k) => isImmutable(k as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
