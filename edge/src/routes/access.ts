/**
 * Signed playback, opt in per stream. The operator turns it on with
 * `PUT /v1/streams/:stream/access {"signed": true}`; from then on every request
 * that plays the stream (its objects, live playlists, beacons, the tracker
 * socket) needs a playback token, checked here before any route runs. Tokens
 * are checked, never part of a key: the cache key and the swarm id stay
 * token-free, so viewers with different tokens share both.
 */
import { parsePlaybackKeys, validateStreamId, verifyPlaybackToken } from '@edgeswarm/protocol';
import { type Context, Hono, type Next } from 'hono';
import type { AppEnv, Env } from '../env';
import { BadRequestError, ServiceUnavailableError, TokenRejectedError, TokenRequiredError } from '../lib/errors';
import {
  accessObjectKey,
  ProtectionMemo,
  playbackAccessDefaults,
  playbackStreamOf,
  presentedToken,
} from '../lib/playback-access';
import { readBounded } from '../media/ingest';
import { requireOperator } from './auth';

export const accessRoutes = new Hono<AppEnv>();

const memo = new ProtectionMemo(playbackAccessDefaults);
const nowSeconds = () => Math.floor(Date.now() / 1000);

const accessKey = accessObjectKey;

async function isSigned(env: Env, stream: string): Promise<boolean> {
  const now = nowSeconds();
  const known = memo.get(stream, now);
  if (known !== undefined) return known;
  const stored = await env.MEDIA.get(accessKey(stream));
  const signed = stored ? ((await stored.json()) as { signed?: unknown }).signed === true : false;
  memo.set(stream, signed, now);
  return signed;
}

async function checkPlayback(c: Context<AppEnv>, next: Next): Promise<void> {
  const url = new URL(c.req.url);
  const stream = playbackStreamOf(c.req.method, url.pathname);
  if (!stream || !(await isSigned(c.env, stream))) return next();
  const token = presentedToken(url, c.req.header('Cookie'));
  if (!token) {
    throw new TokenRequiredError(
      `stream ${stream} needs a playback token: ?${playbackAccessDefaults.queryParam}=… or the ${playbackAccessDefaults.cookieName} cookie`,
    );
  }
  const keys = parsePlaybackKeys(c.env.PLAYBACK_KEYS ?? '');
  if (!keys.ok) {
    // Fail closed: a protected stream is not played without keys to check its tokens.
    throw new ServiceUnavailableError(
      `stream ${stream} has signed playback, but PLAYBACK_KEYS is unusable: ${keys.reason}`,
    );
  }
  const verdict = await verifyPlaybackToken(token, stream, keys.value, nowSeconds());
  if (!verdict.ok) throw new TokenRejectedError(verdict.reason);
  await next();
  // What one viewer was let in to see is not for shared caches downstream (the edge's own cache stays shared).
  const cacheControl = c.res.headers.get('Cache-Control');
  if (cacheControl?.startsWith('public') && c.res.status !== 101) {
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set('Cache-Control', cacheControl.replace(/^public/, 'private'));
  }
}

accessRoutes.use('*', checkPlayback);

function streamParam(c: Context<AppEnv>): string {
  const stream = validateStreamId(c.req.param('stream') ?? '');
  if (!stream.ok) throw new BadRequestError(stream.reason);
  return stream.value;
}

/** Whether a stream needs playback tokens: public, so a page can tell before it plays. */
accessRoutes.get('/v1/streams/:stream/access', async (c) => {
  const stream = streamParam(c);
  c.header('Cache-Control', 'no-store');
  return c.json({ stream, signed: await isSigned(c.env, stream) });
});

accessRoutes.put('/v1/streams/:stream/access', async (c) => {
  const stream = streamParam(c);
  requireOperator(c);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(await readBounded(c.req.raw.body, 1024)));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new BadRequestError('body must be JSON: {"signed": true | false}');
  }
  const signed = (body as { signed?: unknown } | null)?.signed;
  if (typeof signed !== 'boolean') throw new BadRequestError('body must be {"signed": true | false}');
  if (signed && !parsePlaybackKeys(c.env.PLAYBACK_KEYS ?? '').ok) {
    throw new ServiceUnavailableError('signed playback needs PLAYBACK_KEYS (id:secret[@retirement], comma-separated)');
  }
  await c.env.MEDIA.put(accessKey(stream), JSON.stringify({ signed }), {
    httpMetadata: { contentType: 'application/json' },
  });
  memo.forget(stream);
  return c.json({ stream, signed });
});
