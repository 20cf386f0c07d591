import type { HlsConfig } from 'hls.js';
import { describe, expect, it } from 'vitest';
import { p2pStackUrl, switchableFragmentLoader } from './p2p-stack';

describe('where hybrid-p2p.js is', () => {
  it('sits beside the player script, wherever that came from', () => {
    expect(
      p2pStackUrl('https://edge.example/player/hybrid-player.js', '/v1/streams/a/master.m3u8', 'https://site.example/'),
    ).toBe('https://edge.example/player/hybrid-p2p.js');
    expect(p2pStackUrl('https://cdn.example/v2/hybrid-player.js?v=3', 'x', 'https://site.example/')).toBe(
      'https://cdn.example/v2/hybrid-p2p.js',
    );
  });

  it("without a known script, is under the stream's edge at /player/", () => {
    expect(p2pStackUrl(undefined, 'https://edge.example/v1/streams/a/master.m3u8', 'https://site.example/w')).toBe(
      'https://edge.example/player/hybrid-p2p.js',
    );
    expect(p2pStackUrl(undefined, '/v1/streams/a/master.m3u8', 'http://127.0.0.1:8787/watch/a')).toBe(
      'http://127.0.0.1:8787/player/hybrid-p2p.js',
    );
  });
});

describe('the switchable fragment loader', () => {
  class HlsOwnLoader {
    constructor(readonly config: unknown) {}
  }
  class EngineLoader {
    constructor(readonly config: unknown) {}
  }
  const config = { loader: HlsOwnLoader } as unknown as HlsConfig;

  it("builds hls.js's own loader until the engine's is there, then the engine's for every new fragment", () => {
    let current: typeof EngineLoader | undefined;
    const Loader = switchableFragmentLoader(() => current as never);
    const before = new Loader(config);
    expect(before).toBeInstanceOf(HlsOwnLoader);
    expect((before as unknown as HlsOwnLoader).config).toBe(config);
    current = EngineLoader;
    const after = new Loader(config);
    expect(after).toBeInstanceOf(EngineLoader);
    expect((after as unknown as EngineLoader).config).toBe(config);
    // A loader built before the switch stays what it was.
    expect(before).toBeInstanceOf(HlsOwnLoader);
  });
});
