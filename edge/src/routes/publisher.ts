/**
 * `GET /v1/streams/:stream/publisher`: may this key publish to this stream, and what does it hold
 * already? A publisher asks before it encodes anything, so a wrong key or a wrong edge fails in a
 * second, not after the encode, and `vod` learns whether it would replace a video. It writes nothing:
 * 200 with the role and what is published, or the same 401/403/503 a PUT would get.
 */
import { type PublisherCheck, validateStreamId } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError } from '../lib/errors';
import { publishedKind } from '../media/stream-directory';
import { requireOperator, requirePublisher } from './auth';

export const publisherRoutes = new Hono<AppEnv>();

publisherRoutes.get('/v1/streams/:stream/publisher', async (c) => {
  const stream = validateStreamId(c.req.param('stream'));
  if (!stream.ok) throw new BadRequestError(stream.reason);
  await requirePublisher(c, stream.value);
  let role: 'operator' | 'publisher' = 'publisher';
  try {
    requireOperator(c);
    role = 'operator';
  } catch {
    // a stream's own key
  }
  const kind = await publishedKind(c.env.MEDIA, stream.value);
  c.header('Cache-Control', 'no-store');
  const check: PublisherCheck = {
    ok: true,
    stream: stream.value,
    role,
    published: kind !== undefined,
    ...(kind ? { kind } : {}),
  };
  return c.json(check);
});
