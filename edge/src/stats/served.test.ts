/**
 * The edge's own byte count: what each response adds, the per-isolate batches,
 * and the read path feeding the stream's StreamStats object on real workerd.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { app } from '../index';
import { flushServed, ServedAccumulator, servedBytes } from './served';

const base = 'https://edge.test';
let counter = 0;
const newId = () => `srv${Date.now().toString(36)}${counter++}`;

const response = (status: number, length?: number) =>
  new Response(null, { status, headers: length === undefined ? {} : { 'Content-Length': String(length) } });

describe('servedBytes', () => {
  it('counts the whole object for 200 and the range for 206, of media segments fetched with GET', () => {
    expect(servedBytes('GET', 'segment', response(200, 1000))).toBe(1000);
    expect(servedBytes('GET', 'segment', response(206, 100))).toBe(100);
    expect(servedBytes('HEAD', 'segment', response(200, 1000))).toBe(0);
    expect(servedBytes('GET', 'segment', response(304))).toBe(0);
    expect(servedBytes('GET', 'segment', response(416, 5))).toBe(0);
    // The player's counters see media segments only.
    expect(servedBytes('GET', 'init', response(200, 700))).toBe(0);
    expect(servedBytes('GET', 'playlist', response(200, 300))).toBe(0);
  });
});

describe('ServedAccumulator', () => {
  it('gathers a stream’s bytes into one batch and says when a new batch opens', () => {
    const accumulator = new ServedAccumulator();
    expect(accumulator.add('a', 100, 1000)).toBe(true);
    expect(accumulator.add('a', 50, 1500)).toBe(false);
    expect(accumulator.add('b', 7, 1600)).toBe(true);
    expect(accumulator.streams()).toEqual(['a', 'b']);
    expect(accumulator.take('a', 3000)).toEqual({ bytes: 150, requests: 2, fromMs: 1000, toMs: 3000 });
    expect(accumulator.take('a', 3000)).toBeUndefined();
    expect(accumulator.add('a', 1, 3100)).toBe(true);
  });
});

describe('the read path', () => {
  async function publish(id: string, name: string, bytes: number): Promise<void> {
    const put = await exports.default.fetch(
      new Request(`${base}/v1/streams/${id}/${name}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${await derivePublishKey('test-publish-secret', id)}` },
        body: new Uint8Array(bytes).fill(7),
      }),
    );
    expect(put.status).toBe(201);
  }

  const servedFor = async (id: string) => (await env.STATS.get(env.STATS.idFromName(id)).snapshot(id)).edge.servedBytes;

  it('counts 200 and 206 segment bytes, not HEAD, 304, init segments or playlists', async () => {
    const id = newId();
    await publish(id, 'v0/seg-1.m4s', 1000);
    await publish(id, 'v0/init.mp4', 300);
    const get = (name: string, init: RequestInit = {}) =>
      exports.default.fetch(new Request(`${base}/v1/streams/${id}/${name}`, init));
    const full = await get('v0/seg-1.m4s');
    expect(full.status).toBe(200);
    await full.arrayBuffer();
    const range = await get('v0/seg-1.m4s', { headers: { Range: 'bytes=100-199' } });
    expect(range.status).toBe(206);
    await range.arrayBuffer();
    expect((await get('v0/seg-1.m4s', { method: 'HEAD' })).status).toBe(200);
    expect((await get('v0/seg-1.m4s', { headers: { 'If-None-Match': full.headers.get('ETag') ?? '' } })).status).toBe(
      304,
    );
    await (await get('v0/init.mp4')).arrayBuffer();
    await flushServed(env);
    expect(await servedFor(id)).toBe(1000 + 100);
  });

  it('flushes a batch by itself a moment later, from the request’s waitUntil', async () => {
    const id = newId();
    await publish(id, 'v0/seg-2.m4s', 2000);
    const ctx = createExecutionContext();
    const answers = await Promise.all(
      [1, 2, 3].map(() => app.fetch(new Request(`${base}/v1/streams/${id}/v0/seg-2.m4s`), env, ctx)),
    );
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    // Nothing is sent while the batch gathers; waiting on the context waits for the scheduled flush.
    await waitOnExecutionContext(ctx);
    const snapshot = await env.STATS.get(env.STATS.idFromName(id)).snapshot(id);
    expect(snapshot.edge).toMatchObject({ servedBytes: 6000, servedRequests: 3 });
  });
});
