/**
 * The tracker's rules with plain objects as sockets and time passed in: no
 * runtime, no timers. The same engine runs inside the Durable Object (see
 * swarm.test.ts for the whole path on workerd).
 */

import { makePeerId } from '@edgeswarm/policy';
import { type TrackerServerMessage, trackerIdToHex } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { closeCodes, type TrackerLimits, trackerDefaults } from './limits';
import type { PeerRegion } from './region';
import { membershipKey, type Outcome, rememberOffer, TrackerEngine } from './tracker-engine';

interface FakeSocket {
  name: string;
}

const id = (name: string) => name.padEnd(20, '_');
const ih = id('rendition-720p');
const region = (asn: number, colo = 'FRA', country = 'DE'): PeerRegion => ({ shard: 'eu', colo, country, asn });
const offers = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    offer_id: id(`${from}-o${i}`),
    offer: { type: 'offer', sdp: `sdp ${from} ${i}` },
  }));

function setup(limits: Partial<TrackerLimits> = {}) {
  const engine = new TrackerEngine<FakeSocket>({ ...trackerDefaults, ...limits }, 42);
  const sockets = new Map<string, FakeSocket>();
  const join = (name: string, where = region(1), now = 0) => {
    const socket = { name };
    sockets.set(name, socket);
    engine.connect(socket, where, now);
    return socket;
  };
  const send = (socket: FakeSocket, message: unknown, now = 0) =>
    engine.receive(socket, typeof message === 'string' ? message : JSON.stringify(message), now);
  const announce = (socket: FakeSocket, fields: Record<string, unknown> = {}, now = 0) =>
    send(
      socket,
      {
        action: 'announce',
        info_hash: ih,
        peer_id: id(socket.name),
        numwant: 5,
        uploaded: 0,
        downloaded: 0,
        ...fields,
      },
      now,
    );
  return { engine, join, send, announce };
}

/** What the engine sends, read back as a client reads it. */
const sent = (out: Outcome<FakeSocket>) =>
  out.send.map((s) => ({ to: s.to, message: JSON.parse(s.frame) as TrackerServerMessage }));
const to = (out: Outcome<FakeSocket>, socket: FakeSocket) =>
  sent(out)
    .filter((s) => s.to === socket)
    .map((s) => s.message);
const relayedOffers = (out: Outcome<FakeSocket>) =>
  sent(out).filter((s) => 'offer' in s.message) as {
    to: FakeSocket;
    message: Extract<TrackerServerMessage, { offer: unknown }>;
  }[];
/** Offers as the parser passes them on: with their id and SDP as JSON text. */
const parsedOffers = (from: string, n: number) =>
  offers(from, n).map((o) => ({ ...o, offerIdJson: JSON.stringify(o.offer_id), sdpJson: JSON.stringify(o.offer.sdp) }));

const swarmsOf = (engine: TrackerEngine<FakeSocket>, socket: FakeSocket) =>
  [...(engine.attachment(socket)?.swarms.values() ?? [])].map((m) => m.infoHash);

/** `from` offers to `to` (the only other peer), and returns the relayed offer as `to` received it. */
function offered(out: Outcome<FakeSocket>) {
  const relayed = relayedOffers(out)[0];
  if (!relayed) throw new Error('no offer was relayed');
  return relayed;
}

const answerTo = (offer: ReturnType<typeof offered>, fields: Record<string, unknown> = {}) => ({
  action: 'announce',
  info_hash: offer.message.info_hash,
  peer_id: id(offer.to.name),
  to_peer_id: offer.message.peer_id,
  answer: { type: 'answer', sdp: 'answer sdp' },
  offer_id: offer.message.offer_id,
  ...fields,
});

describe('announce', () => {
  it('answers with interval and swarm counts, counting seeders and leechers', () => {
    const { join, announce } = setup();
    const a = join('a');
    const b = join('b');
    expect(to(announce(a, { event: 'started' }), a)).toEqual([
      { action: 'announce', interval: 30, info_hash: ih, complete: 0, incomplete: 1, forwards_offers: false },
    ]);
    expect(to(announce(b, { event: 'started', left: 0 }), b)).toEqual([
      { action: 'announce', interval: 30, info_hash: ih, complete: 1, incomplete: 1, forwards_offers: false },
    ]);
    // A leecher finishing moves from incomplete to complete.
    expect(to(announce(a, { event: 'completed' }), a)[0]).toMatchObject({ complete: 2, incomplete: 0 });
    // And a later update without `left` does not demote it.
    expect(to(announce(a, {}), a)[0]).toMatchObject({ complete: 2, incomplete: 0 });
  });

  it('relays offers to up to numwant other peers, one offer each, never back to the sender', () => {
    const { join, announce } = setup();
    const peers = ['a', 'b', 'c', 'd'].map((n) => join(n));
    for (const p of peers) announce(p, { event: 'started' });
    const newcomer = join('new');
    const out = announce(newcomer, { event: 'started', numwant: 3, offers: offers('new', 5) });
    const relayed = relayedOffers(out);
    expect(relayed).toHaveLength(3);
    expect(new Set(relayed.map((r) => r.to)).size).toBe(3);
    expect(relayed.map((r) => r.to)).not.toContain(newcomer);
    relayed.forEach((r, i) => {
      expect(r.message).toEqual({
        action: 'announce',
        offer: { type: 'offer', sdp: `sdp new ${i}` },
        offer_id: id(`new-o${i}`),
        peer_id: id('new'),
        info_hash: ih,
      });
    });
    // The announcer hears its counts before anyone hears its offers.
    expect(out.send[0]?.to).toBe(newcomer);
  });

  it('relays no more offers than there are other peers', () => {
    const { join, announce } = setup();
    const a = join('a');
    announce(a, { event: 'started' });
    expect(relayedOffers(announce(join('b'), { event: 'started', offers: offers('b', 5) }))).toHaveLength(1);
  });

  it('accepts at most 10 offers per announce and warns about the rest', () => {
    const { join, announce } = setup();
    for (let i = 0; i < 15; i++) announce(join(`p${i}`), { event: 'started' });
    const x = join('x');
    const out = announce(x, { event: 'started', numwant: 50, offers: offers('x', 14) });
    expect(relayedOffers(out)).toHaveLength(10);
    expect(to(out, x)[0]).toMatchObject({ 'warning message': 'only the first 10 offers were relayed' });
  });

  it('prefers same-ASN peers, then same colo or country', () => {
    const { join, announce } = setup();
    announce(join('far', region(9, 'JFK', 'US')), { event: 'started' });
    announce(join('country', region(8, 'MUC', 'DE')), { event: 'started' });
    announce(join('same-asn', region(3320, 'AMS', 'NL')), { event: 'started' });
    const out = announce(join('me', region(3320, 'FRA', 'DE')), {
      event: 'started',
      numwant: 2,
      offers: offers('me', 2),
    });
    expect(relayedOffers(out).map((r) => r.to.name)).toEqual(['same-asn', 'country']);
  });

  it('spreads offers: repeated announces reach different peers', () => {
    const { join, announce } = setup();
    for (let i = 0; i < 10; i++) announce(join(`p${i}`), { event: 'started' });
    const x = join('x');
    const reached = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      for (const r of relayedOffers(announce(x, { offers: offers('x', 5) }, round * 30_000))) {
        reached.set(r.to.name, (reached.get(r.to.name) ?? 0) + 1);
      }
    }
    // 20 offers over 10 peers: each peer exactly twice.
    expect([...reached.values()]).toEqual(Array(10).fill(2));
  });

  it('keeps several swarms on one socket apart (p2p-media-loader: one per rendition)', () => {
    const { join, send } = setup();
    const hashes = [id('r-1080'), id('r-720'), id('r-audio')];
    const a = join('a');
    const b = join('b');
    for (const [i, info_hash] of hashes.entries())
      send(a, { action: 'announce', info_hash, peer_id: id(`a${i}`), event: 'started' });
    // b joins only the 720p swarm.
    const out = send(b, {
      action: 'announce',
      info_hash: hashes[1],
      peer_id: id('b'),
      event: 'started',
      offers: offers('b', 5),
    });
    const relayed = relayedOffers(out);
    expect(relayed).toHaveLength(1);
    expect(relayed[0]?.message.info_hash).toBe(hashes[1]);
  });

  it('refuses a socket joining more swarms than the limit, without disturbing its others', () => {
    const { engine, join, send } = setup({ maxSwarmsPerSocket: 2 });
    const a = join('a');
    send(a, { action: 'announce', info_hash: id('s1'), peer_id: id('a'), event: 'started' });
    send(a, { action: 'announce', info_hash: id('s2'), peer_id: id('a'), event: 'started' });
    const out = send(a, { action: 'announce', info_hash: id('s3'), peer_id: id('a'), event: 'started' });
    expect(to(out, a)).toEqual([
      { action: 'announce', info_hash: id('s3'), 'failure reason': 'a connection may join at most 2 swarms' },
    ]);
    expect(swarmsOf(engine, a)).toEqual([id('s1'), id('s2')]);
  });
});

describe('only real swarms', () => {
  function guarded() {
    const engine = new TrackerEngine<FakeSocket>(trackerDefaults, 42, true);
    const a = { name: 'a' };
    engine.connect(a, region(1), 0);
    const announce = (info_hash: string, now: number) =>
      engine.receive(a, JSON.stringify({ action: 'announce', info_hash, peer_id: id('a'), event: 'started' }), now);
    return { engine, a, announce };
  }

  it('asks for the allowlist before judging an announce, having changed nothing', () => {
    const { engine, a, announce } = guarded();
    const before = structuredClone(engine.attachment(a));
    expect(announce(ih, 5)).toEqual({ send: [], close: [], dirty: [], refreshAllowlist: true });
    expect(engine.attachment(a)).toEqual(before);
    expect(engine.counters.announces).toBe(0);
  });

  it('admits a listed info_hash and refuses any other with a failure reason and a strike', () => {
    const { engine, a, announce } = guarded();
    engine.allowlist = { stream: 'demo', published: true, infoHashes: new Set([ih]), derivedAt: 0 };
    expect(to(announce(ih, 1), a)[0]).toMatchObject({ interval: 30, incomplete: 1 });
    const out = announce(id('foreign'), 2);
    expect(to(out, a)).toEqual([
      {
        action: 'announce',
        info_hash: id('foreign'),
        'failure reason':
          "unknown swarm: info_hash is not one of stream demo's renditions (p2p-media-loader swarm ids)",
      },
    ]);
    expect(engine.attachment(a)?.strikes.count).toBe(1);
    expect(swarmsOf(engine, a)).toEqual([ih]);
    // Once the list is old enough, a miss asks for it again (a rendition may have been added).
    expect(announce(id('foreign'), trackerDefaults.allowlistRefreshMs)).toMatchObject({ refreshAllowlist: true });
    // Answers and scrapes are not announces: answers are bound to relayed offers, scrapes reveal nothing.
    expect(
      to(engine.receive(a, JSON.stringify({ action: 'scrape', info_hash: id('foreign') }), 3), a)[0],
    ).toHaveProperty('files');
  });
});

describe('ids are opaque', () => {
  it('an info_hash that is also an Object.prototype property name is just another swarm', () => {
    const { engine, join, send } = setup();
    const a = join('a');
    const b = join('b');
    const hash = 'propertyIsEnumerable'; // exactly 20 characters
    expect(
      sent(send(a, { action: 'announce', info_hash: hash, peer_id: id('a'), event: 'started' }))[0]?.message,
    ).toMatchObject({ incomplete: 1 });
    const out = send(b, {
      action: 'announce',
      info_hash: hash,
      peer_id: id('b'),
      event: 'started',
      offers: offers('b', 1),
    });
    expect(sent(out)[0]?.message).toMatchObject({ incomplete: 2 });
    expect(relayedOffers(out).map((r) => r.to)).toEqual([a]);
    expect(engine.attachment(a)?.swarms.get(membershipKey(hash, id('a')))?.peerId).toBe(id('a'));
  });
});

describe('answers', () => {
  it('routes an answer back to the offering peer only', () => {
    const { join, announce, send } = setup();
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' });
    const offer = relayedOffers(announce(b, { event: 'started', offers: offers('b', 1) }))[0];
    expect(offer?.to).toBe(a);
    const out = send(a, {
      action: 'announce',
      info_hash: ih,
      peer_id: id('a'),
      to_peer_id: offer?.message.peer_id,
      answer: { type: 'answer', sdp: 'answer sdp' },
      offer_id: offer?.message.offer_id,
    });
    expect(sent(out)).toEqual([
      {
        to: b,
        message: {
          action: 'announce',
          answer: { type: 'answer', sdp: 'answer sdp' },
          offer_id: id('b-o0'),
          peer_id: id('a'),
          info_hash: ih,
        },
      },
    ]);
  });

  it('drops an answer whose offering peer has left, telling nobody', () => {
    const { engine, join, announce, send } = setup();
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' });
    const offer = offered(announce(b, { event: 'started', offers: offers('b', 1) }));
    engine.disconnect(b);
    expect(send(a, answerTo(offer)).send).toEqual([]);
    expect(engine.counters.answersDropped).toBe(1);
  });

  it('relays one answer per offer: a second answer to the same offer is dropped', () => {
    const { engine, join, announce, send } = setup();
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' });
    const offer = offered(announce(b, { event: 'started', offers: offers('b', 1) }));
    expect(to(send(a, answerTo(offer)), b)).toHaveLength(1);
    // A pooled socket's clients in one swarm all answer what reaches the socket: no strike for that.
    expect(send(a, answerTo(offer)).send).toEqual([]);
    expect(engine.counters).toMatchObject({ answersRelayed: 1, answersDropped: 1, refused: 0 });
  });

  it('forgets relayed offers after the offer timeout, and beyond the per-socket bound the oldest first', () => {
    const { join, announce, send } = setup({ offerTimeoutMs: 1000 });
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' }, 0);
    const offer = offered(announce(b, { event: 'started', offers: offers('b', 1) }, 0));
    expect(to(send(a, answerTo(offer), 1000), b)).toEqual([]);

    const limits = { offerTimeoutMs: 50_000, maxPendingOffersPerSocket: 3 };
    let kept: ReturnType<typeof rememberOffer> = [];
    for (let i = 0; i < 5; i++) {
      kept = rememberOffer(kept, { offerId: id(`o${i}`), infoHash: ih, from: id('x'), to: id('y'), at: i }, i, limits);
    }
    expect(kept.map((o) => o.offerId)).toEqual([id('o2'), id('o3'), id('o4')]);
    expect(rememberOffer(kept, { ...(kept[0] as (typeof kept)[0]), at: 50_003 }, 50_003, limits)).toHaveLength(2);
  });
});

describe('peer ids belong to their socket', () => {
  it('an announce with another connection’s peer id is refused, and the owner keeps its place', () => {
    const { engine, join, announce, send } = setup();
    const owner = join('owner');
    const thief = join('thief');
    announce(owner, { event: 'started' });
    const out = send(thief, { action: 'announce', info_hash: ih, peer_id: id('owner'), event: 'started' });
    expect(to(out, thief)).toEqual([
      { action: 'announce', info_hash: ih, 'failure reason': 'peer_id is in use by another connection' },
    ]);
    expect(engine.attachment(thief)?.swarms.size).toBe(0);
    expect(engine.peerCount).toBe(1);
    // Offers for that peer id still reach the owner, never the thief.
    expect(offered(announce(join('x'), { event: 'started', offers: offers('x', 1) })).to).toBe(owner);
    // Nor can the thief stop it.
    send(thief, { action: 'announce', info_hash: ih, peer_id: id('owner'), event: 'stopped' });
    expect(engine.peerCount).toBe(2);
  });

  it('the peer id is free again once its socket has left: closed, or silent past the peer timeout', () => {
    const { engine, join, send } = setup({ peerTimeoutMs: 1000 });
    const first = join('first');
    const p = { action: 'announce', info_hash: ih, peer_id: id('p'), event: 'started' };
    send(first, p, 0);
    engine.disconnect(first);
    const second = join('second');
    expect(to(send(second, p, 10), second)[0]).toMatchObject({ incomplete: 1 });
    // second goes quiet; before the sweep has run, a reconnecting client may take the id back.
    const third = join('third');
    expect(to(send(third, p, 500), third)[0]).toHaveProperty('failure reason');
    const out = send(third, p, 1011);
    expect(to(out, third)[0]).toMatchObject({ incomplete: 1 });
    expect(out.dirty).toContain(second);
    expect(engine.attachment(second)?.swarms.size).toBe(0);
    expect(engine.peerCount).toBe(1);
  });

  it('an answer with a made-up offer_id, from a socket in no swarm, is refused and relayed to nobody', () => {
    const { engine, join, announce, send } = setup();
    const victim = join('victim');
    announce(victim, { event: 'started' });
    const outsider = join('outsider');
    const out = send(outsider, {
      action: 'announce',
      info_hash: ih,
      peer_id: id('outsider'),
      to_peer_id: id('victim'),
      answer: { type: 'answer', sdp: 'evil' },
      offer_id: id('made-up'),
    });
    expect(to(out, victim)).toEqual([]);
    expect(to(out, outsider)).toEqual([
      {
        action: 'announce',
        info_hash: ih,
        'failure reason': 'answer to an offer this connection was not sent (or that expired)',
      },
    ]);
    expect(engine.counters.answersRelayed).toBe(0);
  });

  it('an answer to a real offer is refused from any socket but the one it was relayed to, or under another peer id', () => {
    const { join, announce, send } = setup();
    const a = join('a');
    const b = join('b');
    const eve = join('eve');
    announce(a, { event: 'started' });
    const offer = offered(announce(b, { event: 'started', offers: offers('b', 1) }));
    expect(offer.to).toBe(a);
    // Eve saw the offer id somehow: from her socket it answers nothing.
    expect(to(send(eve, answerTo(offer, { peer_id: id('eve') })), b)).toEqual([]);
    expect(to(send(eve, answerTo(offer)), b)).toEqual([]);
    // From a's socket, but under a peer id the offer was not sent to.
    const wrongId = send(a, answerTo(offer, { peer_id: id('a2') }));
    expect(to(wrongId, b)).toEqual([]);
    expect(to(wrongId, a)[0]).toMatchObject({
      'failure reason': 'answer from a peer_id this connection has not announced in that swarm',
    });
    // Nor to another peer than the one that made the offer.
    expect(to(send(a, answerTo(offer, { to_peer_id: id('eve') })), eve)).toEqual([]);
    // The genuine answer still goes through.
    expect(to(send(a, answerTo(offer)), b)).toHaveLength(1);
  });

  it('several peer ids on one socket are separate peers, even in one swarm', () => {
    const { engine, join, announce, send } = setup();
    const pooled = join('pooled');
    const one = { action: 'announce', info_hash: ih, peer_id: id('one'), event: 'started' };
    const two = { ...one, peer_id: id('two') };
    expect(to(send(pooled, one), pooled)[0]).toMatchObject({ incomplete: 1 });
    expect(to(send(pooled, two), pooled)[0]).toMatchObject({ incomplete: 2 });
    expect(engine.peerCount).toBe(2);
    // A third peer's two offers reach both, each answerable under its own id.
    const out = announce(join('x'), { event: 'started', offers: offers('x', 2) });
    const relayed = relayedOffers(out);
    expect(relayed.map((r) => r.to)).toEqual([pooled, pooled]);
    const x = relayed[0] as (typeof relayed)[0];
    expect(x.message.info_hash).toBe(ih);
    const state = engine.attachment(pooled);
    expect(state?.offers.map((o) => o.to).sort()).toEqual([id('one'), id('two')]);
    for (const pending of state?.offers ?? []) {
      const answered = send(pooled, {
        action: 'announce',
        info_hash: ih,
        peer_id: pending.to,
        to_peer_id: id('x'),
        answer: { type: 'answer', sdp: 'a' },
        offer_id: pending.offerId,
      });
      expect(sent(answered)[0]?.message).toMatchObject({ peer_id: pending.to, offer_id: pending.offerId });
    }
    // Stopping one leaves the other.
    expect(to(send(pooled, { ...one, event: 'stopped' }), pooled)[0]).toMatchObject({ incomplete: 2 });
    expect(engine.peerCount).toBe(2);
    engine.disconnect(pooled);
    expect(engine.peerCount).toBe(1);
  });
});

describe('leaving', () => {
  it('stopped removes the peer from that swarm only', () => {
    const { engine, join, announce, send } = setup();
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' });
    send(a, { action: 'announce', info_hash: id('other'), peer_id: id('a'), event: 'started' });
    announce(b, { event: 'started' });
    expect(to(announce(a, { event: 'stopped' }), a)[0]).toMatchObject({ complete: 0, incomplete: 1 });
    expect(swarmsOf(engine, a)).toEqual([id('other')]);
    expect(relayedOffers(announce(b, { offers: offers('b', 5) }))).toHaveLength(0);
  });

  it('a closed socket leaves every swarm', () => {
    const { engine, join, announce, send } = setup();
    const a = join('a');
    announce(a, { event: 'started' });
    send(a, { action: 'announce', info_hash: id('other'), peer_id: id('a2'), event: 'started' });
    expect(engine.peerCount).toBe(2);
    engine.disconnect(a);
    expect(engine.peerCount).toBe(0);
    expect(engine.socketCount).toBe(0);
    expect(relayedOffers(announce(join('b'), { event: 'started', offers: offers('b', 5) }))).toHaveLength(0);
  });

  it('the sweep drops peers silent past the timeout and closes sockets left idle', () => {
    const { engine, join, announce, send } = setup({ peerTimeoutMs: 1000 });
    const quiet = join('quiet');
    const lively = join('lively');
    announce(quiet, { event: 'started' }, 0);
    announce(lively, { event: 'started' }, 0);
    announce(lively, {}, 900);
    send(quiet, { action: 'scrape', info_hash: ih }, 900); // talks, but stops announcing
    let out = engine.sweep(1500);
    expect(out.dirty).toEqual([quiet]);
    expect(out.close).toEqual([]); // out of its swarm, but the socket spoke recently
    expect(engine.peerCount).toBe(1);
    expect(engine.counters.peersTimedOut).toBe(1);
    announce(lively, {}, 1800);
    out = engine.sweep(2100);
    expect(out.close).toEqual([{ socket: quiet, code: closeCodes.idle, reason: expect.stringMatching(/idle/) }]);
    expect(engine.socketCount).toBe(1);
    expect(engine.peerCount).toBe(1);
  });
});

describe('restore after eviction', () => {
  it('a new engine rebuilt from attachments knows every peer, its swarms and its region', () => {
    const { engine, join, announce } = setup();
    const a = join('a', region(3320));
    const b = join('b', region(7));
    const c = join('c', region(7));
    for (const s of [a, b, c]) announce(s, { event: 'started' });
    announce(a, { event: 'completed' });

    // Attachments are structured-cloned by the runtime, so the restored state is a copy, not the original.
    const woken = new TrackerEngine<FakeSocket>(trackerDefaults, 7);
    for (const s of [a, b, c]) expect(woken.restore(s, structuredClone(engine.attachment(s)))).toBe(true);
    expect(woken.peerCount).toBe(3);
    const me = { name: 'me' };
    woken.connect(me, region(3320), 10);
    const out = woken.receive(
      me,
      JSON.stringify({
        action: 'announce',
        info_hash: ih,
        peer_id: id('me'),
        event: 'started',
        numwant: 1,
        offers: offers('me', 1),
      }),
      10,
    );
    expect(to(out, me)[0]).toMatchObject({ complete: 1, incomplete: 3 });
    // Same ASN as `a`: the region survived the restore.
    expect(relayedOffers(out).map((r) => r.to)).toEqual([a]);
  });

  it('keeps the counters: open sockets carry theirs, closed ones are handed over as retired totals', () => {
    const { engine, join, announce, send } = setup({ strikesBeforeClose: 1 });
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' });
    const offer = offered(announce(b, { event: 'started', offers: offers('b', 1) }));
    send(a, answerTo(offer));
    send(b, { action: 'scrape', info_hash: ih });
    expect(engine.retiredCounters()).toBeUndefined(); // nobody has left yet
    send(join('bad'), 'garbage'); // refused, and closed at once
    const retired = engine.retiredCounters();
    expect(retired).toMatchObject({ refused: 1, socketsClosed: 1, announces: 0 });
    expect(engine.retiredCounters()).toBeUndefined(); // handed over once
    const before = engine.counters;
    expect(before).toEqual({
      announces: 2,
      answers: 1,
      scrapes: 1,
      offersRelayed: 1,
      answersRelayed: 1,
      answersDropped: 0,
      refused: 1,
      socketsClosed: 1,
      peersTimedOut: 0,
    });

    // A woken object: attachments as the runtime hands them back, retired totals from storage.
    const woken = new TrackerEngine<FakeSocket>(trackerDefaults, 7);
    for (const s of [a, b]) woken.restore(s, structuredClone(engine.attachment(s)));
    woken.restoreRetired(structuredClone(retired) as NonNullable<typeof retired>);
    expect(woken.counters).toEqual(before);
    expect(woken.stats(0).totals).toEqual(before);
    // b leaves: its counts move into the retired totals, which change.
    woken.disconnect(b);
    expect(woken.counters).toEqual(before);
    expect(woken.retiredCounters()).toMatchObject({ announces: 1, scrapes: 1, offersRelayed: 1, refused: 1 });
  });

  it('refuses attachments it cannot read', () => {
    const engine = new TrackerEngine<FakeSocket>(trackerDefaults, 1);
    for (const value of [
      null,
      'x',
      { v: 4 },
      {
        v: 3,
        region: { shard: 'mars' },
        counters: {},
        swarms: new Map(),
        offers: [],
        strikes: {},
        announceBucket: {},
        answerBucket: {},
      },
      {
        v: 3,
        region: { shard: 'eu' },
        swarms: {},
        offers: [],
        counters: {},
        strikes: {},
        announceBucket: {},
        answerBucket: {},
      },
      {
        v: 2,
        region: { shard: 'eu' },
        swarms: new Map(),
        offers: [],
        strikes: {},
        announceBucket: {},
        answerBucket: {},
      },
      { v: 1, region: { shard: 'eu' }, swarms: new Map(), strikes: {}, announceBucket: {}, answerBucket: {} },
    ]) {
      expect(engine.restore({ name: 'x' }, value)).toBe(false);
    }
  });
});

describe('abuse', () => {
  it('bad frames get a failure reason; repeated ones close the socket with 4001', () => {
    const { engine, join, send } = setup({ strikesBeforeClose: 3 });
    const bad = join('bad');
    expect(to(send(bad, 'garbage'), bad)).toEqual([{ 'failure reason': 'invalid JSON' }]);
    expect(to(send(bad, { action: 'hack' }), bad)).toEqual([
      { 'failure reason': 'invalid action in WS request: hack' },
    ]);
    const out = send(bad, { action: 'announce', info_hash: 5 });
    expect(out.close).toEqual([{ socket: bad, code: closeCodes.abuse, reason: 'too many invalid messages' }]);
    expect(engine.socketCount).toBe(0);
    expect(engine.counters.refused).toBe(3);
  });

  it('an oversize frame is refused unread', () => {
    const { join, send } = setup({ maxMessageBytes: 1000 });
    const big = join('big');
    expect(to(send(big, 'x'.repeat(1001)), big)[0]).toEqual({
      'failure reason': 'message is larger than the 1000-byte limit',
    });
  });

  it('an announce flood is rate limited, then closed with 4029', () => {
    const { engine, join, announce } = setup({ announceBurst: 5, announcesPerSecond: 1, strikesBeforeClose: 3 });
    const flood = join('flood');
    const replies = [];
    let closed: Outcome<FakeSocket>['close'] = [];
    for (let i = 0; i < 20 && closed.length === 0; i++) {
      const out = announce(flood, {}, 0);
      replies.push(...to(out, flood));
      closed = out.close;
    }
    expect(replies.filter((r) => 'interval' in r)).toHaveLength(5);
    expect(replies.filter((r) => 'failure reason' in r)).toHaveLength(3);
    expect(replies.at(-1)).toMatchObject({ info_hash: ih, 'failure reason': expect.stringMatching(/rate limit/) });
    expect(closed).toEqual([{ socket: flood, code: closeCodes.rateLimited, reason: 'rate limit exceeded repeatedly' }]);
    expect(engine.socketCount).toBe(0);
  });

  it('a well-paced client never hits the limit', () => {
    const { join, announce } = setup({ announceBurst: 2, announcesPerSecond: 1 });
    const calm = join('calm');
    for (let t = 0; t < 60_000; t += 1000) expect(to(announce(calm, {}, t), calm)[0]).toHaveProperty('interval');
  });

  it('an abusive socket does not disturb the other peers in its swarm', () => {
    const { join, announce, send } = setup({ strikesBeforeClose: 2 });
    const a = join('a');
    const b = join('b');
    const bad = join('bad');
    announce(a, { event: 'started' });
    announce(bad, { event: 'started' });
    send(bad, '{');
    expect(send(bad, '}').close).toHaveLength(1);
    const out = announce(b, { event: 'started', offers: offers('b', 5) });
    expect(to(out, b)[0]).toMatchObject({ incomplete: 2 }); // bad has left
    expect(relayedOffers(out).map((r) => r.to)).toEqual([a]);
  });
});

describe('scrape', () => {
  it('reports counts for each info_hash asked about', () => {
    const { join, announce, send } = setup();
    const a = join('a');
    announce(a, { event: 'started', left: 0 });
    const out = send(a, { action: 'scrape', info_hash: [ih, id('none')] });
    expect(to(out, a)).toEqual([
      {
        action: 'scrape',
        files: {
          [ih]: { complete: 1, incomplete: 0, downloaded: 1 },
          [id('none')]: { complete: 0, incomplete: 0, downloaded: 0 },
        },
        flags: { min_request_interval: 30 },
      },
    ]);
  });
});

describe('stats', () => {
  it('reports sockets, peers, swarms and rates', () => {
    const { engine, join, announce } = setup();
    const a = join('a');
    join('idle');
    announce(a, { event: 'started' }, 1000);
    announce(join('b'), { event: 'started', offers: offers('b', 2) }, 1000);
    const stats = engine.stats(1500);
    expect(stats).toMatchObject({ sockets: 3, peers: 2, announcesPerSecond: 0.2, offersRelayedPerSecond: 0.1 });
    expect(stats.swarms).toEqual([{ infoHash: trackerIdToHex(ih), complete: 0, incomplete: 2 }]);
    expect(stats.totals).toMatchObject({ announces: 2, offersRelayed: 1 });
  });
});

describe('sub-shards: load, shedding and introductions', () => {
  it('counts every inbound message (upgrades and frames) over the load window', () => {
    const { engine, join, announce } = setup();
    engine.setLoadWindow(2);
    const a = join('a', region(1), 0);
    announce(a, {}, 0);
    announce(a, {}, 500);
    expect(engine.messagesPerSecond(900)).toBe(1.5);
    expect(engine.messagesPerSecond(3100)).toBe(0);
    expect(engine.stats(900).messagesPerSecond).toBe(1.5);
  });

  it('keeps each socket’s routing key, and sheds only sockets whose key it no longer owns, a few at a time', () => {
    const { engine } = setup();
    const sockets = [10, 20, 30, 40, 50].map((key) => {
      const socket = { name: `k${key}` };
      engine.connect(socket, region(1), 0, key);
      return socket;
    });
    expect(engine.keys()).toEqual([10, 20, 30, 40, 50]);
    const owns = (key: number) => key < 25;
    const first = engine.shed(owns, 2);
    expect(first.outcome.close.map((c) => [c.socket.name, c.code])).toEqual([
      ['k30', closeCodes.moved],
      ['k40', closeCodes.moved],
    ]);
    expect(first.remaining).toBe(1);
    const second = engine.shed(owns, 2);
    expect(second.outcome.close.map((c) => c.socket)).toEqual([sockets[4]]);
    expect(second.remaining).toBe(0);
    expect(engine.keys()).toEqual([10, 20]);
    expect(engine.counters.socketsClosed).toBe(3);
  });

  it('forwards offers a small swarm cannot place to the neighbour, and routes the answer back', () => {
    // Two sub-shards, A and B, each with one peer of the swarm: A's peer wants five connections.
    const A = setup();
    const B = setup();
    A.engine.introduction = { self: 'A', neighbour: 'B', belowPeers: 8 };
    B.engine.introduction = { self: 'B', neighbour: 'A', belowPeers: 8 };
    const a = A.join('a', region(1));
    const b = B.join('b', region(2));
    B.announce(b);
    const out = A.announce(a, { offers: offers('a', 5) });
    expect(relayedOffers(out)).toEqual([]);
    expect(out.forward).toEqual([
      {
        kind: 'offers',
        to: 'B',
        from: 'A',
        infoHash: ih,
        peerId: id('a'),
        region: region(1),
        offers: parsedOffers('a', 5),
      },
    ]);
    const forwarded = out.forward?.[0];
    if (forwarded?.kind !== 'offers') throw new Error('expected forwarded offers');
    const atB = B.engine.receiveForwardedOffers(forwarded, 0);
    const offer = offered(atB);
    expect(offer.to).toBe(b);
    expect(offer.message.peer_id).toBe(id('a'));

    // b answers on its own socket to its own sub-shard, which sends the answer back to A.
    const answered = B.send(b, answerTo(offer));
    expect(answered.send).toEqual([]);
    const back = answered.forward?.[0];
    expect(back).toMatchObject({ kind: 'answer', to: 'A', toPeerId: id('a'), peerId: id('b') });
    if (back?.kind !== 'answer') throw new Error('expected a forwarded answer');
    const atA = A.engine.receiveForwardedAnswer(back, 0);
    expect(to(atA, a)).toEqual([
      {
        action: 'announce',
        answer: { type: 'answer', sdp: 'answer sdp' },
        offer_id: offer.message.offer_id,
        peer_id: id('b'),
        info_hash: ih,
      },
    ]);
    // A second answer to the same offer goes nowhere; an answer for a peer that left is dropped.
    expect(B.send(b, answerTo(offer)).forward).toBeUndefined();
    A.engine.disconnect(a);
    expect(A.engine.receiveForwardedAnswer(back, 0).send).toEqual([]);
  });

  it('forwards only what it could not place, only from a small swarm, and only with a neighbour', () => {
    const { engine, join, announce } = setup();
    const peers = Array.from({ length: 3 }, (_, i) => join(`p${i}`, region(1)));
    for (const p of peers) announce(p);
    const a = join('a', region(1));
    expect(announce(a, { offers: offers('a', 5) }).forward).toBeUndefined();
    engine.introduction = { self: 'A', neighbour: 'B', belowPeers: 8 };
    const out = announce(a, { offers: offers('a', 5) });
    expect(relayedOffers(out)).toHaveLength(3);
    expect(out.forward?.[0]).toEqual(
      expect.objectContaining({ kind: 'offers', offers: parsedOffers('a', 5).slice(3) }),
    );
    engine.introduction = { self: 'A', neighbour: 'B', belowPeers: 3 };
    expect(announce(a, { offers: offers('a', 5) }).forward).toBeUndefined();
  });

  it("says in every announce reply whether the swarm's surplus offers go to the neighbour, as it forwards them", () => {
    const { engine, join, announce } = setup();
    const forwardsOffers = (out: Outcome<FakeSocket>, socket: FakeSocket) =>
      (to(out, socket)[0] as { forwards_offers?: unknown }).forwards_offers;
    const peers = Array.from({ length: 3 }, (_, i) => join(`p${i}`, region(1)));
    // No neighbour: nothing is forwarded, however small the swarm.
    expect(forwardsOffers(announce(peers[0] as FakeSocket), peers[0] as FakeSocket)).toBe(false);
    for (const p of peers) announce(p);
    const a = join('a', region(1));
    let out = announce(a, { offers: offers('a', 5) });
    expect(forwardsOffers(out, a)).toBe(false);
    expect(out.forward).toBeUndefined();
    // A neighbour, and 3 others here, under 8: forwarded, and the reply says so.
    engine.introduction = { self: 'A', neighbour: 'B', belowPeers: 8 };
    out = announce(a, { offers: offers('a', 5) });
    expect(forwardsOffers(out, a)).toBe(true);
    expect(out.forward).toHaveLength(1);
    // A neighbour, but the swarm here is not small (3 others, not under 3): not forwarded, and the reply says so.
    engine.introduction = { self: 'A', neighbour: 'B', belowPeers: 3 };
    out = announce(a, { offers: offers('a', 5) });
    expect(forwardsOffers(out, a)).toBe(false);
    expect(out.forward).toBeUndefined();
    // An announce without offers, and a stop, are told too.
    engine.introduction = { self: 'A', neighbour: 'B', belowPeers: 8 };
    expect(forwardsOffers(announce(a), a)).toBe(true);
    expect(forwardsOffers(announce(a, { event: 'stopped' }), a)).toBe(true);
  });
});

describe("naming the swarm's earliest members (namedMembers)", () => {
  /** One of our player's ids, joined at `seconds`. */
  const ours = (seconds: number, tag: string) => makePeerId(seconds, tag);
  const naming = (out: Outcome<FakeSocket>, socket: FakeSocket) => {
    const { named_members, named } = to(out, socket)[0] as { named_members?: unknown; named?: unknown };
    return { named_members, named };
  };

  it('says nothing of it by default', () => {
    const { join, announce } = setup();
    const a = join('a');
    const reply = to(announce(a, { peer_id: ours(10, 'a') }), a)[0];
    expect(reply).not.toHaveProperty('named_members');
    expect(reply).not.toHaveProperty('named');
  });

  it('names the earliest joiners by the time in their ids, not by who announced first, foreign ids last', () => {
    const { engine, join, announce } = setup();
    engine.namedMembers = 2;
    const late = join('late');
    const foreign = join('foreign');
    const early = join('early');
    const middle = join('middle');
    const ids = new Map<FakeSocket, string>([
      [late, ours(300, 'late')],
      [foreign, id('foreign')],
      [early, ours(100, 'early')],
      [middle, ours(200, 'middle')],
    ]);
    const say = (s: FakeSocket, fields: Record<string, unknown> = {}) =>
      naming(announce(s, { peer_id: ids.get(s), ...fields }), s);
    // Alone, the latest joiner is the swarm's earliest member; a foreign id joining too is named after it.
    expect(say(late)).toEqual({ named_members: 1, named: true });
    expect(say(foreign)).toEqual({ named_members: 2, named: true });
    // An earlier joiner announcing later is named at once, and the foreign id is not any more.
    expect(say(early)).toEqual({ named_members: 2, named: true });
    expect(say(foreign)).toEqual({ named_members: 2, named: false });
    expect(say(middle)).toEqual({ named_members: 2, named: true });
    expect(say(late)).toEqual({ named_members: 2, named: false });
    expect(say(early)).toEqual({ named_members: 2, named: true });
    // One named member leaves: the next earliest is named in its place.
    announce(early, { peer_id: ids.get(early), event: 'stopped' });
    expect(say(late)).toEqual({ named_members: 2, named: true });
    expect(say(foreign)).toEqual({ named_members: 2, named: false });
    expect(say(middle)).toEqual({ named_members: 2, named: true });
  });

  it('names members per swarm, and a closed socket leaves the named', () => {
    const { engine, join, announce } = setup();
    engine.namedMembers = 1;
    const a = join('a');
    const b = join('b');
    const other = id('rendition-360p');
    expect(naming(announce(a, { peer_id: ours(50, 'a') }), a)).toEqual({ named_members: 1, named: true });
    expect(naming(announce(b, { peer_id: ours(60, 'b') }), b)).toEqual({ named_members: 1, named: false });
    // Another rendition is a swarm of its own, with its own earliest member.
    expect(naming(announce(b, { peer_id: ours(60, 'b'), info_hash: other }), b)).toEqual({
      named_members: 1,
      named: true,
    });
    engine.disconnect(a);
    expect(naming(announce(b, { peer_id: ours(60, 'b') }), b)).toEqual({ named_members: 1, named: true });
  });
});
