/**
 * Operator routes (PUBLISH_SECRET): deleting a stream. Parse, delegate, map:
 * removal is in media/remove-stream.ts.
 */
import { validateStreamId } from '@edgeswarm/protocol';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError, NotFoundError } from '../lib/errors';
import { removeStream } from '../media/remove-stream';
import { requireOperator } from './auth';

export const operatorRoutes = new Hono<AppEnv>();

function streamParam(c: Context<AppEnv>): string {
  const stream = validateStreamId(c.req.param('stream') ?? '');
  if (!stream.ok) throw new BadRequestError(stream.reason);
  return stream.value;
}

operatorRoutes.delete('/v1/streams/:stream', async (c) => {
  requireOperator(c);
  const stream = streamParam(c);
  const origin = new URL(c.req.url).origin;
  const removed = await removeStream(c.env, stream, (name) => `${origin}/v1/streams/${stream}/${name}`);
  if (!removed) throw new NotFoundError(`no stream ${stream}: nothing is stored for it`);
  c.header('Cache-Control', 'no-store');
  // 202: the object budget ran out; the same DELETE again deletes the rest.
  return c.json(removed, removed.complete ? 200 : 202);
});
