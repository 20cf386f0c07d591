/**
 * Sub-shards on real workerd: a region shard splits under load and merges
 * back when it falls, the Worker routes by the pure routing function, moved
 * sockets are shed with 4010 and land in their new sub-shard on reconnect,
 * and a small swarm's offers reach the neighbouring sub-shard and are answered.
 *
 * The budget is tiny (10 messages/s, load averaged over 2 s) so a dozen test
 * clients pass it; reports are asked for (reportNow) rather than waited for,
 * and shedding runs through the alarm.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { routeSocket, type SubShardLayout, type SubShardOptions, subShardName } from '@edgeswarm/policy';
import { describe, expect, it } from 'vitest';
import { closeCodes } from './limits';
import { id, isOffer, newStream, offers, realSwarms, TestPeer } from './test-peers';

const testOptions: Partial<SubShardOptions> = {
  messageBudgetPerSecond: 10,
  splitAtShare: 0.5,
  mergeBelowShare: 0.2,
  maxSplitWays: 2,
  cooldownMs: 0,
  splitCooldownMs: 0,
  loadWindowSeconds: 2,
  shedPerSecond: 100,
  reportEveryMs: 600_000,
  layoutCacheMs: 0,
};
const colos = ['AMS', 'FRA', 'LHR', 'CDG', 'MAD', 'WAW', 'ARN', 'VIE', 'PRG', 'MXP', 'ZRH', 'DUB'];
const query = (i: number) => `region=eu&colo=${colos[i]}&asn=${64500 + i}`;
/** The Worker's routing input for client i: the tests send no address or WebSocket key. */
const peerOf = (i: number) => ({ colo: colos[i] as string, asn: 64500 + i, client: '|' });

const directory = (stream: string) => env.SWARM_DIRECTORY.get(env.SWARM_DIRECTORY.idFromName(`${stream}:eu`));
const subShard = (stream: string, start: number) =>
  env.SWARM.get(env.SWARM.idFromName(subShardName(`${stream}:eu`, start)));
const socketsIn = (stream: string, start: number) =>
  runInDurableObject(subShard(stream, start), (_instance, state) => state.getWebSockets().length);
const layoutOf = async (stream: string): Promise<SubShardLayout> => (await directory(stream).routing()).layout;
const startOf = (layout: SubShardLayout, i: number) => routeSocket(layout, peerOf(i)).start;

/** Twelve clients in twelve colos announce until the first sub-shard is over its threshold, then it reports. */
async function splitUnderLoad(stream: string, infoHash: string) {
  expect(await directory(stream).setOptions(testOptions)).toMatchObject({ ok: true });
  const peers = await Promise.all(colos.map((_, i) => TestPeer.open(stream, query(i))));
  for (const [i, p] of peers.entries()) await p.announce(infoHash, id(`load-${i}`), { event: 'started' });
  for (const [i, p] of peers.entries()) await p.announce(infoHash, id(`load-${i}`));
  const assignment = await subShard(stream, 0).reportNow();
  const layout = await layoutOf(stream);
  return { peers, assignment, layout };
}

describe('tracker sub-shards', () => {
  it('split under load: the first sub-shard hands part of its range on, sheds those sockets with 4010, and they reconnect there', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const { peers, assignment, layout } = await splitUnderLoad(stream, ih);
    expect(layout.leaves).toHaveLength(2);
    const right = (layout.leaves[1] as { start: number }).start;
    expect(assignment).toMatchObject({ start: 0, end: right, version: layout.version, neighbour: right });

    const moved = colos.map((_, i) => i).filter((i) => startOf(layout, i) === right);
    const kept = colos.map((_, i) => i).filter((i) => startOf(layout, i) === 0);
    // The cut is at a quantile of the twelve keys, snapped to a colo boundary: both sides hold some.
    expect(moved.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);

    await runDurableObjectAlarm(subShard(stream, 0));
    for (const i of moved) expect((await peers[i]?.closed)?.code).toBe(closeCodes.moved);
    expect(await socketsIn(stream, 0)).toBe(kept.length);
    // The kept ones carry on.
    expect(await peers[kept[0] as number]?.announce(ih, id(`load-${kept[0]}`))).toMatchObject({ interval: 30 });

    // Reconnecting, each moved client is routed to the new sub-shard, every time.
    const back = await Promise.all(moved.map((i) => TestPeer.open(stream, query(i))));
    const again = await TestPeer.open(stream, query(moved[0] as number));
    expect(await socketsIn(stream, right)).toBe(moved.length + 1);
    expect(await socketsIn(stream, 0)).toBe(kept.length);

    // A stale layout (version 0) sends a moved key to the first sub-shard: refused with 421 and JSON.
    const { key } = routeSocket(layout, peerOf(moved[0] as number));
    const stale = await subShard(stream, 0).fetch(
      new Request(
        `https://tracker-swarm/connect?region=eu&base=${stream}:eu&key=${key}&start=0&end=${2 ** 53}&v=0&stream=${stream}`,
        { headers: { Upgrade: 'websocket' } },
      ),
    );
    expect(stale.status).toBe(421);
    expect(await stale.json()).toMatchObject({ error: 'misdirected', version: layout.version });

    // The stats route lists both sub-shards with their load against the budget.
    const stats = (await (await exports.default.fetch(`https://edge.test/v1/tracker/${stream}/stats`)).json()) as {
      shards: { eu: { sockets: number; layoutVersion: number; messageBudgetPerSecond: number; subShards: unknown[] } };
      totals: { sockets: number; subShards: number };
    };
    expect(stats.shards.eu).toMatchObject({ sockets: 13, layoutVersion: layout.version, messageBudgetPerSecond: 10 });
    expect(stats.shards.eu.subShards).toEqual([
      expect.objectContaining({ name: `${stream}:eu`, start: '0', sockets: kept.length }),
      expect.objectContaining({
        name: `${stream}:eu:${right.toString(16)}`,
        start: right.toString(16),
        end: (2 ** 53).toString(16),
        sockets: moved.length + 1,
        messagesPerSecond: expect.any(Number),
        budgetShare: expect.any(Number),
      }),
    ]);
    expect(stats.totals).toMatchObject({ sockets: 13, subShards: 9 });
    for (const p of [...peers, ...back, again]) p.ws.close(1000, 'done');
  });

  it('merge when the load falls: the pair becomes one again and the right one sheds its sockets to the left', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const { peers, layout } = await splitUnderLoad(stream, ih);
    const right = (layout.leaves[1] as { start: number }).start;
    for (const p of peers) p.ws.close(1000, 'done');
    await Promise.all(peers.map((p) => p.closed));
    // Wait (no threshold asserted) until both sub-shards' 2-second load windows are empty.
    const quiet = async (start: number) => (await subShard(stream, start).getStats()).messagesPerSecond === 0;
    for (let tries = 0; !((await quiet(0)) && (await quiet(right))); tries++) {
      if (tries > 100) throw new Error('the load never fell');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const left = colos.findIndex((_, i) => startOf(layout, i) === 0);
    const moved = colos.findIndex((_, i) => startOf(layout, i) === right);
    const a = await TestPeer.open(stream, query(left));
    const b = await TestPeer.open(stream, query(moved));
    expect(await socketsIn(stream, right)).toBe(1);
    await subShard(stream, right).reportNow();
    const assignment = await subShard(stream, 0).reportNow();
    const merged = await layoutOf(stream);
    expect(merged.leaves.map((l) => l.start)).toEqual([0]);
    expect(merged.version).toBe(layout.version + 1);
    expect(assignment).toMatchObject({ start: 0, end: 2 ** 53, version: merged.version });
    expect(assignment?.neighbour).toBeUndefined();

    await runDurableObjectAlarm(subShard(stream, right));
    expect((await b.closed).code).toBe(closeCodes.moved);
    const c = await TestPeer.open(stream, query(moved));
    expect(await socketsIn(stream, 0)).toBe(2);
    expect(await socketsIn(stream, right)).toBe(0);
    a.ws.close(1000, 'done');
    c.ws.close(1000, 'done');
  });

  it('introductions: a swarm too small in its sub-shard gets its offers placed in the neighbour, and the answer back', async () => {
    const stream = newStream();
    const [ih = '', small = ''] = await realSwarms(stream, 2);
    const { peers, layout } = await splitUnderLoad(stream, ih);
    const right = (layout.leaves[1] as { start: number }).start;
    await runDurableObjectAlarm(subShard(stream, 0));
    const left = colos.findIndex((_, i) => startOf(layout, i) === 0);
    const moved = colos.findIndex((_, i) => startOf(layout, i) === right);
    // One viewer of the small swarm on each side: neither sub-shard alone can connect them.
    const x = peers[left] as TestPeer;
    const y = await TestPeer.open(stream, query(moved));
    await subShard(stream, right).reportNow();
    expect(await y.announce(small, id('small-y'), { event: 'started' })).toMatchObject({ incomplete: 1 });
    // Each is told its swarm's surplus offers go to the neighbour: a viewer there keeps offering though alone here.
    expect(await x.announce(small, id('small-x'), { event: 'started', offers: offers('x', 5) })).toMatchObject({
      incomplete: 1,
      forwards_offers: true,
    });
    const offer = await y.next(isOffer);
    expect(offer).toMatchObject({ peer_id: id('small-x'), info_hash: small, offer_id: id('x~0') });
    y.send({
      action: 'announce',
      info_hash: small,
      peer_id: id('small-y'),
      to_peer_id: offer.peer_id,
      answer: { type: 'answer', sdp: 'v=0 answer' },
      offer_id: offer.offer_id,
    });
    expect(await x.next((m) => 'answer' in m)).toEqual({
      action: 'announce',
      answer: { type: 'answer', sdp: 'v=0 answer' },
      offer_id: id('x~0'),
      peer_id: id('small-y'),
      info_hash: small,
    });
    for (const p of [...peers, y]) p.ws.close(1000, 'done');
  });

  it('PUT /v1/tracker/:stream/sub-shards: operator only, known numeric options only, a bad value refused with its reason', async () => {
    const stream = newStream();
    const put = (body: unknown, auth = true) =>
      exports.default.fetch(
        new Request(`https://edge.test/v1/tracker/${stream}/sub-shards`, {
          method: 'PUT',
          headers: auth ? { Authorization: `Bearer ${env.PUBLISH_SECRET}` } : {},
          body: JSON.stringify(body),
        }),
      );
    expect((await put({ maxSubShards: 1 }, false)).status).toBe(401);
    for (const [body, reason] of [
      [[1], /JSON object/],
      [{ splitEvery: 3 }, /unknown sub-shard option splitEvery/],
      [{ maxSubShards: '1' }, /must be a number/],
      [{ messageBudgetPerSecond: -5 }, /messageBudgetPerSecond/],
    ] as const) {
      const response = await put(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'bad_request', reason: expect.stringMatching(reason) });
    }
    const ok = await put({ messageBudgetPerSecond: 300 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ stream, options: { messageBudgetPerSecond: 300, maxSubShards: 4096 } });
    const stats = (await (await exports.default.fetch(`https://edge.test/v1/tracker/${stream}/stats`)).json()) as {
      shards: Record<string, { messageBudgetPerSecond: number }>;
    };
    expect(stats.shards.eu?.messageBudgetPerSecond).toBe(300);
    expect(stats.shards.na?.messageBudgetPerSecond).toBe(300);
  });

  it('the directory lets a sub-shard in its split cooldown split again only when its last two seconds were over the whole budget', async () => {
    const stream = newStream();
    const dir = directory(stream);
    expect(await dir.setOptions({ ...testOptions, splitCooldownMs: 600_000 })).toMatchObject({ ok: true });
    const base = `${stream}:eu`;
    const load = (lastSeconds: [number, number]) => ({
      messagesPerSecond: 20,
      lastSeconds,
      peers: 1,
      sockets: 1,
      changedAt: 0,
    });
    // The first split: the layout's first leaf has never changed, so no cooldown.
    await dir.report(base, 0, { ...load([20, 20]), splitAt: [2 ** 52] });
    expect((await layoutOf(stream)).leaves.map((l) => l.start)).toEqual([0, 2 ** 52]);
    // Over the threshold (5/s) but not the budget (10/s) in its cooldown: no split.
    await dir.report(base, 0, { ...load([9, 20]), splitAt: [2 ** 51] });
    expect((await layoutOf(stream)).leaves).toHaveLength(2);
    // Both last seconds over the whole budget: it splits, cooldown or not.
    await dir.report(base, 0, { ...load([11, 12]), splitAt: [2 ** 51] });
    expect((await layoutOf(stream)).leaves.map((l) => l.start)).toEqual([0, 2 ** 51, 2 ** 52]);
  });

  it('refuses sub-shard options that would disable a rule', async () => {
    expect(await directory(newStream()).setOptions({ messageBudgetPerSecond: 0 })).toEqual({
      ok: false,
      reason: expect.stringMatching(/messageBudgetPerSecond/),
    });
  });
});
