/** GET/HEAD of playlists and segments; PUT for ingest. Parse, delegate, map. */
import { verifyPublishKey } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import { readConfig } from '../config';
import type { AppEnv } from '../env';
import { ForbiddenError, NotFoundError, ServiceUnavailableError, UnauthorizedError } from '../lib/errors';
import { ingestObject } from '../media/ingest';
import { purgeObject, readObject } from '../media/read-through';
import { respondWithObject } from '../media/respond';
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
  return respondWithObject(c.req.raw, result);
});

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

mediaRoutes.put('/v1/streams/:stream/:name{.+}', async (c) => {
  const address = parseObjectAddress(c.req.url);
  const config = readConfig(c.env);
  if (!config.publishSecret) throw new ServiceUnavailableError('ingest is closed: PUBLISH_SECRET is not configured');
  const key = bearerToken(c.req.header('Authorization'));
  if (!key) throw new UnauthorizedError('a publish key is required: Authorization: Bearer <key>');
  if (!(await verifyPublishKey(config.publishSecret, address.streamId, key))) {
    throw new ForbiddenError(`the publish key is not valid for stream ${address.streamId}`);
  }
  const length = c.req.header('Content-Length');
  const result = await ingestObject(c.env.MEDIA, {
    storageKey: address.storageKey,
    object: address.object,
    body: c.req.raw.body,
    contentLength: length === undefined ? undefined : Number(length),
    declaredSha256: c.req.header('X-Content-SHA256'),
    maxBytes: config.maxUploadBytes,
  });
  if (result.outcome === 'replaced') await purgeObject(caches.default, address.cacheKey);
  return c.json({ name: address.object.name, ...result }, result.outcome === 'created' ? 201 : 200);
});
