/**
 * The tracker end to end on real workerd: WebSocket upgrades through the
 * Worker's own fetch, region shards as real Durable Objects, hibernatable
 * sockets with attachments. Clients here speak the wire format by hand, in the
 * exact shapes bittorrent-tracker and p2p-media-loader send (the stock clients
 * themselves run against `wrangler dev` in infra/src/tracker.e2e.test.ts).
 *
 * No waiting on clocks: "nothing else arrived" is shown with a barrier (a
 * scrape round trip on the same socket: the object handles one socket's
 * messages in order, so anything relayed earlier has arrived by then).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { multivariantName, storageKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { closeCodes, trackerDefaults } from './limits';
import type { ShardStats } from './stats';
import { stockAnnounceFixture } from './stock-announce-fixture';
import { TrackerSwarm } from './swarm';
import { manifestSwarmId, streamShortId, swarmInfoHash, type VariantAttributes, variantsOf } from './swarm-ids';
import { id, isOffer, type Message, newStream, offers, realSwarms, TestPeer } from './test-peers';
import type { SocketAttachment } from './tracker-engine';

const stub = (stream: string, shard: string) => env.SWARM.get(env.SWARM.idFromName(`${stream}:${shard}`));
const socketsIn = (stream: string, shard: string) =>
  runInDurableObject(stub(stream, shard), (_instance, state) => state.getWebSockets().length);

describe('GET /v1/tracker/:stream', () => {
  it('answers a plain GET with 426 and JSON', async () => {
    const response = await exports.default.fetch(new Request(`https://edge.test/v1/tracker/${newStream()}`));
    expect(response.status).toBe(426);
    expect(response.headers.get('Upgrade')).toBe('websocket');
    expect(await response.json()).toEqual({ error: 'upgrade_required', reason: expect.stringContaining('WebSocket') });
  });

  it.each([
    ['an invalid stream id', '/v1/tracker/-bad', /stream id/],
    ['an encoded stream id', '/v1/tracker/%61bc', /stream id/],
    ['an unknown region override', `/v1/tracker/ok?region=mars`, /region must be one of/],
    ['a malformed ASN override', `/v1/tracker/ok?asn=AS13335`, /asn/],
  ])('refuses %s with 400', async (_name, path, reason) => {
    const response = await exports.default.fetch(
      new Request(`https://edge.test${path}`, { headers: { Upgrade: 'websocket' } }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'bad_request', reason: expect.stringMatching(reason) });
  });
});

describe('the WebTorrent tracker protocol', () => {
  it('two peers: counts, an offer relayed, the answer routed back, stop and close remove them', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const a = await TestPeer.open(stream, 'region=eu');
    const b = await TestPeer.open(stream, 'region=eu');
    expect(await a.announce(ih, id('peer-a'), { event: 'started' })).toEqual({
      action: 'announce',
      interval: trackerDefaults.intervalSeconds,
      info_hash: ih,
      complete: 0,
      incomplete: 1,
      forwards_offers: false, // one sub-shard: no neighbour to introduce a small swarm to
    });
    expect(await b.announce(ih, id('peer-b'), { event: 'started', offers: offers('b', 5) })).toMatchObject({
      complete: 0,
      incomplete: 2,
    });
    const offer = await a.next(isOffer);
    expect(offer).toEqual({
      action: 'announce',
      offer: { type: 'offer', sdp: 'v=0 b 0' },
      offer_id: id('b~0'),
      peer_id: id('peer-b'),
      info_hash: ih,
    });
    a.send({
      action: 'announce',
      info_hash: ih,
      peer_id: id('peer-a'),
      to_peer_id: offer.peer_id,
      answer: { type: 'answer', sdp: 'v=0 answer' },
      offer_id: offer.offer_id,
    });
    expect(await b.next((m) => 'answer' in m)).toEqual({
      action: 'announce',
      answer: { type: 'answer', sdp: 'v=0 answer' },
      offer_id: id('b~0'),
      peer_id: id('peer-a'),
      info_hash: ih,
    });
    // Only one other peer, so only one of b's five offers went anywhere, and none back to b.
    expect(await a.drain(isOffer)).toEqual([]);
    expect(await b.drain(isOffer)).toEqual([]);

    expect(await a.announce(ih, id('peer-a'), { event: 'completed' })).toMatchObject({ complete: 1, incomplete: 1 });
    expect(await a.announce(ih, id('peer-a'), { event: 'stopped' })).toMatchObject({ complete: 0, incomplete: 1 });
    a.ws.close(1000, 'done');
    await a.closed;
    // b's announce after a closed: b is alone.
    expect(await b.announce(ih, id('peer-b'))).toMatchObject({ complete: 0, incomplete: 1 });
    b.ws.close(1000, 'done');
    await b.closed;
  });

  it('a p2p-media-loader-shaped client: one socket, three info_hashes, five offers each, relayed per swarm', async () => {
    const stream = newStream();
    // p2p-media-loader: info_hash = base64(sha1(swarm id)[0..15]) (20 ASCII chars), peer id "-PM0203-" + 12 chars.
    const hashes = await realSwarms(stream, 3);
    const viewers = await Promise.all(Array.from({ length: 6 }, () => TestPeer.open(stream, 'region=eu')));
    // Viewers 0–4 are in the first swarm; viewers 3–5 also in the second; nobody else in the third.
    for (const [i, v] of viewers.entries()) {
      if (i <= 4) await v.announce(hashes[0] as string, id(`-PM0203-v${i}a`), { event: 'started', offers: [] });
      if (i >= 3) await v.announce(hashes[1] as string, id(`-PM0203-v${i}b`), { event: 'started', offers: [] });
    }
    const pml = await TestPeer.open(stream, 'region=eu');
    const peerId = '-PM0203-Xk4pQ2mZ9aLr';
    for (const hash of hashes) {
      // The exact field set p2p-media-loader's bundled client sends on start.
      const reply = await pml.announce(hash, peerId, {
        numwant: 5,
        event: 'started',
        offers: offers(hash.slice(0, 4), 5),
      });
      expect(reply).toMatchObject({ action: 'announce', info_hash: hash, interval: trackerDefaults.intervalSeconds });
    }
    const received = await Promise.all(viewers.map((v) => v.drain(isOffer)));
    const first = received.flatMap((r, i) => r.filter((m) => m.info_hash === hashes[0]).map((m) => ({ i, m })));
    const second = received.flatMap((r, i) => r.filter((m) => m.info_hash === hashes[1]).map((m) => ({ i, m })));
    // Five offers, five distinct members of swarm 1; three members of swarm 2; none for swarm 3.
    expect(first.map((x) => x.i).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(first.map((x) => x.m.offer_id)).size).toBe(5);
    expect(second.map((x) => x.i).sort()).toEqual([3, 4, 5]);
    expect(received.flat().filter((m) => m.info_hash === hashes[2])).toEqual([]);
    for (const { m } of [...first, ...second]) expect(m.peer_id).toBe(peerId);

    // An answer from swarm 2 finds its way back to the p2p-media-loader socket, tagged with that swarm.
    const { i, m } = second[0] as { i: number; m: Message };
    viewers[i]?.send({
      action: 'announce',
      info_hash: hashes[1],
      peer_id: id(`-PM0203-v${i}b`),
      to_peer_id: peerId,
      answer: { type: 'answer', sdp: 'v=0 a' },
      offer_id: m.offer_id,
    });
    expect(await pml.next((x) => 'answer' in x)).toMatchObject({ info_hash: hashes[1], offer_id: m.offer_id });
    expect(
      (await (await exports.default.fetch(`https://edge.test/v1/tracker/${stream}/stats`)).json()) as Message,
    ).toMatchObject({
      shards: { eu: { sockets: 7, peers: 5 + 3 + 3 } },
    });
  });
});

describe('sharding by region', () => {
  it('peers from two regions land in different objects and never see each other', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const eu = await TestPeer.open(stream, 'region=eu&country=DE&colo=FRA&asn=3320');
    const na = await TestPeer.open(stream, 'region=na&country=US&colo=DFW&asn=7922');
    expect(await eu.announce(ih, id('eu-peer'), { event: 'started' })).toMatchObject({ incomplete: 1 });
    expect(await na.announce(ih, id('na-peer'), { event: 'started', offers: offers('na', 5) })).toMatchObject({
      incomplete: 1,
    });
    expect(await eu.drain(isOffer)).toEqual([]);
    expect(await socketsIn(stream, 'eu')).toBe(1);
    expect(await socketsIn(stream, 'na')).toBe(1);
    expect(await socketsIn(stream, 'as')).toBe(0);

    const stats = (await (await exports.default.fetch(`https://edge.test/v1/tracker/${stream}/stats`)).json()) as {
      shards: Record<string, ShardStats>;
      totals: Message;
    };
    expect(stats.shards.eu).toMatchObject({ sockets: 1, peers: 1 });
    expect(stats.shards.na).toMatchObject({ sockets: 1, peers: 1 });
    expect(stats.shards.eu?.announcesPerSecond).toBeGreaterThan(0);
    expect(stats.totals).toMatchObject({ sockets: 2, peers: 2 });
  });

  it('within a region, same-ASN peers are offered first, then the same colo or country', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const open = (q: string) => TestPeer.open(stream, `region=eu&${q}`);
    const far = await open('asn=1111&colo=MAD&country=ES');
    const sameCountry = await open('asn=2222&colo=MUC&country=DE');
    const sameAsn = await open('asn=3320&colo=AMS&country=NL');
    for (const [i, p] of [far, sameCountry, sameAsn].entries()) await p.announce(ih, id(`p${i}`), { event: 'started' });

    const me = await open('asn=3320&colo=FRA&country=DE');
    await me.announce(ih, id('me'), { event: 'started', numwant: 1, offers: offers('me', 1) });
    expect(await sameAsn.drain(isOffer)).toHaveLength(1);
    expect(await sameCountry.drain(isOffer)).toHaveLength(0);
    expect(await far.drain(isOffer)).toHaveLength(0);

    await me.announce(ih, id('me'), { numwant: 2, offers: offers('me2', 2) });
    // The same-ASN peer again, and the same-country peer next; the far peer still waits.
    expect(await sameAsn.drain(isOffer)).toHaveLength(1);
    expect(await sameCountry.drain(isOffer)).toHaveLength(1);
    expect(await far.drain(isOffer)).toHaveLength(0);
  });
});

describe('limits and bad input', () => {
  async function wellBehavedPair(stream: string, ih: string) {
    const a = await TestPeer.open(stream, 'region=eu');
    const b = await TestPeer.open(stream, 'region=eu');
    await a.announce(ih, id('good-a'), { event: 'started' });
    return {
      a,
      b,
      /** b offers, a answers, b gets the answer: a full exchange through the tracker. */
      async exchange() {
        await b.announce(ih, id('good-b'), { offers: offers('good-b', 1), numwant: 1 });
        const offer = await a.next((m) => isOffer(m) && m.peer_id === id('good-b'));
        a.send({
          action: 'announce',
          info_hash: ih,
          peer_id: id('good-a'),
          to_peer_id: id('good-b'),
          answer: { type: 'answer', sdp: 'v=0 ok' },
          offer_id: offer.offer_id,
        });
        return b.next((m) => 'answer' in m);
      },
    };
  }

  it('garbage and oversize frames get failure reasons, repeated abuse closes with 4001, the pair carries on', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const pair = await wellBehavedPair(stream, ih);
    const bad = await TestPeer.open(stream, 'region=eu');
    await bad.announce(ih, id('bad'), { event: 'started' });

    bad.send('{"action": "announce", ');
    expect(await bad.next()).toEqual({ 'failure reason': 'invalid JSON' });
    bad.send(
      JSON.stringify({
        action: 'announce',
        info_hash: ih,
        peer_id: id('bad'),
        pad: 'x'.repeat(trackerDefaults.maxMessageBytes),
      }),
    );
    expect(await bad.next()).toEqual({
      'failure reason': `message is larger than the ${trackerDefaults.maxMessageBytes}-byte limit`,
    });
    bad.send({ action: 'announce', info_hash: ih, peer_id: 42 });
    expect(await bad.next()).toEqual({ action: 'announce', info_hash: ih, 'failure reason': 'invalid peer_id' });
    bad.send({ action: 'teleport' });
    expect(await bad.next()).toMatchObject({ 'failure reason': expect.stringMatching(/invalid action/) });
    bad.send(new Uint8Array([0xff, 0x00, 0xfe]));
    expect(await bad.next()).toMatchObject({ 'failure reason': expect.any(String) });
    expect(await bad.closed).toEqual({ code: closeCodes.abuse, reason: 'too many invalid messages' });

    // The object survived, the abuser has left the swarm, and the pair still completes an exchange.
    expect(await pair.exchange()).toMatchObject({ answer: { type: 'answer', sdp: 'v=0 ok' } });
    expect(await pair.a.announce(ih, id('good-a'))).toMatchObject({ incomplete: 2 });
    expect(await socketsIn(stream, 'eu')).toBe(2);
  });

  it('an announce flood is rate limited and closed with 4029, the pair carries on', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const pair = await wellBehavedPair(stream, ih);
    const flood = await TestPeer.open(stream, 'region=eu');
    const announce = JSON.stringify({
      action: 'announce',
      info_hash: ih,
      peer_id: id('flood'),
      numwant: 5,
      offers: offers('flood', 5),
    });
    for (let i = 0; i < 200; i++) flood.send(announce);
    const { code } = await flood.closed;
    expect(code).toBe(closeCodes.rateLimited);
    // The burst (plus whatever refilled meanwhile) was served; then refusals, then the close.
    const stats = await runInDurableObject(stub(stream, 'eu'), (instance) => (instance as TrackerSwarm).getStats());
    expect(stats.totals.announces).toBeGreaterThanOrEqual(trackerDefaults.announceBurst + 1); // + a's start
    expect(stats.totals.announces).toBeLessThan(200);
    expect(stats.totals.refused).toBe(trackerDefaults.strikesBeforeClose);
    expect(stats.totals.socketsClosed).toBe(1);
    expect(await pair.exchange()).toMatchObject({ answer: { sdp: 'v=0 ok' } });
    // The flood's offers (capped by the burst) went to the pair's `a` only, never back to the flood itself.
    expect((await pair.a.drain((m) => isOffer(m) && m.peer_id === id('flood'))).length).toBeLessThanOrEqual(
      trackerDefaults.announceBurst,
    );
  });

  it('a socket may join at most maxSwarmsPerSocket swarms', async () => {
    const stream = newStream();
    const hashes = await realSwarms(stream, trackerDefaults.maxSwarmsPerSocket + 1);
    const peer = await TestPeer.open(stream, 'region=eu');
    for (let i = 0; i < trackerDefaults.maxSwarmsPerSocket; i++) {
      expect(await peer.announce(hashes[i] as string, id('p'))).toHaveProperty('interval');
    }
    const oneTooMany = hashes.at(-1) as string;
    expect(await peer.announce(oneTooMany, id('p'))).toEqual({
      action: 'announce',
      info_hash: oneTooMany,
      'failure reason': `a connection may join at most ${trackerDefaults.maxSwarmsPerSocket} swarms`,
    });
  });
});

describe('peer ids bound to their sockets', () => {
  it('refuses the three takeovers: another socket’s peer_id, a made-up answer from outside, an answer to an offer sent elsewhere', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const owner = await TestPeer.open(stream, 'region=eu');
    const offerer = await TestPeer.open(stream, 'region=eu');
    const thief = await TestPeer.open(stream, 'region=eu');
    await owner.announce(ih, id('owner'), { event: 'started' });

    // 1. An announce under the owner's peer id from another socket.
    expect(await thief.announce(ih, id('owner'), { event: 'started' })).toEqual({
      action: 'announce',
      info_hash: ih,
      'failure reason': 'peer_id is in use by another connection',
    });
    // 2. An answer with a made-up offer_id, from a socket in no swarm, aimed at a real peer.
    thief.send({
      action: 'announce',
      info_hash: ih,
      peer_id: id('thief'),
      to_peer_id: id('owner'),
      answer: { type: 'answer', sdp: 'v=0 evil' },
      offer_id: id('made-up'),
    });
    expect(await thief.next((m) => 'failure reason' in m)).toMatchObject({
      'failure reason': expect.stringMatching(/not sent/),
    });
    // 3. A real offer relayed to the owner, answered from the thief's socket with the real offer id.
    await offerer.announce(ih, id('offerer'), { event: 'started', numwant: 1, offers: offers('real', 1) });
    const offer = await owner.next(isOffer);
    thief.send({
      action: 'announce',
      info_hash: ih,
      peer_id: id('owner'),
      to_peer_id: id('offerer'),
      answer: { type: 'answer', sdp: 'v=0 evil' },
      offer_id: offer.offer_id,
    });
    expect(await thief.next((m) => 'failure reason' in m)).toMatchObject({
      'failure reason': expect.stringMatching(/not sent/),
    });
    expect(await offerer.drain((m) => 'answer' in m)).toEqual([]);
    // The owner is still the peer, and its own answer goes through.
    owner.send({
      action: 'announce',
      info_hash: ih,
      peer_id: id('owner'),
      to_peer_id: id('offerer'),
      answer: { type: 'answer', sdp: 'v=0 real' },
      offer_id: offer.offer_id,
    });
    expect(await offerer.next((m) => 'answer' in m)).toMatchObject({
      peer_id: id('owner'),
      answer: { sdp: 'v=0 real' },
    });
    expect(await owner.announce(ih, id('owner'))).toMatchObject({ incomplete: 2 });
  });

  it('two peer ids on one socket are two peers, each offered to and answering on its own', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const pooled = await TestPeer.open(stream, 'region=eu');
    expect(await pooled.announce(ih, id('first'), { event: 'started' })).toMatchObject({ incomplete: 1 });
    expect(await pooled.announce(ih, id('second'), { event: 'started' })).toMatchObject({ incomplete: 2 });
    const other = await TestPeer.open(stream, 'region=eu');
    expect(await other.announce(ih, id('other'), { event: 'started', offers: offers('o', 2) })).toMatchObject({
      incomplete: 3,
    });
    const received = await pooled.drain(isOffer);
    expect(received).toHaveLength(2);
    // One offer went to each peer id. Both stock clients on a pooled socket answer every offer that
    // reaches it (each under its own peer id): the first answer per offer is relayed, the rest dropped.
    for (const offer of received) {
      for (const peer of ['first', 'second']) {
        pooled.send({
          action: 'announce',
          info_hash: ih,
          peer_id: id(peer),
          to_peer_id: id('other'),
          answer: { type: 'answer', sdp: `v=0 ${peer}` },
          offer_id: offer.offer_id,
        });
      }
    }
    const answers = [await other.next((m) => 'answer' in m), await other.next((m) => 'answer' in m)];
    expect(answers.map((m) => m.offer_id).sort()).toEqual([id('o~0'), id('o~1')]);
    expect(await other.drain((m) => 'answer' in m)).toEqual([]);
    expect(await pooled.drain((m) => 'failure reason' in m)).toEqual([]);
    expect(
      (await (await exports.default.fetch(`https://edge.test/v1/tracker/${stream}/stats`)).json()) as Message,
    ).toMatchObject({ shards: { eu: { sockets: 2, peers: 3 } } });
  });
});

describe('only real swarms', () => {
  it('admits a stock p2p-media-loader announce for each rendition, refuses a foreign info_hash, caches the list', async () => {
    const { stream, master, playerInfoHashes } = stockAnnounceFixture;
    await env.MEDIA.put(storageKey(stream, multivariantName), master);
    const viewer = await TestPeer.open(stream, 'region=eu');
    for (const hash of playerInfoHashes) {
      // The field set and peer id p2p-media-loader 2.3 sends, with the info_hash it derived (captured from the real client).
      expect(
        await viewer.announce(hash, '-PM0203-Xk4pQ2mZ9aLr', { numwant: 5, event: 'started', offers: offers('v', 5) }),
      ).toMatchObject({ action: 'announce', info_hash: hash, interval: trackerDefaults.intervalSeconds });
    }
    const foreign = await TestPeer.open(stream, 'region=eu');
    expect(await foreign.announce(id('some-torrent'), id('freeloader'), { event: 'started' })).toEqual({
      action: 'announce',
      info_hash: id('some-torrent'),
      'failure reason': `unknown swarm: info_hash is not one of stream ${stream}'s renditions (p2p-media-loader swarm ids)`,
    });
    // A stock player without swarmId names its swarms by the playlist's URL on the edge's origin.
    const [first] = variantsOf(master);
    const byUrl = await swarmInfoHash(
      manifestSwarmId('https://edge.test', stream),
      await streamShortId(first as VariantAttributes),
    );
    expect(await foreign.announce(byUrl, id('stock-default'), { event: 'started' })).toHaveProperty('interval');
    // Derived once and kept in storage, so a woken object needs no R2 read.
    const stored = await runInDurableObject(stub(stream, 'eu'), (_i, state) =>
      state.storage.kv.get<{ infoHashes: string[] }>('allowlist'),
    );
    expect(stored?.infoHashes).toEqual(expect.arrayContaining([...playerInfoHashes, byUrl]));
  });

  it('refuses every info_hash of a stream with nothing published', async () => {
    const stream = newStream();
    const peer = await TestPeer.open(stream, 'region=eu');
    expect(await peer.announce(id('anything'), id('p'), { event: 'started' })).toMatchObject({
      'failure reason': `unknown swarm: stream ${stream} has no published renditions`,
    });
  });
});

describe('hibernation', () => {
  it('an evicted object wakes up knowing who is who: a fresh instance rebuilds from attachments', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const near = await TestPeer.open(stream, 'region=eu&asn=64500');
    const far = await TestPeer.open(stream, 'region=eu&asn=64501');
    await near.announce(ih, id('near'), { event: 'started', left: 0 });
    await far.announce(ih, id('far'), { event: 'started' });
    // A newcomer connects through the old instance but has not announced yet.
    const newcomer = await TestPeer.open(stream, 'region=eu&asn=64500');

    await runInDurableObject(stub(stream, 'eu'), async (_old, state) => {
      // What the runtime does after eviction: construct the class again on the same state.
      const woken = new TrackerSwarm(state, env);
      expect(woken.getStats()).toMatchObject({ sockets: 3, peers: 2, swarms: [{ complete: 1, incomplete: 1 }] });
      const ws = state
        .getWebSockets()
        .find(
          (s) =>
            (s.deserializeAttachment() as SocketAttachment).region.asn === 64500 &&
            (s.deserializeAttachment() as SocketAttachment).swarms.size === 0,
        );
      if (!ws) throw new Error('newcomer socket not found');
      await woken.webSocketMessage(
        ws,
        JSON.stringify({
          action: 'announce',
          info_hash: ih,
          peer_id: id('newcomer'),
          event: 'started',
          numwant: 1,
          offers: offers('n', 1),
        }),
      );
    });
    expect(await newcomer.next((m) => 'interval' in m)).toMatchObject({ complete: 1, incomplete: 2 });
    // The woken instance still knew `near`'s ASN, so the single offer went there.
    expect(await near.next(isOffer)).toMatchObject({ peer_id: id('newcomer') });
    expect(await far.drain(isOffer)).toEqual([]);
  });

  it('the stats totals survive the object restarting: a fresh instance over the same storage reports them', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const a = await TestPeer.open(stream, 'region=af');
    const b = await TestPeer.open(stream, 'region=af');
    await a.announce(ih, id('a'), { event: 'started' });
    await b.announce(ih, id('b'), { event: 'started', numwant: 1, offers: offers('b', 1) });
    const offer = await a.next(isOffer);
    a.send({
      action: 'announce',
      info_hash: ih,
      peer_id: id('a'),
      to_peer_id: id('b'),
      answer: { type: 'answer', sdp: 'v=0 a' },
      offer_id: offer.offer_id,
    });
    await b.next((m) => 'answer' in m);
    // A third socket is refused once and leaves: its counts must outlive it too.
    const gone = await TestPeer.open(stream, 'region=af');
    expect(await gone.announce(id('not-a-swarm'), id('g'))).toHaveProperty('failure reason');
    gone.ws.close(1000, 'bye');
    await gone.closed;
    await expect
      .poll(() => runInDurableObject(stub(stream, 'af'), (_i, state) => state.getWebSockets().length))
      .toBe(2);

    const statsUrl = `https://edge.test/v1/tracker/${stream}/stats`;
    const before = ((await (await exports.default.fetch(statsUrl)).json()) as { shards: Record<string, ShardStats> })
      .shards.af?.totals;
    expect(before).toMatchObject({ announces: 2, offersRelayed: 1, answersRelayed: 1, refused: 1 });
    const after = await runInDurableObject(stub(stream, 'af'), (_old, state) => {
      // What the runtime does after hibernation or eviction: a new instance on the same state.
      return new TrackerSwarm(state, env).getStats().totals;
    });
    expect(after).toEqual(before);
  });

  it('keeps a sweep alarm while sockets are connected; a sweep keeps peers that announced recently', async () => {
    const stream = newStream();
    const [ih = ''] = await realSwarms(stream);
    const peer = await TestPeer.open(stream, 'region=oc');
    await peer.announce(ih, id('p'), { event: 'started' });
    const alarm = await runInDurableObject(stub(stream, 'oc'), (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(await runDurableObjectAlarm(stub(stream, 'oc'))).toBe(true);
    // p survived the sweep, and q on the same socket is a second peer.
    expect(await peer.announce(ih, id('q'))).toMatchObject({ incomplete: 2 });
    // Rescheduled by the sweep itself, since the socket is still there.
    expect(await runInDurableObject(stub(stream, 'oc'), (_i, state) => state.storage.getAlarm())).not.toBeNull();
  });
});
