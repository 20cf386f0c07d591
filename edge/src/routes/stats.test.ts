/**
 * Beacons, the stats JSON and the dashboard page on real workerd, with the
 * StreamStats object behind them. Each test has its own stream. Requests go
 * straight into the app with an execution context the test waits on, so the
 * rejection counts (sent with waitUntil) have landed before the stats are read.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { StatsSnapshot } from '@edgeswarm/protocol';
import { type Beacon, derivePublishKey, zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { app } from '../index';
import { beaconAddressDefaults } from '../stats/aggregate';
import { addressRefusal } from '../stats/stream-stats';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
let counter = 0;
const newId = () => `stats${Date.now().toString(36)}${counter++}`;

async function publishStream(id: string): Promise<void> {
  const response = await exports.default.fetch(
    new Request(`${base}/v1/streams/${id}/master.m3u8`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${await derivePublishKey(secret, id)}` },
      body: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv0/index.m3u8\n',
    }),
  );
  expect(response.status).toBe(201);
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${base}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const post = (id: string, body: BodyInit, headers: Record<string, string> = { 'Content-Type': 'text/plain' }) =>
  call(`/v1/streams/${id}/beacons`, { method: 'POST', body, headers });

async function stats(id: string): Promise<StatsSnapshot> {
  const response = await call(`/v1/streams/${id}/stats`);
  expect(response.status).toBe(200);
  expect(response.headers.get('Cache-Control')).toBe('no-store');
  return response.json();
}

function beacon(stream: string, overrides: Partial<Beacon> = {}): Beacon {
  return {
    v: 1,
    stream,
    viewer: 'viewer-route-1',
    seq: 0,
    mode: 'hybrid',
    intervalMs: 5000,
    ...zeroCounters(),
    httpBytes: 400_000,
    p2pBytes: 1_200_000,
    uploadedBytes: 800_000,
    httpSegments: 1,
    p2pSegments: 4,
    peers: 3,
    bufferSeconds: 4.2,
    latencySeconds: 6,
    startupMs: 900,
    region: 'eu',
    ...overrides,
  };
}

describe('POST /v1/streams/:stream/beacons', () => {
  it('accepts a beacon sent the way sendBeacon sends it, and the stats show it', async () => {
    const id = newId();
    await publishStream(id);
    const response = await post(id, JSON.stringify(beacon(id)));
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    // application/json works as well.
    const json = await post(id, JSON.stringify(beacon(id, { viewer: 'viewer-route-2', mode: 'cdn', p2pBytes: 0 })), {
      'Content-Type': 'application/json',
    });
    expect(json.status).toBe(204);

    const snapshot = await stats(id);
    expect(snapshot.stream).toBe(id);
    expect(snapshot.current).toMatchObject({ viewers: 2, byMode: { hybrid: 1, cdn: 1 }, peerConnections: 6 });
    expect(snapshot.totals).toMatchObject({
      httpBytes: 800_000,
      p2pBytes: 1_200_000,
      // 1 200 000 ÷ 2 000 000.
      offloadPercent: 60,
      startups: 2,
      startupP50Ms: 900,
      beacons: 2,
    });
    expect(snapshot.rejections.total).toBe(0);
  });

  it.each([
    ['malformed JSON', '{"v":1,', 400, 'not_json', 'beacon body must be JSON'],
    ['a wrong shape', JSON.stringify({ v: 1, stream: 'x' }), 400, 'malformed', 'bad viewer'],
    ['a negative counter', { httpBytes: -1 }, 400, 'negative', 'httpBytes is negative'],
    ['an absurdly large counter', { p2pBytes: 1e13 }, 400, 'absurd', 'p2pBytes absurdly large'],
    ['an absurd interval', { intervalMs: 3_600_000 }, 400, 'absurd', 'interval too long'],
    ['another stream', { stream: 'other-stream' }, 400, 'stream_mismatch', 'but was posted to'],
    ['an oversized body', { region: 'eu', pad: 'x'.repeat(3000) }, 413, 'too_large', 'larger than the 2048-byte limit'],
  ] as const)('refuses %s with a reason, and counts it', async (_what, input, status, reason, message) => {
    const id = newId();
    await publishStream(id);
    const body = typeof input === 'string' ? input : JSON.stringify({ ...beacon(id), ...input });
    const response = await post(id, body);
    expect(response.status).toBe(status);
    const answer = (await response.json()) as { error: string; reason: string };
    expect(answer.reason).toContain(message);
    const snapshot = await stats(id);
    expect(snapshot.rejections.byReason).toEqual({ [reason]: 1 });
    expect(snapshot.totals.beacons).toBe(0);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const id = newId();
    await publishStream(id);
    const big = JSON.stringify({ ...beacon(id), pad: 'x'.repeat(5000) });
    const response = await post(id, big, { 'Content-Type': 'text/plain', 'Content-Length': String(big.length) });
    expect(response.status).toBe(413);
    expect((await stats(id)).rejections.byReason).toEqual({ too_large: 1 });
  });

  it('drops a duplicate seq with 409 and keeps the first', async () => {
    const id = newId();
    await publishStream(id);
    expect((await post(id, JSON.stringify(beacon(id)))).status).toBe(204);
    const again = await post(id, JSON.stringify(beacon(id, { httpBytes: 999 })));
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      error: 'conflict',
      reason: "seq 0 is not above this viewer's last seq 0",
    });
    const snapshot = await stats(id);
    expect(snapshot.totals.httpBytes).toBe(400_000);
    expect(snapshot.rejections.byReason).toEqual({ duplicate: 1 });
  });

  it('answers too-frequent beacons from one viewer with 429 and Retry-After', async () => {
    const id = newId();
    await publishStream(id);
    const statuses: number[] = [];
    let limited: Response | undefined;
    // The bucket holds 4 and refills 1 per second: sent back to back, some of 12 are refused.
    for (let seq = 0; seq < 12; seq++) {
      const response = await post(id, JSON.stringify(beacon(id, { seq, startupMs: undefined })));
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses.slice(0, 4)).toEqual([204, 204, 204, 204]);
    expect(limited?.headers.get('Retry-After')).toMatch(/^[1-9]\d*$/);
    expect(await limited?.json()).toMatchObject({ error: 'too_many_requests' });
    const refused = statuses.filter((s) => s === 429).length;
    expect(refused).toBeGreaterThan(0);
    const snapshot = await stats(id);
    expect(snapshot.rejections.byReason).toEqual({ rate_limited: refused });
    expect(snapshot.totals.beacons).toBe(12 - refused);
  });

  it('holds beacons from an internet address, and refuses an address over its limit with 429', async () => {
    const id = newId();
    await publishStream(id);
    const from = (address: string, viewer: string) =>
      post(id, JSON.stringify(beacon(id, { viewer, startupMs: undefined })), {
        'Content-Type': 'text/plain',
        'CF-Connecting-IP': address,
      });
    // A flood making up a viewer id per beacon: the address's burst (20) is admitted and held, then it is refused,
    // and once refused it stays refused (the penalty). The bucket refills (4 a second) while the flood runs, so on a
    // slow machine a token or two more is admitted before the first refusal: as many as the flood's time refilled.
    const { capacity, refillPerSecond } = beaconAddressDefaults;
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; statuses.filter((s) => s === 429).length < 5 && i < 100; i++) {
      statuses.push((await from('198.51.100.7', `flood-viewer-${i}`)).status);
    }
    const refilled = Math.ceil(((Date.now() - started) / 1000) * refillPerSecond);
    const admitted = statuses.indexOf(429);
    expect(admitted, 'beacons admitted before the first refusal').toBeGreaterThanOrEqual(capacity);
    expect(admitted, `the burst and what ${refilled} refills allow`).toBeLessThanOrEqual(capacity + refilled);
    expect(statuses.slice(0, admitted)).toEqual(Array(admitted).fill(202));
    expect(statuses.slice(admitted)).toEqual(Array(5).fill(429));
    // Penalised, another viewer id from it is refused too; another address is not.
    const again = await from('198.51.100.7', 'flood-viewer-new');
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('Retry-After'))).toBe(60);
    expect((await from('203.0.113.9', 'office-viewer-1')).status).toBe(202);
    // Loopback (the local harnesses) is judged and counted at once.
    expect((await from('127.0.0.1', 'local-viewer-1')).status).toBe(204);
    const snapshot = await stats(id);
    expect(snapshot.totals.beacons).toBe(1);
    // The object counts the refusal that penalised the address; the Worker refuses the rest itself, uncounted.
    expect(snapshot.rejections.byReason).toEqual({ rate_limited: 1 });
    expect(snapshot.rejections.detail).toEqual({ [addressRefusal]: 1 });
  });

  it('refuses beacons for a stream nobody published, and bad stream ids', async () => {
    const id = newId();
    const response = await post(id, JSON.stringify(beacon(id)));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', reason: `no stream ${id} has been published` });
    expect((await post('-bad', '{}')).status).toBe(400);
  });
});

describe('GET /v1/streams/:stream/stats', () => {
  it('answers an empty snapshot for a stream with no data yet', async () => {
    const id = newId();
    const snapshot = await stats(id);
    expect(snapshot).toMatchObject({
      stream: id,
      bucketMs: 10_000,
      startedAt: null,
      current: { viewers: 0 },
      edge: { servedBytes: 0, reportedHttpBytes: 0, differencePercent: null, agrees: true },
      rejections: { total: 0 },
      series: { time: [] },
    });
  });
});

describe('GET /dashboard/:stream', () => {
  it('serves the page that loads the dashboard bundle', async () => {
    const id = newId();
    const response = await exports.default.fetch(new Request(`${base}/dashboard/${id}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<script src="/player/dashboard.js"></script>');
    expect(html).toContain(`data-stats-url="/v1/streams/${id}/stats"`);
    expect((await exports.default.fetch(new Request(`${base}/dashboard/..%2f`))).status).toBe(400);
  });
});
