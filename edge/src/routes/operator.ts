/**
 * Operator routes (PUBLISH_SECRET): deleting a stream, and the Prometheus /
 * OpenMetrics scrape. Parse, delegate, map: removal is in media/remove-stream.ts,
 * which metrics exist in lib/stream-metrics.ts, the text in lib/openmetrics.ts.
 */
import { validateStreamId } from '@edgeswarm/protocol';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError, NotFoundError } from '../lib/errors';
import { openMetricsContentType, renderOpenMetrics } from '../lib/openmetrics';
import { metricsDefaults, type StreamMetricsInput, streamMetricFamilies } from '../lib/stream-metrics';
import { removeStream } from '../media/remove-stream';
import { listStreamIds, streamState } from '../media/stream-directory';
import { mergeShardStats } from '../tracker/stats';
import { streamSubShards } from '../tracker/sub-shard-stubs';
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

async function streamMetrics(c: Context<AppEnv>, id: string): Promise<StreamMetricsInput> {
  const [state, stats, shards] = await Promise.all([
    streamState(c.env, id),
    c.env.STATS.get(c.env.STATS.idFromName(id)).snapshot(id),
    // Per region shard, its sub-shards summed (tracker/sub-shard-stubs.ts).
    streamSubShards(c.env, id).then((regions) =>
      Promise.all(
        regions.map(async ({ shard, subShards }) => ({
          shard,
          stats: mergeShardStats(await Promise.all(subShards.map((s) => s.stub.getStats()))),
        })),
      ),
    ),
  ]);
  return {
    stream: id,
    state: state.state,
    stats,
    // Shards that never had a peer report zeros: leaving them out keeps the series few.
    tracker: shards.filter(({ stats: s }) => s.sockets > 0 || s.totals.announces > 0),
  };
}

operatorRoutes.get('/v1/metrics/prometheus', async (c) => {
  requireOperator(c);
  const page = await listStreamIds(c.env.MEDIA, metricsDefaults.maxStreams);
  const streams = await Promise.all(page.ids.map((id) => streamMetrics(c, id)));
  const text = renderOpenMetrics(streamMetricFamilies({ streams, truncated: page.cursor !== undefined }));
  return c.body(text, 200, { 'Content-Type': openMetricsContentType, 'Cache-Control': 'no-store' });
});
