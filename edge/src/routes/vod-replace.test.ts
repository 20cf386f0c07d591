/**
 * Replacing a VOD on real workerd, the way `vod --replace` does it: each version in a folder of its own,
 * the multivariant playlist switched last. New players get the new version at once (the edge's cached
 * playlist is purged), a player holding the old playlists keeps getting the old version's objects, and a
 * create-only playlist (If-None-Match: *, what `vod` sends without --replace) never overwrites a stream.
 */
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey, storageKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
let counter = 0;
const newId = () => `rep${Date.now().toString(36)}${counter++}`;

const call = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`${base}${path}`, init));
const auth = async (stream: string) => ({ Authorization: `Bearer ${await derivePublishKey(secret, stream)}` });

async function put(stream: string, name: string, body: string, headers: Record<string, string> = {}) {
  return call(`/v1/streams/${stream}/${name}`, {
    method: 'PUT',
    body,
    headers: { ...(await auth(stream)), ...headers },
  });
}

const master = (version: string) => `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360
${version}/v0/index.m3u8
`;
const media = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.000000,
seg-00000.m4s
#EXT-X-ENDLIST
`;

/** One version, uploaded as `vod` does: media, then its playlist, then the multivariant playlist. */
async function publishVersion(stream: string, version: string, bytes: string, masterHeaders = {}) {
  for (const [name, body] of [
    ['v0/init.mp4', `init of ${bytes}`],
    ['v0/seg-00000.m4s', `segment of ${bytes}`],
    ['v0/index.m3u8', media],
  ] as const) {
    expect((await put(stream, `${version}/${name}`, body)).status).toBe(201);
  }
  return put(stream, 'master.m3u8', master(version), masterHeaders);
}

const get = async (stream: string, name: string) => {
  const response = await call(`/v1/streams/${stream}/${name}`);
  return { status: response.status, cache: response.headers.get('X-Edge-Cache'), body: await response.text() };
};

describe('a VOD replaced by a new version', () => {
  it('serves new players the new version at once, and the old version to players already on it', async () => {
    const stream = newId();
    expect((await publishVersion(stream, 'one', 'first', { 'If-None-Match': '*' })).status).toBe(201);
    // A player starts: the multivariant playlist (now cached at the edge), its media playlist, a segment.
    expect((await get(stream, 'master.m3u8')).body).toContain('one/v0/index.m3u8');
    expect((await get(stream, 'master.m3u8')).cache).toBe('HIT');
    expect((await get(stream, 'one/v0/seg-00000.m4s')).body).toBe('segment of first');

    const replaced = await publishVersion(stream, 'two', 'second');
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ name: 'master.m3u8', outcome: 'replaced' });

    // A new player: the new version, not the edge's cached copy of the old playlist.
    const fresh = await get(stream, 'master.m3u8');
    expect(fresh.body).toContain('two/v0/index.m3u8');
    expect(fresh.body).not.toContain('one/');
    expect(fresh.cache).toBe('MISS');
    expect((await get(stream, 'two/v0/seg-00000.m4s')).body).toBe('segment of second');
    // The old player finishes: its playlists and segments are still there, unchanged.
    expect(await get(stream, 'one/v0/index.m3u8')).toMatchObject({ status: 200, body: media });
    expect(await get(stream, 'one/v0/init.mp4')).toMatchObject({ status: 200, body: 'init of first' });
    expect(await get(stream, 'one/v0/seg-00000.m4s')).toMatchObject({ status: 200, body: 'segment of first' });
  });

  it('refuses a create-only multivariant playlist over a published one with 412, keeping the published one', async () => {
    const stream = newId();
    expect((await publishVersion(stream, 'one', 'first')).status).toBe(201);
    const refused = await publishVersion(stream, 'two', 'second', { 'If-None-Match': '*' });
    expect(refused.status).toBe(412);
    expect(await refused.json()).toEqual({
      error: 'precondition_failed',
      reason: expect.stringContaining('master.m3u8 already exists'),
    });
    expect((await get(stream, 'master.m3u8')).body).toBe(master('one'));
    const stored = await env.MEDIA.get(storageKey(stream, 'master.m3u8'));
    expect(await stored?.text()).toBe(master('one'));
    // The same bytes again is a retry after a lost answer, not a conflict.
    const retried = await put(stream, 'master.m3u8', master('one'), { 'If-None-Match': '*' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ outcome: 'unchanged' });
  });

  it('still refuses different bytes under a segment name: versions, not overwrites', async () => {
    const stream = newId();
    expect((await publishVersion(stream, 'one', 'first')).status).toBe(201);
    expect((await put(stream, 'one/v0/seg-00000.m4s', 're-encoded')).status).toBe(409);
  });
});

describe('the publisher check says what a stream holds', () => {
  const check = async (stream: string) =>
    (await call(`/v1/streams/${stream}/publisher`, { headers: await auth(stream) })).json();

  it('nothing, a video, or a live stream', async () => {
    const vod = newId();
    expect(await check(vod)).toEqual({ ok: true, stream: vod, role: 'publisher', published: false });
    await publishVersion(vod, 'one', 'first');
    expect(await check(vod)).toEqual({ ok: true, stream: vod, role: 'publisher', published: true, kind: 'vod' });

    const live = newId();
    const opened = await call(`/v1/streams/${live}/sessions`, {
      method: 'POST',
      headers: { ...(await auth(live)), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(opened.status).toBe(200);
    expect(await check(live)).toMatchObject({ published: true, kind: 'live' });
  });
});
