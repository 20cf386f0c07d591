import { describe, expect, it } from 'vitest';
import {
  admitsUpload,
  advertisedUplinkClass,
  canRelay,
  leaderFanout,
  newUplinkEstimate,
  observeUplink,
  relayProbeWaitSeconds,
  seedUplink,
  type UplinkEstimate,
  uplinkClassBps,
  uplinkClassOf,
  uplinkSpeed,
} from './capacity';
import { policyDefaults } from './options';
import { makePeerId, peerJoinedAt, peerUplinkClass } from './roles';
import { noBytesTimeoutSeconds } from './windows';

const T0 = 1_764_000_000;
const noSpread = { spreadCopies: 0, spreadRelays: 0 };
/** An uplink measured at `bps` bytes/s (seeded as a probe would). */
const measured = (bps: number): UplinkEstimate => seedUplink(newUplinkEstimate(T0), { bytes: bps, seconds: 1 });

describe('admitsUpload: one more request, only if it can be delivered by the margin', () => {
  const segment = 68_000;
  it.each([
    // case, uplink bytes/s, queued bytes, margin → admitted
    ['an unmeasured uplink takes every request', 0, 10_000_000, 1, true],
    ['1 Mbit/s, nothing queued: 0.54 s for one segment', 125_000, 0, 1, true],
    ['1 Mbit/s, one segment queued: 1.09 s for the second, over a 1 s margin', 125_000, segment, 1, false],
    ['…the same with a 1.5 s margin', 125_000, segment, 1.5, true],
    ['10 Mbit/s, eight segments queued: 0.49 s', 1_250_000, 8 * segment, 1, true],
    ['10 Mbit/s, twenty queued: 1.14 s', 1_250_000, 20 * segment, 1, false],
    ['a negative queue reading counts as empty', 125_000, -5, 1, true],
  ] as const)('%s', (_name, bps, queued, margin, admitted) => {
    const uplink = bps > 0 ? measured(bps) : newUplinkEstimate(T0);
    expect(
      admitsUpload({ queuedBytes: queued, segmentBytes: segment, servedCopies: 0 }, uplink, margin, noSpread),
    ).toBe(admitted);
  });

  it('refuses a choked requester whatever the uplink could carry, and only a choked one', () => {
    const request = { queuedBytes: 0, segmentBytes: segment, servedCopies: 0 };
    for (const uplink of [newUplinkEstimate(T0), measured(12_500_000)]) {
      expect(admitsUpload({ ...request, choked: true }, uplink, 1, noSpread)).toBe(false);
      expect(admitsUpload({ ...request, choked: false }, uplink, 1, noSpread)).toBe(true);
    }
  });

  it('judges by the faster of capacity and what the link has been seen delivering', () => {
    const uplink = { ...measured(100_000), floorBps: 200_000 };
    expect(uplinkSpeed(uplink)).toBe(200_000);
    expect(admitsUpload({ queuedBytes: 100_000, segmentBytes: 68_000, servedCopies: 0 }, uplink, 1, noSpread)).toBe(
      true,
    );
  });
});

describe('admitsUpload one at a time (sequentialUploads): the first byte before the requester gives up on it', () => {
  const segment = 68_000;
  const request = (queuedBytes: number) => ({ queuedBytes, segmentBytes: segment, servedCopies: 0 });
  it.each([
    // case, uplink bytes/s, queued bytes, margin (s) → admitted sharing the uplink, admitted one at a time
    ['10 Mbit/s, 6 queued: first byte after 0.33 s, within 0.5 s', 1_250_000, 6 * segment, 1, true, true],
    [
      '10 Mbit/s, 10 queued: first byte after 0.54 s, past 0.5 s; done by 0.60 s, within the margin',
      1_250_000,
      10 * segment,
      1,
      true,
      false,
    ],
    ['…the same with a 2 s margin, whose timeout is 1 s', 1_250_000, 10 * segment, 2, true, true],
    ['1 Mbit/s, 0.4 s queued: done in 0.95 s (by a 1 s margin), first byte in time', 125_000, 50_000, 1, true, true],
    [
      '1 Mbit/s, 0.65 s queued: done by a 1.2 s margin, but the first byte after its 0.6 s timeout',
      125_000,
      81_250,
      1.2,
      true,
      false,
    ],
    ['an unmeasured uplink takes every request either way', 0, 10_000_000, 1, true, true],
  ] as const)('%s', (_name, bps, queued, margin, shared, oneAtATime) => {
    const uplink = bps > 0 ? measured(bps) : newUplinkEstimate(T0);
    expect(admitsUpload(request(queued), uplink, margin, noSpread)).toBe(shared);
    expect(admitsUpload(request(queued), uplink, margin, { ...noSpread, sequentialUploads: 0 })).toBe(shared);
    expect(admitsUpload(request(queued), uplink, margin, { ...noSpread, sequentialUploads: 1 })).toBe(oneAtATime);
  });

  it("waits as long as p2p-media-loader is told to (noBytesTimeoutSeconds, the windows' timeout)", () => {
    expect(noBytesTimeoutSeconds(0.4)).toBe(0.5);
    expect(noBytesTimeoutSeconds(1)).toBe(0.5);
    expect(noBytesTimeoutSeconds(3)).toBe(1.5);
    expect(noBytesTimeoutSeconds(2.0005)).toBe(1);
  });
});

describe('leaderFanout: the peers a first fetcher must be able to feed', () => {
  it.each([
    // the tracker's count of the swarm (this viewer included), peers connected → peers to feed
    [undefined, 3, 4], // no count yet: the connections, and at least leaderMinFanout (4)
    [undefined, 9, 9],
    [Number.NaN, 30, 16],
    [1, 0, 4], // at least leaderMinFanout, however small the swarm
    [2, 1, 4],
    [5, 4, 4],
    [7, 6, 6],
    [7, 2, 6], // connected to fewer than the tracker counted: the count
    [3, 8, 8], // more joined since the last announce: the connections
    [16, 15, 15],
    [17, 16, 16],
    [10_000, 40, 16],
  ])('a swarm of %s, %s connected: %s', (members, connected, peers) => {
    expect(leaderFanout(members, connected, policyDefaults)).toBe(peers);
  });

  it('never asks for more than a full fan-out, nor less than one peer', () => {
    expect(leaderFanout(3, 0, { seederFanout: 2, leaderMinFanout: 4 })).toBe(2);
    expect(leaderFanout(1, 0, { seederFanout: 16, leaderMinFanout: 0 })).toBe(1);
  });
});

describe('observeUplink: the floor under the capacity', () => {
  const o = { uplinkIntervalSeconds: 1, uplinkFloorSeconds: 5 };
  /** Cumulative bytes delivered at each second from T0, the link never full (queued under the mark). */
  const floorAfter = (delivered: number[], options = o) =>
    delivered.reduce((e, bytes, i) => observeUplink(e, bytes, false, T0 + i + 1, options), newUplinkEstimate(T0))
      .floorBps;

  it('averages what left the data channels over uplinkFloorSeconds: a burst into the buffers is not the link', () => {
    // 1 Mbit/s (125 kB/s): a 200 kB burst leaves the channel in one second (into SCTP's and the kernel's buffers), then
    // the link drains it; nothing more for four seconds.
    const burst = [200_000, 200_000, 200_000, 200_000, 200_000];
    expect(floorAfter(burst)).toBe(40_000);
    // Over one second, as the floor was taken before: the burst read as 1.6 Mbit/s.
    expect(floorAfter(burst, { uplinkIntervalSeconds: 1, uplinkFloorSeconds: 1 })).toBe(200_000);
  });

  it('rises with a rate kept up for the whole interval, and never falls', () => {
    const steady = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => 125_000 * s);
    expect(floorAfter(steady)).toBe(125_000);
    expect(floorAfter([...steady, ...[1, 2, 3, 4, 5].map(() => 1_250_000)])).toBe(125_000);
  });

  it('takes nothing as a floor before the first whole interval', () => {
    expect(floorAfter([125_000, 250_000, 375_000, 500_000])).toBe(0);
  });
});

describe('observeUplink: the capacity, from intervals the link was full throughout', () => {
  const o = { uplinkIntervalSeconds: 1, uplinkFloorSeconds: 5 };
  /** One observation a second from T0: cumulative bytes delivered, full at the tick, drained since the last one. */
  const capacityAfter = (steps: readonly { delivered: number; full: boolean; drained?: boolean }[]) =>
    steps.reduce(
      (e, step, i) => observeUplink(e, step.delivered, step.full, T0 + i + 1, o, step.drained),
      newUplinkEstimate(T0),
    ).capacityBps;
  // 1 Mbit/s (125 kB/s), full at every tick.
  const full = [1, 2, 3, 4].map((s) => ({ delivered: 125_000 * s, full: true }));

  it('reads a link full from tick to tick at its speed', () => {
    expect(capacityAfter(full)).toBeCloseTo(125_000, 6);
  });

  it('takes no sample from an interval in which the queue drained, though full at both ticks', () => {
    // Bursts under way at every tick, the link idle for half of each second between them: 62.5 kB a second.
    const bursty = [1, 2, 3, 4].map((s) => ({ delivered: 62_500 * s, full: true }));
    // Unseen, the drains read as a link half as fast as it is (as before: the simulator's 8 Mbit/s links at 0.67).
    expect(capacityAfter(bursty)).toBeCloseTo(62_500, 6);
    // Seen, they are no sample: the link stays unmeasured.
    expect(capacityAfter(bursty.map((step) => ({ ...step, drained: true })))).toBe(0);
  });

  it('keeps the samples of the intervals full throughout, and only those', () => {
    // Full throughout from the first tick to the third (125 kB/s), then a drained interval that delivered little.
    const mixed = [...full.slice(0, 3), { delivered: 375_000 + 10_000, full: true, drained: true }];
    expect(capacityAfter(mixed)).toBeCloseTo(125_000, 6);
    // Unseen, the drained interval pulls the estimate down (0.7 of the old, 0.3 of the new sample).
    const unseen = mixed.map((step) => ({ ...step, drained: false }));
    expect(capacityAfter(unseen)).toBeCloseTo(0.7 * 125_000 + 0.3 * 10_000, 6);
  });
});

describe('admitsUpload: upload spreads, a tree and not a star', () => {
  const request = (servedCopies: number) => ({ queuedBytes: 0, segmentBytes: 68_000, servedCopies });
  const fibre = measured(12_500_000);

  it.each([
    // spreadCopies, copies already taken → admitted
    [3, 0, true],
    [3, 2, true],
    [3, 3, false],
    [3, 10, false],
    [1, 1, false],
    [0, 1000, true],
  ] as const)('spreadCopies %i with %i copies taken: %s', (spreadCopies, served, admitted) => {
    expect(admitsUpload(request(served), fibre, 1, { spreadCopies, spreadRelays: 0 })).toBe(admitted);
  });

  it('limits copies even on an unmeasured uplink, which otherwise takes every request', () => {
    expect(admitsUpload(request(3), newUplinkEstimate(T0), 1, { spreadCopies: 3, spreadRelays: 0 })).toBe(false);
    expect(admitsUpload(request(2), newUplinkEstimate(T0), 1, { spreadCopies: 3, spreadRelays: 0 })).toBe(true);
  });

  it('a copy within the limit is still refused when the uplink cannot deliver it by the margin', () => {
    const dsl = measured(125_000);
    expect(
      admitsUpload({ queuedBytes: 68_000, segmentBytes: 68_000, servedCopies: 1 }, dsl, 1, {
        spreadCopies: 3,
        spreadRelays: 0,
      }),
    ).toBe(false);
  });
});

describe('uplink classes: what a peer id says of its uplink', () => {
  it.each([
    // bytes/s → class
    [0, 0],
    [999, 0],
    [125_000, 13], // 1 Mbit/s DSL: at least 90.5 kB/s
    [625_000, 18], // 5 Mbit/s mobile: at least 512 kB/s
    [1_250_000, 20], // 10 Mbit/s cable: at least 1.02 MB/s
    [12_500_000, 27], // 100 Mbit/s fibre
    [1e12, 35], // the top class
  ] as const)('%d bytes/s is class %i, whose least is at most that', (bps, uplinkClass) => {
    expect(uplinkClassOf(bps)).toBe(uplinkClass);
    if (uplinkClass > 0 && uplinkClass < 35) {
      expect(uplinkClassBps(uplinkClass)).toBeLessThanOrEqual(bps);
      expect(uplinkClassBps(uplinkClass + 1)).toBeGreaterThan(bps);
    }
  });

  it('travels in the peer id beside the join time, and only in ids that carry one', () => {
    const id = makePeerId(1_764_030_000, 'Zz9abcdef', 20);
    expect(id).toHaveLength(20);
    expect(id.startsWith('-ES02-')).toBe(true);
    expect(peerJoinedAt(id)).toBe(1_764_030_000);
    expect(peerUplinkClass(id)).toBe(20);
    expect(peerUplinkClass(makePeerId(1_764_030_000, 'Zz9abcdef', 99))).toBe(35);
    expect(peerUplinkClass(makePeerId(1_764_030_000, 'Zz9abcdef', -3))).toBe(0);
    // The id without a class: random characters, never read as one.
    expect(peerUplinkClass(makePeerId(1_764_030_000, 'kkkkkkk'))).toBeUndefined();
    expect(peerUplinkClass('foreign-client-id-12')).toBeUndefined();
    expect(peerUplinkClass('-ES02-0000000Z123456')).toBeUndefined();
  });

  it('advertises the probe, capped by the upload cap; nothing without a probe or upload', () => {
    const dslProbe = { bytes: 262_144, seconds: 2.1 };
    const fibreProbe = { bytes: 262_144, seconds: 0.02 }; // 13 MB/s
    expect(advertisedUplinkClass(dslProbe, true, policyDefaults)).toBe(13);
    expect(advertisedUplinkClass(fibreProbe, true, policyDefaults)).toBe(uplinkClassOf(13_107_200));
    // An 8 Mbit/s cap: a fibre probe advertises the cap, not the link.
    expect(advertisedUplinkClass(fibreProbe, true, { uploadKbps: 8000 })).toBe(uplinkClassOf(1e6));
    expect(advertisedUplinkClass(undefined, true, policyDefaults)).toBeUndefined();
    expect(advertisedUplinkClass(dslProbe, false, policyDefaults)).toBeUndefined();
    expect(advertisedUplinkClass(dslProbe, true, { uploadKbps: 0 })).toBeUndefined();
    expect(advertisedUplinkClass({ bytes: 262_144, seconds: 0 }, true, policyDefaults)).toBeUndefined();
  });
});

describe('admitsUpload with spreadRelays: upload spreads only onto uplinks that can carry the next level', () => {
  const segment = 68_000;
  const targetDuration = 2;
  const options = { ...policyDefaults, spreadRelays: 3 };
  const probe = (bps: number) => ({ bytes: 262_144, seconds: 262_144 / bps });
  const peer = (name: string, bps: number) =>
    makePeerId(1_764_030_000, name, advertisedUplinkClass(probe(bps), true, policyDefaults));
  const dsl = (name: string) => peer(name, 125_000);
  const cable = (name: string) => peer(name, 1_250_000);
  const mobile = (name: string) => peer(name, 625_000);

  /** One holder's gate taking a burst of requests for one segment, as the player's and the simulator's count them. */
  function serve(requesters: readonly string[], uplink: UplinkEstimate, queuedPerCopy = 0): string[] {
    let servedCopies = 0;
    let relayCopies = 0;
    const taken: string[] = [];
    for (const id of requesters) {
      const request = { queuedBytes: queuedPerCopy * servedCopies, segmentBytes: segment, servedCopies, relayCopies };
      if (!admitsUpload(request, uplink, 2, options)) continue;
      taken.push(id);
      servedCopies++;
      if (canRelay(id, segment, targetDuration, options)) relayCopies++;
    }
    return taken;
  }

  it('knows a relay by the uplink its id advertises: one that feeds three more within a target duration', () => {
    // 1.5 x 68 kB x 3 / 2 s = 153 kB/s.
    expect(canRelay(dsl('aaaaaaa'), segment, targetDuration, options)).toBe(false);
    expect(canRelay(mobile('bbbbbbb'), segment, targetDuration, options)).toBe(true);
    expect(canRelay(cable('ccccccc'), segment, targetDuration, options)).toBe(true);
    // A peer that advertises nothing (an id without a class, another client) is no relay.
    expect(canRelay(makePeerId(1_764_030_000, 'ddddddd'), segment, targetDuration, options)).toBe(false);
    expect(canRelay('foreign-client-id-12', segment, targetDuration, options)).toBe(false);
    // Off: nobody is.
    expect(canRelay(cable('ccccccc'), segment, targetDuration, { ...options, spreadRelays: 0 })).toBe(false);
    // A bigger segment needs a faster relay.
    expect(canRelay(mobile('bbbbbbb'), 250_000, targetDuration, options)).toBe(false);
  });

  it('keeps the star where the swarm has too few relays (dsl-heavy): everyone is served', () => {
    const swarm = [dsl('a'), cable('b'), dsl('c'), dsl('d'), mobile('e'), dsl('f'), dsl('g')];
    expect(serve(swarm, measured(1_250_000))).toEqual(swarm);
  });

  it('makes a tree where there are relays: refuses once three relays have the segment, DSL copies not counted', () => {
    const swarm = [dsl('a'), cable('b'), dsl('c'), cable('d'), mobile('e'), dsl('f'), cable('g'), dsl('h')];
    // a, c: DSL, served and not counted; b, d, e: the three relays; then everyone else is refused.
    expect(serve(swarm, measured(12_500_000))).toEqual(swarm.slice(0, 5));
  });

  it('still refuses what the holder cannot deliver by the margin, relay or not', () => {
    const swarm = [cable('a'), cable('b'), cable('c')];
    // 1 Mbit/s holder, 2 s margin: the second copy behind the first would take 1.09 s, the third 1.63 s, a fourth 2.2 s.
    expect(serve(swarm, measured(125_000), segment)).toEqual(swarm);
    expect(serve([...swarm, dsl('d')], measured(125_000), segment)).toEqual(swarm);
  });

  it('sits beside spreadCopies: whichever limit is reached first refuses', () => {
    const both = { ...options, spreadCopies: 2 };
    const fibre = measured(12_500_000);
    const request = { queuedBytes: 0, segmentBytes: segment, servedCopies: 2, relayCopies: 0 };
    expect(admitsUpload(request, fibre, 2, both)).toBe(false);
    expect(admitsUpload({ ...request, servedCopies: 5, relayCopies: 2 }, fibre, 2, options)).toBe(true);
    expect(admitsUpload({ ...request, servedCopies: 5, relayCopies: 3 }, fibre, 2, options)).toBe(false);
  });
});

describe('relayProbeWaitSeconds: how long P2P waits for the probe whose class the peer id carries', () => {
  const options = { ...policyDefaults, spreadRelays: 3 };
  it('waits as long as a relay would take to send the probe, and no longer', () => {
    // 3 relays of 68 kB segments every 2 s with 1.5x headroom: 153 kB/s, so 256 kB in 1.71 s.
    const wait = relayProbeWaitSeconds(68_000, 2, options);
    expect(wait).toBeCloseTo(262_144 / 153_000, 5);
    // A probe still running by then shows an uplink slower than a relay needs: no class, and no relay either.
    const slower = { bytes: 262_144, seconds: wait + 0.01 };
    const id = makePeerId(1_764_030_000, 'aaaaaaa', advertisedUplinkClass(slower, true, options));
    expect(canRelay(id, 68_000, 2, options)).toBe(false);
  });

  it('waits for the probe’s timeout without a segment size, and never past it; not at all when off', () => {
    expect(relayProbeWaitSeconds(0, 2, options)).toBe(6);
    expect(relayProbeWaitSeconds(1_000, 2, options)).toBe(6);
    expect(relayProbeWaitSeconds(68_000, 2, { ...options, spreadRelays: 0 })).toBe(0);
    expect(relayProbeWaitSeconds(68_000, 2, { ...options, uplinkProbeBytes: 0 })).toBe(0);
  });
});
