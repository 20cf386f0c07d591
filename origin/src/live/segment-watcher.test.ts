import { parsePlaylist } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { newSegments } from './segment-watcher';

// ffmpeg 5.1 puts PROGRAM-DATE-TIME between EXTINF and the URI.
const ffmpegLive = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init_0.mp4"
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:46:04.462+0000
seg-00000.m4s
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:46:06.462+0000
seg-00001.m4s
`;

describe('newSegments', () => {
  const parsed = parsePlaylist(ffmpegLive);
  if (!parsed.ok || parsed.value.type !== 'media') throw new Error('fixture did not parse');
  const playlist = parsed.value;

  it('returns the segments after those already seen, with their files and wall-clock times', () => {
    expect(newSegments('v0', '/w/v0', playlist, 1)).toEqual([
      {
        rendition: 'v0',
        index: 1,
        file: '/w/v0/seg-00001.m4s',
        initFile: '/w/v0/init_0.mp4',
        duration: 2,
        programDateTime: '2026-11-25T00:46:06.462+0000',
      },
    ]);
    expect(newSegments('v0', '/w/v0', playlist, 2)).toEqual([]);
    expect(newSegments('v0', '/w/v0', playlist, 0).map((s) => s.index)).toEqual([0, 1]);
  });

  it('stamps a segment that has no program date-time with the time it finished', () => {
    const bare = { ...playlist, segments: [{ uri: 'a.m4s', duration: 2 }] };
    expect(newSegments('v0', '/w', bare, 0, () => new Date('2026-11-25T00:00:10.000Z'))[0]?.programDateTime).toBe(
      '2026-11-25T00:00:08.000Z',
    );
  });
});
