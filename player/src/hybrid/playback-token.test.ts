import { describe, expect, it } from 'vitest';
import { withToken } from './playback-token';

describe('withToken', () => {
  it('adds the token as ?token=, keeping the query there', () => {
    expect(withToken('https://edge.example/v1/streams/s/720p/seg-1.m4s', 'abc.def')).toBe(
      'https://edge.example/v1/streams/s/720p/seg-1.m4s?token=abc.def',
    );
    expect(withToken('ws://edge.example/v1/tracker/s?region=eu', 'a')).toBe(
      'ws://edge.example/v1/tracker/s?region=eu&token=a',
    );
  });

  it('replaces a token already there and resolves a relative URL against the base', () => {
    expect(withToken('/v1/streams/s/beacons?token=old', 'new', 'http://10.0.0.1:8787/watch/s')).toBe(
      'http://10.0.0.1:8787/v1/streams/s/beacons?token=new',
    );
  });

  it('leaves the URL as it is without a token', () => {
    expect(withToken('/v1/streams/s/master.m3u8', undefined)).toBe('/v1/streams/s/master.m3u8');
    expect(withToken('/v1/streams/s/master.m3u8', '')).toBe('/v1/streams/s/master.m3u8');
  });
});
