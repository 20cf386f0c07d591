/**
 * The Worker on real workerd (vitest-pool-workers): real R2, real Cache API.
 * Each test uses its own stream id, so cached state never leaks between tests.
 */

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey, sha256Hex } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { app } from './index';
import { storageCounters } from './media/counters';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
let streamCounter = 0;
const newStream = () => `s${Date.now().toString(36)}${streamCounter++}`;

function fetchEdge(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${base}${path}`, init));
}

async function put(
  stream: string,
  name: string,
  body: BodyInit,
  key?: string | null,
  headers: Record<string, string> = {},
) {
  const auth: Record<string, string> =
    key === null ? {} : { Authorization: `Bearer ${key ?? (await derivePublishKey(secret, stream))}` };
  return fetchEdge(`/v1/streams/${stream}/${name}`, { method: 'PUT', body, headers: { ...auth, ...headers } });
}

function bytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  return new Uint8Array(length).map((_, i) => (i * 31 + seed) % 251);
}

const mediaPlaylist = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.0,
seg-00000.m4s
#EXT-X-ENDLIST
`;

describe('read path', () => {
  it('serves each kind with its content type and cache policy', async () => {
    const stream = newStream();
    expect((await put(stream, 'master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv0/index.m3u8\n')).status).toBe(
      201,
    );
    expect((await put(stream, 'v0/index.m3u8', mediaPlaylist)).status).toBe(201);
    expect((await put(stream, 'v0/init.mp4', bytes(100))).status).toBe(201);
    expect((await put(stream, 'v0/seg-00000.m4s', bytes(1000))).status).toBe(201);

    const expectations = [
      ['master.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=60'],
      ['v0/index.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=300'],
      ['v0/init.mp4', 'video/mp4', 'public, max-age=31536000, immutable'],
      ['v0/seg-00000.m4s', 'video/iso.segment', 'public, max-age=31536000, immutable'],
    ];
    for (const [name, contentType, cacheControl] of expectations) {
      const response = await fetchEdge(`/v1/streams/${stream}/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('Content-Type'), name).toBe(contentType);
      expect(response.headers.get('Cache-Control'), name).toBe(cacheControl);
      await response.arrayBuffer();
    }
  });

  it('answers the second request from the Cache API', async () => {
    const stream = newStream();
    const body = bytes(4096);
    await put(stream, 'v0/seg-1.m4s', body);
    const first = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`);
    expect(first.headers.get('X-Edge-Cache')).toBe('MISS');
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(body);
    const second = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s?token=ignored`);
    expect(second.headers.get('X-Edge-Cache')).toBe('HIT');
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(body);
    expect(second.headers.get('ETag')).toBe(`"${await sha256Hex(body)}"`);
    expect(second.headers.get('X-Content-SHA256')).toBe(await sha256Hex(body));
  });

  it('answers If-None-Match with 304, on a miss and on a hit', async () => {
    const stream = newStream();
    const body = bytes(500);
    await put(stream, 'v0/seg-1.m4s', body);
    const etag = `"${await sha256Hex(body)}"`;
    for (const expected of ['MISS', 'HIT']) {
      const response = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, { headers: { 'If-None-Match': etag } });
      expect(response.status).toBe(304);
      expect(response.headers.get('X-Edge-Cache')).toBe(expected);
      expect(response.headers.get('ETag')).toBe(etag);
      expect(await response.text()).toBe('');
    }
    const stale = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, { headers: { 'If-None-Match': '"other"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  it('answers Range with 206 and the right bytes, on a miss and on a hit', async () => {
    const stream = newStream();
    const body = bytes(10_000, 7);
    await put(stream, 'v0/seg-1.m4s', body);
    const cases: [string, number, number][] = [
      ['bytes=100-199', 100, 199],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-16', 9984, 9999],
      ['bytes=0-0', 0, 0],
    ];
    for (const [index, [range, start, end]] of cases.entries()) {
      const response = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, { headers: { Range: range } });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('X-Edge-Cache'), range).toBe(index === 0 ? 'MISS' : 'HIT');
      expect(response.headers.get('Content-Range')).toBe(`bytes ${start}-${end}/10000`);
      expect(response.headers.get('Content-Length')).toBe(String(end - start + 1));
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(body.slice(start, end + 1));
    }
    const outside = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, { headers: { Range: 'bytes=10000-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('Content-Range')).toBe('bytes */10000');
    expect(await outside.json()).toMatchObject({ error: 'range_not_satisfiable' });
  });

  it('answers HEAD with headers and no body', async () => {
    const stream = newStream();
    await put(stream, 'v0/seg-1.m4s', bytes(1234));
    const response = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Length')).toBe('1234');
    expect(response.headers.get('Content-Type')).toBe('video/iso.segment');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('allows cross-origin players: preflight and simple requests', async () => {
    const stream = newStream();
    await put(stream, 'v0/seg-1.m4s', bytes(10));
    const preflight = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://player.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'range',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('GET');
    expect(preflight.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('range');
    const response = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`, {
      headers: { Origin: 'https://player.example' },
    });
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('Content-Range');
    await response.arrayBuffer();
  });

  it('coalesces 50 concurrent cold requests into exactly one R2 read', async () => {
    const stream = newStream();
    const body = bytes(200_000, 3);
    await put(stream, 'v0/seg-9.m4s', body);
    const expected = await sha256Hex(body);
    const before = storageCounters.r2Gets;
    // Straight into the app, not through the service binding (which caps open
    // connections at six), so all 50 are truly in flight at once.
    const ctx = createExecutionContext();
    const results = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const response = await app.fetch(new Request(`${base}/v1/streams/${stream}/v0/seg-9.m4s`), env, ctx);
        return { cache: response.headers.get('X-Edge-Cache'), sha256: await sha256Hex(await response.arrayBuffer()) };
      }),
    );
    await waitOnExecutionContext(ctx);
    expect(storageCounters.r2Gets - before).toBe(1);
    const statuses = results.map((r) => r.cache);
    expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'COALESCED')).toHaveLength(49);
    expect(results.every((r) => r.sha256 === expected)).toBe(true);
    // And once cached, no more reads at all.
    const after = await fetchEdge(`/v1/streams/${stream}/v0/seg-9.m4s`);
    expect(after.headers.get('X-Edge-Cache')).toBe('HIT');
    await after.arrayBuffer();
    expect(storageCounters.r2Gets - before).toBe(1);
  });

  it('does not cache a missing object, so it can appear later', async () => {
    const stream = newStream();
    const missing = await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'not_found',
      reason: `v0/seg-1.m4s does not exist in stream ${stream}`,
    });
    await put(stream, 'v0/seg-1.m4s', bytes(10));
    expect((await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`)).status).toBe(200);
  });
});

describe('bad names', () => {
  it.each([
    ['/v1/streams/demo/..%2f..%2fsecret.m4s', '".."'],
    ['/v1/streams/demo/v0/..%2fx.m4s', '".."'],
    ['/v1/streams/demo/v0/%2e%2e%2fx.m4s', 'only contain'],
    ['/v1/streams/demo/v0/seg%00.m4s', 'only contain'],
    ['/v1/streams/demo/v0/seg 1.m4s', 'only contain'],
    ['/v1/streams/de..mo/v0/seg.m4s', 'stream id may only contain'],
    ['/v1/streams/d%2emo/v0/seg.m4s', 'stream id may only contain'],
    ['/v1/streams/demo/v0/seg.exe', 'must end in'],
    ['/v1/streams/demo/a/b/c/d.m4s', 'more than 3'],
    [`/v1/streams/${'x'.repeat(65)}/seg.m4s`, 'longer than 64'],
    [`/v1/streams/demo/${'x'.repeat(200)}.m4s`, 'longer than'],
  ])('%s → 400', async (path, reason) => {
    const response = await fetchEdge(path);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; reason: string };
    expect(body.error).toBe('bad_request');
    expect(body.reason).toContain(reason);
  });

  it.each(['/v1/streams/demo/../../../etc/passwd.m4s', '/v1/streams/%2e%2e/v0/seg.m4s'])(
    'never reaches outside the stream: %s is resolved by the URL parser before routing',
    async (path) => {
      const response = await fetchEdge(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'not_found', reason: expect.stringContaining('no route') });
    },
  );

  it('answers unknown routes with JSON', async () => {
    const response = await fetchEdge('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', reason: 'no route for GET /nope' });
  });
});

describe('ingest', () => {
  it('refuses a missing key with 401 and a wrong key with 403', async () => {
    const stream = newStream();
    const missing = await put(stream, 'v0/seg-1.m4s', bytes(10), null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('WWW-Authenticate')).toContain('Bearer');
    expect(await missing.json()).toMatchObject({ error: 'unauthorized' });
    const otherStreamsKey = await derivePublishKey(secret, `${stream}x`);
    const wrong = await put(stream, 'v0/seg-1.m4s', bytes(10), otherStreamsKey);
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: 'forbidden' });
    expect((await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`)).status).toBe(404);
  });

  it('refuses a body over the limit with 413 and keeps what was published', async () => {
    const stream = newStream();
    const original = bytes(1000);
    await put(stream, 'v0/index.m3u8', mediaPlaylist);
    await put(stream, 'v0/seg-1.m4s', original);
    const oversize = bytes(Number(env.MAX_UPLOAD_BYTES) + 1);
    const refused = await put(stream, 'v0/seg-1.m4s', oversize);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: 'payload_too_large' });
    // A chunked body with no Content-Length is cut off while streaming.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(bytes(100_000, i));
        controller.close();
      },
    });
    const refusedChunked = await put(stream, 'v0/index.m3u8', chunked);
    expect(refusedChunked.status).toBe(413);
    expect(new Uint8Array(await (await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`)).arrayBuffer())).toEqual(
      original,
    );
    expect(await (await fetchEdge(`/v1/streams/${stream}/v0/index.m3u8`)).text()).toBe(mediaPlaylist);
  });

  it('is idempotent for the same bytes and refuses changed bytes for a segment', async () => {
    const stream = newStream();
    const original = bytes(1000);
    const first = await put(stream, 'v0/seg-1.m4s', original);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      name: 'v0/seg-1.m4s',
      outcome: 'created',
      sha256: await sha256Hex(original),
      size: 1000,
    });
    const again = await put(stream, 'v0/seg-1.m4s', original);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ outcome: 'unchanged' });
    const changed = await put(stream, 'v0/seg-1.m4s', bytes(1000, 2));
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ error: 'conflict' });
    expect(new Uint8Array(await (await fetchEdge(`/v1/streams/${stream}/v0/seg-1.m4s`)).arrayBuffer())).toEqual(
      original,
    );
  });

  it('stores the SHA-256 of every segment with the object', async () => {
    const stream = newStream();
    const body = bytes(777);
    await put(stream, 'v0/seg-1.m4s', body);
    const stored = await env.MEDIA.head(`streams/${stream}/v0/seg-1.m4s`);
    expect(stored?.customMetadata?.sha256).toBe(await sha256Hex(body));
  });

  it('checks a declared X-Content-SHA256 against the bytes', async () => {
    const stream = newStream();
    const body = bytes(50);
    const bad = await put(stream, 'v0/seg-1.m4s', body, undefined, { 'X-Content-SHA256': '0'.repeat(64) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reason: string }).reason).toContain('X-Content-SHA256');
    const good = await put(stream, 'v0/seg-1.m4s', body, undefined, { 'X-Content-SHA256': await sha256Hex(body) });
    expect(good.status).toBe(201);
  });

  it('replaces a playlist and purges the cached copy', async () => {
    const stream = newStream();
    await put(stream, 'v0/index.m3u8', mediaPlaylist);
    await (await fetchEdge(`/v1/streams/${stream}/v0/index.m3u8`)).text();
    expect((await fetchEdge(`/v1/streams/${stream}/v0/index.m3u8`)).headers.get('X-Edge-Cache')).toBe('HIT');
    const updated = mediaPlaylist.replace('seg-00000', 'seg-00001');
    const replaced = await put(stream, 'v0/index.m3u8', updated);
    expect(await replaced.json()).toMatchObject({ outcome: 'replaced' });
    const fresh = await fetchEdge(`/v1/streams/${stream}/v0/index.m3u8`);
    expect(fresh.headers.get('X-Edge-Cache')).toBe('MISS');
    expect(await fresh.text()).toBe(updated);
  });

  it('refuses a playlist that does not parse, and an empty body', async () => {
    const stream = newStream();
    const garbage = await put(stream, 'v0/index.m3u8', '<html>not a playlist</html>');
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { reason: string }).reason).toContain('#EXTM3U');
    const empty = await put(stream, 'v0/seg-1.m4s', new Uint8Array(0));
    expect(empty.status).toBe(400);
  });

  it('keeps a concurrent race for one segment name to a single winner', async () => {
    const stream = newStream();
    const results = await Promise.all([1, 2, 3, 4].map((seed) => put(stream, 'v0/seg-1.m4s', bytes(100, seed))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
  });
});

describe('pages and assets', () => {
  it('serves the watch page', async () => {
    const response = await fetchEdge('/watch/demo');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('<hybrid-player stream="demo" src="/v1/streams/demo/master.m3u8"');
    expect(html).toContain('/player/hybrid-player.js');
  });

  it('serves the embed page, passing known query parameters to the player', async () => {
    const response = await fetchEdge('/embed/demo?p2p=off&evil=1');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<hybrid-player stream="demo" src="/v1/streams/demo/master.m3u8" p2p="off">');
    expect(html).not.toContain('evil');
  });

  it('refuses a bad stream id on the watch and embed pages', async () => {
    expect((await fetchEdge('/watch/bad%20id')).status).toBe(400);
    expect((await fetchEdge('/embed/bad%20id')).status).toBe(400);
  });

  it('serves the player bundle from static assets', async () => {
    const response = await env.ASSETS.fetch(`${base}/player/hybrid-player.js`);
    expect(response.status).toBe(200);
    expect((await response.text()).length).toBeGreaterThan(10_000);
  });
});
