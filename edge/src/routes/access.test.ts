/**
 * Signed playback on real workerd. PLAYBACK_KEYS (vitest.config.ts): k3 signs,
 * k2 is in its overlap window, k1 was rotated out. Each test has its own stream.
 */
import { exports } from 'cloudflare:workers';
import {
  derivePublishKey,
  mintPlaybackToken,
  type PlaybackClaims,
  type PlaybackKey,
  sha256Hex,
} from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { storageCounters } from '../media/counters';

const secret = 'test-publish-secret';
const keys: Record<'k3' | 'k2' | 'k1', PlaybackKey> = {
  k3: { id: 'k3', secret: 'edge-test-playback-key-3' },
  k2: { id: 'k2', secret: 'edge-test-playback-key-2' },
  k1: { id: 'k1', secret: 'edge-test-playback-key-1' },
};
let counter = 0;
const newId = () => `sig${Date.now().toString(36)}${counter++}`;
const now = () => Math.floor(Date.now() / 1000);

function call(path: string, init: RequestInit = {}) {
  return exports.default.fetch(new Request(`https://edge.test${path}`, init));
}

const token = (claims: Partial<PlaybackClaims> & { stream: string }, key = keys.k3) =>
  mintPlaybackToken({ expiresAt: now() + 3600, ...claims }, key);

async function publishVod(stream: string): Promise<void> {
  const headers = { Authorization: `Bearer ${await derivePublishKey(secret, stream)}` };
  for (const [name, body] of [
    ['v0/init.mp4', 'init'],
    ['v0/seg-0.m4s', `segment of ${stream}`],
    [
      'v0/index.m3u8',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg-0.m4s\n#EXT-X-ENDLIST\n',
    ],
  ]) {
    const response = await call(`/v1/streams/${stream}/${name}`, { method: 'PUT', headers, body });
    expect(response.status, `${name}: ${await response.clone().text()}`).toBe(201);
  }
}

async function protect(stream: string, signed = true): Promise<Response> {
  return call(`/v1/streams/${stream}/access`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${secret}` },
    body: JSON.stringify({ signed }),
  });
}

async function protectedVod(): Promise<string> {
  const stream = newId();
  await publishVod(stream);
  expect((await protect(stream)).status).toBe(200);
  return stream;
}

const answer = async (response: Response) => ({ status: response.status, ...((await response.json()) as object) });

describe('signed playback: opt in per stream', () => {
  it('leaves a stream open until the operator protects it, and tells anyone which it is', async () => {
    const stream = newId();
    await publishVod(stream);
    expect((await call(`/v1/streams/${stream}/v0/seg-0.m4s`)).status).toBe(200);
    expect(await (await call(`/v1/streams/${stream}/access`)).json()).toEqual({ stream, signed: false });
    expect((await protect(stream)).status).toBe(200);
    expect(await (await call(`/v1/streams/${stream}/access`)).json()).toEqual({ stream, signed: true });
    expect((await call(`/v1/streams/${stream}/v0/seg-0.m4s`)).status).toBe(401);
    expect((await protect(stream, false)).status).toBe(200);
    expect((await call(`/v1/streams/${stream}/v0/seg-0.m4s`)).status).toBe(200);
  });

  it('lets only the operator change it', async () => {
    const stream = newId();
    const publisher = { Authorization: `Bearer ${await derivePublishKey(secret, stream)}` };
    const put = (headers: Record<string, string>, body = '{"signed":true}') =>
      call(`/v1/streams/${stream}/access`, { method: 'PUT', headers, body });
    expect((await put({})).status).toBe(401);
    expect((await put(publisher)).status).toBe(403);
    expect(await answer(await put({ Authorization: `Bearer ${secret}` }, '{"signed":"yes"}'))).toMatchObject({
      status: 400,
      reason: expect.stringContaining('"signed": true | false'),
    });
    expect(await (await call(`/v1/streams/${stream}/access`)).json()).toMatchObject({ signed: false });
  });
});

describe('signed playback: tokens', () => {
  it('refuses a missing token with 401 and a reason, for playlists and segments alike', async () => {
    const stream = await protectedVod();
    for (const name of ['v0/index.m3u8', 'v0/init.mp4', 'v0/seg-0.m4s']) {
      const response = await call(`/v1/streams/${stream}/${name}`);
      expect(await answer(response)).toEqual({
        status: 401,
        error: 'token_required',
        reason: `stream ${stream} needs a playback token: ?token=… or the edgeswarm_token cookie`,
      });
      expect(response.headers.get('WWW-Authenticate')).toContain('edgeswarm playback');
    }
    expect((await call(`/v1/streams/${stream}/v0/seg-0.m4s`, { method: 'HEAD' })).status).toBe(401);
  });

  it.each([
    ['a bad token', async () => 'not-a-token', 'the playback token is malformed'],
    [
      'a forged token',
      async (stream: string) => token({ stream }, { id: 'k3', secret: 'a-guessed-secret-0123' }),
      'signature does not match',
    ],
    ['an expired token', async (stream: string) => token({ stream, expiresAt: now() - 3600 }), 'expired at'],
    ['a token for another stream', async () => token({ stream: 'another-stream' }), 'is for stream another-stream'],
    [
      'a token of a rotated-out key',
      async (stream: string) => token({ stream }, keys.k1),
      'signed with key k1, retired at',
    ],
    [
      'a token of a key the edge does not hold',
      async (stream: string) => token({ stream }, { id: 'k9', secret: 'unknown-key-secret-0123' }),
      'which this edge does not hold',
    ],
  ])('refuses %s with 403 and a reason', async (_what, make, why) => {
    const stream = await protectedVod();
    const response = await call(`/v1/streams/${stream}/v0/seg-0.m4s?token=${await make(stream)}`);
    expect(await answer(response)).toEqual({
      status: 403,
      error: 'token_rejected',
      reason: expect.stringContaining(why),
    });
  });

  it('accepts the signing key, a key in its overlap window, a viewer id, and the cookie', async () => {
    const stream = await protectedVod();
    const get = (query: string, headers: Record<string, string> = {}) =>
      call(`/v1/streams/${stream}/v0/index.m3u8${query}`, { headers });
    expect((await get(`?token=${await token({ stream })}`)).status).toBe(200);
    expect((await get(`?token=${await token({ stream }, keys.k2)}`)).status).toBe(200);
    expect((await get(`?token=${await token({ stream, viewer: 'user-42' })}`)).status).toBe(200);
    expect((await get('', { Cookie: `theme=dark; edgeswarm_token=${await token({ stream })}` })).status).toBe(200);
  });

  it('two viewers with different tokens share one cache entry (one R2 read), kept private downstream', async () => {
    const stream = await protectedVod();
    const path = `/v1/streams/${stream}/v0/seg-0.m4s`;
    const before = storageCounters.r2Gets;
    const first = await call(`${path}?token=${await token({ stream, viewer: 'alice' })}`);
    const second = await call(`${path}?token=${await token({ stream, viewer: 'bob' }, keys.k2)}`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.text()).toBe(`segment of ${stream}`);
    expect(first.headers.get('X-Edge-Cache')).toBe('MISS');
    expect(second.headers.get('X-Edge-Cache')).toBe('HIT');
    expect(storageCounters.r2Gets - before).toBe(1);
    expect(second.headers.get('Cache-Control')).toBe('private, max-age=31536000, immutable');
  });
});

describe('signed playback: live playlists, beacons and the tracker', () => {
  async function liveStream(): Promise<string> {
    const stream = newId();
    const auth = { Authorization: `Bearer ${await derivePublishKey(secret, stream)}` };
    await call(`/v1/streams/${stream}/sessions`, { method: 'POST', headers: auth });
    await call(`/v1/streams/${stream}/v0/init-s0.mp4`, { method: 'PUT', headers: auth, body: 'init' });
    await call(`/v1/streams/${stream}/v0/s0-0.m4s`, { method: 'PUT', headers: auth, body: 'segment 0' });
    const commit = await call(`/v1/streams/${stream}/commits`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        rendition: 'v0',
        msn: 0,
        name: 'v0/s0-0.m4s',
        init: 'v0/init-s0.mp4',
        duration: 2,
        sha256: await sha256Hex(new TextEncoder().encode('segment 0').slice()),
        programDateTime: new Date().toISOString(),
      }),
    });
    expect(commit.status).toBe(201);
    expect((await protect(stream)).status).toBe(200);
    return stream;
  }

  it('checks the live playlist', async () => {
    const stream = await liveStream();
    expect((await call(`/v1/streams/${stream}/v0/live.m3u8`)).status).toBe(401);
    const other = await token({ stream: 'another-stream' });
    expect((await call(`/v1/streams/${stream}/v0/live.m3u8?token=${other}`)).status).toBe(403);
    const ok = await call(`/v1/streams/${stream}/v0/live.m3u8?token=${await token({ stream })}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('s0-0.m4s');
    // The status and the watch page stay public: the page needs no token to load.
    expect((await call(`/v1/streams/${stream}`)).status).toBe(200);
  });

  it('checks beacons', async () => {
    const stream = await liveStream();
    const beacon = (query = '') =>
      call(`/v1/streams/${stream}/beacons${query}`, { method: 'POST', body: '{}' }).then((r) => r.status);
    expect(await beacon()).toBe(401);
    expect(await beacon('?token=garbage')).toBe(403);
    // Past the token check the beacon route itself judges the body.
    expect(await beacon(`?token=${await token({ stream })}`)).toBe(400);
  });

  it('refuses a tracker socket without a token; viewers with different tokens reach one swarm object', async () => {
    const stream = await liveStream();
    const open = (query: string) =>
      call(`/v1/tracker/${stream}?region=eu&${query}`, { headers: { Upgrade: 'websocket' } });
    expect(await answer(await open(''))).toMatchObject({ status: 401, error: 'token_required' });
    expect((await open('token=garbage')).status).toBe(403);
    const sockets: WebSocket[] = [];
    for (const viewer of ['alice', 'bob']) {
      const response = await open(`token=${await token({ stream, viewer })}`);
      expect(response.status).toBe(101);
      const ws = response.webSocket as WebSocket;
      ws.accept();
      sockets.push(ws);
    }
    // The swarm object is named by stream and region shard only: both sockets are in the same one.
    const stats = (await (await call(`/v1/tracker/${stream}/stats`)).json()) as {
      totals: { sockets: number };
      shards: Record<string, { sockets: number }>;
    };
    expect(stats.totals.sockets).toBe(2);
    expect(stats.shards.eu?.sockets).toBe(2);
    for (const ws of sockets) ws.close();
  });
});
