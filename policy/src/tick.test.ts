import { describe, expect, it } from 'vitest';
import { policyDefaults } from './options';
import { makePeerId, rankOf, rankSwarm } from './roles';
import { initialTickState, type PeerObservation, type TickObservations, type TickState, tick } from './tick';
import { loaderLagSeconds } from './windows';

const o = policyDefaults;
const T0 = 1_764_000_000; // a Unix time on an epoch boundary (divisible by 30)
const id = (joinedAt: number, tag: string) => makePeerId(joinedAt, tag);
const peer = (peerId: string, at: number, extra: Partial<PeerObservation> = {}): PeerObservation => ({
  id: peerId,
  received: 0,
  sent: 0,
  connectedAt: at,
  lastHeardAt: at,
  ...extra,
});
const observe = (self: string, peers: PeerObservation[], extra: Partial<TickObservations> = {}): TickObservations => ({
  self,
  live: true,
  targetDuration: 2,
  peers,
  uploadedBytes: 0,
  edgeFetchSeconds: [],
  ...extra,
});
/** Runs ticks one after another, threading the state, as the player does once a second. */
function run(steps: { now: number; obs: TickObservations }[], options = o, state?: TickState) {
  let s = state ?? initialTickState(steps[0]?.now ?? T0, options);
  return steps.map(({ now, obs }) => {
    const r = tick(s, obs, now, options);
    s = r.state;
    return r.actions;
  });
}

describe('tick: the first-fetcher role', () => {
  const me = id(T0, 'me00000');
  it.each([
    // case, P2P started this long ago (undefined: not yet), peers → first fetcher, alone
    ['before P2P starts, a viewer fetches its own start-up from the edge', undefined, 0, true, true],
    ['a newcomer with no peers yet waits for them (1 s into P2P)', 1, 0, false, true],
    ['…still waiting just inside the grace', o.newcomerSeconds - 0.1, 0, false, true],
    ['a lone peer past the grace is its own first fetcher', o.newcomerSeconds, 0, true, true],
    ['a lone peer long after start', 600, 0, true, true],
    ['the earliest joiner of two is the first fetcher', 600, 1, true, false],
  ] as const)('%s', (_name, p2pSeconds, peerCount, firstFetcher, alone) => {
    const now = T0 + 100;
    const peers = Array.from({ length: peerCount }, (_, i) => peer(id(T0 + 10 + i, `p${i}`), now));
    const [actions] = run([
      { now, obs: observe(me, peers, p2pSeconds === undefined ? {} : { p2pStartedAt: now - p2pSeconds }) },
    ]);
    expect(actions?.firstFetcher).toBe(firstFetcher);
    expect(actions?.alone).toBe(alone);
    // The role shows in the windows: a first fetcher takes the whole live window from the edge at once.
    expect(actions?.windows.httpDownloadTimeWindow === 0).toBe(!firstFetcher);
  });

  it('a receiver spaces its segment announcements; a first fetcher does not', () => {
    const now = T0 + 100;
    const later = id(T0 + 10, 'p0');
    const swarm = { p2pStartedAt: now - 600, swarmMembers: 2 };
    const [first] = run([{ now, obs: observe(me, [peer(later, now)], swarm) }]);
    const [receiver] = run([{ now, obs: observe(later, [peer(me, now)], swarm) }]);
    expect(first?.firstFetcher).toBe(true);
    expect(first?.announceIntervalSeconds).toBe(0);
    expect(receiver?.firstFetcher).toBe(false);
    expect(receiver?.announceIntervalSeconds).toBe(o.receiverAnnounceTargetDurations * 2);
    // The tracker counts a third member this receiver is not connected to: a partial mesh, announcements at once.
    const [partial] = run([{ now, obs: observe(later, [peer(me, now)], { ...swarm, swarmMembers: 3 }) }]);
    expect(partial?.announceIntervalSeconds).toBe(0);
  });

  it('a newcomer joining a swarm ranks after those already there, whatever its hash', () => {
    const now = T0 + 100;
    const old = [peer(id(T0, 'aaaaaaa'), now), peer(id(T0 + 5, 'bbbbbbb'), now)];
    const newcomer = id(T0 + 90, 'zzzzzzz');
    const [actions] = run([{ now, obs: observe(newcomer, old, { p2pStartedAt: now - 1 }) }]);
    expect(actions?.firstFetcher).toBe(false);
    expect(actions?.active).toEqual(old.map((p) => p.id));
  });

  it.each([
    // case, the earlier joiner: connected seconds ago, heard seconds ago, announcing → in the rank, self leads
    ['just connected, its map not here yet: in the rank', 1, 1, false, true, false],
    ['connected a target duration, listing nothing (quiet): out of the rank', 2, 2, false, false, true],
    ['connected long ago, its last map empty (its upload just closed): out at once', 60, 0.5, false, false, true],
    ['listing segments: in the rank', 60, 0.5, true, true, false],
    ['unknown whether it lists any (absent): in the rank, as before', 60, 0.5, undefined, true, false],
    ['listing segments but unheard for the active window: out', 60, 7, true, false, true],
  ] as const)('an earlier joiner %s', (_name, connectedAgo, heardAgo, announcing, inRank, leads) => {
    const now = T0 + 100;
    const me = id(T0 + 10, 'fibre00');
    const earlier = peer(id(T0, 'dsl0000'), now - connectedAgo, {
      lastHeardAt: now - heardAgo,
      ...(announcing === undefined ? {} : { announcing }),
    });
    const later = peer(id(T0 + 20, 'mobile0'), now - 60, { lastHeardAt: now, announcing: true });
    const [actions] = run([{ now, obs: observe(me, [earlier, later], { p2pStartedAt: now - 90 }) }]);
    expect(actions?.active.includes(earlier.id)).toBe(inRank);
    expect(actions?.active).toContain(later.id);
    expect(actions?.firstFetcher).toBe(leads);
  });

  it('rotates first fetchers at an epoch boundary, the same set on every peer', () => {
    // Twice seederFanout peers joined in the same second: tenure ties, so the epoch's hash decides; two first fetchers.
    const ids = Array.from({ length: 2 * o.seederFanout }, (_, i) => id(T0, `s${String(i).padStart(6, '0')}`));
    const setAt = (now: number) =>
      ids.filter((self) => {
        const others = ids.filter((p) => p !== self).map((p) => peer(p, now - 1));
        return run([{ now, obs: observe(self, others) }])[0]?.firstFetcher;
      });
    const epochStart = T0 + 10 * o.epochSeconds;
    const before = setAt(epochStart - 0.001);
    const early = setAt(epochStart);
    const late = setAt(epochStart + o.epochSeconds - 0.001);
    const next = setAt(epochStart + o.epochSeconds);
    expect(before).toHaveLength(2);
    expect(early).toHaveLength(2);
    expect(late).toEqual(early); // stable within an epoch
    expect(new Set([...early, ...next, ...before]).size).toBeGreaterThan(2); // rotates across epochs
    expect(early).toEqual(
      rankSwarm(ids, Math.floor(epochStart / o.epochSeconds))
        .slice(0, 2)
        .sort(),
    );
  });

  it('replaces a departed first fetcher within activePeerTargetDurations target durations', () => {
    const first = id(T0, 'first00');
    const me = id(T0 + 10, 'second0');
    const lastHeard = T0 + 50;
    const gone = observe(me, [peer(first, T0, { lastHeardAt: lastHeard })], { p2pStartedAt: T0 });
    const window = o.activePeerTargetDurations * 2; // 3 TD of 2 s
    const [heard, edge, after] = run([
      { now: lastHeard + 1, obs: gone },
      { now: lastHeard + window, obs: gone },
      { now: lastHeard + window + 1, obs: gone },
    ]);
    expect(heard?.firstFetcher).toBe(false);
    expect(edge?.firstFetcher).toBe(false);
    expect(after?.firstFetcher).toBe(true); // the next tick after 3 TD of silence
    expect(after?.active).toEqual([]);
  });

  it('a peer that announces a new segment counts as heard, bytes or not', () => {
    const first = id(T0, 'first00');
    const me = id(T0 + 10, 'second0');
    const now = T0 + 600;
    const [actions] = run([{ now, obs: observe(me, [peer(first, T0, { lastHeardAt: now - 0.5 })]) }]);
    expect(actions?.firstFetcher).toBe(false);
  });

  it('keeps a role memo that never changes the answer', () => {
    const ids = Array.from({ length: 12 }, (_, i) => id(T0 + (i % 3), `m${i}`));
    for (const self of ids) {
      const others = ids.filter((p) => p !== self).map((p) => peer(p, T0));
      const steps = [0, 1, 2, 29, 30, 31, 61].map((dt) => ({ now: T0 + dt, obs: observe(self, others) }));
      const threaded = run(steps).map((a) => a.firstFetcher);
      const fresh = steps.map(({ now, obs }) => tick(initialTickState(now, o), obs, now, o).actions.firstFetcher);
      expect(threaded).toEqual(fresh);
    }
  });

  it('rankOf agrees with rankSwarm on any swarm, duplicates and foreign ids included', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 12);
      const ids = Array.from({ length: n }, () =>
        random() < 0.1 ? 'foreign-client-id-12' : id(T0 + Math.floor(random() * 4), `r${Math.floor(random() * 50)}`),
      );
      const [self, ...peers] = ids as [string, ...string[]];
      const epoch = Math.floor(random() * 100);
      const ranked = rankSwarm([self, ...peers], epoch);
      expect(rankOf(self, peers, epoch)).toEqual({ rank: ranked.indexOf(self), size: ranked.length });
    }
  });
});

describe('tick: upload budget and chokes', () => {
  const me = id(T0, 'me00000');
  const small = { ...o, uploadKbps: 800, uploadBurstSeconds: 2 }; // 100 kB/s, a 200 kB burst
  const now = T0 + 100;
  const ledgers = [
    peer(id(T0 + 1, 'giver00'), T0 + 1, { received: 900_000, sent: 100_000 }),
    peer(id(T0 + 2, 'bigGivr'), T0 + 2, { received: 5_000_000, sent: 0 }),
    peer(id(T0 + 3, 'leech00'), T0 + 3, { received: 0, sent: 4_000_000 }),
    peer(id(T0 + 95, 'newbie0'), now - 5, { received: 0, sent: 0 }),
    peer(id(T0 + 4, 'meh0000'), T0 + 4, { received: 10, sent: 10 }),
  ];
  it.each([
    // uploaded bytes this tick → upload open, chokes
    [0, true, []],
    [100_000, true, []], // half the burst left: not contended
    [180_000, true, ['leech00', 'meh0000']], // 20 kB left, under a quarter: contended, choke those below the slots
    [250_000, false, ['leech00', 'meh0000']], // overshot: closed until refilled
  ] as const)('%d bytes uploaded → open %s, chokes %j', (uploadedBytes, open, choked) => {
    const options = { ...small, uploadSlots: 3 };
    const [actions] = run(
      [{ now, obs: observe(me, ledgers, { uploadedBytes }) }],
      options,
      initialTickState(now, options),
    );
    expect(actions?.uploadOpen).toBe(open);
    expect(actions?.windows.isP2PUploadDisabled).toBe(!open);
    // Givers keep their slots, the newest peer keeps the optimistic slot, free-riders are let go.
    expect(actions?.choke.map((p) => p.slice(13))).toEqual(choked);
  });

  it('refills at the cap: a closed budget opens again within a second', () => {
    const [spent, later] = run(
      [
        { now, obs: observe(me, [], { uploadedBytes: 250_000 }) },
        { now: now + 0.6, obs: observe(me, []) },
      ],
      small,
      initialTickState(now, small),
    );
    expect(spent?.uploadOpen).toBe(false);
    expect(later?.uploadOpen).toBe(true);
  });

  it('consume-only never opens its upload', () => {
    const off = { ...o, uploadKbps: 0 };
    const [actions] = run([{ now, obs: observe(me, ledgers) }], off, initialTickState(now, off));
    expect(actions?.uploadOpen).toBe(false);
    expect(actions?.windows.isP2PUploadDisabled).toBe(true);
  });
});

describe('tick: margin, windows and the latency plan', () => {
  const me = id(T0, 'me00000');
  it.each([
    // edge fetch samples (s) → margin (s): the minimum until fetches get slow, then a few fetch times
    [[], 1],
    [[0.05, 0.1], 1],
    [[0.5], 1.5],
    [[2], 6],
    [[2, 1], 5.4], // first as measured, then a moving average: 0.8 × 2 + 0.2 × 1 = 1.8 s → 5.4 s
  ])('edge fetches %j → margin %d s', (samples, margin) => {
    const [actions] = run([
      { now: T0, obs: observe(me, [peer(id(T0 - 60, 'older00'), T0)], { edgeFetchSeconds: samples }) },
    ]);
    expect(actions?.marginSeconds).toBeCloseTo(margin, 5);
    // Not a first fetcher: the edge only inside the margin, opened a second early for the loader's lag.
    expect(actions?.windows.highDemandTimeWindow).toBeCloseTo(margin + 1, 5);
  });

  it('the margin follows the edge: slow fetches widen it, fast ones narrow it again', () => {
    const obs = (samples: number[]) => observe(me, [], { edgeFetchSeconds: samples });
    const margins = run([
      { now: T0, obs: obs([1]) },
      { now: T0 + 1, obs: obs([]) },
      ...Array.from({ length: 20 }, (_, i) => ({ now: T0 + 2 + i, obs: obs([0.1]) })),
    ]).map((a) => a.marginSeconds);
    expect(margins[0]).toBeCloseTo(3);
    expect(margins[1]).toBeCloseTo(3); // no new fetch, no change
    expect(margins.at(-1)).toBe(1);
  });

  it('plays VOD with bounded prefetch and no live-edge role pressure', () => {
    const [actions] = run([{ now: T0, obs: observe(me, [peer(id(T0 - 60, 'older00'), T0)], { live: false }) }]);
    expect(actions?.windows).toMatchObject({
      highDemandTimeWindow: 4,
      httpDownloadTimeWindow: 0,
      p2pDownloadTimeWindow: 60,
    });
  });

  it('plans latency from the playlist, and says when hls.js must be told again', () => {
    const [first, same, longer] = run([
      { now: T0, obs: observe(me, []) },
      { now: T0 + 1, obs: observe(me, []) },
      { now: T0 + 2, obs: observe(me, [], { targetDuration: 4 }) },
    ]);
    // 2 s segments at 4.5 TD: 9 − 2 − 0.3 (planned publishing lag) − 0.8 (safety) = 5.9 s, and 3 TD more to jump.
    expect(first?.hls).toEqual({
      liveSyncDuration: 5.9,
      liveMaxLatencyDuration: 11.9,
      maxBufferLength: 30,
      backBufferLength: 30,
      maxLiveSyncPlaybackRate: 1.1,
      errorPenaltyExpireMs: 10_000,
    });
    expect(first?.hlsChanged).toBe(true);
    expect(same?.hlsChanged).toBe(false);
    expect(same?.windowsChanged).toBe(false);
    expect(longer?.hlsChanged).toBe(true);
    // 4 s segments: 18 − 4 − 0.3 − 0.8.
    expect(longer?.plan.liveSyncDuration).toBeCloseTo(12.9);
  });
});

describe('tick: a tracker outage', () => {
  it('keeps playback on the edge: a viewer that joins with no tracker fetches for itself, then ranks by tenure once peers arrive', () => {
    const me = id(T0 + 100, 'late000');
    const others = [peer(id(T0, 'early00'), T0 + 120), peer(id(T0 + 5, 'early01'), T0 + 120)];
    const started = T0 + 100;
    const [waiting, alone, outage, back] = run([
      { now: started + 1, obs: observe(me, [], { p2pStartedAt: started }) },
      { now: started + o.newcomerSeconds, obs: observe(me, [], { p2pStartedAt: started }) },
      { now: started + 15, obs: observe(me, [], { p2pStartedAt: started }) }, // tracker still down: no peers
      { now: started + 21, obs: observe(me, others, { p2pStartedAt: started }) }, // tracker back, peers connected
    ]);
    expect(waiting?.firstFetcher).toBe(false); // the deadline margin still guards playback
    expect(alone?.firstFetcher).toBe(true);
    expect(alone?.alone).toBe(true);
    expect(outage?.firstFetcher).toBe(true);
    expect(back?.firstFetcher).toBe(false);
    expect(back?.windowsChanged).toBe(true);
  });

  it('a viewer already in the swarm keeps its peers and its role while the tracker is down', () => {
    const me = id(T0, 'early00');
    const peers = [peer(id(T0 + 5, 'later00'), T0 + 10)];
    const steps = [0, 10, 20, 30].map((dt) => ({
      now: T0 + 40 + dt,
      obs: observe(
        me,
        peers.map((p) => ({ ...p, lastHeardAt: T0 + 40 + dt - 1 })),
      ),
    }));
    expect(run(steps).map((a) => a.firstFetcher)).toEqual([true, true, true, true]);
  });
});

describe('tick: knowing when bandwidth allows', () => {
  const seg = 75_000; // bytes per 2 s segment (300 kbit/s)
  const dsl = id(T0, 'dsl0000'); // joined first: first fetcher by tenure
  const others = [id(T0 + 5, 'cable00'), id(T0 + 6, 'cable01'), id(T0 + 7, 'fibre00')];
  const heard = (ids: string[], now: number) => ids.map((p) => peer(p, now - 1));
  /** Ticks once a second for `seconds`, delivering `bps` with `queued` bytes waiting behind the link. */
  function measured(self: string, peers: string[], bps: number, queued: number, seconds = 4) {
    let delivered = 0;
    return run(
      Array.from({ length: seconds + 1 }, (_, i) => {
        const now = T0 + 100 + i;
        const obs = observe(self, heard(peers, now), {
          segmentBytes: seg,
          uplink: { deliveredBytes: delivered, queuedBytes: queued },
        });
        delivered += bps;
        return { now, obs };
      }),
    );
  }

  it.each([
    // uplink delivered (bytes/s), queued behind it → declines the role
    ['an unmeasured link keeps the role it ranks for', 50_000, 0, false],
    ['a link never full is not judged by what it happened to send', 20_000, 0, false],
    ['a full 1 Mbit/s uplink cannot feed three peers: it declines', 125_000, 200_000, true],
    ['a full 10 Mbit/s uplink can', 1_250_000, 200_000, false],
  ] as const)('%s', (_name, bps, queued, declined) => {
    const actions = measured(dsl, others, bps, queued).at(-1);
    expect(actions?.declined).toBe(declined);
    expect(actions?.firstFetcher).toBe(!declined);
    if (queued > 0) expect(actions?.uplinkBps).toBeCloseTo(bps, -2);
  });

  it('a fast link whose queue drains between ticks is not read as slow: the drained intervals are no sample', () => {
    // A 10 Mbit/s uplink (1.25 MB/s) sending a burst under way at every tick, idle nine tenths of each second between.
    const bursts = (drained: boolean) =>
      run(
        Array.from({ length: 5 }, (_, i) => {
          const now = T0 + 100 + i;
          const uplink = { deliveredBytes: 125_000 * i, queuedBytes: 200_000, drained: i > 0 && drained };
          return { now, obs: observe(dsl, heard(others, now), { segmentBytes: seg, uplink }) };
        }),
      ).at(-1);
    // Unseen, the idle time reads as a 1 Mbit/s link, which cannot feed three peers: it declines.
    expect(bursts(false)?.uplinkBps).toBeCloseTo(125_000, -2);
    expect(bursts(false)?.declined).toBe(true);
    // Seen (the player looks at its queue between ticks), the link stays unmeasured and keeps the role it ranks for.
    expect(bursts(true)?.uplinkBps).toBe(0);
    expect(bursts(true)?.declined).toBe(false);
    expect(bursts(true)?.firstFetcher).toBe(true);
  });

  it('a viewer that declines while the others still rank it first goes quiet, so their rank moves on too', () => {
    // The DSL viewer joined first: everyone ranks it first by tenure. Declining alone would leave them waiting.
    const first = measured(dsl, others, 125_000, 200_000).at(-1);
    expect(first?.declined).toBe(true);
    expect(first?.quiet).toBe(true);
    expect(first?.uploadOpen).toBe(false); // p2p-media-loader announces nothing: the others stop hearing it
    expect(first?.windows.isP2PUploadDisabled).toBe(true);
    // A slow viewer that joined last ranks behind everyone: declining changes nothing for the others, so it keeps
    // serving what its link can (its backlog still refuses what it could not deliver in time).
    const late = id(T0 + 50, 'dsl0001');
    const last = measured(late, [dsl, ...others], 125_000, 50_000).at(-1);
    expect(last?.declined).toBe(true);
    expect(last?.quiet).toBe(false);
    expect(last?.uploadOpen).toBe(true);
  });

  it('a declined viewer with peers connected but none active stays quiet; with no peer at all it serves as before', () => {
    // Newcomers whose maps are still empty: connected, heard from (their connection), listing nothing.
    const newcomers = (now: number) => others.map((p) => peer(p, now - 5, { lastHeardAt: now - 1, announcing: false }));
    const steps = (peersAt: (now: number) => PeerObservation[]) =>
      Array.from({ length: 5 }, (_, i) => {
        const now = T0 + 100 + i;
        const obs = observe(dsl, peersAt(now), {
          segmentBytes: seg,
          uplink: { deliveredBytes: 125_000 * i, queuedBytes: 20_000 }, // full, but no backlog
        });
        return { now, obs };
      });
    const withNewcomers = run(steps(newcomers)).at(-1);
    expect(withNewcomers?.declined).toBe(true);
    expect(withNewcomers?.alone).toBe(true);
    expect(withNewcomers?.firstFetcher).toBe(true); // it fetches for itself...
    expect(withNewcomers?.quiet).toBe(true); // ...but offers nothing the newcomers would rank it first for
    expect(withNewcomers?.uploadOpen).toBe(false);
    const nobody = run(steps(() => [])).at(-1);
    expect(nobody?.declined).toBe(true);
    expect(nobody?.alone).toBe(true);
    expect(nobody?.quiet).toBe(false);
    expect(nobody?.uploadOpen).toBe(true);
  });

  it('peers that measured the slow first fetcher leave it out of the rank, so the next one leads, on every viewer alike', () => {
    const now = T0 + 200;
    // Each of them got a 75 kB segment from the DSL viewer in 3 s: 25 kB/s, slower than the stream plays.
    const slowTransfer = [{ peerId: dsl, bytes: seg, seconds: 3 }];
    const views = others.map((self) => {
      const peers = heard([dsl, ...others.filter((p) => p !== self)], now);
      const [a] = run([{ now, obs: observe(self, peers, { segmentBytes: seg, p2pTransfers: slowTransfer }) }]);
      return a;
    });
    expect(views.map((a) => a?.slow)).toEqual([[dsl], [dsl], [dsl]]);
    // With the DSL viewer out, the earliest of the others (cable00) is the one first fetcher, as every view agrees.
    expect(views.map((a) => a?.firstFetcher)).toEqual([true, false, false]);
    // A peer that delivers a segment in a second is not slow.
    const [fast] = run([
      {
        now,
        obs: observe(others[0] as string, heard([dsl], now), {
          segmentBytes: seg,
          p2pTransfers: [{ peerId: dsl, bytes: seg, seconds: 1 }],
        }),
      },
    ]);
    expect(fast?.slow).toEqual([]);
  });

  it('forgets a slow mark after peerRateSeconds, and for a peer that left', () => {
    const me = others[0] as string;
    const obs = (
      now: number,
      peers: string[],
      transfers = [] as { peerId: string; bytes: number; seconds: number }[],
    ) => observe(me, heard(peers, now), { segmentBytes: seg, p2pTransfers: transfers });
    const t = T0 + 300;
    const [marked, stillMarked, forgotten] = run([
      { now: t, obs: obs(t, [dsl], [{ peerId: dsl, bytes: seg, seconds: 3 }]) },
      { now: t + o.peerRateSeconds, obs: obs(t + o.peerRateSeconds, [dsl]) },
      { now: t + o.peerRateSeconds + 1, obs: obs(t + o.peerRateSeconds + 1, [dsl]) },
    ]);
    expect(marked?.slow).toEqual([dsl]);
    expect(stillMarked?.slow).toEqual([dsl]);
    expect(forgotten?.slow).toEqual([]);
    const [, left] = run([
      { now: t, obs: obs(t, [dsl], [{ peerId: dsl, bytes: seg, seconds: 3 }]) },
      { now: t + 1, obs: obs(t + 1, []) },
    ]);
    expect(left?.slow).toEqual([]);
  });

  it('when everyone is slow, nobody is left out: the rank picks a first fetcher as before', () => {
    const self = others[2] as string;
    const peers = [dsl, others[0] as string, others[1] as string];
    const slowAll = peers.map((p) => ({ peerId: p, bytes: seg, seconds: 3 }));
    // Its own uplink is full at 100 kB/s too: it declines, and so would everyone.
    let delivered = 0;
    const steps = [0, 1, 2].map((i) => {
      const now = T0 + 200 + i;
      const obs = observe(self, heard(peers, now), {
        segmentBytes: seg,
        p2pTransfers: i === 0 ? slowAll : [],
        uplink: { deliveredBytes: delivered, queuedBytes: 100_000 },
      });
      delivered += 100_000;
      return { now, obs };
    });
    const last = run(steps).at(-1);
    expect(last?.slow).toHaveLength(3);
    expect(last?.declined).toBe(true);
    expect(last?.firstFetcher).toBe(false); // the DSL viewer still ranks first by tenure, as before
    // The one able viewer among slow ones leads, whatever its tenure.
    const [able] = run([
      { now: T0 + 200, obs: observe(self, heard(peers, T0 + 200), { segmentBytes: seg, p2pTransfers: slowAll }) },
    ]);
    expect(able?.firstFetcher).toBe(true);
  });

  it('refuses new upload requests the link could not deliver before the margin', () => {
    // 125 kB/s measured; 200 kB queued = 1.6 s > the 1 s margin: upload closes, and opens again once it drains.
    const steps = [0, 1, 2, 3, 4, 5].map((i) => ({
      now: T0 + 100 + i,
      obs: observe(dsl, [], { uplink: { deliveredBytes: i * 125_000, queuedBytes: i < 5 ? 200_000 : 50_000 } }),
    }));
    const actions = run(steps);
    expect(actions.at(-2)?.backlogged).toBe(true);
    expect(actions.at(-2)?.uploadOpen).toBe(false);
    expect(actions.at(-2)?.windows.isP2PUploadDisabled).toBe(true);
    expect(actions.at(-1)?.backlogged).toBe(false);
    expect(actions.at(-1)?.uploadOpen).toBe(true);
  });

  it('charges the upload budget for bytes delivered, not bytes written into a full channel', () => {
    const capped = { ...o, uploadKbps: 8000, uploadBurstSeconds: 4 }; // 1 MB/s, a 4 MB burst
    const start = initialTickState(T0, capped);
    // 5.84 MB written, 4.50 MB delivered (the DSL viewer's figures): the budget is charged 4.5 MB.
    const [a] = run(
      [
        {
          now: T0,
          obs: observe(dsl, [], { uploadedBytes: 5_840_000, uplink: { deliveredBytes: 4_500_000, queuedBytes: 0 } }),
        },
      ],
      capped,
      start,
    );
    const [b] = run([{ now: T0, obs: observe(dsl, [], { uploadedBytes: 5_840_000 }) }], capped, start);
    expect(a?.uploadOpen).toBe(false); // 4.5 MB against a 4 MB burst: closed either way...
    expect(b?.uploadOpen).toBe(false);
    const [a1] = run(
      [{ now: T0 + 0.6, obs: observe(dsl, [], { uplink: { deliveredBytes: 4_500_000, queuedBytes: 0 } }) }],
      capped,
      tick(
        start,
        observe(dsl, [], { uploadedBytes: 5_840_000, uplink: { deliveredBytes: 4_500_000, queuedBytes: 0 } }),
        T0,
        capped,
      ).state,
    );
    const [b1] = run(
      [{ now: T0 + 0.6, obs: observe(dsl, []) }],
      capped,
      tick(start, observe(dsl, [], { uploadedBytes: 5_840_000 }), T0, capped).state,
    );
    expect(a1?.uploadOpen).toBe(true); // ...but 0.6 s of refill covers the 0.5 MB delivered overshoot
    expect(b1?.uploadOpen).toBe(false); // and not the 1.84 MB written one
  });
});

describe('tick: the upload budget follows the measured uplink', () => {
  // Three receivers that never give back, connected long ago (no optimistic slot), fed every second.
  const leader = id(T0, 'leader0');
  const receivers = ['r1', 'r2', 'r3'].map((tag, i) => peer(id(T0 + 1 + i, tag), T0 - 100));
  const feed = (probe: { bytes: number; seconds: number }, bytesPerSecond: number, options = o) => {
    const steps = Array.from({ length: 30 }, (_, i) => ({
      now: T0 + 1 + i,
      obs: observe(leader, receivers, {
        uplinkProbe: probe,
        uplink: { deliveredBytes: bytesPerSecond * (i + 1), queuedBytes: 0 },
      }),
    }));
    const actions = run(steps, options, initialTickState(T0, options));
    return {
      everClosed: actions.some((a) => !a.uploadOpen),
      everChoked: actions.some((a) => a.choke.length > 0),
    };
  };
  const fibre = { bytes: 262_144, seconds: 0.05 }; // 42 Mbit/s, as a probe under-reads a 100 Mbit/s link
  const dsl = { bytes: 262_144, seconds: 2.1 }; // 1 Mbit/s
  const at720 = (3 * 2_900_000) / 8; // three receivers of a 2.9 Mbit/s stream

  it('a fibre first fetcher feeds three 1280x720 receivers without choking them (a fixed 8 Mbit/s did not)', () => {
    expect(feed(fibre, at720)).toEqual({ everClosed: false, everChoked: false });
    expect(feed(fibre, at720, { ...o, uploadKbps: 8000 }).everChoked).toBe(true);
  });

  it('a 1 Mbit/s uplink kept full is held to its share of the link, and below it stays open', () => {
    expect(feed(dsl, 125_000)).toEqual({ everClosed: true, everChoked: true });
    // Below its share it stays open.
    expect(feed(dsl, 0.75 * 125_000)).toEqual({ everClosed: false, everChoked: false });
  });
});

describe('tick: a device that cannot keep up backs off', () => {
  const me = id(T0, 'me00000');
  const later = id(T0 + 10, 'later00');
  const calm = { timerLateSeconds: 0, droppedFrames: 0, decodedFrames: 30 };
  it.each([
    // case, device observation → strained, sign
    ['on time, no frames dropped', calm, false, null],
    ['not measured', undefined, false, null],
    ['a timer a little late (jitter)', { ...calm, timerLateSeconds: o.strainTimerLateSeconds - 0.01 }, false, null],
    ['a timer a quarter-second late', { ...calm, timerLateSeconds: o.strainTimerLateSeconds }, true, 'late-timer'],
    [
      'a tenth of the frames dropped',
      { timerLateSeconds: 0, droppedFrames: 3, decodedFrames: 27 },
      true,
      'dropped-frames',
    ],
    ['fewer dropped than the mark', { timerLateSeconds: 0, droppedFrames: 2, decodedFrames: 28 }, false, null],
    [
      'too few frames to judge (paused, hidden)',
      { timerLateSeconds: 0, droppedFrames: 3, decodedFrames: 3 },
      false,
      null,
    ],
    // Long tasks, with the sign turned on (strainLongTaskPercent 25; off by default): a device short of CPU on every
    // thread holds tasks back mid-way and they run long, while the timer is late by less than the mark.
    [
      'the main thread in long tasks for the mark of each tick',
      { ...calm, timerLateSeconds: 0.08, longTaskSeconds: 0.25, elapsedSeconds: 1 },
      true,
      'long-tasks',
    ],
    ['long tasks a little under the mark', { ...calm, longTaskSeconds: 0.23, elapsedSeconds: 1 }, false, null],
    [
      'long tasks over a longer tick: the share counts',
      { ...calm, longTaskSeconds: 0.25, elapsedSeconds: 2 },
      false,
      null,
    ],
    ['long tasks without the time they cover', { ...calm, longTaskSeconds: 0.9 }, false, null],
    // The edge slow or unreachable: playback waits, but the page's own thread and clock keep time.
    ['no long tasks (an edge outage)', { ...calm, longTaskSeconds: 0, elapsedSeconds: 1 }, false, null],
  ] as const)('%s, three ticks in a row', (_name, device, strained, sign) => {
    const now = T0 + 100;
    const step = (at: number) => ({
      now: at,
      obs: observe(me, [peer(later, at)], { p2pStartedAt: T0, ...(device ? { device } : {}) }),
    });
    const actions = run([step(now), step(now + 1), step(now + 2)], { ...o, strainLongTaskPercent: 25 });
    // One or two ticks with a sign are not strain yet (a garbage collection, a burst at start-up)…
    expect(actions[1]?.strained).toBe(false);
    // …the strainStreakTicks-th in a row is.
    expect(actions[2]?.strained).toBe(strained);
    expect(actions[2]?.strainSign).toBe(sign);
  });

  it('long tasks alone never back off with the defaults (the sign is off: measured, not used)', () => {
    const now = T0 + 100;
    const busy = { ...calm, longTaskSeconds: 0.9, elapsedSeconds: 1 };
    const step = (at: number) => ({ now: at, obs: observe(me, [peer(later, at)], { p2pStartedAt: T0, device: busy }) });
    expect(o.strainLongTaskPercent).toBe(0);
    expect(run([step(now), step(now + 1), step(now + 2), step(now + 3)]).map((a) => a.strained)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('a burst of signs shorter than the streak, then calm, never backs off', () => {
    const now = T0 + 100;
    const late = { timerLateSeconds: 1, droppedFrames: 0, decodedFrames: 30 };
    const at = (t: number, device: typeof late) => ({ now: t, obs: observe(me, [peer(later, t)], { device }) });
    const actions = run([at(now, late), at(now + 1, late), at(now + 2, calm), at(now + 3, late), at(now + 4, late)]);
    expect(actions.map((a) => a.strained)).toEqual([false, false, false, false, false]);
  });

  it('a strained viewer stops uploading, gives up the role and fetches from the edge earlier, until calm for strainFirstHoldSeconds', () => {
    const now = T0 + 100;
    const peers = [peer(later, now)];
    const late = { timerLateSeconds: 1.5, droppedFrames: 0, decodedFrames: 30 };
    const calm = { timerLateSeconds: 0, droppedFrames: 0, decodedFrames: 30 };
    const at = (t: number, device: typeof late) => ({ now: t, obs: observe(me, peers, { p2pStartedAt: T0, device }) });
    // Late three seconds in a row (strainStreakTicks), the last at now + 3.
    const steps = [
      at(now, calm),
      at(now + 1, late),
      at(now + 2, late),
      at(now + 3, late),
      at(now + 3 + o.strainFirstHoldSeconds - 0.5, calm),
      at(now + 3 + o.strainFirstHoldSeconds, calm),
    ];
    const [before, , , strained, holding, after] = run(steps);
    // The earliest joiner leads and uploads while its device keeps up.
    expect(before).toMatchObject({ strained: false, firstFetcher: true, uploadOpen: true, quiet: false });
    // Strained: it declines the role and, since the other would still rank it first, goes quiet (upload off).
    expect(strained).toMatchObject({
      strained: true,
      declined: true,
      quiet: true,
      uploadOpen: false,
      firstFetcher: false,
    });
    expect(strained?.windows.isP2PUploadDisabled).toBe(true);
    expect(strained?.marginSeconds).toBeCloseTo((before?.marginSeconds ?? 0) * o.strainMarginFactor, 9);
    // It takes every segment from the edge at once, as the first fetcher it was did (the same windows, upload off),
    // without waiting for peers inside its margin.
    const { highDemandTimeWindow, httpDownloadTimeWindow, p2pDownloadTimeWindow } = before?.windows ?? {};
    expect(strained?.windows).toMatchObject({ highDemandTimeWindow, httpDownloadTimeWindow, p2pDownloadTimeWindow });
    expect(strained?.windows.httpDownloadTimeWindow).toBe(strained?.windows.highDemandTimeWindow);
    // Calm ticks do not end it early…
    expect(holding).toMatchObject({ strained: true, uploadOpen: false });
    // …strainFirstHoldSeconds after the last sign it leads and uploads again, with the usual margin.
    expect(after).toMatchObject({ strained: false, firstFetcher: true, uploadOpen: true });
    expect(after?.marginSeconds).toBeCloseTo(before?.marginSeconds ?? 0, 9);
  });

  it('a strained viewer that does not lead stops waiting for peers, and waits again once calm', () => {
    const now = T0 + 100;
    // `later` never leads while `me` (the earlier joiner) is heard: it takes segments from peers inside its margin.
    const peers = [peer(me, T0, { lastHeardAt: now + 100 })];
    const late = { timerLateSeconds: 1.5, droppedFrames: 0, decodedFrames: 30 };
    const calm = { timerLateSeconds: 0, droppedFrames: 0, decodedFrames: 30 };
    const at = (t: number, device: typeof late) => ({
      now: t,
      obs: observe(later, peers, { p2pStartedAt: T0, device }),
    });
    const [before, , , strained, after] = run([
      at(now, calm),
      at(now + 1, late),
      at(now + 2, late),
      at(now + 3, late),
      at(now + 3 + o.strainFirstHoldSeconds, calm),
    ]);
    expect(before).toMatchObject({ strained: false, firstFetcher: false });
    // Calm, it fetches from the edge only inside its margin (plus the loader's lag) and waits for peers before that.
    expect(before?.windows.httpDownloadTimeWindow).toBe(0);
    expect(before?.windows.highDemandTimeWindow).toBeCloseTo((before?.marginSeconds ?? 0) + loaderLagSeconds, 9);
    // Strained: from the edge at once over the whole window, still not a first fetcher, upload off.
    expect(strained).toMatchObject({ strained: true, firstFetcher: false, uploadOpen: false });
    expect(strained?.windows.highDemandTimeWindow).toBe(strained?.windows.p2pDownloadTimeWindow);
    expect(strained?.windows.httpDownloadTimeWindow).toBe(strained?.windows.p2pDownloadTimeWindow);
    expect(strained?.windows.highDemandTimeWindow).toBeGreaterThan(before?.windows.highDemandTimeWindow ?? 0);
    // Calm for strainFirstHoldSeconds: back to waiting for peers.
    expect(after).toMatchObject({ strained: false, firstFetcher: false });
    expect(after?.windows).toEqual(before?.windows);
  });

  it('the other viewers see a strained leader go quiet and rank the next one first', () => {
    const now = T0 + 100;
    // `later` ranks after `me` while `me` is heard; once `me` has been quiet past the active window, `later` leads.
    const heardLongAgo = now - o.activePeerTargetDurations * 2 - 1;
    const [withMe, meQuiet] = run([
      { now, obs: observe(later, [peer(me, T0, { lastHeardAt: now })], { p2pStartedAt: T0 }) },
      { now, obs: observe(later, [peer(me, T0, { lastHeardAt: heardLongAgo })], { p2pStartedAt: T0 }) },
    ]);
    expect(withMe?.firstFetcher).toBe(false);
    expect(meQuiet?.firstFetcher).toBe(true);
  });
});

/** One tick at T0 + 100 of a viewer in P2P since T0, its uplink idle, with the probe's result if any. */
function probedTick(me: string, others: string[], segmentBytes: number, probe?: { bytes: number; seconds: number }) {
  const now = T0 + 100;
  return {
    now,
    obs: observe(
      me,
      others.map((p) => peer(p, now)),
      {
        p2pStartedAt: T0,
        segmentBytes,
        uplink: { deliveredBytes: 0, queuedBytes: 0 },
        ...(probe ? { uplinkProbe: probe } : {}),
      },
    ),
  };
}

describe('tick: the uplink probe', () => {
  const me = id(T0, 'me00000');
  const others = [id(T0 + 10, 'other01'), id(T0 + 11, 'other02'), id(T0 + 12, 'other03')];
  // 68 kB segments (320x180 at 2 s) to a full fan-out of 16 with 1.5× headroom: 816 kB/s; a 1 Mbit/s uplink carries
  // 125 kB/s, a 10 Mbit/s one 1.25 MB/s.
  const segmentBytes = 68_000;
  const dsl = { bytes: 262_144, seconds: 262_144 / 125_000 };
  const cable = { bytes: 262_144, seconds: 262_144 / 1_250_000 };

  it.each([
    ['no probe yet: the benefit of the doubt, so the earliest joiner leads', undefined, false, true],
    ['a DSL probe: it cannot feed a fan-out, declines and goes quiet', dsl, true, false],
    ['a cable probe: it leads', cable, false, true],
  ] as const)('%s', (_name, probe, declined, firstFetcher) => {
    const [actions] = run([probedTick(me, others, segmentBytes, probe)]);
    expect(actions?.declined).toBe(declined);
    expect(actions?.quiet).toBe(declined);
    expect(actions?.firstFetcher).toBe(firstFetcher);
    expect(actions?.uplinkBps).toBeCloseTo(probe ? probe.bytes / probe.seconds : 0, 6);
  });

  it.each([
    // probe, the tracker's count of the swarm → declines the role (need: 1.5 × 68 kB × fan-out per 2 s)
    ['6 Mbit/s, a swarm of 4: it must feed 4 (the least, 2 Mbit/s), so it leads', 750_000, 4, false],
    ['6 Mbit/s, a swarm of 8: 7 peers, 3.6 Mbit/s', 750_000, 8, false],
    ['6 Mbit/s, a swarm of 40: a full fan-out of 16 (6.5 Mbit/s) is too much', 750_000, 40, true],
    ['6 Mbit/s, before the tracker has counted: the 3 connections, and at least 4', 750_000, undefined, false],
    ['1 Mbit/s, before the tracker has counted: still 4 peers', 125_000, undefined, true],
    ['6 Mbit/s, a swarm of 17: still a full fan-out', 750_000, 17, true],
    ['1 Mbit/s, a swarm of 4: 4 peers need 2 Mbit/s', 125_000, 4, true],
    ['1 Mbit/s, a swarm of 2: still 4 peers, as the swarm grows', 125_000, 2, true],
    ['3 Mbit/s, a swarm of 2: it can feed the 4', 375_000, 2, false],
  ] as const)(
    'the fan-out it must feed is the swarm as the tracker counts it, 4 to 16: %s',
    (_n, bps, members, declined) => {
      const tick = probedTick(me, others, segmentBytes, { bytes: 262_144, seconds: 262_144 / bps });
      const [actions] = run([
        { ...tick, obs: { ...tick.obs, ...(members === undefined ? {} : { swarmMembers: members }) } },
      ]);
      expect(actions?.declined).toBe(declined);
      expect(actions?.firstFetcher).toBe(!declined);
    },
  );

  it('only seeds an unmeasured link: deliveries measured later win, and a faster delivery raises a low seed', () => {
    const now = T0 + 100;
    const peers = others.map((p) => peer(p, now));
    const base = { p2pStartedAt: T0, segmentBytes, uplinkProbe: dsl };
    // 900 kB/s for uplinkFloorSeconds (5 s) with nothing queued: the link delivered more than the probe read, enough
    // for a full fan-out. The floor is averaged over those 5 s, so it rises only at their end.
    const actions = run(
      [0, 1, 2, 3, 4, 5].map((s) => ({
        now: now + s,
        obs: observe(me, peers, { ...base, uplink: { deliveredBytes: 900_000 * s, queuedBytes: 0 } }),
      })),
    );
    expect(actions[0]?.uplinkBps).toBeCloseTo(125_000, 6);
    expect(actions[4]?.uplinkBps).toBeCloseTo(125_000, 6);
    expect(actions[5]?.uplinkBps).toBeCloseTo(900_000, 6);
    expect(actions[5]?.declined).toBe(false);
  });
});

describe('tick: an uplink slower than the stream serves no one', () => {
  // It joined after the other, so declining to lead does not make it go quiet: only its speed closes its upload.
  const me = id(T0 + 10, 'me00000');
  const others = [id(T0, 'other01')];
  it.each([
    // case, segment bytes, probed uplink bytes/s → upload open
    ['68 kB segments on a 1 Mbit/s uplink: 0.5 s each, it serves', 68_000, 125_000, true],
    ['625 kB segments on a 1 Mbit/s uplink: 5 s each for 2 s of video, it does not', 625_000, 125_000, false],
    ['625 kB segments on a 10 Mbit/s uplink: it serves', 625_000, 1_250_000, true],
    ['an unmeasured uplink keeps the benefit of the doubt', 625_000, 0, true],
  ] as const)('%s', (_name, segmentBytes, bps, open) => {
    const probe = bps > 0 ? { bytes: 262_144, seconds: 262_144 / bps } : undefined;
    const [actions] = run([probedTick(me, others, segmentBytes, probe)]);
    expect(actions?.tooSlowToServe).toBe(!open);
    expect(actions?.uploadOpen).toBe(open);
    expect(actions?.windows.isP2PUploadDisabled).toBe(!open);
  });
});

describe('tick: a viewer that may not upload (privacy controls)', () => {
  const me = id(T0, 'me00000');
  const later = id(T0 + 10, 'later00');
  const now = T0 + 100;

  it('upload off (no consent yet, off, cellular, Save-Data): upload closed and it does not lead, until allowed', () => {
    const peers = [peer(later, now)];
    const [withheld, allowed, unspecified] = run([
      { now, obs: observe(me, peers, { p2pStartedAt: T0, uploadAllowed: false }) },
      { now: now + 1, obs: observe(me, peers, { p2pStartedAt: T0, uploadAllowed: true }) },
      { now: now + 2, obs: observe(me, peers, { p2pStartedAt: T0 }) },
    ]);
    expect(withheld).toMatchObject({ withheld: true, uploadOpen: false, declined: true, firstFetcher: false });
    // p2p-media-loader hears it as upload disabled: nothing announced, nothing served.
    expect(withheld?.windows.isP2PUploadDisabled).toBe(true);
    // Ranked first by the others (it joined first), it goes quiet so they stop waiting for it.
    expect(withheld?.quiet).toBe(true);
    expect(allowed).toMatchObject({ withheld: false, uploadOpen: true, declined: false, firstFetcher: true });
    expect(allowed?.windows.isP2PUploadDisabled).toBe(false);
    expect(unspecified).toMatchObject({ withheld: false, uploadOpen: true });
  });

  it('still downloads from peers while its upload is withheld', () => {
    const [actions] = run([
      { now, obs: observe(later, [peer(me, T0, { lastHeardAt: now })], { p2pStartedAt: T0, uploadAllowed: false }) },
    ]);
    expect(actions).toMatchObject({ withheld: true, uploadOpen: false, firstFetcher: false });
    // Not a first fetcher: the edge gets only what is near its deadline; the rest is left for peers.
    expect(actions?.windows.httpDownloadTimeWindow).toBe(0);
    expect(actions?.windows.p2pDownloadTimeWindow).toBeGreaterThan(0);
  });
});

describe('tick: P2P for a low-latency viewer', () => {
  const me = id(T0, 'me00000');
  const ticks = (behind: (number | undefined)[], extra: Partial<TickObservations> = {}) =>
    run(
      behind.map((behindLiveSeconds, i) => ({
        now: T0 + i,
        obs: observe(me, [], {
          lowLatency: true,
          ...(behindLiveSeconds === undefined ? {} : { behindLiveSeconds }),
          ...extra,
        }),
      })),
    ).map((a) => a.p2p);

  it('the hybrid always has P2P, wherever its playhead is', () => {
    const actions = run([0, 1, 30].map((b, i) => ({ now: T0 + i, obs: observe(me, [], { behindLiveSeconds: b }) })));
    expect(actions.map((a) => a.p2p)).toEqual([true, true, true]);
  });

  it('off at the live edge; on once as far behind as the hybrid plays (paused, DVR); off again back near live', () => {
    const plan = run([{ now: T0, obs: observe(me, []) }])[0]?.plan;
    const mark = plan?.liveSyncDuration ?? Number.NaN;
    expect(ticks([undefined, 1.5, 1.5, mark + 10, mark, mark - 1, mark - 2.5, mark - 1])).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('always on for VOD', () => {
    expect(ticks([undefined, 0, 100], { live: false })).toEqual([true, true, true]);
  });
});
