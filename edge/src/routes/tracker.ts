/**
 * The tracker's routes: the WebSocket a client announces on, per-stream stats
 * and fault injection. Parse, route to the sub-shard of the region shard the
 * pure routing function names (policy/src/sub-shards.ts), map errors.
 */
import {
  routeSocket,
  type SubShardLayout,
  type SubShardOptions,
  subShardDefaults,
  subShardName,
} from '@edgeswarm/policy';
import { validateStreamId } from '@edgeswarm/protocol';
import { Hono } from 'hono';
import type { AppEnv, Env } from '../env';
import { clientAddress, PenaltyNotes } from '../lib/address-limiter';
import { BadRequestError, NotFoundError, TooManyRequestsError } from '../lib/errors';
import { LayoutCache } from '../tracker/layout-cache';
import { penalisedAddressReason, trackerAddressDefaults } from '../tracker/limits';
import { type RegionSource, regionShards, resolveRegion, swarmObjectName } from '../tracker/region';
import { mergeShardStats, type ShardStats } from '../tracker/stats';
import { directoryOf, streamSubShards } from '../tracker/sub-shard-stubs';
import { misdirectedStatus } from '../tracker/swarm';
import { requireOperator } from './auth';

export const trackerRoutes = new Hono<AppEnv>();

/** Per isolate: addresses a sub-shard penalised, refused here without asking it again. */
const penalties = new PenaltyNotes(trackerAddressDefaults.maxAddresses);

/** Per isolate: each region shard's layout, for as long as its directory allows. */
const layouts = new LayoutCache();

async function layoutFor(env: Env, stream: string, shard: Parameters<typeof directoryOf>[2], now: number) {
  const name = swarmObjectName(stream, shard);
  const cached = layouts.get(name, now);
  if (cached) return cached;
  const { layout, cacheMs } = await directoryOf(env, stream, shard).routing();
  layouts.set(name, layout, now + cacheMs);
  return layout;
}

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

  const { shard, colo, country, asn } = region.value;
  const base = swarmObjectName(stream, shard);
  // The client part of the routing key: its address and this connection's key, so a household keeps its place.
  const client = `${c.req.header('CF-Connecting-IP') ?? ''}|${c.req.header('Sec-WebSocket-Key') ?? ''}`;
  const connect = (layout: SubShardLayout) => {
    const route = routeSocket(layout, { colo, asn, client });
    // The object only ever sees this internal URL: the region as the Worker resolved it, and where it routed.
    const inner = new URL('https://tracker-swarm/connect');
    inner.searchParams.set('region', shard);
    if (colo) inner.searchParams.set('colo', colo);
    if (country) inner.searchParams.set('country', country);
    inner.searchParams.set('asn', String(asn));
    // Which swarms are real depends on the stream, and on the origin (a stock player's default swarm id is the playlist's URL).
    inner.searchParams.set('stream', stream);
    inner.searchParams.set('origin', url.origin);
    inner.searchParams.set('base', base);
    inner.searchParams.set('key', String(route.key));
    inner.searchParams.set('start', String(route.start));
    inner.searchParams.set('end', String(route.end));
    inner.searchParams.set('v', String(route.version));
    const stub = c.env.SWARM.get(c.env.SWARM.idFromName(subShardName(base, route.start)));
    return stub.fetch(new Request(inner, { headers: c.req.raw.headers }));
  };
  // An address a sub-shard penalised (tracker/limits.ts, trackerAddressDefaults) is refused here until it may try again.
  const address = clientAddress(c.req.raw.headers);
  const now = Date.now();
  const until = penalties.refusedUntil(address, now);
  if (until) {
    const seconds = Math.ceil((until - now) / 1000);
    throw new TooManyRequestsError(penalisedAddressReason, seconds);
  }
  const response = await connect(await layoutFor(c.env, stream, shard, now));
  if (response.status === 429) penalties.note(address, Date.now(), Number(response.headers.get('Retry-After')));
  if (response.status !== misdirectedStatus) return response;
  // Our copy of the layout was older than a split or merge: ask the directory and route again, once.
  layouts.delete(base);
  return connect(await layoutFor(c.env, stream, shard, Date.now()));
});

/**
 * Per-stream tracker stats. Region shards are a closed set (one per continent,
 * see tracker/region.ts), each with a directory that lists its sub-shards: ask
 * all eight, then their sub-shards. An object that never had a peer answers
 * zeros and stores nothing. Each region shard's figures are its sub-shards'
 * summed, with the sub-shards listed by range and load against the budget.
 */
trackerRoutes.get('/v1/tracker/:stream/stats', async (c) => {
  const stream = streamIdFrom(c.req.url);
  const regions = await streamSubShards(c.env, stream);
  const results = await Promise.all(
    regions.map(async ({ shard, layout, subShards }) => {
      const [snapshot, parts] = await Promise.all([
        directoryOf(c.env, stream, shard).snapshot(),
        Promise.all(subShards.map(async (s) => ({ ...s, stats: (await s.stub.getStats()) as ShardStats }))),
      ]);
      const budget = snapshot.options.messageBudgetPerSecond;
      const stats = {
        ...mergeShardStats(parts.map((p) => p.stats)),
        layoutVersion: layout.version,
        messageBudgetPerSecond: budget,
        subShards: parts.map((p) => ({
          name: p.name,
          // Hex, as in the object names: keys reach 2^53.
          start: p.start.toString(16),
          end: p.end.toString(16),
          sockets: p.stats.sockets,
          peers: p.stats.peers,
          messagesPerSecond: p.stats.messagesPerSecond,
          budgetShare: p.stats.messagesPerSecond / budget,
          announcesPerSecond: p.stats.announcesPerSecond,
        })),
      };
      return [shard, stats] as const;
    }),
  );
  const shards = Object.fromEntries(results);
  const sum = (pick: (s: (typeof results)[number][1]) => number) =>
    results.reduce((total, [, s]) => total + pick(s), 0);
  c.header('Cache-Control', 'no-store');
  return c.json({
    stream,
    shards,
    totals: {
      sockets: sum((s) => s.sockets),
      peers: sum((s) => s.peers),
      announcesPerSecond: sum((s) => s.announcesPerSecond),
      offersRelayedPerSecond: sum((s) => s.offersRelayedPerSecond),
      messagesPerSecond: sum((s) => s.messagesPerSecond),
      subShards: sum((s) => s.subShards.length),
    },
  });
});

/**
 * Per-stream sub-shard options (operator secret): a JSON object of overrides of
 * the defaults (policy/src/sub-shards.ts), e.g. a budget for a large event or
 * `{"maxSubShards": 1}` to keep one object per region for a benchmark. Applied
 * to every region shard's directory; sub-shards take them at their next report.
 */
trackerRoutes.put('/v1/tracker/:stream/sub-shards', async (c) => {
  const stream = streamIdFrom(c.req.url);
  requireOperator(c);
  const body: unknown = await c.req.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('expected a JSON object of sub-shard options');
  }
  for (const [key, value] of Object.entries(body)) {
    if (!(key in subShardDefaults)) throw new BadRequestError(`unknown sub-shard option ${key}`);
    if (typeof value !== 'number') throw new BadRequestError(`sub-shard option ${key} must be a number`);
  }
  const overrides = body as Partial<SubShardOptions>;
  const results = await Promise.all(
    regionShards.map((shard) => directoryOf(c.env, stream, shard).setOptions(overrides)),
  );
  const refused = results.find((r) => !r.ok);
  if (refused && !refused.ok) throw new BadRequestError(refused.reason);
  c.header('Cache-Control', 'no-store');
  return c.json({ stream, options: results[0]?.ok ? results[0].value : subShardDefaults });
});

/**
 * Fault injection for the harnesses (FAULT_INJECTION=1, which only they and the workerd tests set; elsewhere 404), and
 * the operator secret too: every sub-shard of the stream drops its peers and refuses upgrades for a while.
 */
trackerRoutes.post('/v1/tracker/:stream/outage', async (c) => {
  if (c.env.FAULT_INJECTION !== '1') throw new NotFoundError('no such route');
  const stream = streamIdFrom(c.req.url);
  requireOperator(c);
  const seconds = Number(c.req.query('seconds') ?? '10');
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new BadRequestError('seconds must be between 0 and 3600');
  }
  const regions = await streamSubShards(c.env, stream);
  const dropped = await Promise.all(regions.flatMap((r) => r.subShards.map((s) => s.stub.outage(seconds))));
  return c.json({ stream, seconds, socketsDropped: dropped.reduce((a, b) => a + b, 0) });
});
