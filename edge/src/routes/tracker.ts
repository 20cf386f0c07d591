/**
 * The tracker's two routes: the WebSocket a client announces on, and per-stream
 * stats. Parse, delegate to the region shard's TrackerSwarm, map errors.
 */
import { validateStreamId } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError } from '../lib/errors';
import { type RegionSource, regionShards, resolveRegion, swarmObjectName } from '../tracker/region';
import type { ShardStats } from '../tracker/stats';
import { requireOperator } from './auth';

export const trackerRoutes = new Hono<AppEnv>();

/** The stream id exactly as written in the path: an encoded character is refused, never decoded. */
function streamIdFrom(url: string): string {
  const id = new URL(url).pathname.split('/')[3] ?? '';
  const valid = validateStreamId(id);
  if (!valid.ok) throw new BadRequestError(valid.reason);
  return valid.value;
}

trackerRoutes.get('/v1/tracker/:stream', async (c) => {
  const stream = streamIdFrom(c.req.url);
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    // 426 is outside the shared error taxonomy (it only happens here), so it is answered in place.
    return c.json({ error: 'upgrade_required', reason: 'the tracker speaks WebSocket: send Upgrade: websocket' }, 426, {
      Upgrade: 'websocket',
    });
  }
  const url = new URL(c.req.url);
  // Incoming requests carry IncomingRequestCfProperties; the Request type only knows the outgoing kind.
  const cf = c.req.raw.cf as RegionSource | undefined;
  const region = resolveRegion(cf, url.searchParams, c.env.TRACKER_REGION_OVERRIDE === '1');
  if (!region.ok) throw new BadRequestError(region.reason);

  // The object only ever sees this internal URL: the region as the Worker resolved it.
  const inner = new URL('https://tracker-swarm/connect');
  const { shard, colo, country, asn } = region.value;
  inner.searchParams.set('region', shard);
  if (colo) inner.searchParams.set('colo', colo);
  if (country) inner.searchParams.set('country', country);
  inner.searchParams.set('asn', String(asn));
  // Which swarms are real depends on the stream, and on the origin (a stock player's default swarm id is the playlist's URL).
  inner.searchParams.set('stream', stream);
  inner.searchParams.set('origin', url.origin);
  const stub = c.env.SWARM.get(c.env.SWARM.idFromName(swarmObjectName(stream, shard)));
  return stub.fetch(new Request(inner, { headers: c.req.raw.headers }));
});

/**
 * Per-stream tracker stats. Shards are a closed set (one per continent, see
 * tracker/region.ts), so finding a stream's shards needs no registry: ask all
 * eight. An object that never had a peer answers zeros and stores nothing.
 */
trackerRoutes.get('/v1/tracker/:stream/stats', async (c) => {
  const stream = streamIdFrom(c.req.url);
  const results = await Promise.all(
    regionShards.map(async (shard) => {
      const stub = c.env.SWARM.get(c.env.SWARM.idFromName(swarmObjectName(stream, shard)));
      return [shard, (await stub.getStats()) as ShardStats] as const;
    }),
  );
  const shards = Object.fromEntries(results);
  const sum = (pick: (s: ShardStats) => number) => results.reduce((total, [, s]) => total + pick(s), 0);
  c.header('Cache-Control', 'no-store');
  return c.json({
    stream,
    shards,
    totals: {
      sockets: sum((s) => s.sockets),
      peers: sum((s) => s.peers),
      announcesPerSecond: sum((s) => s.announcesPerSecond),
      offersRelayedPerSecond: sum((s) => s.offersRelayedPerSecond),
    },
  });
});

/** Fault injection (operator secret): every shard of the stream drops its peers and refuses upgrades for a while. */
trackerRoutes.post('/v1/tracker/:stream/outage', async (c) => {
  const stream = streamIdFrom(c.req.url);
  requireOperator(c);
  const seconds = Number(c.req.query('seconds') ?? '10');
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new BadRequestError('seconds must be between 0 and 3600');
  }
  const dropped = await Promise.all(
    regionShards.map((shard) =>
      c.env.SWARM.get(c.env.SWARM.idFromName(swarmObjectName(stream, shard))).outage(seconds),
    ),
  );
  return c.json({ stream, seconds, socketsDropped: dropped.reduce((a, b) => a + b, 0) });
});
