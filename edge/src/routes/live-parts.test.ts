/**
 * LL-HLS through the edge on real workerd: parts kept by the coordinator, held part requests, blocking
 * reload on _HLS_msn/_HLS_part, delta updates, rendition reports, each 400, and one coordinator call per
 * part per isolate. Each test has its own stream.
 */

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey, parsePlaylist, sha256Hex } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { app } from '../index';
import { storageCounters } from '../media/counters';

const base = 'https://edge.test';
const secret = 'test-publish-secret';
let counter = 0;
const newId = () => `ll${Date.now().toString(36)}${counter++}`;

function call(path: string, init: RequestInit = {}) {
  return exports.default.fetch(new Request(`${base}${path}`, init));
}

const tick = (ms = 200) => new Promise((resolve) => setTimeout(resolve, ms));

/** A publisher session with parts of 0.5 s (4 to a 2 s segment), one rendition unless told. */
async function llPublisher(id: string, options: Record<string, number | undefined> = { partTarget: 0.5 }) {
  const key = await derivePublishKey(secret, id);
  const auth = { Authorization: `Bearer ${key}` };
  const opened = await call(`/v1/streams/${id}/sessions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(options),
  });
  expect(opened.status, await opened.clone().text()).toBe(200);
  const { session } = (await opened.json()) as { session: number };
  const targetDuration = options.targetDuration ?? 2;
  const partTarget = options.partTarget ?? 0.5;
  const inits = new Set<string>();
  const partBytes = (rendition: string, msn: number, part: number) => `part ${part} of ${rendition} ${msn} in ${id}`;
  return {
    auth,
    session,
    partBytes,
    partUrl: (msn: number, part: number, rendition = 'v0') =>
      `/v1/streams/${id}/${rendition}/s${session}-${msn}.p${part}.m4s`,
    putPart(msn: number, part: number, rendition = 'v0', headers: Record<string, string> = {}) {
      return call(`/v1/streams/${id}/${rendition}/s${session}-${msn}.p${part}.m4s`, {
        method: 'PUT',
        headers: {
          ...auth,
          'X-Part-Duration': String(partTarget),
          ...(part === 0 ? { 'X-Part-Independent': 'YES' } : {}),
          ...headers,
        },
        body: partBytes(rendition, msn, part),
      });
    },
    /** Uploads the whole segment (the concatenation of its parts) and commits it. */
    async commit(msn: number, parts: number, rendition = 'v0') {
      const init = `${rendition}/init-s${session}.mp4`;
      if (!inits.has(init)) {
        const put = await call(`/v1/streams/${id}/${init}`, { method: 'PUT', headers: auth, body: 'init' });
        expect([200, 201]).toContain(put.status);
        inits.add(init);
      }
      const bytes = Array.from({ length: parts }, (_, p) => partBytes(rendition, msn, p)).join('') || `segment ${msn}`;
      const name = `${rendition}/s${session}-${msn}.m4s`;
      const put = await call(`/v1/streams/${id}/${name}`, { method: 'PUT', headers: auth, body: bytes });
      expect([200, 201]).toContain(put.status);
      const commit = await call(`/v1/streams/${id}/commits`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          rendition,
          msn,
          name,
          init,
          duration: targetDuration,
          sha256: await sha256Hex(new TextEncoder().encode(bytes).slice()),
          programDateTime: new Date(Date.UTC(2026, 11, 1, 9, 0, msn * targetDuration)).toISOString(),
          discontinuity: false,
        }),
      });
      expect(commit.status, await commit.clone().text()).toBe(201);
    },
    /** Segments 0..count-1, each as `parts` parts then the whole segment. */
    async publish(count: number, parts = 4, rendition = 'v0', from = 0) {
      for (let msn = from; msn < from + count; msn++) {
        for (let p = 0; p < parts; p++) expect((await this.putPart(msn, p, rendition)).status).toBe(201);
        await this.commit(msn, parts, rendition);
      }
    },
  };
}

const playlist = (id: string, query = '', rendition = 'v0') => call(`/v1/streams/${id}/${rendition}/live.m3u8${query}`);

describe('LL-HLS playlists', () => {
  it('lists parts near the end, the open segment, a preload hint and the server control a low-latency player needs', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(2);
    expect((await p.putPart(2, 0)).status).toBe(201);
    expect((await p.putPart(2, 1)).status).toBe(201);
    const text = await (await playlist(id)).text();
    const parsed = parsePlaylist(text);
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error(text);
    expect(parsed.value.partTarget).toBe(0.5);
    expect(parsed.value.serverControl).toEqual({
      canBlockReload: true,
      canSkipUntil: 12,
      holdBack: 6,
      partHoldBack: 1.5,
    });
    expect(parsed.value.segments.map((s) => s.parts?.length)).toEqual([4, 4]);
    expect(parsed.value.segments[1]?.parts?.[0]).toEqual({ uri: 's0-1.p0.m4s', duration: 0.5, independent: true });
    expect(parsed.value.openSegment?.parts.map((x) => x.uri)).toEqual(['s0-2.p0.m4s', 's0-2.p1.m4s']);
    expect(parsed.value.preloadHints).toEqual([{ type: 'PART', uri: 's0-2.p2.m4s' }]);
    // Once a segment's parts add up to it, the hint names the next segment's first part.
    await p.putPart(2, 2);
    await p.putPart(2, 3);
    expect(await (await playlist(id)).text()).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s0-3.p0.m4s"');
  });

  it('reports the other renditions (EXT-X-RENDITION-REPORT) at their last part', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1, 4, 'v0');
    await p.publish(1, 4, 'v1');
    await p.putPart(1, 0, 'v1');
    const text = await (await playlist(id, '', 'v0')).text();
    expect(text).toContain('#EXT-X-RENDITION-REPORT:URI="../v1/live.m3u8",LAST-MSN=1,LAST-PART=0');
    expect(await (await playlist(id, '', 'v1')).text()).toContain(
      '#EXT-X-RENDITION-REPORT:URI="../v0/live.m3u8",LAST-MSN=0,LAST-PART=3',
    );
  });

  it('answers _HLS_skip=YES with a delta update once segments lie beyond CAN-SKIP-UNTIL', async () => {
    const id = newId();
    const p = await llPublisher(id, { targetDuration: 1, partTarget: 0.5, dvrWindowSeconds: 60 });
    await p.publish(9, 2);
    const full = await (await playlist(id)).text();
    const delta = await (await playlist(id, '?_HLS_skip=YES')).text();
    // 9 s listed, CAN-SKIP-UNTIL=6: segments ending more than 6 s before the end (0 and 1) are skipped.
    expect(full).toContain(
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,HOLD-BACK=3,PART-HOLD-BACK=1.5',
    );
    expect(delta).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n');
    expect(delta).not.toContain('s0-1.m4s');
    expect(delta).toContain('s0-2.m4s');
    const parsed = parsePlaylist(delta);
    expect(parsed.ok && parsed.value.type === 'media' && parsed.value.mediaSequence).toBe(0);
  });

  it('renders a session without partTarget as plain HLS and refuses its parts', async () => {
    const id = newId();
    const p = await llPublisher(id, {});
    await p.commit(0, 0);
    const text = await (await playlist(id)).text();
    expect(text).not.toContain('PART');
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=6\n');
    const part = await p.putPart(1, 0);
    expect(part.status).toBe(409);
    expect(await part.json()).toMatchObject({ reason: expect.stringContaining('without partTarget') });
  });
});

describe('parts from the publisher', () => {
  it('refuses parts out of order, for the wrong segment, too long, unauthenticated, or mismatching their hash', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    expect((await p.putPart(1, 0)).status).toBe(201);
    expect((await p.putPart(1, 0)).status).toBe(200); // an identical repeat is a no-op
    const cases: [string, Promise<Response>, number, string][] = [
      ['a gap', p.putPart(1, 2), 409, 'expected part 1'],
      ['a complete segment', p.putPart(0, 4), 409, 'segment 1 only'],
      ['a later segment', p.putPart(2, 0), 409, 'segment 1 only'],
      ['too long', p.putPart(1, 1, 'v0', { 'X-Part-Duration': '0.9' }), 400, 'part target'],
      ['no duration', p.putPart(1, 1, 'v0', { 'X-Part-Duration': 'half' }), 400, 'X-Part-Duration'],
      ['a wrong hash', p.putPart(1, 1, 'v0', { 'X-Content-SHA256': 'a'.repeat(64) }), 400, 'does not match'],
      [
        'no publish key',
        call(p.partUrl(1, 1), { method: 'PUT', headers: { 'X-Part-Duration': '0.5' }, body: 'x' }),
        401,
        'publish key',
      ],
    ];
    for (const [label, pending, status, reason] of cases) {
      const response = await pending;
      expect(response.status, label).toBe(status);
      expect(((await response.json()) as { reason: string }).reason, label).toContain(reason);
    }
  });

  it('keeps a segment that is not its parts, stops listing the parts, and the stream goes on', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(2);
    await p.putPart(2, 0);
    await p.putPart(2, 1);
    // A segment whose bytes differ from the parts published for it (a publisher bug). Refusing it would
    // leave msn 2 missing, and every later commit would be refused as a gap: the stream would stop for everyone.
    const init = `v0/init-s${p.session}.mp4`;
    const name = `v0/s${p.session}-2.m4s`;
    const bytes = 'not the parts';
    expect((await call(`/v1/streams/${id}/${name}`, { method: 'PUT', headers: p.auth, body: bytes })).status).toBe(201);
    const commit = await call(`/v1/streams/${id}/commits`, {
      method: 'POST',
      headers: p.auth,
      body: JSON.stringify({
        rendition: 'v0',
        msn: 2,
        name,
        init,
        duration: 2,
        sha256: await sha256Hex(new TextEncoder().encode(bytes).slice()),
        programDateTime: new Date(Date.UTC(2026, 11, 1, 9, 0, 4)).toISOString(),
        discontinuity: false,
      }),
    });
    expect(commit.status).toBe(201);
    expect(await commit.json()).toMatchObject({
      outcome: 'appended',
      msn: 2,
      partsDropped: 2,
      warning: expect.stringContaining('not the concatenation of its 2 parts'),
    });
    // The segment is listed and served; its parts are not listed, nor served any more.
    const parsed = parsePlaylist(await (await playlist(id)).text());
    if (!parsed.ok || parsed.value.type !== 'media') throw new Error('no playlist');
    const listed = parsed.value.segments.map((s) => ({ msn: s.uri, parts: s.parts?.length ?? 0 }));
    expect(listed.at(-1)).toEqual({ msn: `s${p.session}-2.m4s`, parts: 0 });
    expect(listed.at(-2)).toEqual({ msn: `s${p.session}-1.m4s`, parts: 4 });
    expect(await (await call(`/v1/streams/${id}/${name}`)).text()).toBe(bytes);
    expect((await call(p.partUrl(2, 0))).status).toBe(404);
    // A blocking reload for a part of segment 2 is answered at once: the segment is complete.
    expect((await playlist(id, '?_HLS_msn=2&_HLS_part=3')).status).toBe(200);
    // The next segment, with its parts, is accepted as usual.
    await p.publish(1, 4, 'v0', 3);
    const status = await env.LIVE.get(env.LIVE.idFromName(id)).status();
    expect(status?.coordinator).toMatchObject({ partsMatched: 3, partMismatches: 1, partsDropped: 2 });
  });

  it('keeps parts out of R2: only whole segments are stored', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    const listed = await env.MEDIA.list({ prefix: `streams/${id}/` });
    expect(listed.objects.map((o) => o.key).sort()).toEqual([
      `streams/${id}/stream.json`,
      `streams/${id}/v0/init-s0.mp4`,
      `streams/${id}/v0/s0-0.m4s`,
    ]);
  });
});

describe('held part requests', () => {
  it('holds a request for the hinted part until the publisher sends it, then serves it cacheably', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    await p.putPart(1, 0);
    let settled = false;
    const pending = call(p.partUrl(1, 1)).then((r) => {
      settled = true;
      return r;
    });
    await tick(300);
    expect(settled).toBe(false);
    expect((await p.putPart(1, 1)).status).toBe(201);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(p.partBytes('v0', 1, 1));
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('Content-Type')).toBe('video/iso.segment');
    const again = await call(p.partUrl(1, 1));
    expect(again.headers.get('X-Edge-Cache')).toBe('HIT');
    expect(await again.text()).toBe(p.partBytes('v0', 1, 1));
  });

  it('holds the next segment first part, and 404s a part its segment was completed without', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    await p.putPart(1, 0);
    await p.putPart(1, 1);
    const nextSegment = call(p.partUrl(2, 0));
    const neverSent = call(p.partUrl(1, 2));
    await tick(300);
    await p.commit(1, 2); // the encoder cut segment 1 after two parts
    const gone = await neverSent;
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: 'not_found' });
    await p.putPart(2, 0);
    expect(await (await nextSegment).text()).toBe(p.partBytes('v0', 2, 0));
  });

  it('404s at once a part no hint could name', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    expect((await call(p.partUrl(3, 0))).status).toBe(404);
    expect((await call(p.partUrl(1, 2))).status).toBe(404);
  });

  it('answers 200 waiters on the next part with one coordinator call', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    const ctx = createExecutionContext();
    const callsBefore = storageCounters.coordinatorCalls;
    const waiters = Array.from({ length: 200 }, () =>
      Promise.resolve(app.fetch(new Request(`${base}${p.partUrl(1, 0)}`), env, ctx)).then((r) => r.text()),
    );
    await tick(300);
    await p.putPart(1, 0);
    const bodies = await Promise.all(waiters);
    await waitOnExecutionContext(ctx);
    expect(bodies.every((b) => b === p.partBytes('v0', 1, 0))).toBe(true);
    expect(storageCounters.coordinatorCalls - callsBefore).toBe(1);
    const status = await env.LIVE.get(env.LIVE.idFromName(id)).status();
    expect(status?.coordinator).toMatchObject({ partRequests: 1, partWaits: 1 });
  });
});

describe('blocking reload with _HLS_msn and _HLS_part', () => {
  it('holds a request until the part exists; the same URL again is a cache hit', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    await p.putPart(1, 0);
    const url = '?_HLS_msn=1&_HLS_part=1';
    let settled = false;
    const pending = playlist(id, url).then((r) => {
      settled = true;
      return r;
    });
    await tick(300);
    expect(settled).toBe(false);
    await p.putPart(1, 1);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=12');
    expect(await response.text()).toContain('#EXT-X-PART:DURATION=0.5,URI="s0-1.p1.m4s"');
    const again = await playlist(id, url);
    expect(again.headers.get('X-Edge-Cache')).toBe('HIT');
    expect(await again.text()).toContain('s0-1.p1.m4s');
    // The cache key is msn and part only, in one order: other parameters do not split it.
    expect((await playlist(id, '?_HLS_part=1&token=x&_HLS_msn=1')).headers.get('X-Edge-Cache')).toBe('HIT');
  });

  it('answers 200 blocking pollers of the next part with one coordinator call', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    const ctx = createExecutionContext();
    const callsBefore = storageCounters.coordinatorCalls;
    const waiters = Array.from({ length: 200 }, () =>
      Promise.resolve(
        app.fetch(new Request(`${base}/v1/streams/${id}/v0/live.m3u8?_HLS_msn=1&_HLS_part=0`), env, ctx),
      ).then((r) => r.text()),
    );
    await tick(300);
    await p.putPart(1, 0);
    const bodies = await Promise.all(waiters);
    await waitOnExecutionContext(ctx);
    expect(bodies.every((b) => b.includes('s0-1.p0.m4s'))).toBe(true);
    expect(storageCounters.coordinatorCalls - callsBefore).toBe(1);
  });

  it('releases a part request at a segment boundary (a part index past the last is the next segment first)', async () => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    const pending = playlist(id, '?_HLS_msn=0&_HLS_part=4');
    await tick(300);
    await p.putPart(1, 0);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('s0-1.p0.m4s');
  });

  it.each([
    ['_HLS_part without _HLS_msn', '?_HLS_part=1', '_HLS_part requires _HLS_msn'],
    ['a word for msn', '?_HLS_msn=next', '_HLS_msn must be a non-negative integer'],
    ['a negative msn', '?_HLS_msn=-1', '_HLS_msn must be a non-negative integer'],
    ['a decimal part', '?_HLS_msn=1&_HLS_part=0.5', '_HLS_part must be a non-negative integer'],
    ['an unknown skip', '?_HLS_skip=NO', '_HLS_skip must be YES or v2'],
    ['msn more than two past the last', '?_HLS_msn=4', 'more than two segments past'],
    ['a part past the Advance Part Limit', '?_HLS_msn=2&_HLS_part=3', 'Advance Part Limit'],
  ])('400 with a JSON reason: %s', async (_, query, reason) => {
    const id = newId();
    const p = await llPublisher(id);
    await p.publish(1);
    const response = await playlist(id, query);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_request', reason: expect.stringContaining(reason) });
  });

  it('answers 503 when the part does not appear within three target durations (RFC 8216bis §6.2.5.2)', async () => {
    const id = newId();
    const p = await llPublisher(id, { targetDuration: 1, partTarget: 0.5 });
    await p.publish(1, 2);
    const response = await playlist(id, '?_HLS_msn=1&_HLS_part=0');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'unavailable', reason: expect.stringContaining('retry') });
    // Not cached: the next poll waits again rather than replaying the failure.
    expect((await p.putPart(1, 0)).status).toBe(201);
    expect((await playlist(id, '?_HLS_msn=1&_HLS_part=0')).status).toBe(200);
  });
});
