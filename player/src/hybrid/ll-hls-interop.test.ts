/**
 * The LL-HLS playlists the edge renders, read by the hls.js this player ships (its own M3U8 parser):
 * parts, the open segment, the preload hint, rendition reports, server control and a delta update
 * come out as hls.js's low-latency mode expects them.
 */
import { deltaUpdate, type MediaPlaylist, renderMediaPlaylist } from '@edgeswarm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Parser = typeof import('hls.js').M3U8Parser;
let parser: Parser;

let installedSelf = false;

beforeAll(async () => {
  // hls.js reads `self` when it loads; Node has none. Taken away again after this file: unit test files share a
  // worker (vitest.config.ts, isolate: false).
  const g = globalThis as { self?: unknown };
  installedSelf = g.self === undefined;
  if (installedSelf) g.self = globalThis;
  parser = (await import('hls.js')).M3U8Parser;
});

afterAll(() => {
  if (installedSelf) delete (globalThis as { self?: unknown }).self;
});

const base = 'https://edge.test/v1/streams/live/v0/live.m3u8';
const segment = (msn: number, parts = 0) => ({
  uri: `s0-${msn}.m4s`,
  duration: 2,
  programDateTime: new Date(Date.UTC(2026, 11, 1, 9, 0, msn * 2)).toISOString(),
  sha256: msn.toString(16).padStart(64, '0'),
  ...(parts > 0
    ? {
        parts: Array.from({ length: parts }, (_, p) => ({
          uri: `s0-${msn}.p${p}.m4s`,
          duration: 0.5,
          ...(p === 0 ? { independent: true } : {}),
        })),
      }
    : {}),
});

/** Shaped like the edge's live playlist while a session sends parts (edge/src/live/live-state.ts). */
const live: MediaPlaylist = {
  type: 'media',
  version: 7,
  targetDuration: 2,
  mediaSequence: 10,
  discontinuitySequence: 0,
  independentSegments: true,
  map: 'init-s0.mp4',
  serverControl: { canBlockReload: true, canSkipUntil: 12, holdBack: 6, partHoldBack: 1.5 },
  partTarget: 0.5,
  segments: [10, 11, 12, 13, 14, 15, 16, 17].map((msn) => segment(msn, msn >= 15 ? 4 : 0)),
  openSegment: { parts: [{ uri: 's0-18.p0.m4s', duration: 0.5, independent: true }] },
  preloadHints: [{ type: 'PART', uri: 's0-18.p1.m4s' }],
  renditionReports: [{ uri: '../v1/live.m3u8', lastMsn: 18, lastPart: 0 }],
  endList: false,
};

describe('hls.js reads the edge LL-HLS playlists', () => {
  it('finds the parts, the open segment, the hint, the reports and the server control', () => {
    const details = parser.parseLevelPlaylist(renderMediaPlaylist(live), base, 0, 'main' as never, 0, null);
    expect(details.live).toBe(true);
    expect(details.partTarget).toBe(0.5);
    expect(details.partHoldBack).toBe(1.5);
    expect(details.canBlockReload).toBe(true);
    expect(details.canSkipUntil).toBe(12);
    expect(details.fragments.map((f) => f.sn)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    // Parts of 15-17 and the open segment 18's first part, in order, with their parent's sn.
    expect(details.partList?.map((p) => `${p.fragment.sn}.${p.index}`)).toEqual([
      ...[15, 16, 17].flatMap((sn) => [0, 1, 2, 3].map((i) => `${sn}.${i}`)),
      '18.0',
    ]);
    expect(details.partList?.[0]?.independent).toBe(true);
    expect(details.partList?.at(-1)?.url).toBe('https://edge.test/v1/streams/live/v0/s0-18.p0.m4s');
    expect(details.lastPartSn).toBe(18);
    expect(details.lastPartIndex).toBe(0);
    expect(details.preloadHint?.URI).toBe('s0-18.p1.m4s');
    expect(details.renditionReports?.[0]?.URI).toBe('../v1/live.m3u8');
    // The integrity manifest stays on each fragment for the P2P check.
    expect(details.fragments[0]?.tagList.some(([tag]) => tag === 'EXT-X-EDGESWARM-SHA256')).toBe(true);
  });

  it('reads a delta update: the skipped segments are counted, the rest listed', () => {
    const delta = deltaUpdate(live);
    expect(delta.skippedSegments).toBe(1);
    const details = parser.parseLevelPlaylist(renderMediaPlaylist(delta), base, 0, 'main' as never, 0, null);
    expect(details.skippedSegments).toBe(1);
    expect(details.fragments.filter(Boolean).map((f) => f.sn)).toEqual([11, 12, 13, 14, 15, 16, 17]);
  });
});
