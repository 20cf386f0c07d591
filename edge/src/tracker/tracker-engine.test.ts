/**
 * The tracker's rules with plain objects as sockets and time passed in: no
 * runtime, no timers. The same engine runs inside the Durable Object (see
 * swarm.test.ts for the whole path on workerd).
 */
import { type TrackerServerMessage, trackerIdToHex } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { closeCodes, type TrackerLimits, trackerDefaults } from './limits';
import type { PeerRegion } from './region';
import { type Outcome, TrackerEngine } from './tracker-engine';

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

const to = (out: Outcome<FakeSocket>, socket: FakeSocket) =>
  out.send.filter((s) => s.to === socket).map((s) => s.message);
const relayedOffers = (out: Outcome<FakeSocket>) =>
  out.send.filter((s) => 'offer' in s.message) as {
    to: FakeSocket;
    message: Extract<TrackerServerMessage, { offer: unknown }>;
  }[];

describe('announce', () => {
  it('answers with interval and swarm counts, counting seeders and leechers', () => {
    const { join, announce } = setup();
    const a = join('a');
    const b = join('b');
    expect(to(announce(a, { event: 'started' }), a)).toEqual([
      { action: 'announce', interval: 30, info_hash: ih, complete: 0, incomplete: 1 },
    ]);
    expect(to(announce(b, { event: 'started', left: 0 }), b)).toEqual([
      { action: 'announce', interval: 30, info_hash: ih, complete: 1, incomplete: 1 },
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
    expect([...(engine.attachment(a)?.swarms.keys() ?? [])]).toEqual([id('s1'), id('s2')]);
  });
});

describe('ids are opaque', () => {
  it('an info_hash that is also an Object.prototype property name is just another swarm', () => {
    const { engine, join, send } = setup();
    const a = join('a');
    const b = join('b');
    const hash = 'propertyIsEnumerable'; // exactly 20 characters
    expect(
      send(a, { action: 'announce', info_hash: hash, peer_id: id('a'), event: 'started' }).send[0]?.message,
    ).toMatchObject({ incomplete: 1 });
    const out = send(b, {
      action: 'announce',
      info_hash: hash,
      peer_id: id('b'),
      event: 'started',
      offers: offers('b', 1),
    });
    expect(out.send[0]?.message).toMatchObject({ incomplete: 2 });
    expect(relayedOffers(out).map((r) => r.to)).toEqual([a]);
    expect(engine.attachment(a)?.swarms.get(hash)?.peerId).toBe(id('a'));
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
    expect(out.send).toEqual([
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

  it('drops an answer for a peer that has left, telling nobody', () => {
    const { engine, join, send } = setup();
    const a = join('a');
    const out = send(a, {
      action: 'announce',
      info_hash: ih,
      peer_id: id('a'),
      to_peer_id: id('gone'),
      answer: { type: 'answer', sdp: 'x' },
      offer_id: id('o'),
    });
    expect(out.send).toEqual([]);
    expect(engine.counters.answersDropped).toBe(1);
  });

  it('refuses an answer claiming another connection’s peer id', () => {
    const { join, announce, send } = setup();
    const a = join('a');
    const b = join('b');
    announce(a, { event: 'started' });
    announce(b, { event: 'started' });
    const out = send(b, {
      action: 'announce',
      info_hash: ih,
      peer_id: id('a'),
      to_peer_id: id('a'),
      answer: { type: 'answer', sdp: 'x' },
      offer_id: id('o'),
    });
    expect(to(out, b)[0]).toMatchObject({ 'failure reason': 'peer_id belongs to another connection' });
    expect(to(out, a)).toEqual([]);
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
    expect([...(engine.attachment(a)?.swarms.keys() ?? [])]).toEqual([id('other')]);
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

  it('the same peer id announcing from a new socket moves there (a reconnect)', () => {
    const { engine, join, announce, send } = setup();
    const old = join('old');
    send(old, { action: 'announce', info_hash: ih, peer_id: id('p'), event: 'started' });
    const fresh = join('fresh');
    const out = send(fresh, { action: 'announce', info_hash: ih, peer_id: id('p'), event: 'started' });
    expect(to(out, fresh)[0]).toMatchObject({ incomplete: 1 });
    expect(out.dirty).toContain(old);
    expect(engine.attachment(old)?.swarms.size).toBe(0);
    const offer = relayedOffers(announce(join('x'), { event: 'started', offers: offers('x', 1) }));
    expect(offer.map((r) => r.to)).toEqual([fresh]);
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

  it('refuses attachments it cannot read', () => {
    const engine = new TrackerEngine<FakeSocket>(trackerDefaults, 1);
    for (const value of [
      null,
      'x',
      { v: 2 },
      { v: 1, region: { shard: 'mars' }, swarms: new Map(), strikes: {}, announceBucket: {}, answerBucket: {} },
      { v: 1, region: { shard: 'eu' }, swarms: {}, strikes: {}, announceBucket: {}, answerBucket: {} },
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
