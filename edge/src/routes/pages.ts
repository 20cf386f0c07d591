import { paths, validateStreamId } from '@edgeswarm/protocol';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError } from '../lib/errors';
import { favicon } from '../lib/favicon';
import { oembedDiscoveryUrl } from '../lib/oembed';
import { type PlayerPage, playerAttributes, renderEmbedPage, renderWatchPage } from '../lib/pages';

export const pageRoutes = new Hono<AppEnv>();

export const playerScript = '/player/hybrid-player.js';

function playerPage(c: Context<AppEnv>): PlayerPage {
  const stream = validateStreamId(c.req.param('stream') ?? '');
  if (!stream.ok) throw new BadRequestError(stream.reason);
  c.header('Cache-Control', 'public, max-age=60');
  return {
    streamId: stream.value,
    playlistUrl: paths.multivariant(stream.value),
    playerScript,
    attributes: playerAttributes(new URL(c.req.url).searchParams),
  };
}

pageRoutes.get('/watch/:stream', (c) => {
  const page = playerPage(c);
  return c.html(renderWatchPage({ ...page, oembedUrl: oembedDiscoveryUrl(new URL(c.req.url).origin, page.streamId) }));
});

pageRoutes.get('/embed/:stream', (c) => {
  const page = playerPage(c);
  // Embeddable anywhere: no frame-ancestors restriction.
  return c.html(renderEmbedPage(page));
});

for (const path of favicon.paths) {
  pageRoutes.get(path, (c) => {
    c.header('Content-Type', favicon.contentType);
    c.header('Cache-Control', favicon.cacheControl);
    return c.body(favicon.svg);
  });
}
