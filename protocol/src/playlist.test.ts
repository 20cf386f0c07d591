import { describe, expect, it } from 'vitest';
import {
  type MediaPlaylist,
  parseAttributes,
  parsePlaylist,
  referencedObjects,
  renderMediaPlaylist,
  renderMultivariantPlaylist,
  resolveRelative,
} from './playlist';

// Shaped like ffmpeg 5.1's hls muxer output with -hls_segment_type fmp4.
const ffmpegMedia = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.000000,
seg-00000.m4s
#EXTINF:2.000000,
seg-00001.m4s
#EXTINF:1.033333,
seg-00002.m4s
#EXT-X-ENDLIST
`;

const ffmpegMaster = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=1210800,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"
v0/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=580800,RESOLUTION=426x240,CODECS="avc1.640015,mp4a.40.2"
v1/index.m3u8
`;

describe('parseAttributes', () => {
  it('handles quoted commas, bare values and trailing whitespace', () => {
    const a = parseAttributes('BANDWIDTH=100, CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360');
    expect(Object.fromEntries(a)).toEqual({
      BANDWIDTH: '100',
      CODECS: 'avc1.64001e,mp4a.40.2',
      RESOLUTION: '640x360',
    });
  });

  it('stops at garbage instead of looping', () => {
    expect(parseAttributes('not an attribute list').size).toBe(0);
  });
});

describe('parsePlaylist', () => {
  it('parses an ffmpeg fMP4 media playlist', () => {
    const result = parsePlaylist(ffmpegMedia);
    expect(result).toEqual({
      ok: true,
      value: {
        type: 'media',
        version: 7,
        targetDuration: 2,
        mediaSequence: 0,
        discontinuitySequence: 0,
        playlistType: 'VOD',
        independentSegments: true,
        map: 'init.mp4',
        endList: true,
        segments: [
          { uri: 'seg-00000.m4s', duration: 2 },
          { uri: 'seg-00001.m4s', duration: 2 },
          { uri: 'seg-00002.m4s', duration: 1.033333 },
        ],
      },
    });
  });

  it('parses a multivariant playlist', () => {
    const result = parsePlaylist(ffmpegMaster);
    expect(result.ok && result.value.type === 'multivariant' && result.value.variants).toEqual([
      {
        uri: 'v0/index.m3u8',
        bandwidth: 1210800,
        resolution: { width: 640, height: 360 },
        codecs: 'avc1.64001e,mp4a.40.2',
      },
      {
        uri: 'v1/index.m3u8',
        bandwidth: 580800,
        resolution: { width: 426, height: 240 },
        codecs: 'avc1.640015,mp4a.40.2',
      },
    ]);
  });

  it('keeps program date-time and discontinuities on the segment they precede', () => {
    const text = `#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-DISCONTINUITY-SEQUENCE:3
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:00:00.000Z
#EXTINF:2,
a.m4s
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:01:00.000Z
#EXTINF:2,
b.m4s`;
    const result = parsePlaylist(text);
    expect(result.ok).toBe(true);
    if (!result.ok || result.value.type !== 'media') return;
    expect(result.value.mediaSequence).toBe(41);
    expect(result.value.discontinuitySequence).toBe(3);
    expect(result.value.endList).toBe(false);
    expect(result.value.segments).toEqual([
      { uri: 'a.m4s', duration: 2, programDateTime: '2026-11-25T00:00:00.000Z' },
      { uri: 'b.m4s', duration: 2, programDateTime: '2026-11-25T00:01:00.000Z', discontinuity: true },
    ]);
  });

  it.each([
    ['', 'must start with #EXTM3U'],
    ['<html>', 'must start with #EXTM3U'],
    ['#EXTM3U\n#EXTINF:2,\nseg.m4s', 'needs EXT-X-TARGETDURATION'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:two', 'must be an integer'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:abc,\nseg.m4s', 'decimal number'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,', 'EXTINF without a URI'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:2\nseg.m4s', 'without a preceding'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:5,\nseg.m4s', 'longer than EXT-X-TARGETDURATION'],
    ['#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\nv.m3u8', 'integer BANDWIDTH'],
    ['#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1', 'without a URI'],
    ['#EXTM3U\n#EXT-X-MAP:BYTERANGE=1', 'needs a URI'],
    ['#EXTM3U\n#EXT-X-PLAYLIST-TYPE:LIVE', 'VOD or EVENT'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:yesterday', 'ISO 8601'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhas space.m4s', 'invalid URI'],
  ])('refuses %j: %s', (text, reason) => {
    const result = parsePlaylist(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('rendering', () => {
  it('round-trips a media playlist through render and parse', () => {
    const playlist: MediaPlaylist = {
      type: 'media',
      version: 7,
      targetDuration: 2,
      mediaSequence: 10,
      discontinuitySequence: 1,
      independentSegments: true,
      map: 'init.mp4',
      endList: true,
      segments: [
        { uri: 'seg-10.m4s', duration: 2, programDateTime: '2026-11-25T00:00:00.000Z' },
        { uri: 'seg-11.m4s', duration: 1.5, discontinuity: true },
      ],
    };
    const text = renderMediaPlaylist(playlist);
    expect(text).toBe(`#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-DISCONTINUITY-SEQUENCE:1
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:00:00.000Z
#EXTINF:2,
seg-10.m4s
#EXT-X-DISCONTINUITY
#EXTINF:1.5,
seg-11.m4s
#EXT-X-ENDLIST
`);
    expect(parsePlaylist(text)).toEqual({ ok: true, value: playlist });
  });

  it('round-trips a multivariant playlist', () => {
    const parsed = parsePlaylist(ffmpegMaster);
    if (!parsed.ok || parsed.value.type !== 'multivariant') throw new Error('fixture did not parse');
    const again = parsePlaylist(renderMultivariantPlaylist(parsed.value));
    expect(again).toEqual(parsed);
  });

  it('renders frame rates with three decimals as RFC 8216 suggests', () => {
    const text = renderMultivariantPlaylist({
      version: 7,
      independentSegments: true,
      variants: [{ uri: 'v0/index.m3u8', bandwidth: 1, frameRate: 29.97 }],
    });
    expect(text).toContain('BANDWIDTH=1,FRAME-RATE=29.970\nv0/index.m3u8');
    expect(text).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
  });
});

describe('helpers', () => {
  it('lists the init segment before the media segments', () => {
    const parsed = parsePlaylist(ffmpegMedia);
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error('fixture did not parse');
    expect(referencedObjects(parsed.value)).toEqual(['init.mp4', 'seg-00000.m4s', 'seg-00001.m4s', 'seg-00002.m4s']);
  });

  it('resolves URIs relative to the playlist', () => {
    expect(resolveRelative('v0/index.m3u8', 'seg.m4s')).toBe('v0/seg.m4s');
    expect(resolveRelative('master.m3u8', 'v0/index.m3u8')).toBe('v0/index.m3u8');
  });
});

describe('live additions', () => {
  const live = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=6
#EXT-X-MAP:URI="init-s0.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:00:00.000Z
#EXT-X-EDGESWARM-SHA256:${'a'.repeat(64)}
#EXTINF:2,
s0-7.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="init-s1.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:05:00.000Z
#EXT-X-EDGESWARM-SHA256:${'b'.repeat(64)}
#EXTINF:2,
s1-8.m4s
`;

  it('parses integrity tags, server control and a mid-playlist init change, and renders them back', () => {
    const parsed = parsePlaylist(live);
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error(parsed.ok ? 'not media' : parsed.reason);
    expect(parsed.value.serverControl).toEqual({ canBlockReload: true, holdBack: 6 });
    expect(parsed.value.map).toBe('init-s0.mp4');
    expect(parsed.value.segments).toEqual([
      { uri: 's0-7.m4s', duration: 2, programDateTime: '2026-11-25T00:00:00.000Z', sha256: 'a'.repeat(64) },
      {
        uri: 's1-8.m4s',
        duration: 2,
        programDateTime: '2026-11-25T00:05:00.000Z',
        sha256: 'b'.repeat(64),
        discontinuity: true,
        map: 'init-s1.mp4',
      },
    ]);
    expect(renderMediaPlaylist(parsed.value)).toBe(live);
    expect(referencedObjects(parsed.value)).toEqual(['init-s0.mp4', 's0-7.m4s', 'init-s1.mp4', 's1-8.m4s']);
  });

  it('parses and renders EXT-X-START, a negative offset counting from the end', () => {
    const withStart = live.replace(
      '#EXT-X-MAP:URI="init-s0.mp4"',
      '#EXT-X-START:TIME-OFFSET=-1.999\n#EXT-X-MAP:URI="init-s0.mp4"',
    );
    const parsed = parsePlaylist(withStart);
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error(parsed.ok ? 'not media' : parsed.reason);
    expect(parsed.value.start).toEqual({ timeOffset: -1.999 });
    expect(renderMediaPlaylist(parsed.value)).toBe(withStart);
    const precise = parsePlaylist(live.replace('#EXT-X-MAP', '#EXT-X-START:TIME-OFFSET=4,PRECISE=YES\n#EXT-X-MAP'));
    expect(precise.ok && precise.value.type === 'media' && precise.value.start).toEqual({
      timeOffset: 4,
      precise: true,
    });
    expect(parsePlaylist(live.replace('#EXT-X-MAP', '#EXT-X-START:PRECISE=YES\n#EXT-X-MAP')).ok).toBe(false);
  });

  it('refuses a malformed hash', () => {
    const result = parsePlaylist(live.replace('a'.repeat(64), 'xyz'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('64 lowercase hex');
  });
});

describe('low-latency tags (RFC 8216bis)', () => {
  const sha = (c: string) => c.repeat(64);
  const lowLatency = `#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,HOLD-BACK=6,PART-HOLD-BACK=1.5
#EXT-X-PART-INF:PART-TARGET=0.5
#EXT-X-MAP:URI="init-s0.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T09:00:00.000Z
#EXT-X-EDGESWARM-SHA256:${sha('a')}
#EXTINF:2,
s0-10.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T09:00:02.000Z
#EXT-X-EDGESWARM-SHA256:${sha('b')}
#EXT-X-PART:DURATION=0.5,URI="s0-11.p0.m4s",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.5,URI="s0-11.p1.m4s"
#EXT-X-PART:DURATION=0.5,URI="s0-11.p2.m4s",GAP=YES
#EXT-X-PART:DURATION=0.5,URI="s0-11.p3.m4s"
#EXTINF:2,
s0-11.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="init-s1.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T09:00:04.000Z
#EXT-X-PART:DURATION=0.5,URI="s1-12.p0.m4s",INDEPENDENT=YES
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1-12.p1.m4s"
#EXT-X-PRELOAD-HINT:TYPE=MAP,URI="init-s2.mp4",BYTERANGE-START=0,BYTERANGE-LENGTH=800
#EXT-X-RENDITION-REPORT:URI="../v1/live.m3u8",LAST-MSN=12,LAST-PART=0
#EXT-X-RENDITION-REPORT:URI="../v2/live.m3u8"
`;

  it('parses parts, the open segment, preload hints and rendition reports, and renders them back byte for byte', () => {
    const parsed = parsePlaylist(lowLatency);
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error(parsed.ok ? 'not media' : parsed.reason);
    const playlist = parsed.value;
    expect(playlist.serverControl).toEqual({ canBlockReload: true, canSkipUntil: 12, holdBack: 6, partHoldBack: 1.5 });
    expect(playlist.partTarget).toBe(0.5);
    expect(playlist.segments[0]?.parts).toBeUndefined();
    expect(playlist.segments[1]?.parts).toEqual([
      { uri: 's0-11.p0.m4s', duration: 0.5, independent: true },
      { uri: 's0-11.p1.m4s', duration: 0.5 },
      { uri: 's0-11.p2.m4s', duration: 0.5, gap: true },
      { uri: 's0-11.p3.m4s', duration: 0.5 },
    ]);
    expect(playlist.openSegment).toEqual({
      parts: [{ uri: 's1-12.p0.m4s', duration: 0.5, independent: true }],
      programDateTime: '2026-12-01T09:00:04.000Z',
      discontinuity: true,
      map: 'init-s1.mp4',
    });
    expect(playlist.preloadHints).toEqual([
      { type: 'PART', uri: 's1-12.p1.m4s' },
      { type: 'MAP', uri: 'init-s2.mp4', byteRangeStart: 0, byteRangeLength: 800 },
    ]);
    expect(playlist.renditionReports).toEqual([
      { uri: '../v1/live.m3u8', lastMsn: 12, lastPart: 0 },
      { uri: '../v2/live.m3u8' },
    ]);
    expect(renderMediaPlaylist(playlist)).toBe(lowLatency);
    // Parts are not objects the playlist stores: only the init and whole segments are.
    expect(referencedObjects(playlist)).toEqual(['init-s0.mp4', 's0-10.m4s', 's0-11.m4s']);
  });

  it('round-trips a delta update with EXT-X-SKIP', () => {
    const delta = lowLatency.replace(
      '#EXT-X-MAP:URI="init-s0.mp4"\n',
      '#EXT-X-MAP:URI="init-s0.mp4"\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n',
    );
    const parsed = parsePlaylist(delta);
    expect(parsed.ok && parsed.value.type === 'media' && parsed.value.skippedSegments).toBe(3);
    if (parsed.ok && parsed.value.type === 'media') expect(renderMediaPlaylist(parsed.value)).toBe(delta);
  });

  it.each([
    [
      'a part without EXT-X-PART-INF',
      (t: string) => t.replace('#EXT-X-PART-INF:PART-TARGET=0.5\n', ''),
      'needs EXT-X-PART-INF',
    ],
    [
      'a zero part target',
      (t: string) => t.replace('PART-TARGET=0.5', 'PART-TARGET=0'),
      'positive decimal PART-TARGET',
    ],
    ['a part without a URI', (t: string) => t.replace(',URI="s0-11.p1.m4s"', ''), 'EXT-X-PART needs a URI'],
    [
      'a part without a duration',
      (t: string) => t.replace('DURATION=0.5,URI="s0-11.p1.m4s"', 'URI="s0-11.p1.m4s"'),
      'decimal DURATION',
    ],
    ['a hint of an unknown type', (t: string) => t.replace('TYPE=PART', 'TYPE=SEGMENT'), 'PART or MAP'],
    [
      'a hint with a bad byte range',
      (t: string) => t.replace('BYTERANGE-START=0', 'BYTERANGE-START=x'),
      'BYTERANGE-START',
    ],
    [
      'a report without a URI',
      (t: string) => t.replace('URI="../v2/live.m3u8"', 'LAST-MSN=1'),
      'EXT-X-RENDITION-REPORT needs a URI',
    ],
    ['a report with a bad msn', (t: string) => t.replace('LAST-MSN=12', 'LAST-MSN=-1'), 'LAST-MSN must be an integer'],
    [
      'a bad hold-back',
      (t: string) => t.replace('PART-HOLD-BACK=1.5', 'PART-HOLD-BACK=soon'),
      'PART-HOLD-BACK must be a decimal',
    ],
    [
      'a skip after a segment',
      (t: string) => t.replace('s0-10.m4s\n', 's0-10.m4s\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n'),
      'before the first segment',
    ],
    [
      'a skip without a count',
      (t: string) => t.replace('#EXT-X-MAP:URI="init-s0.mp4"\n', '#EXT-X-MAP:URI="init-s0.mp4"\n#EXT-X-SKIP:X=1\n'),
      'SKIPPED-SEGMENTS',
    ],
  ])('refuses %s', (_, edit, reason) => {
    const result = parsePlaylist(edit(lowLatency));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
