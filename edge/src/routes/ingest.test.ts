/**
 * Strict ingest on real workerd: every refusal is a 4xx with a JSON reason, and
 * R2 and the stream's coordinator are checked afterwards to show that nothing
 * was written or changed. Each test has its own stream.
 */
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey, type StreamStatus, sha256Hex, storageKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { storageCounters } from '../media/counters';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
let counter = 0;
const newId = () => `ing${Date.now().toString(36)}${counter++}`;

function call(path: string, init: RequestInit = {}) {
  return exports.default.fetch(new Request(`${base}${path}`, init));
}

const auth = async (stream: string) => ({ Authorization: `Bearer ${await derivePublishKey(secret, stream)}` });

async function put(stream: string, name: string, body: BodyInit, headers: Record<string, string> = {}) {
  return call(`/v1/streams/${stream}/${name}`, {
    method: 'PUT',
    body,
    headers: { ...(await auth(stream)), ...headers },
  });
}

async function refusal(response: Response): Promise<{ status: number; error: string; reason: string }> {
  const body = (await response.json()) as { error: string; reason: string };
  return { status: response.status, ...body };
}

const media = (segments: string, targetDuration = 2, map = 'init.mp4') => `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:${targetDuration}
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="${map}"
${segments}
#EXT-X-ENDLIST
`;
const good = media('#EXTINF:2.000000,\nseg-00000.m4s');

describe('strict ingest: playlists stay inside their stream, with sane numbers', () => {
  it.each([
    ['an absolute segment URL', media('#EXTINF:2,\nhttps://evil.example/seg.m4s'), 'has a scheme'],
    ['a segment in another stream', media('#EXTINF:2,\n../../other/v0/seg.m4s'), 'dot segment'],
    ['an absolute path into another stream', media('#EXTINF:2,\n/v1/streams/other/v0/seg.m4s'), 'is absolute'],
    ['a non-HTTP scheme', media('#EXTINF:2,\njavascript:alert(1)'), 'has a scheme'],
    ['an absolute EXT-X-MAP', media('#EXTINF:2,\nseg.m4s', 2, 'https://evil.example/init.mp4'), 'EXT-X-MAP'],
    ['an absurd TARGETDURATION', media('#EXTINF:2,\nseg.m4s', 999999999999999), 'outside [1, 30]'],
    ['a zero-length segment', media('#EXTINF:0,\nseg.m4s'), 'lasts 0 s'],
    ['a too-long URI', media(`#EXTINF:2,\n${'a'.repeat(170)}.m4s`), 'longer than 160'],
  ])('refuses %s with a 400 and a reason, storing nothing', async (_what, text, why) => {
    const stream = newId();
    const putsBefore = storageCounters.r2Puts;
    const answer = await refusal(await put(stream, 'v0/index.m3u8', text));
    expect(answer).toEqual({ status: 400, error: 'bad_request', reason: expect.stringContaining(why) });
    expect(storageCounters.r2Puts).toBe(putsBefore);
    expect(await env.MEDIA.head(storageKey(stream, 'v0/index.m3u8'))).toBeNull();
  });

  it('refuses a multivariant playlist pointing elsewhere', async () => {
    const stream = newId();
    const text = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttps://evil.example/v0/index.m3u8\n';
    expect(await refusal(await put(stream, 'master.m3u8', text))).toMatchObject({ status: 400 });
    expect(await env.MEDIA.head(storageKey(stream, 'master.m3u8'))).toBeNull();
  });

  it('keeps the published playlist when a bad replacement is refused', async () => {
    const stream = newId();
    expect((await put(stream, 'v0/index.m3u8', good)).status).toBe(201);
    const bad = media('#EXTINF:2,\nhttps://evil.example/seg.m4s');
    expect((await put(stream, 'v0/index.m3u8', bad)).status).toBe(400);
    const stored = await env.MEDIA.get(storageKey(stream, 'v0/index.m3u8'));
    expect(await stored?.text()).toBe(good);
    expect((await call(`/v1/streams/${stream}/v0/index.m3u8`)).headers.get('Cache-Control')).toBe(
      'public, max-age=300',
    );
  });
});

describe('strict ingest: a truncated body is a 400, not a 500', () => {
  // On the wire a client that stops mid-body makes workerd's read throw ("Network connection lost"): readBounded
  // maps that to a 400 (ingest.test.ts; infra/src/ingest-wire.e2e.test.ts over a real socket). Here, in process, the
  // body just ends short of its Content-Length.
  const shortBody = (bytes: Uint8Array) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });

  it('a segment body that ends short of its Content-Length', async () => {
    const stream = newId();
    const putsBefore = storageCounters.r2Puts;
    const response = await put(stream, 'v0/seg-1.m4s', shortBody(new Uint8Array(512).fill(7)), {
      'Content-Length': '4096',
    });
    expect(await refusal(response)).toEqual({
      status: 400,
      error: 'bad_request',
      reason: 'the request body is 512 bytes, but Content-Length said 4096',
    });
    expect(storageCounters.r2Puts).toBe(putsBefore);
    expect(await env.MEDIA.head(storageKey(stream, 'v0/seg-1.m4s'))).toBeNull();
  });

  it('a commit body that ends short of its Content-Length', async () => {
    const stream = newId();
    await call(`/v1/streams/${stream}/sessions`, { method: 'POST', headers: await auth(stream) });
    const before = await (await call(`/v1/streams/${stream}`)).json();
    const response = await call(`/v1/streams/${stream}/commits`, {
      method: 'POST',
      headers: { ...(await auth(stream)), 'Content-Length': '300' },
      body: shortBody(new TextEncoder().encode('{"rendition":"v0","msn":0,')),
    });
    expect(await refusal(response)).toMatchObject({
      status: 400,
      reason: expect.stringContaining('but Content-Length said 300'),
    });
    expect(await (await call(`/v1/streams/${stream}`)).json()).toEqual(before);
  });
});

describe('strict ingest: commits belong to an opened session', () => {
  async function status(stream: string): Promise<StreamStatus> {
    return (await (await call(`/v1/streams/${stream}`)).json()) as StreamStatus;
  }

  async function uploaded(stream: string, session: number) {
    const init = `v0/init-s${session}.mp4`;
    const name = `v0/s${session}-0.m4s`;
    expect((await put(stream, init, 'init')).status).toBe(201);
    expect((await put(stream, name, 'segment 0')).status).toBe(201);
    return {
      rendition: 'v0',
      msn: 0,
      name,
      init,
      duration: 2,
      sha256: await sha256Hex(new TextEncoder().encode('segment 0').slice()),
      programDateTime: '2026-12-01T00:00:00.000Z',
    };
  }

  const commit = async (stream: string, body: unknown) =>
    call(`/v1/streams/${stream}/commits`, {
      method: 'POST',
      headers: await auth(stream),
      body: JSON.stringify(body),
    });

  it('refuses a commit on a stream created but never opened, changing nothing', async () => {
    const stream = newId();
    const created = await call('/v1/streams', {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}` },
      body: JSON.stringify({ id: stream }),
    });
    expect(created.status).toBe(201);
    const before = await status(stream);
    const answer = await refusal(await commit(stream, await uploaded(stream, 0)));
    expect(answer).toEqual({ status: 409, error: 'conflict', reason: expect.stringContaining('never opened') });
    expect(await status(stream)).toEqual(before);
    expect(before.renditions).toEqual([]);
  });

  it('refuses a commit naming the objects of a session that was never opened, changing nothing', async () => {
    const stream = newId();
    const opened = await call(`/v1/streams/${stream}/sessions`, { method: 'POST', headers: await auth(stream) });
    expect(((await opened.json()) as { session: number }).session).toBe(0);
    const before = await status(stream);
    const answer = await refusal(await commit(stream, await uploaded(stream, 7)));
    expect(answer).toEqual({
      status: 409,
      error: 'conflict',
      reason: expect.stringContaining('session 7, which was never opened (sessions opened: 1)'),
    });
    expect(await status(stream)).toEqual(before);
    // The opened session's own commit goes through.
    expect((await commit(stream, await uploaded(stream, 0))).status).toBe(201);
  });

  it('refuses a commit whose objects name no session', async () => {
    const stream = newId();
    await call(`/v1/streams/${stream}/sessions`, { method: 'POST', headers: await auth(stream) });
    const good = await uploaded(stream, 0);
    const answer = await refusal(await commit(stream, { ...good, init: 'v0/init-s3.mp4' }));
    expect(answer).toMatchObject({ status: 400, reason: expect.stringContaining('one publisher session') });
    expect((await status(stream)).renditions).toEqual([]);
  });
});

describe('encoded dot segments', () => {
  // What reaches the Worker has its dot segments, plain or percent-encoded, already resolved (the URL parser does
  // it; infra/src/ingest-wire.e2e.test.ts shows the same over a real socket). The resolved path is then checked
  // like any other: it may only name what its sender could name directly, with that stream's key.
  it('%2e%2e is resolved before the Worker: into another stream it needs that stream key', async () => {
    const stream = newId();
    const other = newId();
    const response = await put(stream, `%2e%2e/${other}/v0/seg-1.m4s`, 'bytes');
    expect(await refusal(response)).toEqual({
      status: 403,
      error: 'forbidden',
      reason: `the publish key is not valid for stream ${other}`,
    });
    expect(await env.MEDIA.head(storageKey(other, 'v0/seg-1.m4s'))).toBeNull();
    expect((await env.MEDIA.list({ prefix: `streams/${stream}/` })).objects).toEqual([]);
  });

  it.each([
    ['an encoded slash', 'v0%2fseg-1.m4s'],
    ['an encoded dot inside a name', 'v0/seg-1%2em4s'],
    ['an encoded letter', 'v0/%73eg-1.m4s'],
    ['..%2f', 'v0/..%2fseg-1.m4s'],
  ])('every other encoded character is refused with 400: %s', async (_what, name) => {
    const stream = newId();
    expect(await refusal(await put(stream, name, 'bytes'))).toMatchObject({ status: 400, error: 'bad_request' });
    expect((await env.MEDIA.list({ prefix: `streams/${stream}/` })).objects).toEqual([]);
  });
});
