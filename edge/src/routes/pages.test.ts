/**
 * The /watch and /embed pages on real workerd: page parameters are an allowlist (anything else is dropped), every
 * value is escaped, and no parameter reaches test behaviour (fault injection lives only in test code, see
 * player/src/testing/corrupt-uploads.ts and player/src/pages/production-bundle.test.ts).
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { playerPageParams } from '../lib/pages';

const fetchPage = (path: string) => exports.default.fetch(new Request(`https://edge.test${path}`));

/** The attribute names on the page's <hybrid-player>. */
function playerAttributeNames(html: string): string[] {
  const element = /<hybrid-player([^>]*)>/.exec(html)?.[1] ?? '';
  return [...element.matchAll(/\s([^\s=]+)="/g)].map((m) => m[1] as string);
}

const hostile = new URLSearchParams([
  ['corrupt-uploads', ''],
  ['corruptUploads', 'true'],
  ['segment-storage', 'x'],
  ['segmentStorageFactory', 'x'],
  ['onload', 'alert(1)'],
  ['"><script>alert(1)</script>', '1'],
  ['src', 'https://evil.example/x.m3u8'],
  ['stream', 'other'],
  ['p2p', '"><script>alert(2)</script>'],
  ['tracker', "wss://t.example/'onmouseover='x"],
]);

describe('player pages: an allowlist of parameters, nothing echoed unescaped', () => {
  for (const page of ['watch', 'embed']) {
    it(`/${page}: no URL parameter turns on fault injection or leaves the allowlist`, async () => {
      const response = await fetchPage(`/${page}/demo?${hostile}`);
      expect(response.status).toBe(200);
      const html = await response.text();
      const names = playerAttributeNames(html);
      expect(names.slice(0, 2)).toEqual(['stream', 'src']);
      expect(names.slice(2).every((name) => (playerPageParams as readonly string[]).includes(name))).toBe(true);
      expect(names).toEqual(['stream', 'src', 'p2p', 'tracker']);
      expect(html).toContain('src="/v1/streams/demo/master.m3u8"');
      expect(html.toLowerCase()).not.toContain('corrupt');
      expect(html).not.toContain('segment');
      expect(html).not.toContain('evil.example');
      expect(html).not.toContain('onload');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain("'onmouseover='");
      expect(html).toContain('p2p="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
      // The page's only script is the player bundle.
      expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
        '<script src="/player/hybrid-player.js">',
      ]);
    });
  }

  it('drops an over-long value, and a stream id that is not one is a 400', async () => {
    const html = await (await fetchPage(`/watch/demo?region=${'a'.repeat(201)}`)).text();
    expect(playerAttributeNames(html)).toEqual(['stream', 'src']);
    expect((await fetchPage('/embed/%3Cscript%3E')).status).toBe(400);
  });
});
