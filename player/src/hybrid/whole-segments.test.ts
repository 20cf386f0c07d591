import {
  type MediaPlaylist,
  parsePlaylist,
  renderMediaPlaylist,
  renderMultivariantPlaylist,
} from '@edgeswarm/protocol';
import type { HlsConfig, Loader, LoaderCallbacks, LoaderConfiguration, PlaylistLoaderContext } from 'hls.js';
import { describe, expect, it } from 'vitest';
import { wholeSegmentsOf, wholeSegmentsPlaylistLoader, withoutParts } from './whole-segments';

const part = (uri: string, independent = false) => ({ uri, duration: 0.5, ...(independent ? { independent } : {}) });

/** A live LL-HLS playlist as the edge renders it: parts on the last segments, an open segment, a hint, reports. */
const live: Omit<MediaPlaylist, 'type'> = {
  version: 9,
  targetDuration: 2,
  mediaSequence: 40,
  discontinuitySequence: 0,
  independentSegments: true,
  map: 'init.mp4',
  serverControl: { canBlockReload: true, canSkipUntil: 12, partHoldBack: 1.5 },
  partTarget: 0.5,
  segments: [
    { uri: 's40.m4s', duration: 2, programDateTime: '2026-12-01T11:00:00.000Z', sha256: 'a'.repeat(64) },
    {
      uri: 's41.m4s',
      duration: 2,
      programDateTime: '2026-12-01T11:00:02.000Z',
      sha256: 'b'.repeat(64),
      parts: [part('s41.0.m4s', true), part('s41.1.m4s'), part('s41.2.m4s'), part('s41.3.m4s')],
    },
  ],
  openSegment: {
    programDateTime: '2026-12-01T11:00:04.000Z',
    parts: [part('s42.0.m4s', true), part('s42.1.m4s')],
  },
  preloadHints: [{ type: 'PART', uri: 's42.2.m4s' }],
  renditionReports: [{ uri: '../v1/playlist.m3u8', lastMsn: 42, lastPart: 1 }],
  endList: false,
};

const partTags = /EXT-X-PART|EXT-X-PRELOAD-HINT|PART-HOLD-BACK|LAST-PART/;

describe('withoutParts: the playlist hls.js sees at numeric targets', () => {
  it('drops every part, the open segment, the hint, PART-INF, PART-HOLD-BACK and LAST-PART, and keeps the rest', () => {
    const text = withoutParts(renderMediaPlaylist(live));
    expect(text).not.toMatch(partTags);
    const parsed = parsePlaylist(text);
    expect(parsed.ok && parsed.value).toEqual({
      type: 'media',
      version: 9,
      targetDuration: 2,
      mediaSequence: 40,
      discontinuitySequence: 0,
      independentSegments: true,
      map: 'init.mp4',
      serverControl: { canBlockReload: true, canSkipUntil: 12 },
      segments: [
        { uri: 's40.m4s', duration: 2, programDateTime: '2026-12-01T11:00:00.000Z', sha256: 'a'.repeat(64) },
        { uri: 's41.m4s', duration: 2, programDateTime: '2026-12-01T11:00:02.000Z', sha256: 'b'.repeat(64) },
      ],
      renditionReports: [{ uri: '../v1/playlist.m3u8', lastMsn: 42 }],
      endList: false,
    });
  });

  it('is the same playlist the edge renders for a stream published without parts', () => {
    const { partTarget: _t, openSegment: _o, preloadHints: _h, ...rest } = live;
    const noParts = renderMediaPlaylist({
      ...rest,
      serverControl: { canBlockReload: true, canSkipUntil: 12 },
      segments: rest.segments.map(({ parts: _p, ...s }) => s),
      renditionReports: [{ uri: '../v1/playlist.m3u8', lastMsn: 42 }],
    });
    expect(withoutParts(renderMediaPlaylist(live))).toBe(noParts);
    // ...and that playlist is handed on untouched (the same string, not a re-render).
    expect(withoutParts(noParts)).toBe(noParts);
  });

  it('keeps a delta update a delta update (EXT-X-SKIP stays)', () => {
    const delta = renderMediaPlaylist({ ...live, skippedSegments: 1, segments: live.segments.slice(1) });
    const text = withoutParts(delta);
    expect(text).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=1');
    expect(text).not.toMatch(partTags);
  });

  it('keeps a discontinuity and a new init segment that came with the open segment out (they belong to no whole segment yet)', () => {
    const text = withoutParts(
      renderMediaPlaylist({
        ...live,
        openSegment: {
          parts: [part('s42.0.m4s', true)],
          programDateTime: '2026-12-01T11:00:04.000Z',
          discontinuity: true,
          map: 'init-2.mp4',
        },
      }),
    );
    expect(text).not.toContain('EXT-X-DISCONTINUITY');
    expect(text).not.toContain('init-2.mp4');
    expect(text).not.toContain('2026-12-01T11:00:04');
  });

  it('hands on unchanged what it should not touch: a VOD, a multivariant playlist, text that does not parse', () => {
    const vod = renderMediaPlaylist({
      ...live,
      serverControl: undefined,
      partTarget: undefined,
      openSegment: undefined,
      preloadHints: undefined,
      renditionReports: undefined,
      segments: live.segments.map(({ parts: _p, ...s }) => s),
      endList: true,
      playlistType: 'VOD',
    });
    expect(withoutParts(vod)).toBe(vod);
    const multivariant = renderMultivariantPlaylist({
      version: 7,
      independentSegments: true,
      variants: [{ uri: 'v0/playlist.m3u8', bandwidth: 400_000, codecs: 'avc1.64000d' }],
    });
    expect(withoutParts(multivariant)).toBe(multivariant);
    const broken = '#EXTM3U\n#EXT-X-PART-INF:PART-TARGET=banana\n';
    expect(withoutParts(broken)).toBe(broken);
    expect(withoutParts('')).toBe('');
  });

  it('wholeSegmentsOf leaves its input alone', () => {
    const input = { type: 'media' as const, ...live };
    const before = structuredClone(input);
    wholeSegmentsOf(input);
    expect(input).toEqual(before);
  });
});

describe('wholeSegmentsPlaylistLoader: hls.js playlist loads pass through withoutParts', () => {
  /** Stands in for hls.js's XHR loader: answers every load with the given text (or bytes) at once. */
  function fakeBase(data: string | ArrayBuffer) {
    return class {
      constructor(readonly config: HlsConfig) {}
      load(
        context: PlaylistLoaderContext,
        _config: LoaderConfiguration,
        callbacks: LoaderCallbacks<PlaylistLoaderContext>,
      ) {
        callbacks.onSuccess({ url: context.url, data }, {} as never, context, null);
      }
    } as unknown as new (
      config: HlsConfig,
    ) => Loader<PlaylistLoaderContext>;
  }

  function load(data: string | ArrayBuffer) {
    const Loader = wholeSegmentsPlaylistLoader(fakeBase(data));
    const loader = new Loader({} as HlsConfig);
    const seen: unknown[] = [];
    const context = { url: 'https://edge.example/v1/streams/s/v0/playlist.m3u8?_HLS_msn=42' } as PlaylistLoaderContext;
    loader.load(context, {} as LoaderConfiguration, {
      onSuccess: (response, _stats, ctx) => seen.push(response.data, ctx),
      onError: () => seen.push('error'),
      onTimeout: () => seen.push('timeout'),
    });
    return { seen, context };
  }

  it('hands hls.js the playlist without its parts, with its own context', () => {
    const { seen, context } = load(renderMediaPlaylist(live));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(withoutParts(renderMediaPlaylist(live)));
    expect(seen[1]).toBe(context);
  });

  it('leaves a body that is not text alone', () => {
    const bytes = new ArrayBuffer(4);
    expect(load(bytes).seen[0]).toBe(bytes);
  });
});
