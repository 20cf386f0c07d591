import type { MediaPlaylist } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { playlistProblems } from './stream-check';

const playlist = (
  uris: string[],
  discontinuities: number[] = [],
  mediaSequence = 0,
  endList = true,
): MediaPlaylist => ({
  type: 'media',
  version: 7,
  targetDuration: 2,
  mediaSequence,
  discontinuitySequence: 0,
  independentSegments: true,
  endList,
  segments: uris.map((uri, i) => ({
    uri,
    duration: 2,
    sha256: 'ab',
    ...(discontinuities.includes(i) ? { discontinuity: true } : {}),
  })),
});

describe('playlistProblems', () => {
  it('accepts every segment once, in order, a new session after a discontinuity', () => {
    expect(playlistProblems('v0', playlist(['s0-0.m4s', 's0-1.m4s', 's1-2.m4s', 's1-3.m4s'], [2]))).toEqual([]);
    expect(playlistProblems('v0', playlist(['s0-5.m4s', 's0-6.m4s'], [], 5))).toEqual([]);
  });

  it('names a gap, a repeat, a reordering and a session without its discontinuity', () => {
    expect(playlistProblems('v0', playlist(['s0-0.m4s', 's0-2.m4s']))).toEqual([
      'v0: s0-2.m4s listed at media sequence 1',
    ]);
    expect(playlistProblems('v0', playlist(['s0-0.m4s', 's0-0.m4s']))).toContain('v0: s0-0.m4s listed twice');
    expect(playlistProblems('v0', playlist(['s1-0.m4s', 's0-1.m4s'], [1]))).toContain('v0: session 0 after session 1');
    expect(playlistProblems('v0', playlist(['s0-0.m4s', 's1-1.m4s']))).toEqual([
      'v0: session 1 starts without a discontinuity',
    ]);
  });

  it('wants ENDLIST exactly when the stream has ended', () => {
    const uris = ['s0-0.m4s', 's0-1.m4s'];
    expect(playlistProblems('v0', playlist(uris, [], 0, true), 'ended')).toEqual([]);
    expect(playlistProblems('v0', playlist(uris, [], 0, false), 'live')).toEqual([]);
    expect(playlistProblems('v1', playlist(uris, [], 0, false), 'ended')).toEqual([
      'v1: the stream ended, but its playlist has no ENDLIST',
    ]);
    expect(playlistProblems('v2', playlist(uris, [], 0, true), 'live')).toEqual([
      'v2: the stream is live, but its playlist has ENDLIST',
    ]);
  });
});
