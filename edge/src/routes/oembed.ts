/** oEmbed for this edge's /watch and /embed pages: parse, check the stream exists, answer (lib/oembed.ts decides). */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError, type EdgeError, NotFoundError, NotImplementedError } from '../lib/errors';
import { type OembedRefusal, oembedDefaults, oembedVideo, parseOembedRequest } from '../lib/oembed';
import { streamExists } from '../stats/known-streams';

export const oembedRoutes = new Hono<AppEnv>();

const refusalError: Record<OembedRefusal['status'], (reason: string) => EdgeError> = {
  400: (reason) => new BadRequestError(reason),
  404: (reason) => new NotFoundError(reason),
  501: (reason) => new NotImplementedError(reason),
};

oembedRoutes.get('/oembed', async (c) => {
  // Consumers are mostly servers, but a page may ask too; the answer is public.
  c.header('Access-Control-Allow-Origin', '*');
  const origin = new URL(c.req.url).origin;
  const request = parseOembedRequest(new URL(c.req.url).searchParams, origin);
  if (!request.ok) {
    throw refusalError[request.status](request.reason);
  }
  const { stream } = request.value;
  if (!(await streamExists(c.env.MEDIA, stream))) throw new NotFoundError(`no stream ${stream} has been published`);
  c.header('Cache-Control', `public, max-age=${oembedDefaults.cacheAgeSeconds}`);
  return c.json(oembedVideo(request.value, origin));
});
