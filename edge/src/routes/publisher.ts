/**
 * `GET /v1/streams/:stream/publisher`: may this key publish to this stream? A publisher asks
 * before it encodes anything, so a wrong key or a wrong edge fails in a second, not after the
 * encode. It reads and writes nothing: 200 with the role, or the same 401/403/503 a PUT would get.
 */
import { validateStreamId } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError } from '../lib/errors';
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
  c.header('Cache-Control', 'no-store');
  return c.json({ ok: true, stream: stream.value, role });
});
