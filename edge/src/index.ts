/**
 * The edge Worker. Routes parse and delegate; everything that can go wrong is
 * an EdgeError mapped to `{ error, reason }` JSON here, in one place.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from './env';
import { EdgeError, errorBody } from './lib/errors';
import { accessRoutes } from './routes/access';
import { liveRoutes } from './routes/live';
import { mediaRoutes } from './routes/media';
import { metaRoutes } from './routes/meta';
import { oembedRoutes } from './routes/oembed';
import { operatorRoutes } from './routes/operator';
import { pageRoutes } from './routes/pages';
import { publisherRoutes } from './routes/publisher';
import { statsRoutes } from './routes/stats';
import { trackerRoutes } from './routes/tracker';

export { LiveStream } from './live/live-stream';
export { StreamStats } from './stats/stream-stats';
export { TrackerDirectory } from './tracker/directory';
export { TrackerSwarm } from './tracker/swarm';

export const app = new Hono<AppEnv>();

app.use(
  '/v1/*',
  cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Range', 'If-None-Match', 'Authorization', 'Content-Type', 'X-Content-SHA256'],
    exposeHeaders: ['Content-Length', 'Content-Range', 'ETag', 'X-Edge-Cache', 'X-Content-SHA256', 'Accept-Ranges'],
    maxAge: 86_400,
  }),
);

app.route('/', accessRoutes); // first: signed playback checks every request that plays a protected stream
app.route('/', metaRoutes);
app.route('/', operatorRoutes); // DELETE /v1/streams/:stream, GET /v1/metrics/prometheus
app.route('/', publisherRoutes); // before mediaRoutes: /v1/streams/:stream/publisher is not an object
app.route('/', statsRoutes); // before liveRoutes: /v1/streams/:stream/stats is not a stream action
app.route('/', liveRoutes); // before mediaRoutes: live.m3u8 is rendered, not stored
app.route('/', mediaRoutes);
app.route('/', pageRoutes);
app.route('/', oembedRoutes);
app.route('/', trackerRoutes);

app.notFound((c) => c.json({ error: 'not_found', reason: `no route for ${c.req.method} ${c.req.path}` }, 404));

app.onError((error, c) => {
  if (error instanceof EdgeError) {
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json(errorBody(error), error.status);
  }
  console.error('unhandled error', error);
  return c.json({ error: 'internal', reason: 'internal error' }, 500);
});

export default app;
