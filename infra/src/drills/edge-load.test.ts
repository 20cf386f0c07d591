import { describe, expect, it } from 'vitest';
import { playlistTail } from './edge-load';

describe('playlistTail', () => {
  it('reads the last media sequence number and the segment URIs', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:7',
      '#EXTINF:2.0,',
      's1-7.m4s',
      '#EXT-X-PART:DURATION=0.5,URI="s1-8.p0.m4s"',
      '#EXTINF:2.0,',
      's1-8.m4s',
      '',
    ].join('\n');
    expect(playlistTail(text)).toEqual({ lastMsn: 8, uris: ['s1-7.m4s', 's1-8.m4s'] });
  });

  it('says -1 for a playlist with no segment yet', () => {
    expect(playlistTail('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n').lastMsn).toBe(-1);
  });
});
