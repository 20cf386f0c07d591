/** /oembed, the discovery link on watch pages and the favicon, on real workerd with real R2. */
import { exports } from 'cloudflare:workers';
import { derivePublishKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
const fetchEdge = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`${base}${path}`, init));
const oembed = (url: string, extra = '') => fetchEdge(`/oembed?url=${encodeURIComponent(url)}&format=json${extra}`);

async function publishStream(id: string): Promise<void> {
  const response = await fetchEdge(`/v1/streams/${id}/master.m3u8`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${await derivePublishKey(secret, id)}` },
    body: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv0/index.m3u8\n',
  });
  expect(response.status).toBe(201);
}

describe('GET /oembed', () => {
  it('answers a published stream’s watch and embed URLs with a video oEmbed of its iframe', async () => {
    const id = `oembed${Date.now().toString(36)}`;
    await publishStream(id);
    for (const page of ['watch', 'embed']) {
      const response = await oembed(`${base}/${page}/${id}?p2p=off`, '&maxwidth=320');
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toContain('application/json');
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=300');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        version: '1.0',
        type: 'video',
        title: id,
        provider_name: 'edgeswarm',
        provider_url: `${base}/`,
        width: 320,
        height: 180,
      });
      expect(body.html).toBe(
        `<iframe src="${base}/embed/${id}?p2p=off" width="320" height="180" title="${id}" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`,
      );
    }
  });

  it.each([
    ['/oembed', 400, 'url is required'],
    [`/oembed?url=${encodeURIComponent(`${base}/watch/x`)}&format=xml`, 501, 'format must be json'],
    ['/oembed?url=not-a-url', 400, 'absolute URL'],
    [`/oembed?url=${encodeURIComponent('https://other.example/watch/x')}`, 404, 'only pages on this edge'],
    [`/oembed?url=${encodeURIComponent(`${base}/dashboard/x`)}`, 404, 'only /watch/:stream'],
    [`/oembed?url=${encodeURIComponent(`${base}/watch/never-published-${Date.now()}`)}`, 404, 'has been published'],
  ])('%s → %i JSON', async (path, status, reason) => {
    const response = await fetchEdge(path);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: string; reason: string };
    const codes: Record<number, string> = { 400: 'bad_request', 404: 'not_found', 501: 'not_implemented' };
    expect(body.error).toBe(codes[status]);
    expect(body.reason).toContain(reason);
  });
});

describe('watch page discovery and the favicon', () => {
  it('links the watch page to its oEmbed, and every page to the icon', async () => {
    const watch = await (await fetchEdge('/watch/demo?p2p=off')).text();
    expect(watch).toContain(
      `<link rel="alternate" type="application/json+oembed" href="${base}/oembed?url=https%3A%2F%2Fedge.test%2Fwatch%2Fdemo&amp;format=json" title="demo">`,
    );
    expect(watch).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    const embed = await (await fetchEdge('/embed/demo')).text();
    expect(embed).toContain('<link rel="icon"');
    expect(embed).not.toContain('json+oembed');
    expect(await (await fetchEdge('/dashboard/demo')).text()).toContain('<link rel="icon"');
  });

  it('serves the icon at /favicon.svg and /favicon.ico, cacheable', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const response = await fetchEdge(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('image/svg+xml');
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=86400');
      expect(await response.text()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);
    }
    expect((await fetchEdge('/favicon.ico', { method: 'HEAD' })).status).toBe(200);
  });
});
