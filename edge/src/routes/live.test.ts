/** Live streams on real workerd: lifecycle, commits, blocking reload, bad input. Each test has its own stream. */

import { abortAllDurableObjects, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey, parsePlaylist, type SegmentCommit, sha256Hex } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { app } from '../index';
import { storageCounters } from '../media/counters';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
let counter = 0;
const newId = () => `live${Date.now().toString(36)}${counter++}`;

function call(path: string, init: RequestInit = {}) {
  return exports.default.fetch(new Request(`${base}${path}`, init));
}

async function publisher(id: string, options: Record<string, number> = {}) {
  const key = await derivePublishKey(secret, id);
  const auth = { Authorization: `Bearer ${key}` };
  const session = await call(`/v1/streams/${id}/sessions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(options),
  });
  expect(session.status).toBe(200);
  const { session: number } = (await session.json()) as { session: number };
  const init = `v0/init-s${number}.mp4`;
  expect((await call(`/v1/streams/${id}/${init}`, { method: 'PUT', headers: auth, body: 'init' })).status).toBe(201);
  const next = { msn: 0 };
  return {
    auth,
    session: number,
    /** Uploads a segment and builds its commit, without sending the commit. */
    async upload(
      msn = next.msn,
      bytes = `segment ${msn} of ${id}`,
      name = `v0/s${number}-${msn}.m4s`,
    ): Promise<SegmentCommit> {
      const put = await call(`/v1/streams/${id}/${name}`, { method: 'PUT', headers: auth, body: bytes });
      expect([200, 201], `${name}: ${await put.clone().text()}`).toContain(put.status);
      return {
        rendition: 'v0',
        msn,
        name,
        init,
        duration: options.targetDuration ?? 2,
        sha256: await sha256Hex(new TextEncoder().encode(bytes).slice()),
        programDateTime: new Date(Date.UTC(2026, 10, 25, 0, 0, msn * 2)).toISOString(),
        discontinuity: false,
      };
    },
    commit(commit: unknown, headers: Record<string, string> = auth) {
      return call(`/v1/streams/${id}/commits`, { method: 'POST', headers, body: JSON.stringify(commit) });
    },
    async publish(count: number) {
      for (let i = 0; i < count; i++) {
        const response = await this.commit(await this.upload(next.msn));
        expect(response.status).toBe(201);
        next.msn++;
      }
    },
  };
}

const playlistText = async (id: string, query = '') => (await call(`/v1/streams/${id}/v0/live.m3u8${query}`)).text();

describe('lifecycle', () => {
  it('creates a stream for the operator, with its publish key and playback URLs, and lists it', async () => {
    const id = newId();
    const create = () =>
      call('/v1/streams', {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}` },
        body: JSON.stringify({ id, targetDuration: 4 }),
      });
    const created = await create();
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({
      stream: expect.objectContaining({ id, state: 'created', targetDuration: 4, sessions: 0, renditions: [] }),
      publishKey: await derivePublishKey(secret, id),
      playlist: `${base}/v1/streams/${id}/master.m3u8`,
      watch: `${base}/watch/${id}`,
    });
    expect((await create()).status).toBe(200);
    const list = await call('/v1/streams', { headers: { Authorization: `Bearer ${secret}` } });
    expect(((await list.json()) as { streams: { id: string; state: string }[] }).streams).toContainEqual(
      expect.objectContaining({ id, state: 'created' }),
    );
  });

  it('refuses creation and listing without the operator secret', async () => {
    const id = newId();
    const body = JSON.stringify({ id });
    expect((await call('/v1/streams', { method: 'POST', body })).status).toBe(401);
    const withKey = { Authorization: `Bearer ${await derivePublishKey(secret, id)}` };
    expect((await call('/v1/streams', { method: 'POST', body, headers: withKey })).status).toBe(403);
    expect((await call('/v1/streams', { headers: withKey })).status).toBe(403);
    const bad = await call('/v1/streams', {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}` },
      body: JSON.stringify({ id: '../x' }),
    });
    expect(bad.status).toBe(400);
    const badOption = await call('/v1/streams', {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}` },
      body: JSON.stringify({ id, windowSegments: 1 }),
    });
    expect(badOption.status).toBe(400);
    expect(await badOption.json()).toMatchObject({ reason: expect.stringContaining('windowSegments') });
  });

  it('reports status, ends with ENDLIST and every segment, and 404s an unknown stream', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(8);
    const live = (await (await call(`/v1/streams/${id}`)).json()) as Record<string, unknown>;
    expect(live).toMatchObject({
      id,
      state: 'live',
      sessions: 1,
      renditions: [{ name: 'v0', segments: 8, lastMsn: 7 }],
      playlist: `${base}/v1/streams/${id}/master.m3u8`,
    });
    expect(parsePlaylist(await playlistText(id))).toMatchObject({
      ok: true,
      value: { mediaSequence: 2, endList: false },
    });
    const ended = await call(`/v1/streams/${id}/end`, { method: 'POST', headers: p.auth });
    expect(await ended.json()).toMatchObject({ stream: { state: 'ended', endedAt: expect.any(String) } });
    const final = parsePlaylist(await playlistText(id));
    if (!final.ok || final.value.type !== 'media') throw new Error('final playlist did not parse');
    expect(final.value.endList).toBe(true);
    expect(final.value.segments.map((s) => s.uri)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `s0-${n}.m4s`));
    expect((await call(`/v1/streams/${newId()}`)).status).toBe(404);
    expect((await call(`/v1/streams/${newId()}/v0/live.m3u8`)).status).toBe(404);
  });

  it('keeps everything when the object restarts', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(3);
    const before = await playlistText(id);
    await abortAllDurableObjects();
    const after = await (await call(`/v1/streams/${id}/v0/live.m3u8?restart=1`)).text();
    expect(after).toBe(before);
    await p.publish(1);
    expect(await playlistText(id, '?_HLS_msn=3')).toContain('s0-3.m4s');
  });

  it('continues a restarted publisher with a discontinuity and a new init segment', async () => {
    const id = newId();
    const first = await publisher(id);
    await first.publish(3);
    await call(`/v1/streams/${id}/end`, { method: 'POST', headers: first.auth });
    const second = await publisher(id);
    expect(second.session).toBe(1);
    const commit = { ...(await second.upload(3)), discontinuity: true };
    expect((await second.commit(commit)).status).toBe(201);
    const text = await playlistText(id, '?_HLS_msn=3');
    expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-s1.mp4"');
    expect(text).not.toContain('#EXT-X-ENDLIST');
  });
});

describe('commits', () => {
  it('publishes the committed hash of every segment in the playlist', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(2);
    const parsed = parsePlaylist(await playlistText(id));
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error('did not parse');
    for (const segment of parsed.value.segments) {
      const bytes = await (await call(`/v1/streams/${id}/v0/${segment.uri}`)).arrayBuffer();
      expect(segment.sha256).toBe(await sha256Hex(bytes));
    }
  });

  it('accepts an exact duplicate commit as a no-op', async () => {
    const id = newId();
    const p = await publisher(id);
    const commit = await p.upload(0);
    expect((await p.commit(commit)).status).toBe(201);
    const again = await p.commit(commit);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' });
  });

  it('refuses bad commits with a clear 4xx and leaves the playlist unchanged', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(3);
    const before = await playlistText(id);
    const next = await p.upload(3);
    const other = await p.upload(4);
    const cases: [string, Promise<Response>, number, string][] = [
      ['no key', p.commit(next, {}), 401, 'publish key'],
      [
        'wrong key',
        p.commit(next, { Authorization: `Bearer ${await derivePublishKey(secret, `${id}x`)}` }),
        403,
        'not valid',
      ],
      [
        'malformed JSON',
        call(`/v1/streams/${id}/commits`, { method: 'POST', headers: p.auth, body: '{"msn":' }),
        400,
        'JSON',
      ],
      ['wrong types', p.commit({ ...next, msn: 'three' }), 400, 'msn must be'],
      [
        'a replayed msn',
        p.commit(await p.upload(1, 'different bytes for 1', 'v0/s0-1b.m4s')),
        409,
        'already committed',
      ],
      ['a gap', p.commit(other), 409, 'leaves a gap; expected 3'],
      [
        'a hash that does not match the stored bytes',
        p.commit({ ...next, sha256: other.sha256 }),
        409,
        'does not match the stored bytes',
      ],
      ['a segment never uploaded', p.commit({ ...next, name: 'v0/s0-99.m4s' }), 400, 'has not been uploaded'],
      ['a segment over the target duration', p.commit({ ...next, duration: 9 }), 400, 'target duration'],
      ['an oversized body', p.commit({ ...next, padding: 'x'.repeat(5000) }), 413, 'larger than'],
    ];
    for (const [what, pending, status, reason] of cases) {
      const response = await pending;
      expect(response.status, what).toBe(status);
      expect(((await response.json()) as { reason: string }).reason, what).toContain(reason);
    }
    expect(await playlistText(id)).toBe(before);
  });

  it('refuses a PUT of a coordinator-rendered playlist', async () => {
    const id = newId();
    const p = await publisher(id);
    const put = await call(`/v1/streams/${id}/v0/live.m3u8`, { method: 'PUT', headers: p.auth, body: '#EXTM3U' });
    expect(put.status).toBe(400);
  });
});

describe('blocking playlist reload', () => {
  it('holds a request for last + 1 until that segment is committed', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(2);
    let settled = false;
    const pending = call(`/v1/streams/${id}/v0/live.m3u8?_HLS_msn=2`).then((r) => {
      settled = true;
      return r;
    });
    const commit = await p.upload(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect((await p.commit(commit)).status).toBe(201);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=12');
    expect(await response.text()).toContain('s0-2.m4s');
  });

  it('answers at once when the segment exists, and 400 for last + 3', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(2);
    expect(await playlistText(id, '?_HLS_msn=1')).toContain('s0-1.m4s');
    const tooFar = await call(`/v1/streams/${id}/v0/live.m3u8?_HLS_msn=4`);
    expect(tooFar.status).toBe(400);
    expect(await tooFar.json()).toMatchObject({ reason: expect.stringContaining('more than two segments past') });
    expect((await call(`/v1/streams/${id}/v0/live.m3u8?_HLS_part=1`)).status).toBe(400);
  });

  it('gives a live playlist without directives a TTL of half a target duration', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(1);
    const response = await call(`/v1/streams/${id}/v0/live.m3u8`);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=1');
    expect(response.headers.get('Content-Type')).toBe('application/vnd.apple.mpegurl');
    await response.text();
    expect((await call(`/v1/streams/${id}/v0/live.m3u8`)).headers.get('X-Edge-Cache')).toBe('HIT');
  });

  it('times out after about 3 target durations with the current playlist, uncached', async () => {
    const id = newId();
    const p = await publisher(id, { targetDuration: 1 });
    await p.publish(1);
    const started = Date.now();
    const response = await call(`/v1/streams/${id}/v0/live.m3u8?_HLS_msn=1`);
    const waited = Date.now() - started;
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-cache');
    const text = await response.text();
    expect(text).toContain('s0-0.m4s');
    expect(text).not.toContain('s0-1.m4s');
    expect(waited).toBeGreaterThanOrEqual(2900);
  });

  it('answers 100 concurrent waiters with one commit and one coordinator call', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(3);
    const ctx = createExecutionContext();
    const callsBefore = storageCounters.coordinatorCalls;
    const waiters = Array.from({ length: 100 }, () =>
      Promise.resolve(app.fetch(new Request(`${base}/v1/streams/${id}/v0/live.m3u8?_HLS_msn=3`), env, ctx)).then((r) =>
        r.text(),
      ),
    );
    const commit = await p.upload(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await p.commit(commit);
    const bodies = await Promise.all(waiters);
    await waitOnExecutionContext(ctx);
    expect(bodies.every((b) => b.includes('s0-3.m4s'))).toBe(true);
    expect(storageCounters.coordinatorCalls - callsBefore).toBe(1);
  });

  it('releases 100 waiters inside the coordinator with a single wake-up', async () => {
    const id = newId();
    const p = await publisher(id);
    await p.publish(3);
    const stub = env.LIVE.get(env.LIVE.idFromName(id));
    const waiters = Array.from({ length: 100 }, () => stub.playlist('v0', { msn: 3 }));
    const commit = await p.upload(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await p.commit(commit);
    const answers = await Promise.all(waiters);
    expect(answers.every((a) => a.ok && a.cacheable && a.body.includes('s0-3.m4s'))).toBe(true);
    const status = await stub.status();
    expect(status?.coordinator).toMatchObject({ blockingRequests: 100, wakeups: 1, waitersReleased: 100 });
    // One render served all 100 (plus the one before the commit, if any request raced it).
    expect(status?.coordinator.renders).toBeLessThanOrEqual(2);
  });
});
