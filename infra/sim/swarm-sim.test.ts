/**
 * The swarm simulator's guarantees: the same seed replays the same run; every
 * byte requested is delivered once, split exactly between the edge and peers;
 * and the answers we know without simulating (one viewer, unlimited upload,
 * upload disabled) come out.
 */
import { offerDefaults } from '@edgeswarm/policy';
import { describe, expect, it } from 'vitest';
import { networkFor } from './links';
import { resolveSimConfig, type SimOverrides } from './model';
import {
  type NatClass,
  type NatMix,
  type NatReachTable,
  natClasses,
  natReachDefaults,
  residentialNatMixAssumption,
} from './nat';
import { calibration, scenarios } from './scenarios';
import { runSimulation, type SimResult } from './swarm-sim';

/** A small world: four minutes of stream with 5-minute sessions, so the whole file runs in seconds. */
const small = (viewers: number): SimOverrides => ({
  audience: { viewers, rampSeconds: 30, meanSessionSeconds: 300, replaceDepartures: true, seconds: 240 },
});

/** Layers merge section by section, so a later layer changes only what it names. */
function run(...layers: SimOverrides[]): SimResult {
  return runSimulation(resolveSimConfig(...layers));
}

function expectConserved(r: SimResult): void {
  const t = r.totals;
  expect(t.conservationErrors).toBe(0);
  // Everything asked for either arrived (from the edge or from peers) or was still owed when its viewer went away.
  expect(t.httpBytes + t.p2pBytes + t.unfinishedBytes).toBe(t.requestedBytes);
  // The edge's own count is what viewers got from the edge.
  expect(t.edgeServedBytes).toBe(t.httpBytes);
  // Peers sent what viewers got from peers, plus transfers cut short.
  expect(t.peerUploadedBytes).toBe(t.p2pBytes + t.wastedP2PBytes);
  expect(t.requestedBytes).toBeGreaterThan(0);
}

describe('determinism', () => {
  it('gives identical results for the same seed, and different ones for another', () => {
    const a = run(small(150), { seed: 7 });
    const b = run(small(150), { seed: 7 });
    const c = run(small(150), { seed: 8 });
    expect(b.totals).toEqual(a.totals);
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    expect(c.totals).not.toEqual(a.totals);
  });
});

describe('progress', () => {
  it('reports where a run has got to, in order, without changing its result', () => {
    const seen: { simulated: number; total: number; viewers: number }[] = [];
    const config = resolveSimConfig(small(150), { seed: 7 });
    const r = runSimulation(config, {
      progressEverySeconds: 0,
      onProgress: (p) => seen.push({ simulated: p.simulatedSeconds, total: p.totalSeconds, viewers: p.viewersNow }),
    });
    expect(seen.length).toBeGreaterThan(2);
    for (const [i, p] of seen.entries()) {
      expect(p.total).toBe(240);
      expect(p.simulated).toBeLessThanOrEqual(240);
      if (i > 0) expect(p.simulated).toBeGreaterThanOrEqual(seen[i - 1]?.simulated ?? 0);
    }
    expect(seen.at(-1)?.viewers).toBeGreaterThan(0);
    expect(r.totals).toEqual(runSimulation(config).totals);
  });
});

describe('NAT reach (per NAT class pair: bench:nat measured it in real Chromium, the rest per RFC 4787)', () => {
  it('UDP blocked: a blocked viewer is alone; behind a symmetric NAT it reaches open peers, so far fewer edge bytes are "alone"', () => {
    const nat = (mix: NatMix) => run(small(200), { seed: 11, network: { natMix: mix } });
    const blocked = nat({ 'udp-blocked': 0.3 });
    const symmetric = nat({ symmetric: 0.3 });
    const open = run(small(200), { seed: 11 });
    // About 30% of the audience takes everything from the edge when it reaches nobody.
    expect(blocked.summary.httpByReason.alone).toBeGreaterThan(0.2 * blocked.totals.requestedBytes);
    expect(symmetric.summary.httpByReason.alone).toBeLessThan(0.25 * blocked.summary.httpByReason.alone);
    expect(symmetric.summary.offloadPercent).toBeGreaterThan(blocked.summary.offloadPercent + 15);
    // Reaching open peers only (never one another) costs little against nobody behind a NAT.
    expect(symmetric.summary.offloadPercent).toBeGreaterThan(open.summary.offloadPercent - 5);
    expect(blocked.summary.byNat.find((c) => c.nat === 'udp-blocked')?.offloadPercent).toBe(0);
  });

  it('in a mixed world each class reaches whom its row says: nobody without UDP, and the cones each other unless Linux', () => {
    // One region, a full mesh to choose from; every class present.
    const world: SimOverrides = {
      network: {
        natMix: { 'full-cone': 0.2, cone: 0.3, symmetric: 0.2, 'udp-blocked': 0.1 },
        regions: [{ name: 'eu', weight: 1, countries: 4, asnsPerCountry: 4 }],
      },
    };
    const mixed = run(small(200), world, { seed: 5 });
    expectConserved(mixed);
    const offload = (r: SimResult, nat: NatClass) => r.summary.byNat.find((c) => c.nat === nat)?.offloadPercent ?? -1;
    expect(mixed.summary.byNat.map((c) => c.nat)).toEqual([...natClasses]);
    expect(offload(mixed, 'udp-blocked')).toBe(0);
    for (const nat of ['open', 'full-cone', 'cone', 'symmetric'] as const)
      expect(offload(mixed, nat)).toBeGreaterThan(40);
    // Two port-restricted cones behind Linux's MASQUERADE, as bench:nat measured them (0/6): the cones lose the
    // peers they had among themselves, and with them offload.
    const linux: NatReachTable = {
      ...natReachDefaults,
      cone: { ...natReachDefaults.cone, cone: { connects: false, basis: 'measured' } },
    };
    const linuxCones = run(small(200), world, { seed: 5, network: { ...world.network, natReach: linux } });
    expect(offload(linuxCones, 'cone')).toBeLessThan(offload(mixed, 'cone'));
    expect(linuxCones.summary.connections.failed).toBeGreaterThan(mixed.summary.connections.failed);
  });

  it('refuses a NAT mix it cannot draw, saying why', () => {
    expect(() => run(small(5), { network: { natMix: { symmetric: 0.7, cone: 0.5 } } })).toThrow(/add up to 1.2/);
    expect(() => run(small(5), { network: { natMix: { carrier: 0.1 } as NatMix } })).toThrow(/no NAT class carrier/);
  });
});

describe('conservation', () => {
  it.each([
    ['steady with churn', {}],
    ['free-riders', { audience: { freeRiderFraction: 0.5 } }],
    ['NAT-blocked', { network: { natMix: { 'udp-blocked': 0.3 } } }],
    ['symmetric NAT', { network: { natMix: { symmetric: 0.3 } } }],
    ['a residential NAT mix', { network: { natMix: residentialNatMixAssumption } }],
    ['tracker down', { tracker: { outages: [{ fromSeconds: 60, toSeconds: 120 }] } }],
    ['an edge below demand', { edge: { capacityMbps: 20 } }],
    ['slow uploads', { network: { access: [slowUplink] } }],
  ] as [string, SimOverrides][])(
    'holds for %s: bytes delivered = bytes requested, split exactly',
    (_name, overrides) => {
      const r = run(small(200), overrides);
      expect(r.summary.viewersTotal).toBeGreaterThan(100);
      expectConserved(r);
      expect(r.summary.offloadPercent).toBeGreaterThanOrEqual(0);
    },
  );

  it('holds for a CDN-only cohort, which gets nothing from peers', () => {
    const r = run(small(100), { p2p: false });
    expectConserved(r);
    expect(r.totals.p2pBytes).toBe(0);
    expect(r.summary.offloadPercent).toBe(0);
  });
});

/** Uplinks barely above the bitrate, so transfers are slow, get abandoned and fall back to the edge. */
const slowUplink = {
  name: 'slow',
  weight: 1,
  downMbps: { kind: 'fixed', value: 20 },
  upMbps: { kind: 'fixed', value: 0.4 },
} as const;

describe('known answers', () => {
  it('one viewer gets nothing from peers', () => {
    const r = run(small(1), { audience: { replaceDepartures: false, meanSessionSeconds: Number.POSITIVE_INFINITY } });
    expect(r.summary.viewersTotal).toBe(1);
    expect(r.totals.p2pBytes).toBe(0);
    expect(r.summary.offloadPercent).toBe(0);
    expect(r.summary.stalls).toBe(0);
  });

  it('with unlimited upload, offload approaches the (N−1)/N bound', () => {
    const unlimited = {
      name: 'unlimited',
      weight: 1,
      downMbps: { kind: 'fixed', value: 1000 },
      upMbps: { kind: 'fixed', value: 100_000 },
    } as const;
    for (const n of [5, 10]) {
      const r = run({
        audience: {
          viewers: n,
          staggerSeconds: 1,
          meanSessionSeconds: Number.POSITIVE_INFINITY,
          replaceDepartures: false,
          seconds: 600,
        },
        // One region, so one tracker shard and a full mesh: the bound assumes everyone can reach everyone.
        network: {
          access: [unlimited],
          iceFailure: 0,
          regions: [{ name: 'eu', weight: 1, countries: 4, asnsPerCountry: 4 }],
        },
        // Unlimited upload, told to the policy too: no upload cap, and one first fetcher can feed the whole swarm.
        policy: { uploadKbps: 1_000_000, seederFanout: 100 },
      });
      const bound = (100 * (n - 1)) / n;
      // Only each late joiner's start-up segments (fetched before it has peers: hls.js's own, then until the P2P start
      // gate opens and a peer connects) separate it from the bound.
      expect(r.summary.offloadPercent).toBeGreaterThan(bound - 2);
      expect(r.summary.offloadPercent).toBeLessThanOrEqual(bound);
      expect(r.summary.stalls).toBe(0);
    }
  });

  it('with upload disabled everywhere, offload is 0% and nobody stalls', () => {
    const r = run(small(300), { policy: { uploadKbps: 0 } });
    expectConserved(r);
    expect(r.totals.p2pBytes).toBe(0);
    expect(r.summary.offloadPercent).toBe(0);
    expect(r.summary.stalls).toBe(0);
    expect(r.summary.connections.made).toBeGreaterThan(0);
  });
});

describe('giving up slow peer transfers', () => {
  it('gives up transfers projected to finish past the margin, and none when the sample is never complete', () => {
    const projected = run(small(200), { network: { access: [slowUplink] } });
    expectConserved(projected);
    expect(projected.summary.projectedAbandons).toBeGreaterThan(0);
    expect(projected.summary.httpByReason.abandoned).toBeGreaterThan(0);
    // A sample longer than any slack: only p2p-media-loader's switch at the margin is left.
    const marginOnly = run(small(200), { network: { access: [slowUplink] }, policy: { abandonSampleSeconds: 30 } });
    expectConserved(marginOnly);
    expect(marginOnly.summary.projectedAbandons).toBe(0);
  });
});

describe('an edge with a capacity', () => {
  const cdn = (capacityMbps: number) => run(small(200), { p2p: false, edge: { capacityMbps } });

  it('serves a CDN-only audience without stalls while it has room', () => {
    // 200 viewers × 274 kbit/s ≈ 55 Mbit/s of demand.
    expect(cdn(1000).summary.stalls).toBe(0);
    // With 27% headroom, the bursts at each new segment cost a few viewers a few tenths of a second at most.
    expect(cdn(70).summary.stallRatioPercent).toBeLessThan(0.05);
  });

  it('runs at its capacity and stalls viewers when demand exceeds it', () => {
    const r = cdn(40);
    expectConserved(r);
    expect(r.summary.stallRatioPercent).toBeGreaterThan(10);
    // Once the audience is in (after the 30 s ramp), the edge sends close to its 40 Mbit/s.
    const busy = r.series.edgeMbps.slice(4, -2);
    const mean = busy.reduce((a, b) => a + b, 0) / busy.length;
    expect(mean).toBeGreaterThan(32);
    expect(mean).toBeLessThanOrEqual(40.5);
  });
});

describe('the decisions are the policy module’s', () => {
  it('makes everyone a first fetcher when the policy says one seeder per peer', () => {
    // seederCount = ceil(n / 1) = n: every peer ranks inside the first-fetcher set, so nobody waits for peers.
    // No newcomer grace either, so nobody ever waits.
    const r = run(small(100), { policy: { seederFanout: 1, newcomerSeconds: 0 } });
    expect(r.summary.offloadPercent).toBe(0);
    expect(r.summary.firstFetcherPercent).toBe(100);
  });

  it('reports the policy’s own clamping warnings', () => {
    const r = run(small(5), { policy: { latencyTargetDurations: 1 } });
    expect(r.policyWarnings).toEqual(['latencyTargetDurations=1 is outside [3, 60]; using 3']);
    expect(r.policy.latencyTargetDurations).toBe(3);
  });

  it('mirrors the real-browser set-up in the calibration scenario', () => {
    const r = run((scenarios.calibrate as (typeof scenarios)[string]).overrides(4));
    const joins = r.viewers?.map((v) => v.joinedAt) ?? [];
    expect(joins).toHaveLength(4);
    // The cohort runner's schedule: 3 s apart, each page up to a second late.
    for (const [i, t] of joins.entries()) {
      expect(t).toBeGreaterThanOrEqual(3 * i);
      expect(t).toBeLessThan(3 * i + 1);
    }
    // The first viewer is the first fetcher for the whole run.
    expect(r.viewers?.[0]?.p2pBytes).toBe(0);
    // As newcomers they wait for peers: the start-up segments hls.js loads itself (directSegments), one more until the
    // P2P start gate opens, and at most one more, asked for before p2p-media-loader's tracker connection has brought a
    // peer (the real newcomers of the gated runs took 5-6).
    for (const v of r.viewers?.slice(1) ?? []) expect(v.httpSegments).toBeLessThanOrEqual(5);
    expect(r.summary.stalls).toBe(0);
  });

  it('opens the tracker connection at the first segment request after P2P starts, not at the first frame', () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(6);
    const { connectSeconds } = resolveSimConfig(calibrate).network;
    const T = 2;
    for (const stack of [0.2, 1.5]) {
      const r = run(calibrate, { player: { p2pStackSeconds: stack } });
      const waits: number[] = [];
      for (const v of r.viewers?.slice(1) ?? []) {
        const asked = v.p2pRequestedSeconds as number;
        const peer = v.firstPeerSeconds as number;
        // Its announce went out at a playlist's next segment after the P2P script loaded: within a target duration.
        expect(peer - asked).toBeGreaterThanOrEqual(stack + connectSeconds);
        expect(peer - asked).toBeLessThan(stack + T + connectSeconds + 0.1);
        waits.push(peer - asked - stack - connectSeconds);
      }
      // Not all at once: each waited for its next segment request, however long that was.
      expect(Math.max(...waits) - Math.min(...waits)).toBeGreaterThan(0.3);
      expect(r.summary.stalls).toBe(0);
    }
  });

  it('starts P2P through the tick’s start gate, fed the playback pace as the player reads it', () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(6);
    const config = resolveSimConfig(calibrate);
    const { startupOverheadSeconds, startupTickLateSeconds, p2pStackSeconds } = config.player;
    const { connectSeconds } = config.network;
    const gated = (steady: number, late = startupTickLateSeconds) =>
      run(calibrate, { policy: { p2pStartSteadySeconds: steady }, player: { startupTickLateSeconds: late } });
    const off = gated(0);
    const on = gated(1);
    // The player ticks as it is built and once a second after; p2pStartSteadySeconds of kept-pace intervals from the
    // first frame on, the one it came in timed from the frame. Built at startupOverheadSeconds, first frame 0.21 s
    // later here: the first interval is 0.79 s from the frame to the first tick (0.89 s with that tick 0.1 s late),
    // the second 1 s (0.9 s), so the gate opens at the second tick either way; with 3 s, at the fourth. Timed from the
    // tick before the frame, the first interval was not kept (0.79 s played of 1.1 s) and the late first tick cost
    // a tick more: the third and the fifth.
    const askedAtTick = (r: SimResult) =>
      (r.viewers ?? []).map((v) => Number(((v.p2pRequestedSeconds as number) - startupOverheadSeconds).toFixed(6)));
    expect(askedAtTick(on)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(askedAtTick(gated(1, 0))).toEqual([2, 2, 2, 2, 2, 2]);
    expect(askedAtTick(gated(3))).toEqual([4, 4, 4, 4, 4, 4]);
    for (const v of [...(off.viewers ?? []), ...(on.viewers ?? [])]) {
      // Not before the first frame; with the gate off, at it (the tick said p2p before the frame).
      expect(v.p2pRequestedSeconds as number).toBeGreaterThanOrEqual(v.startupSeconds as number);
      // Every segment until then came from the edge: nothing from a peer before P2P started and a peer connected.
      expect(v.firstPeerSeconds as number).toBeGreaterThanOrEqual(
        (v.p2pRequestedSeconds as number) + p2pStackSeconds + connectSeconds,
      );
      if (v.firstP2PSeconds !== null) expect(v.firstP2PSeconds).toBeGreaterThan(v.firstPeerSeconds as number);
    }
    for (const v of off.viewers ?? []) expect(v.p2pRequestedSeconds).toBe(v.startupSeconds);
    // So each newcomer takes its first segments from the edge for longer: more of them, and less offload.
    const newcomers = (r: SimResult) => (r.viewers ?? []).slice(1).reduce((n, v) => n + v.httpSegments, 0);
    expect(newcomers(on)).toBeGreaterThan(newcomers(off));
    expect(on.summary.offloadPercent).toBeLessThan(off.summary.offloadPercent);
    expect(on.summary.stalls).toBe(0);
    expectConserved(on);
  });

  it('holds P2P back while the buffer does not hold the deadline margin: on a link below the bitrate, never', () => {
    // 0.2 Mbit/s down for a 274 kbit/s stream: every edge fetch takes longer than a segment plays, so the tick's margin
    // (a few edge fetch times) grows past anything the thin buffer holds, and the gate never opens, while the playhead
    // keeps pace between fetches. With the gate off the same viewers start P2P at their first frame.
    const slowDown = {
      name: 'slow-down',
      weight: 1,
      downMbps: { kind: 'fixed', value: 0.2 },
      upMbps: { kind: 'fixed', value: 10 },
    } as const;
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(4);
    const held = run(calibrate, { network: { access: [slowDown] } });
    for (const v of held.viewers ?? []) {
      expect(v.startupSeconds).not.toBeNull();
      expect(v.p2pRequestedSeconds).toBeNull();
      expect(v.firstPeerSeconds).toBeNull();
      expect(v.p2pBytes).toBe(0);
    }
    const ungated = run(calibrate, { network: { access: [slowDown] }, policy: { p2pStartSteadySeconds: 0 } });
    for (const v of ungated.viewers ?? []) expect(v.p2pRequestedSeconds).toBe(v.startupSeconds);
    expect(ungated.summary.connections.made).toBeGreaterThan(0);
  });

  it('sends offers with an announce only while a member of the swarm is not connected (announceOffers)', () => {
    const calibrate = (n: number) => (scenarios.calibrate as (typeof scenarios)[string]).overrides(n);
    // Six viewers for five minutes: 5 others, connected to all within seconds. An announce counts the swarm from the
    // tracker's last reply, so a viewer's first two announces may carry offers (the second on a count taken while
    // the others were still joining), none of the eight re-announces after.
    const six = run(calibrate(6), { audience: { seconds: 300 } });
    expect(six.summary.announces.ok).toBeGreaterThanOrEqual(6 * 10);
    expect(six.summary.announces.offers).toBeLessThanOrEqual(2 * 6 * 5);
    expect(six.summary.announces.offers).toBeLessThan(six.summary.announces.ok);
    // Four: fewer others than bittorrent-tracker's 5 offers, and a tracker that forwards none to a neighbouring
    // sub-shard: one offer per other member while one is missing (3), none once all three are held.
    const four = run(calibrate(4), { audience: { seconds: 300 } });
    expect(four.summary.announces.ok).toBeGreaterThanOrEqual(4 * 10);
    expect(four.summary.announces.offers).toBeLessThanOrEqual(2 * 4 * 3);
    expect(four.summary.connections.made).toBeGreaterThanOrEqual(6);
    expect(four.summary.offloadPercent).toBeGreaterThan(60);
    expect(six.summary.offloadPercent).toBeGreaterThan(80);
  });

  it("holds each viewer to the policy's maxPeers: offers only the room left, answers none once full", () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(12);
    const capped = run(calibrate, { audience: { seconds: 180 }, player: { maxPeers: 4 } });
    const open = run(calibrate, { audience: { seconds: 180 } });
    expect(resolveSimConfig(calibrate).player.maxPeers).toBe(offerDefaults.maxPeers);
    // Eleven others: uncapped (20) a viewer meets most of them; at 4 it holds 4 at most, and stops offering.
    expect(capped.summary.meanPeers).toBeLessThanOrEqual(4);
    expect(capped.summary.meanPeers).toBeGreaterThan(2);
    expect(open.summary.meanPeers).toBeGreaterThan(8);
    expect(capped.summary.announces.offers).toBeLessThan(open.summary.announces.offers);
    expect(capped.summary.stalls).toBe(0);
  });

  it('with the tracker naming the earliest members, receivers hold 2 peers and offload holds (a plain cap of 2 does not)', () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(8);
    const open = run(calibrate);
    const named = run(calibrate, { tracker: { namedLeaders: 2 }, policy: { receiverMaxPeers: 2 } });
    const plain = run(calibrate, { player: { maxPeers: 2 } });
    // receiverMaxPeers alone caps nobody: a receiver is one the tracker named others to.
    const unnamed = run(calibrate, { policy: { receiverMaxPeers: 2 } });
    expect(resolveSimConfig(calibrate).tracker.namedLeaders).toBe(0);
    expect(unnamed.summary).toEqual(open.summary);
    // Held connections more than halve (the named members hold everyone, the other six hold 2)...
    expect(named.summary.meanPeers).toBeLessThan(open.summary.meanPeers / 2);
    expect(named.summary.connections.made).toBeLessThan(open.summary.connections.made / 2);
    // ...and offload stays within a point: the named members hold every receiver, which ranks itself after them.
    expect(named.summary.offloadPercent).toBeGreaterThan(open.summary.offloadPercent - 1);
    expect(named.summary.firstFetcherPercent).toBeCloseTo(open.summary.firstFetcherPercent, 0);
    // A plain cap ranks each viewer among the two it holds: more lead, and offload falls by 10 points or more.
    expect(plain.summary.firstFetcherPercent).toBeGreaterThan(open.summary.firstFetcherPercent * 1.5);
    expect(plain.summary.offloadPercent).toBeLessThan(open.summary.offloadPercent - 10);
    for (const r of [open, named, plain]) expect(r.summary.stalls).toBe(0);
  });

  it('catches up to the live-sync point as hls.js does in low-latency mode, and keeps a late start without it', () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(4);
    const caught = run(calibrate);
    const kept = run(calibrate, { player: { liveCatchUp: false } });
    const config = resolveSimConfig(calibrate);
    // hls.js's target is liveSyncDuration (5.9 s at the policy's defaults: 4.5 × 2 − 2 − 0.3 − 0.8 s) from the
    // playlist's live edge, which is the publishing lag and the playlist's trip short of the wall clock.
    const target = 5.9 + config.stream.publishLagSeconds + 0.001;
    // hls.js's rate rounds to 1 within 0.067 s of the target, so that is where catching up ends.
    for (const v of caught.viewers ?? []) {
      expect(v.latency as number).toBeGreaterThanOrEqual(target - 1e-6);
      expect(v.latency as number).toBeLessThanOrEqual(target + 0.067);
    }
    expect(Math.max(...(kept.viewers ?? []).map((v) => v.latency as number))).toBeGreaterThan(target + 0.5);
    expect(caught.summary.latencyP50).toBeLessThan(kept.summary.latencyP50);
    expect(caught.summary.stalls).toBe(0);
    expectConserved(caught);
  });

  it("shows a spacing receiver's segments at its next announcement only (announceIntervalSeconds), at no offload", () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(8);
    const at = (receiverAnnounceTargetDurations: number) =>
      run(calibrate, { network: networkFor('residential'), policy: { receiverAnnounceTargetDurations } });
    const atOnce = at(0);
    const spaced = at(2);
    // Eight viewers connected to each other: receivers space their announcements, so fewer take a segment from
    // another receiver and the first fetcher's share of upload grows; it serves them all in time either way.
    expect(spaced.summary.upload.topViewerShare).toBeGreaterThan(atOnce.summary.upload.topViewerShare);
    expect(Math.abs(spaced.summary.offloadPercent - atOnce.summary.offloadPercent)).toBeLessThan(1);
    expect(spaced.summary.stalls).toBe(0);
    expectConserved(spaced);
  });

  it('spreads upload onto relays where the swarm has them, and keeps the star where it has none (spreadRelays)', () => {
    const calibrate = (scenarios.calibrate as (typeof scenarios)[string]).overrides(8);
    // Announcements at once in both (a spacing receiver in the star's full mesh shows its copies later, which makes the
    // star a little more of one): relays against the star on equal terms.
    const on = (network: string, spreadRelays: number) =>
      run(calibrate, { network: networkFor(network), policy: { spreadRelays, receiverAnnounceTargetDurations: 0 } });
    // Residential: cable, fibre and mobile uplinks can relay; the first fetcher refuses once three of them have a
    // segment, and its share of all upload falls.
    const star = on('residential', 0);
    const tree = on('residential', 3);
    expect(tree.summary.refusedUploads).toBeGreaterThan(star.summary.refusedUploads);
    expect(tree.summary.upload.topViewerShare).toBeLessThan(star.summary.upload.topViewerShare - 10);
    expect(tree.summary.stalls).toBe(0);
    // Dsl-heavy: besides the first fetcher only two uplinks can relay three copies, so it keeps serving everyone: it
    // refuses nobody, and its share is the star's.
    const dslHeavy = on('dsl-heavy', 3);
    const dslStar = on('dsl-heavy', 0);
    expect(dslStar.summary.upload.topViewerShare).toBeGreaterThan(90);
    expect(dslHeavy.summary.refusedUploads).toBe(0);
    expect(dslHeavy.summary.upload.topViewerShare).toBeGreaterThan(dslStar.summary.upload.topViewerShare - 1);
    expect(dslHeavy.summary.stalls).toBe(0);
    expectConserved(tree);
    expectConserved(dslHeavy);
  });

  it('players measure their uplinks at their speed, bursts and idle seconds alike: drained intervals are no sample', () => {
    // Dsl-heavy links, 40 viewers at once (78 over the run): uploads come in bursts, and a burst under way at two ticks
    // in a row did not keep the link full between them. Read as full, those intervals put uplinks here at as little as
    // 0.17 of their speed, and the 8 Mbit/s ones at 0.67 in the 1 000-viewer run (BENCHMARKS.md, session 29).
    const r = run(small(40), { network: networkFor('dsl-heavy') });
    const measured = (r.viewers ?? []).filter((v) => v.measuredUplinkBps > 0);
    expect(measured.length).toBeGreaterThan(60);
    for (const v of measured) {
      expect({ viewer: v.viewer, read: v.measuredUplinkBps / v.uplinkBps }).toEqual({
        viewer: v.viewer,
        read: expect.closeTo(0.975, 1),
      });
    }
  });

  it('uploads one at a time: fewer transfers run out of time on slow uplinks, and fewer bytes are sent for nothing', () => {
    // Dsl-heavy links, 100 viewers: shared, every accepted transfer gets a slice of a 1-8 Mbit/s uplink and they all
    // finish late together; one at a time (sequentialUploads), the earliest admitted finish first, the rest wait or are
    // refused at once.
    const at = (sequentialUploads: number) =>
      run(small(100), { network: networkFor('dsl-heavy'), policy: { sequentialUploads } });
    const shared = at(0);
    const arrival = at(1);
    expect(arrival.summary.offloadPercent).toBeGreaterThan(shared.summary.offloadPercent + 2);
    expect(arrival.summary.httpByReason.abandoned).toBeLessThan(0.75 * shared.summary.httpByReason.abandoned);
    expect(arrival.totals.wastedP2PBytes).toBeLessThan(0.5 * shared.totals.wastedP2PBytes);
    // Refused when its first byte would come after the requester's no-bytes timeout: more refusals, none silent.
    expect(arrival.summary.refusedUploads).toBeGreaterThan(shared.summary.refusedUploads);
    expect(arrival.summary.stalls).toBe(0);
    expectConserved(arrival);
  });

  it('a first fetcher over its upload budget refuses choked receivers, and keeps them connected', () => {
    // The real run at 1280x720 (BENCHMARKS.md, #17): four residential viewers, ~2.9 Mbit/s, so the fibre first
    // fetcher's three receivers need more than an 8 Mbit/s cap (the default until session 22). Its receivers cannot
    // give back, so whenever the budget is contended all of them are choked.
    const at720 = (uploadKbps?: number) =>
      run(calibration(4, 111), {
        network: networkFor('residential'),
        stream: { bitrateKbps: 2900 },
        ...(uploadKbps === undefined ? {} : { policy: { uploadKbps } }),
      });
    const budgeted = at720(8000);
    // The default budget follows the fibre uplink (80% of it): nobody is choked.
    const byUplink = at720();
    expect(byUplink.summary.chokedUploads).toBe(0);
    expect(budgeted.summary.chokedUploads).toBeGreaterThan(0);
    // Choked, a receiver takes those segments from the edge and stays connected: the full mesh, made once.
    expect(budgeted.summary.connections).toEqual({ made: 6, failed: 0 });
    // So the budget costs the swarm only the bytes it holds back (disconnecting them cost 38 points of 64).
    expect(budgeted.summary.offloadPercent).toBeLessThan(byUplink.summary.offloadPercent);
    expect(budgeted.summary.offloadPercent).toBeGreaterThan(byUplink.summary.offloadPercent - 10);
    expect(budgeted.summary.stalls).toBe(0);
    expectConserved(budgeted);
  });
});

describe('tracker sub-shards', () => {
  it('split a region shard over its budget with the edge’s rules, keep bytes conserved, and cost little offload', () => {
    // A budget of 20 messages/s per object: 600 viewers in one region pass it several times over.
    const oneRegion: SimOverrides = {
      network: { regions: [{ name: 'eu', weight: 1, countries: 6, asnsPerCountry: 5 }] },
      subShards: { messageBudgetPerSecond: 20 },
    };
    const split = run(small(600), oneRegion, { seed: 3 });
    const whole = run(small(600), oneRegion, { seed: 3, subShards: { enabled: false } });
    expectConserved(split);
    expect(split.summary.tracker.splits).toBeGreaterThan(0);
    expect(split.summary.tracker.subShardsMax).toBeGreaterThan(1);
    expect(split.summary.tracker.moved).toBeGreaterThan(0);
    expect(whole.summary.tracker).toMatchObject({ splits: 0, subShardsEnd: 1 });
    // Splitting spreads the same messages over more objects.
    expect(split.summary.tracker.maxReportedPerSecond).toBeLessThan(whole.summary.tracker.maxReportedPerSecond);
    expect(Math.abs(split.summary.offloadPercent - whole.summary.offloadPercent)).toBeLessThan(3);
  }, 60_000);
});
