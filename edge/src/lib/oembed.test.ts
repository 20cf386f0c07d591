import { describe, expect, it } from 'vitest';
import { frameSize, oembedDiscoveryUrl, oembedVideo, parseOembedRequest } from './oembed';

const origin = 'https://video.example';
const ask = (params: Record<string, string>) => parseOembedRequest(new URLSearchParams(params), origin);

describe('oEmbed requests', () => {
  it('answers for this edge’s watch and embed pages, with the embed page in the iframe', () => {
    for (const url of [`${origin}/watch/concert`, `${origin}/embed/concert`, `${origin}/watch/concert/`]) {
      expect(ask({ url, format: 'json' })).toEqual({
        ok: true,
        value: { stream: 'concert', embedUrl: `${origin}/embed/concert`, width: 640, height: 360 },
      });
    }
    expect(ask({ url: `${origin}/watch/concert` }).ok).toBe(true);
  });

  it('carries the page’s player parameters over, but never a token, nor anything off the allowlist', () => {
    const result = ask({ url: `${origin}/watch/concert?p2p=off&token=secret&onload=x&latency-target=6` });
    expect(result.ok && result.value.embedUrl).toBe(`${origin}/embed/concert?p2p=off&latency-target=6`);
  });

  it.each([
    [{ url: `${origin}/watch/concert`, format: 'xml' }, 501, 'format must be json'],
    [{}, 400, 'url is required'],
    [{ url: '/watch/concert' }, 400, 'absolute URL'],
    [{ url: `${origin}/watch/concert`, maxwidth: '-5' }, 400, 'maxwidth must be a positive integer'],
    [{ url: `${origin}/watch/concert`, maxheight: '0' }, 400, 'maxheight must be a positive integer'],
    [{ url: `${origin}/watch/${'a'.repeat(2100)}` }, 400, 'longer than 2048'],
    [{ url: 'https://elsewhere.example/watch/concert' }, 404, 'only pages on this edge'],
    [{ url: 'http://video.example/watch/concert' }, 404, 'only pages on this edge'],
    [{ url: `${origin}/dashboard/concert` }, 404, 'only /watch/:stream and /embed/:stream'],
    [{ url: `${origin}/v1/streams/concert/master.m3u8` }, 404, 'only /watch/:stream and /embed/:stream'],
    [{ url: `${origin}/watch/-bad` }, 404, 'no such stream'],
  ])('%j → %i', (params, status, reason) => {
    expect(ask(params as Record<string, string>)).toEqual({
      ok: false,
      status,
      reason: expect.stringContaining(reason),
    });
  });

  it('fits the frame inside maxwidth and maxheight, keeping 16:9', () => {
    expect(frameSize(undefined, undefined)).toEqual({ width: 640, height: 360 });
    expect(frameSize(320, undefined)).toEqual({ width: 320, height: 180 });
    expect(frameSize(1920, 1080)).toEqual({ width: 640, height: 360 });
    expect(frameSize(1000, 90)).toEqual({ width: 160, height: 90 });
    expect(frameSize(1, 1)).toEqual({ width: 1, height: 1 });
    const result = ask({ url: `${origin}/watch/concert`, maxwidth: '480' });
    expect(result.ok && [result.value.width, result.value.height]).toEqual([480, 270]);
  });
});

describe('oEmbed answers', () => {
  it('is a video oEmbed whose html is the escaped iframe', () => {
    const video = oembedVideo(
      { stream: 'concert', embedUrl: `${origin}/embed/concert?p2p=off&region=eu`, width: 640, height: 360 },
      origin,
    );
    expect(video).toEqual({
      version: '1.0',
      type: 'video',
      title: 'concert',
      provider_name: 'edgeswarm',
      provider_url: `${origin}/`,
      html: `<iframe src="${origin}/embed/concert?p2p=off&amp;region=eu" width="640" height="360" title="concert" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`,
      width: 640,
      height: 360,
      cache_age: 300,
    });
  });

  it('names a watch page’s oEmbed by its canonical URL', () => {
    expect(oembedDiscoveryUrl(origin, 'concert')).toBe(
      `${origin}/oembed?url=https%3A%2F%2Fvideo.example%2Fwatch%2Fconcert&format=json`,
    );
  });
});
