import { paths, validateStreamId } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError } from '../lib/errors';
import { renderWatchPage } from '../lib/pages';

export const pageRoutes = new Hono<AppEnv>();

pageRoutes.get('/watch/:stream', (c) => {
  const stream = validateStreamId(c.req.param('stream'));
  if (!stream.ok) throw new BadRequestError(stream.reason);
  c.header('Cache-Control', 'public, max-age=60');
  return c.html(
    renderWatchPage({
      streamId: stream.value,
      playlistUrl: paths.multivariant(stream.value),
      playerScript: '/player/watch.js',
    }),
  );
});
