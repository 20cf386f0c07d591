/**
 * Live streams: lifecycle (create, list, status, sessions, end), segment
 * commits, and the coordinator-rendered media playlists with blocking reload.
 * Parse, delegate to the stream's LiveStream object, map the answer.
 */
import {
  type BlockingDirectives,
  derivePublishKey,
  parseBlockingDirectives,
  parseCommit,
  paths,
  type StreamStatus,
  storageKey,
  validateStreamId,
} from '@edgeswarm/protocol';
import { type Context, Hono } from 'hono';
import type { AppEnv, Env } from '../env';
import { createCoalescer } from '../lib/coalesce';
import { BadRequestError, ConflictError, type EdgeError, NotFoundError } from '../lib/errors';
import type { Refusal } from '../live/live-state';
import type { PlaylistAnswer } from '../live/live-stream';
import { storageCounters } from '../media/counters';
import { readBounded } from '../media/ingest';
import { listStreamIds, streamState } from '../media/stream-directory';
import { streamSize } from '../media/stream-objects';
import { requireOperator, requirePublisher } from './auth';

export const liveRoutes = new Hono<AppEnv>();

const coordinator = (env: Env, streamId: string) => env.LIVE.get(env.LIVE.idFromName(streamId));

function streamParam(c: Context<AppEnv>): string {
  const stream = validateStreamId(c.req.param('stream') ?? '');
  if (!stream.ok) throw new BadRequestError(stream.reason);
  return stream.value;
}

function refusal(r: Refusal | { ok: false; status: 404; reason: string }): EdgeError {
  if (r.status === 404) return new NotFoundError(r.reason);
  if (r.status === 409) return new ConflictError(r.reason);
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
  const { targetDuration, windowSegments, dvrWindowSeconds } = body as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({ targetDuration, windowSegments, dvrWindowSeconds }).filter(([, v]) => v !== undefined),
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

/** The colo's cached copy of a rendition's plain (non-blocking) playlist, dropped whenever it changes. */
function plainPlaylistKey(c: Context<AppEnv>, id: string, rendition: string): string {
  return `${new URL(c.req.url).origin}/v1/streams/${id}/${rendition}/live.m3u8`;
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
  if (result.outcome === 'appended') await caches.default.delete(plainPlaylistKey(c, id, commit.value.rendition));
  return c.json(result, result.outcome === 'appended' ? 201 : 200);
});

liveRoutes.post('/v1/streams/:stream/end', async (c) => {
  const id = streamParam(c);
  await requirePublisher(c, id);
  const result = await coordinator(c.env, id).end();
  if (!result.ok) throw refusal(result);
  await Promise.all(result.status.renditions.map((r) => caches.default.delete(plainPlaylistKey(c, id, r.name))));
  return c.json({ stream: result.status });
});

const playlistLoads = createCoalescer<PlaylistAnswer>();

function playlistCacheKey(url: string, directives: BlockingDirectives): string {
  const { origin, pathname } = new URL(url);
  if (directives.msn === undefined) return `${origin}${pathname}`;
  return `${origin}${pathname}?_HLS_msn=${directives.msn}${directives.part === undefined ? '' : `&_HLS_part=${directives.part}`}`;
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
