/**
 * Operator routes on real workerd: deleting a stream (R2 objects, coordinator,
 * stats, tracker shards, signed-playback setting, this colo's cache), live
 * retention carried out by the coordinator's alarm, the stream listing with
 * viewers and size, and the Prometheus endpoint. Each test has its own stream.
 */
import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import {
  type Beacon,
  derivePublishKey,
  type SegmentCommit,
  sha256Hex,
  storageKey,
  zeroCounters,
} from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { app } from '../index';
import { swarmObjectName } from '../tracker/region';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
const operator = { Authorization: `Bearer ${secret}` };
let counter = 0;
const newId = () => `op${Date.now().toString(36)}${counter++}`;

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${base}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const liveStub = (id: string) => env.LIVE.get(env.LIVE.idFromName(id));
const statsStub = (id: string) => env.STATS.get(env.STATS.idFromName(id));

async function objectNames(id: string): Promise<string[]> {
  const listing = await env.MEDIA.list({ prefix: storageKey(id, '') });
  return listing.objects.map((o) => o.key.slice(storageKey(id, '').length)).sort();
}

async function put(id: string, auth: Record<string, string>, name: string, body: string): Promise<void> {
  const response = await call(`/v1/streams/${id}/${name}`, { method: 'PUT', headers: auth, body });
  expect([200, 201]).toContain(response.status);
}

/** Uploads and commits 2 s segment `msn` of session 0 on v0. */
async function commitSegment(id: string, auth: Record<string, string>, msn: number): Promise<void> {
  const bytes = `segment ${msn} of ${id}`;
  await put(id, auth, `v0/s0-${msn}.m4s`, bytes);
  const commit: SegmentCommit = {
    rendition: 'v0',
    msn,
    name: `v0/s0-${msn}.m4s`,
    init: 'v0/init-s0.mp4',
    duration: 2,
    sha256: await sha256Hex(new TextEncoder().encode(bytes).slice()),
    programDateTime: new Date(Date.UTC(2026, 10, 25, 0, 0, msn * 2)).toISOString(),
    discontinuity: false,
  };
  const response = await call(`/v1/streams/${id}/commits`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(commit),
  });
  expect(response.status).toBe(201);
}

/** A live stream with a master playlist and `count` committed 2 s segments on v0. */
async function liveStream(id: string, count: number) {
  const auth = { Authorization: `Bearer ${await derivePublishKey(secret, id)}` };
  const session = await call(`/v1/streams/${id}/sessions`, { method: 'POST', headers: auth, body: '{}' });
  expect(session.status).toBe(200);
  await put(id, auth, 'master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv0/live.m3u8\n');
  await put(id, auth, 'v0/init-s0.mp4', 'init');
  for (let msn = 0; msn < count; msn++) await commitSegment(id, auth, msn);
  return auth;
}

function beacon(stream: string, overrides: Partial<Beacon> = {}): Beacon {
  return {
    v: 1,
    stream,
    viewer: 'viewer-op-1',
    seq: 0,
    mode: 'hybrid',
    intervalMs: 5000,
    ...zeroCounters(),
    httpBytes: 400_000,
    p2pBytes: 1_200_000,
    httpSegments: 1,
    p2pSegments: 4,
    stalls: 1,
    stallMs: 500,
    peers: 3,
    bufferSeconds: 4.2,
    latencySeconds: 6,
    startupMs: 900,
    region: 'eu',
    ...overrides,
  };
}

const sendBeacon = (id: string, b: Beacon = beacon(id)) =>
  call(`/v1/streams/${id}/beacons`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify(b),
  });

async function openTrackerSocket(id: string): Promise<WebSocket> {
  const response = await exports.default.fetch(
    new Request(`${base}/v1/tracker/${id}?region=eu`, { headers: { Upgrade: 'websocket' } }),
  );
  expect(response.status).toBe(101);
  const ws = response.webSocket as WebSocket;
  ws.accept();
  return ws;
}

describe('DELETE /v1/streams/:stream', () => {
  it('needs the operator secret: 401 without, 403 with a publish key, like other operator routes', async () => {
    const id = newId();
    await liveStream(id, 1);
    const none = await call(`/v1/streams/${id}`, { method: 'DELETE' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      error: 'unauthorized',
      reason: expect.stringContaining('operator secret'),
    });
    const withKey = await call(`/v1/streams/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${await derivePublishKey(secret, id)}` },
    });
    expect(withKey.status).toBe(403);
    expect(await withKey.json()).toMatchObject({ error: 'forbidden' });
    expect(await objectNames(id)).toContain('master.m3u8');
  });

  it('answers 404 JSON for an unknown stream and 400 for a bad id', async () => {
    const unknown = await call(`/v1/streams/${newId()}`, { method: 'DELETE', headers: operator });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: 'not_found',
      reason: expect.stringContaining('nothing is stored'),
    });
    const bad = await call('/v1/streams/-bad', { method: 'DELETE', headers: operator });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request' });
  });

  it('removes the objects, the coordinator state, the stats, the tracker shard and the access setting; a repeat is 404', async () => {
    const id = newId();
    await liveStream(id, 3);
    expect((await sendBeacon(id)).status).toBe(204);
    const ws = await openTrackerSocket(id);
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
    const signed = await call(`/v1/streams/${id}/access`, {
      method: 'PUT',
      headers: operator,
      body: '{"signed":true}',
    });
    expect(signed.status).toBe(200);
    // A segment in this colo's cache (read with a token: the stream is signed now).
    expect(await objectNames(id)).toEqual([
      'master.m3u8',
      'stream.json',
      'v0/init-s0.mp4',
      'v0/s0-0.m4s',
      'v0/s0-1.m4s',
      'v0/s0-2.m4s',
    ]);

    const response = await call(`/v1/streams/${id}`, { method: 'DELETE', headers: operator });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toEqual({
      stream: id,
      objects: 6,
      bytes: expect.any(Number),
      coordinator: true,
      stats: true,
      access: true,
      trackerSockets: 1,
      complete: true,
    });
    expect(await closed).toBe(1000);

    expect(await objectNames(id)).toEqual([]);
    expect(await env.MEDIA.head(`access/${id}.json`)).toBeNull();
    expect(await liveStub(id).status()).toBeNull();
    await runInDurableObject(liveStub(id), async (_, state) => {
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray()).toEqual([]);
      expect(await state.storage.getAlarm()).toBeNull();
    });
    await runInDurableObject(statsStub(id), async (_, state) => {
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray()).toEqual([]);
    });
    const shard = env.SWARM.get(env.SWARM.idFromName(swarmObjectName(id, 'eu')));
    await runInDurableObject(shard, async (_, state) => {
      expect([...state.storage.kv.list()]).toEqual([]);
    });
    expect((await statsStub(id).snapshot(id)).totals.beacons).toBe(0);
    expect((await call(`/v1/streams/${id}`)).status).toBe(404);
    expect((await call(`/v1/streams/${id}/v0/live.m3u8`)).status).toBe(404);
    expect((await sendBeacon(id, beacon(id, { seq: 1 }))).status).toBe(404);
    expect((await call(`/v1/streams/${id}/access`)).status).toBe(200);

    const again = await call(`/v1/streams/${id}`, { method: 'DELETE', headers: operator });
    expect(again.status).toBe(404);
    // The id can be used again from scratch.
    await liveStream(id, 1);
    expect(await objectNames(id)).toEqual(['master.m3u8', 'stream.json', 'v0/init-s0.mp4', 'v0/s0-0.m4s']);
    expect(await liveStub(id).status()).toMatchObject({ state: 'live', sessions: 1 });
  });

  it('deletes an uploaded VOD stream and purges the cached copies in this colo', async () => {
    const id = newId();
    const auth = { Authorization: `Bearer ${await derivePublishKey(secret, id)}` };
    const names = ['master.m3u8', 'v0/index.m3u8', 'v0/init_0.mp4', 'v0/seg-00000.m4s'];
    const bodies: Record<string, string> = {
      'master.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv0/index.m3u8\n',
      'v0/index.m3u8':
        '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:2,\nseg-00000.m4s\n#EXT-X-ENDLIST\n',
      'v0/init_0.mp4': 'init',
      'v0/seg-00000.m4s': 'segment zero',
    };
    for (const name of names) {
      const put = await call(`/v1/streams/${id}/${name}`, { method: 'PUT', headers: auth, body: bodies[name] });
      expect(put.status, await put.clone().text()).toBe(201);
    }
    // Twice, so the second read is a cache hit.
    await call(`/v1/streams/${id}/v0/seg-00000.m4s`);
    expect((await call(`/v1/streams/${id}/v0/seg-00000.m4s`)).headers.get('X-Edge-Cache')).toBe('HIT');

    const response = await call(`/v1/streams/${id}`, { method: 'DELETE', headers: operator });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ objects: 4, coordinator: false, access: false, complete: true });
    expect(await objectNames(id)).toEqual([]);
    for (const name of names) expect((await call(`/v1/streams/${id}/${name}`)).status, name).toBe(404);
  });
});

describe('retention: the coordinator alarm drops live segments past the DVR window', () => {
  it('is scheduled by a commit, and deletes what is more than the grace behind the window', async () => {
    const id = newId();
    // Window 6 × 2 s, no DVR, grace 30 s: the last 6 + 15 segments are kept.
    const auth = await liveStream(id, 25);
    await runInDurableObject(liveStub(id), async (_, state) => {
      expect(await state.storage.getAlarm()).toEqual(expect.any(Number));
    });
    expect(await runDurableObjectAlarm(liveStub(id))).toBe(true);
    const names = await objectNames(id);
    for (let msn = 0; msn < 4; msn++) expect(names).not.toContain(`v0/s0-${msn}.m4s`);
    for (let msn = 4; msn < 25; msn++) expect(names).toContain(`v0/s0-${msn}.m4s`);
    expect(names).toContain('v0/init-s0.mp4');
    const status = (await liveStub(id).status()) as NonNullable<
      Awaited<ReturnType<ReturnType<typeof liveStub>['status']>>
    >;
    expect(status.coordinator).toMatchObject({ segmentsPruned: 4, objectsDeleted: 4 });
    expect(status.renditions).toEqual([expect.objectContaining({ name: 'v0', segments: 21, lastMsn: 24 })]);
    // SQLite agrees; no alarm until the next commit sets one (an abandoned stream does not wake for ever).
    await runInDurableObject(liveStub(id), async (_, state) => {
      expect(await state.storage.getAlarm()).toBeNull();
      expect(state.storage.sql.exec('SELECT COUNT(*) AS n FROM segments').one()).toEqual({ n: 21 });
      expect(state.storage.sql.exec('SELECT COUNT(*) AS n FROM doomed').one()).toEqual({ n: 0 });
    });
    const playlist = await (await call(`/v1/streams/${id}/v0/live.m3u8`)).text();
    expect(playlist).toContain('#EXT-X-MEDIA-SEQUENCE:19');
    // The next commit sets it again, and the next run drops one more.
    await commitSegment(id, auth, 25);
    await runInDurableObject(liveStub(id), async (_, state) => {
      expect(await state.storage.getAlarm()).toEqual(expect.any(Number));
    });
    expect(await runDurableObjectAlarm(liveStub(id))).toBe(true);
    expect(await objectNames(id)).not.toContain('v0/s0-4.m4s');

    // Ended: what is retained plays on as VOD, and the alarm drops nothing more.
    expect((await call(`/v1/streams/${id}/end`, { method: 'POST', headers: auth })).status).toBe(200);
    const ended = await (await call(`/v1/streams/${id}/v0/live.m3u8`)).text();
    expect(ended).toContain('#EXT-X-MEDIA-SEQUENCE:5');
    expect(ended).toContain('#EXT-X-ENDLIST');
    expect(ended.match(/\.m4s/g)).toHaveLength(21);
    await runDurableObjectAlarm(liveStub(id));
    expect((await objectNames(id)).filter((n) => n.endsWith('.m4s'))).toHaveLength(21);
  });
});

describe('GET /v1/streams (operator listing)', () => {
  it('lists each stream with its state, viewers and size', async () => {
    const id = newId();
    await liveStream(id, 2);
    expect((await sendBeacon(id)).status).toBe(204);
    const response = await call('/v1/streams', { headers: operator });
    expect(response.status).toBe(200);
    const { streams } = (await response.json()) as { streams: Record<string, unknown>[] };
    const sizes = (await env.MEDIA.list({ prefix: storageKey(id, '') })).objects.reduce((s, o) => s + o.size, 0);
    expect(streams.find((s) => s.id === id)).toEqual({
      id,
      state: 'live',
      createdAt: expect.any(String),
      viewers: 1,
      objects: 5,
      bytes: sizes,
    });
  });
});

describe('GET /v1/metrics/prometheus', () => {
  it('needs the operator secret', async () => {
    expect((await call('/v1/metrics/prometheus')).status).toBe(401);
    const withKey = await call('/v1/metrics/prometheus', {
      headers: { Authorization: `Bearer ${await derivePublishKey(secret, 'x')}` },
    });
    expect(withKey.status).toBe(403);
    expect(await withKey.json()).toMatchObject({ error: 'forbidden' });
  });

  it("answers OpenMetrics text with each stream's egress, P2P bytes, viewers, stalls, latency and tracker load", async () => {
    const id = newId();
    await liveStream(id, 2);
    expect((await sendBeacon(id)).status).toBe(204);
    // call() waits for the execution context, so the edge's own byte count (flushed 2 s later) has landed.
    const segment = await call(`/v1/streams/${id}/v0/s0-0.m4s`);
    const served = (await segment.arrayBuffer()).byteLength;
    const ws = await openTrackerSocket(id);

    const response = await call('/v1/metrics/prometheus', { headers: operator });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const text = await response.text();
    expect(text.endsWith('# EOF\n')).toBe(true);
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const s = `stream="${id}"`;
    expect(value(`edgeswarm_edge_egress_bytes_total{${s}}`)).toBe(served);
    expect(value(`edgeswarm_edge_egress_requests_total{${s}}`)).toBe(1);
    expect(value(`edgeswarm_p2p_bytes_total{${s}}`)).toBe(1_200_000);
    expect(value(`edgeswarm_http_bytes_total{${s}}`)).toBe(400_000);
    expect(value(`edgeswarm_viewers{${s},mode="hybrid"}`)).toBe(1);
    expect(value(`edgeswarm_stalls_total{${s}}`)).toBe(1);
    expect(value(`edgeswarm_stall_seconds_total{${s}}`)).toBe(0.5);
    expect(value(`edgeswarm_live_latency_p50_seconds{${s}}`)).toBe(6);
    expect(value(`edgeswarm_tracker_sockets{${s},shard="eu"}`)).toBe(1);
    expect(value(`edgeswarm_tracker_sockets{${s},shard="na"}`)).toBeUndefined();
    expect(value('edgeswarm_streams{state="live"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE edgeswarm_edge_egress_bytes counter\n# UNIT edgeswarm_edge_egress_bytes bytes\n');
    ws.close(1000, 'done');

    // The isolate's storage counters stay where they were, public JSON.
    const legacy = await call('/v1/metrics');
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toMatchObject({ scope: 'isolate', storage: expect.any(Object) });
  });
});
