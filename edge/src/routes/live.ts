/**
 * Live streams: lifecycle (create, list, status, sessions, end), segment
 * commits, LL-HLS parts (PUT by the publisher, GET held until published), and
 * the coordinator-rendered media playlists with blocking reload and delta
 * updates. Parse, delegate to the stream's LiveStream object, map the answer.
 * Every answer that can wait is coalesced per isolate and cached per colo, so
 * N viewers waiting for the same part cost one coordinator call.
 */
import {
  type BlockingDirectives,
  derivePublishKey,
  parseBlockingDirectives,
  parseCommit,
  parsePartName,
  paths,
  type StreamStatus,
  sha256Hex,
  storageKey,
  validateStreamId,
} from '@edgeswarm/protocol';
import { type Context, Hono } from 'hono';
import { readConfig } from '../config';
import type { AppEnv, Env } from '../env';
import { cacheControlFor } from '../lib/cache-policy';
import { createCoalescer } from '../lib/coalesce';
import { BadRequestError, ConflictError, type EdgeError, NotFoundError, ServiceUnavailableError } from '../lib/errors';
import { strongEtag } from '../lib/http';
import type { Refusal } from '../live/live-state';
import type { PartAnswer, PlaylistAnswer } from '../live/live-stream';
import { storageCounters } from '../media/counters';
import { readBounded } from '../media/ingest';
import { metaFromHeaders, metaHeaders, type ObjectMeta } from '../media/read-through';
import { respondWithObject } from '../media/respond';
import { listStreamIds, streamState } from '../media/stream-directory';
import { streamSize } from '../media/stream-objects';
import { recordServed } from '../stats/served';
import { requireOperator, requirePublisher } from './auth';
import { parseObjectAddress } from './object-path';

export const liveRoutes = new Hono<AppEnv>();

const coordinator = (env: Env, streamId: string) => env.LIVE.get(env.LIVE.idFromName(streamId));

function streamParam(c: Context<AppEnv>): string {
  const stream = validateStreamId(c.req.param('stream') ?? '');
  if (!stream.ok) throw new BadRequestError(stream.reason);
  return stream.value;
}

function refusal(r: Refusal | { ok: false; status: 404 | 503; reason: string }): EdgeError {
  if (r.status === 404) return new NotFoundError(r.reason);
  if (r.status === 409) return new ConflictError(r.reason);
  if (r.status === 503) return new ServiceUnavailableError(r.reason);
  return new BadRequestError(r.reason);
}

async function jsonBody(c: Context<AppEnv>, optional = false): Promise<unknown> {
  const length = c.req.header('Content-Length');
  const bytes = await readBounded(
    c.req.raw.body,
    4096,
    length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : undefined,
  );
  if (bytes.byteLength === 0 && optional) return {};
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BadRequestError('body must be JSON');
  }
}

function playback(c: Context<AppEnv>, id: string) {
  const origin = new URL(c.req.url).origin;
  return { playlist: `${origin}${paths.multivariant(id)}`, watch: `${origin}${paths.watch(id)}` };
}

/** A small public marker, so listing (an R2 prefix listing) finds a stream before its first segment. */
async function markStream(env: Env, status: StreamStatus): Promise<void> {
  const body = JSON.stringify({ id: status.id, kind: 'live', createdAt: status.createdAt });
  await env.MEDIA.put(storageKey(status.id, 'stream.json'), body, {
    httpMetadata: { contentType: 'application/json' },
  });
}

function options(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError('body must be a JSON object');
  const { targetDuration, windowSegments, dvrWindowSeconds, partTarget } = body as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({ targetDuration, windowSegments, dvrWindowSeconds, partTarget }).filter(([, v]) => v !== undefined),
  );
}

liveRoutes.post('/v1/streams', async (c) => {
  requireOperator(c);
  const body = await jsonBody(c);
  const id = validateStreamId(String((body as { id?: unknown })?.id ?? ''));
  if (!id.ok) throw new BadRequestError(`id: ${id.reason}`);
  const result = await coordinator(c.env, id.value).create(id.value, options(body));
  if (!result.ok) throw refusal(result);
  if (result.created) await markStream(c.env, result.status);
  const secret = c.env.PUBLISH_SECRET as string; // requireOperator proved it is set
  return c.json(
    { stream: result.status, publishKey: await derivePublishKey(secret, id.value), ...playback(c, id.value) },
    result.created ? 201 : 200,
  );
});

export const streamListingDefaults = {
  /** Streams per page: each costs a coordinator call, a stats call and a size count. */
  pageSize: 100,
};

liveRoutes.get('/v1/streams', async (c) => {
  requireOperator(c);
  const page = await listStreamIds(c.env.MEDIA, streamListingDefaults.pageSize, c.req.query('cursor'));
  const streams = await Promise.all(
    page.ids.map(async (id) => {
      const [state, stats, size] = await Promise.all([
        streamState(c.env, id),
        c.env.STATS.get(c.env.STATS.idFromName(id)).snapshot(id),
        streamSize(c.env.MEDIA, id),
      ]);
      return {
        id,
        ...state,
        viewers: stats.current.viewers,
        objects: size.objects,
        bytes: size.bytes,
        ...(size.complete ? {} : { sizeIsLowerBound: true }),
      };
    }),
  );
  c.header('Cache-Control', 'no-store');
  return c.json({ streams, ...(page.cursor ? { cursor: page.cursor } : {}) });
});

liveRoutes.get('/v1/streams/:stream', async (c) => {
  const id = streamParam(c);
  const status = await coordinator(c.env, id).status();
  if (!status) throw new NotFoundError(`no live stream ${id}`);
  c.header('Cache-Control', 'no-store');
  return c.json({ ...status, ...playback(c, id) });
});

liveRoutes.post('/v1/streams/:stream/sessions', async (c) => {
  const id = streamParam(c);
  await requirePublisher(c, id);
  const result = await coordinator(c.env, id).openSession(id, options(await jsonBody(c, true)));
  if (!result.ok) throw refusal(result);
  if (result.status.sessions === 1) await markStream(c.env, result.status);
  return c.json({ session: result.session, stream: result.status, ...playback(c, id) });
});

/** The colo's cached copies of a rendition's plain (non-blocking) playlist and its delta update, dropped whenever it changes. */
function purgePlainPlaylist(c: Context<AppEnv>, id: string, rendition: string): Promise<unknown> {
  const plain = `${new URL(c.req.url).origin}/v1/streams/${id}/${rendition}/live.m3u8`;
  return Promise.all([caches.default.delete(plain), caches.default.delete(`${plain}?_HLS_skip=YES`)]);
}

liveRoutes.post('/v1/streams/:stream/commits', async (c) => {
  const id = streamParam(c);
  await requirePublisher(c, id);
  const commit = parseCommit(await jsonBody(c));
  if (!commit.ok) throw new BadRequestError(commit.reason);
  // Hashes come only from bytes the edge stored: the commit must match them.
  const [segment, init] = await Promise.all([
    c.env.MEDIA.head(storageKey(id, commit.value.name)),
    c.env.MEDIA.head(storageKey(id, commit.value.init)),
  ]);
  if (!segment) throw new BadRequestError(`${commit.value.name} has not been uploaded; PUT it before committing`);
  if (!init) throw new BadRequestError(`${commit.value.init} has not been uploaded; PUT it before committing`);
  if (segment.customMetadata?.sha256 !== commit.value.sha256) {
    throw new ConflictError(`sha256 does not match the stored bytes of ${commit.value.name}`);
  }
  const result = await coordinator(c.env, id).commit(commit.value);
  if (!result.ok) throw refusal(result);
  if (result.outcome === 'appended') await purgePlainPlaylist(c, id, commit.value.rendition);
  return c.json(result, result.outcome === 'appended' ? 201 : 200);
});

liveRoutes.post('/v1/streams/:stream/end', async (c) => {
  const id = streamParam(c);
  await requirePublisher(c, id);
  const result = await coordinator(c.env, id).end();
  if (!result.ok) throw refusal(result);
  await Promise.all(result.status.renditions.map((r) => purgePlainPlaylist(c, id, r.name)));
  return c.json({ stream: result.status });
});

const playlistLoads = createCoalescer<PlaylistAnswer>();

/** One spelling per answer: msn, part and skip in a fixed order, nothing else (tokens never split the cache). */
function playlistCacheKey(url: string, directives: BlockingDirectives): string {
  const { origin, pathname } = new URL(url);
  const query = [
    ...(directives.msn === undefined ? [] : [`_HLS_msn=${directives.msn}`]),
    ...(directives.part === undefined ? [] : [`_HLS_part=${directives.part}`]),
    ...(directives.skip ? ['_HLS_skip=YES'] : []),
  ];
  return query.length === 0 ? `${origin}${pathname}` : `${origin}${pathname}?${query.join('&')}`;
}

liveRoutes.get('/v1/streams/:stream/:rendition/live.m3u8', async (c) => {
  const id = streamParam(c);
  const rendition = c.req.param('rendition');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(rendition)) throw new BadRequestError('invalid rendition name');
  const directives = parseBlockingDirectives(new URL(c.req.url).searchParams);
  if (!directives.ok) throw new BadRequestError(directives.reason);
  const cacheKey = playlistCacheKey(c.req.url, directives.value);
  const headers = { 'Content-Type': 'application/vnd.apple.mpegurl' };

  const cached = await caches.default.match(cacheKey);
  if (cached) {
    storageCounters.cacheHits++;
    return new Response(cached.body, { headers: { ...Object.fromEntries(cached.headers), 'X-Edge-Cache': 'HIT' } });
  }
  // Every viewer in this isolate waiting for the same segment shares one coordinator call.
  const { promise, leader } = playlistLoads.run(
    cacheKey,
    () => {
      storageCounters.coordinatorCalls++;
      return coordinator(c.env, id).playlist(rendition, directives.value);
    },
    (answer) => {
      if (!answer.ok || !answer.cacheable) return undefined;
      const stored = caches.default.put(
        cacheKey,
        new Response(answer.body, { headers: { ...headers, 'Cache-Control': answer.cacheControl } }),
      );
      c.executionCtx.waitUntil(stored);
      return stored;
    },
  );
  const answer = await promise;
  if (!answer.ok) throw refusal(answer);
  return new Response(answer.body, {
    headers: { ...headers, 'Cache-Control': answer.cacheControl, 'X-Edge-Cache': leader ? 'MISS' : 'COALESCED' },
  });
});

/** LL-HLS parts: `<rendition>/s<session>-<msn>.p<part>.m4s` (liveNames.part). */
const partPath = '/v1/streams/:stream/:rendition/:file{s[0-9]+-[0-9]+\\.p[0-9]+\\.m4s}';

function partName(c: Context<AppEnv>) {
  const name = parsePartName(`${c.req.param('rendition')}/${c.req.param('file')}`);
  if (!name) throw new BadRequestError('a part is named <rendition>/s<session>-<msn>.p<part>.m4s');
  return name;
}

/**
 * A part from the publisher. Parts go to the coordinator, not R2: R2 bills every write, a part is worth
 * a few seconds, and its bytes arrive again in the whole segment, which alone is stored. Headers:
 * X-Part-Duration (seconds), X-Part-Independent (YES when it starts with a key frame), and optionally
 * X-Content-SHA256, checked against the bytes.
 */
liveRoutes.put(partPath, async (c) => {
  const id = streamParam(c);
  await requirePublisher(c, id);
  const name = partName(c);
  const durationHeader = c.req.header('X-Part-Duration') ?? '';
  if (!/^\d{1,3}(\.\d{1,9})?$/.test(durationHeader)) {
    throw new BadRequestError('X-Part-Duration must be the part duration in seconds, a decimal');
  }
  const length = c.req.header('Content-Length');
  const bytes = await readBounded(
    c.req.raw.body,
    readConfig(c.env).maxUploadBytes,
    length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : undefined,
  );
  if (bytes.byteLength === 0) throw new BadRequestError('a part has bytes');
  const sha256 = await sha256Hex(bytes);
  const declared = c.req.header('X-Content-SHA256');
  if (declared !== undefined && declared !== sha256) {
    throw new BadRequestError('X-Content-SHA256 does not match the bytes received');
  }
  const result = await coordinator(c.env, id).putPart(
    {
      rendition: name.rendition,
      session: name.session,
      msn: name.msn,
      part: name.part,
      duration: Number(durationHeader),
      independent: c.req.header('X-Part-Independent') === 'YES',
      sha256,
      size: bytes.byteLength,
    },
    bytes.buffer,
  );
  if (!result.ok) throw refusal(result);
  if (result.outcome === 'appended') await purgePlainPlaylist(c, id, name.rendition);
  return c.json(
    { name: `${name.rendition}/${c.req.param('file')}`, sha256, ...result },
    result.outcome === 'appended' ? 201 : 200,
  );
});

const partLoads = createCoalescer<PartAnswer>();

/**
 * A part for a viewer: from the colo's cache, or from the coordinator, which holds a request for the part a
 * preload hint names until it is published. Every viewer in this isolate asking for the same part shares
 * one coordinator call; the answer is cached like a segment (its bytes never change).
 */
liveRoutes.get(partPath, async (c) => {
  const address = parseObjectAddress(c.req.url);
  const name = partName(c);
  const cached = await caches.default.match(address.cacheKey);
  if (cached?.body) {
    storageCounters.cacheHits++;
    const response = await respondWithObject(c.req.raw, {
      meta: metaFromHeaders(cached.headers),
      body: cached.body,
      cacheStatus: 'HIT',
    });
    recordServed(c, address, response);
    return response;
  }
  const meta = (answer: PartAnswer & { ok: true }): ObjectMeta => ({
    contentType: address.object.contentType,
    cacheControl: cacheControlFor({ kind: 'segment' }),
    etag: strongEtag(answer.sha256),
    sha256: answer.sha256,
    size: answer.size,
  });
  const { promise, leader } = partLoads.run(
    address.cacheKey,
    () => {
      storageCounters.coordinatorCalls++;
      return coordinator(c.env, address.streamId).part(name.rendition, name.msn, name.part, name.session);
    },
    (answer) => {
      if (!answer.ok) return undefined;
      const stored = caches.default.put(
        address.cacheKey,
        new Response(answer.bytes.slice(0), { headers: metaHeaders(meta(answer)) }),
      );
      c.executionCtx.waitUntil(stored);
      return stored;
    },
  );
  const answer = await promise;
  if (!answer.ok) throw refusal(answer);
  const response = await respondWithObject(c.req.raw, {
    meta: meta(answer),
    body: answer.bytes.slice(0),
    cacheStatus: leader ? 'MISS' : 'COALESCED',
  });
  recordServed(c, address, response);
  return response;
});
