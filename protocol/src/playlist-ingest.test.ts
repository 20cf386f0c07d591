import { describe, expect, it } from 'vitest';
import { checkIngestPlaylist, playlistIngestDefaults, playlistUris, resolveInStream } from './playlist-ingest';

const media = (body: string, targetDuration = 2) => `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:${targetDuration}
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
${body}
#EXT-X-ENDLIST
`;

const ffmpegMedia = media('#EXTINF:2.000000,\nseg-00000.m4s\n#EXTINF:1.033333,\nseg-00001.m4s');

const master = (uri: string) => `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=1210800,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"
${uri}
`;

const reason = (result: { ok: boolean; reason?: string }) => (result.ok ? 'ok' : result.reason);

describe('resolveInStream', () => {
  it('resolves relative URIs against the playlist folder', () => {
    expect(resolveInStream('v0/index.m3u8', 'seg-1.m4s', 'segment')).toEqual({ ok: true, value: 'v0/seg-1.m4s' });
    expect(resolveInStream('master.m3u8', 'v0/index.m3u8', 'playlist')).toEqual({ ok: true, value: 'v0/index.m3u8' });
    expect(resolveInStream('v0/index.m3u8', 'sub/seg-1.m4s')).toEqual({ ok: true, value: 'v0/sub/seg-1.m4s' });
  });

  it.each([
    ['https://evil.example/seg.m4s', 'has a scheme'],
    ['HTTP://evil.example/seg.m4s', 'has a scheme'],
    ['data:video/mp4;base64,AAAA', 'has a scheme'],
    ['javascript:alert(1)', 'has a scheme'],
    ['file:///etc/passwd', 'has a scheme'],
    ['//evil.example/seg.m4s', 'is absolute'],
    ['/v1/streams/other/v0/seg.m4s', 'is absolute'],
    ['../other/seg.m4s', 'dot segment'],
    ['../../other/v0/seg.m4s', 'dot segment'],
    ['./seg.m4s', 'dot segment'],
    ['a/../seg.m4s', 'dot segment'],
    ['%2e%2e/seg.m4s', 'encoded character'],
    ['seg.m4s?token=x', 'encoded character, a query'],
    ['seg.m4s#t=1', 'encoded character, a query'],
    ['a\\..\\seg.m4s', 'encoded character'],
    ['a/b/c/seg.m4s', 'more than 3 path parts'],
    ['seg.exe', 'must end in one of'],
    ['', 'is empty'],
    [`${'a'.repeat(161)}.m4s`, 'longer than 160'],
  ])('refuses %j', (uri, why) => {
    expect(reason(resolveInStream('v0/index.m3u8', uri))).toContain(why);
  });

  it('checks what a URI names', () => {
    expect(reason(resolveInStream('v0/index.m3u8', 'seg.mp4', 'segment'))).toContain('must name a segment, not a init');
    expect(reason(resolveInStream('master.m3u8', 'v0/seg.m4s', 'playlist'))).toContain('must name a playlist');
  });
});

describe('playlistUris', () => {
  it('finds URI lines and URI attributes of every tag', () => {
    const text =
      '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXT-X-KEY:METHOD=AES-128,URI="https://k"\n# comment URI="x"\nseg.m4s\n';
    expect(playlistUris(text)).toEqual([
      { line: 2, uri: 'init.mp4', tag: 'EXT-X-MAP' },
      { line: 3, uri: 'https://k', tag: 'EXT-X-KEY' },
      { line: 5, uri: 'seg.m4s' },
    ]);
  });
});

describe('checkIngestPlaylist', () => {
  it('accepts what ffmpeg and the origin produce', () => {
    expect(checkIngestPlaylist('v0/index.m3u8', ffmpegMedia).ok).toBe(true);
    expect(checkIngestPlaylist('master.m3u8', master('v0/index.m3u8')).ok).toBe(true);
    expect(checkIngestPlaylist('master.m3u8', master('v0/live.m3u8')).ok).toBe(true);
  });

  it.each([
    [
      'an absolute segment URL',
      media('#EXTINF:2,\nhttps://evil.example/seg.m4s'),
      'line 8: URI "https://evil.example/seg.m4s" has a scheme',
    ],
    ['a segment in another stream', media('#EXTINF:2,\n../../other/v0/seg.m4s'), 'dot segment'],
    ['an absolute path', media('#EXTINF:2,\n/v1/streams/other/v0/seg.m4s'), 'is absolute'],
    ['a non-HTTP scheme', media('#EXTINF:2,\njavascript:alert(1)'), 'has a scheme'],
    [
      'an absolute EXT-X-MAP',
      media('#EXTINF:2,\nseg.m4s').replace('URI="init.mp4"', 'URI="https://evil.example/init.mp4"'),
      'line 6 (EXT-X-MAP): URI "https://evil.example/init.mp4" has a scheme',
    ],
    [
      'an EXT-X-MAP that is not an init segment',
      media('#EXTINF:2,\nseg.m4s').replace('URI="init.mp4"', 'URI="x.m4s"'),
      'must name a init',
    ],
    [
      'a URI in a tag it does not model',
      media('#EXT-X-KEY:METHOD=AES-128,URI="https://k.example/key"\n#EXTINF:2,\nseg.m4s'),
      '(EXT-X-KEY): URI "https://k.example/key" has a scheme',
    ],
    ['a variant elsewhere', master('https://evil.example/v0/index.m3u8'), 'has a scheme'],
    ['a variant that is not a playlist', master('v0/seg.m4s'), 'must name a playlist'],
    [
      'an absurd TARGETDURATION',
      media('#EXTINF:2,\nseg.m4s', 999999999999999),
      'EXT-X-TARGETDURATION 999999999999999 is outside [1, 30]',
    ],
    ['a zero TARGETDURATION', media('', 0), 'EXT-X-TARGETDURATION 0 is outside'],
    ['a zero-length segment', media('#EXTINF:0,\nseg.m4s'), 'segment 0 lasts 0 s'],
    [
      'a segment longer than its target duration',
      media('#EXTINF:31,\nseg.m4s', 30),
      'longer than EXT-X-TARGETDURATION',
    ],
    ['a too-long URI', media(`#EXTINF:2,\n${'a'.repeat(200)}.m4s`), 'longer than 160 characters'],
  ])('refuses %s', (_what, text, why) => {
    expect(reason(checkIngestPlaylist('v0/index.m3u8', text))).toContain(why);
  });

  it('bounds segment durations on their own', () => {
    const limits = { ...playlistIngestDefaults, maxSegmentDuration: 10 };
    const long = media('#EXTINF:11,\nseg.m4s', 12);
    expect(reason(checkIngestPlaylist('v0/index.m3u8', long, limits))).toContain('segment 0 lasts 11 s');
    expect(checkIngestPlaylist('v0/index.m3u8', long).ok).toBe(true);
  });

  it('bounds the number of entries', () => {
    const limits = { ...playlistIngestDefaults, maxSegments: 2, maxVariants: 1 };
    const three = media(['a', 'b', 'c'].map((n) => `#EXTINF:2,\n${n}.m4s`).join('\n'));
    expect(reason(checkIngestPlaylist('v0/index.m3u8', three, limits))).toContain('3 segments; at most 2');
    expect(checkIngestPlaylist('v0/index.m3u8', three).ok).toBe(true);
    const two = `${master('v0/index.m3u8')}#EXT-X-STREAM-INF:BANDWIDTH=1\nv1/index.m3u8\n`;
    expect(reason(checkIngestPlaylist('master.m3u8', two, limits))).toContain('2 variants; at most 1');
  });

  it('passes parse failures on with their reason', () => {
    expect(reason(checkIngestPlaylist('v0/index.m3u8', 'not a playlist'))).toContain('playlist does not parse: line 1');
  });
});
