/** GET/HEAD of playlists and segments; PUT for ingest. Parse, delegate, map. */
import { isLivePlaylistName } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import { readConfig } from '../config';
import type { AppEnv } from '../env';
import { BadRequestError, NotFoundError } from '../lib/errors';
import { ingestObject } from '../media/ingest';
import { purgeObject, readObject } from '../media/read-through';
import { respondWithObject } from '../media/respond';
import { recordServed } from '../stats/served';
import { requirePublisher } from './auth';
import { parseObjectAddress } from './object-path';

export const mediaRoutes = new Hono<AppEnv>();

mediaRoutes.get('/v1/streams/:stream/:name{.+}', async (c) => {
  const address = parseObjectAddress(c.req.url);
  const result = await readObject(
    { bucket: c.env.MEDIA, cache: caches.default, waitUntil: (p) => c.executionCtx.waitUntil(p) },
    address.cacheKey,
    address.storageKey,
    address.object,
  );
  if (!result) throw new NotFoundError(`${address.object.name} does not exist in stream ${address.streamId}`);
  const response = await respondWithObject(c.req.raw, result);
  recordServed(c, address, response);
  return response;
});

mediaRoutes.put('/v1/streams/:stream/:name{.+}', async (c) => {
  const address = parseObjectAddress(c.req.url);
  await requirePublisher(c, address.streamId);
  if (isLivePlaylistName(address.object.name)) {
    throw new BadRequestError(`${address.object.name} is rendered by the live coordinator; commit segments instead`);
  }
  const config = readConfig(c.env);
  const length = c.req.header('Content-Length');
  const result = await ingestObject(c.env.MEDIA, {
    storageKey: address.storageKey,
    object: address.object,
    body: c.req.raw.body,
    contentLength: length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : undefined,
    declaredSha256: c.req.header('X-Content-SHA256'),
    maxBytes: config.maxUploadBytes,
    // Only the create-if-absent form; any other If-None-Match on a PUT is not a precondition we keep.
    createOnly: c.req.header('If-None-Match')?.trim() === '*',
  });
  if (result.outcome === 'replaced') await purgeObject(caches.default, address.cacheKey);
  return c.json({ name: address.object.name, ...result }, result.outcome === 'created' ? 201 : 200);
});
