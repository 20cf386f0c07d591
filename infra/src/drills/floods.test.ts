import { describe, expect, it } from 'vitest';
import { beaconAddressDefaults } from '../../../edge/src/stats/aggregate';
import { trackerAddressDefaults } from '../../../edge/src/tracker/limits';
import type { CohortSample, ViewerSample } from '../cohort/records';
import { floodFor, floodsLimits, offloadAt, windowOffload } from './drills/floods';
import {
  emptyTrackerTally,
  floodBeacon,
  floodDefaults,
  noteRefusal,
  tallyTrackerMessage,
  trackerFloodVerdict,
} from './floods';

describe('the tracker flood tally', () => {
  it('tells served from refused by what the tracker sent', () => {
    const tally = emptyTrackerTally();
    for (const text of [
      JSON.stringify({ action: 'announce', 'failure reason': 'announce rate limit exceeded' }),
      JSON.stringify({ action: 'announce', interval: 30, complete: 0, incomplete: 3, info_hash: 'x' }),
      JSON.stringify({ action: 'announce', offer: { type: 'offer', sdp: 'v=0' }, offer_id: 'o' }),
      JSON.stringify({ action: 'announce', answer: { type: 'answer', sdp: 'v=0' }, offer_id: 'o' }),
      'not json',
    ])
      tallyTrackerMessage(tally, text);
    expect(tally).toMatchObject({ failures: 1, announcesAnswered: 1, offersReceived: 1, answersReceived: 1 });
  });

  it('passes only a flood refused at the upgrade that nothing served once refused', () => {
    const refused = {
      ...emptyTrackerTally(),
      attempts: 1200,
      refused429: 1136,
      opened: 64,
      closedBy: { 4029: 64 },
      refusedAt: 1,
    };
    expect(trackerFloodVerdict(refused, 64).ok).toBe(true);
    // Its first sockets answered before the address crossed the bound: shown, not failed.
    const early = trackerFloodVerdict({ ...refused, announcesAnswered: 2 }, 64);
    expect(early.ok).toBe(true);
    expect(early.detail).toMatch(/2 announces answered \(0 of all served after the first refusal\)/);
    // Without the per-address bound: every socket opens, stays open and is answered.
    const served = { ...emptyTrackerTally(), attempts: 1000, opened: 1000, announcesAnswered: 20_000 };
    expect(trackerFloodVerdict(served, 64)).toMatchObject({ ok: false });
    // A viewer's offers relayed to its first sockets before the refusal, and answers to theirs: shown, not failed.
    const household = trackerFloodVerdict({ ...refused, offersReceived: 12, answersReceived: 3 }, 64);
    expect(household.ok).toBe(true);
    expect(household.detail).toMatch(/12 offers relayed to it, 3 answers to its offers/);
    // Served after the refusal (an offer relayed, an answer, an announce), more sockets than the bound: each fails.
    expect(trackerFloodVerdict({ ...refused, servedAfterRefusal: 1 }, 64).ok).toBe(false);
    expect(trackerFloodVerdict({ ...refused, offersReceived: 1, servedAfterRefusal: 1 }, 64).ok).toBe(false);
    expect(trackerFloodVerdict({ ...refused, opened: 65, closedBy: { 4029: 65 } }, 64).ok).toBe(false);
    // A socket whose close never reached it, and that nothing answered, is not served.
    const unanswered = trackerFloodVerdict({ ...refused, closedBy: { 4029: 60 } }, 64);
    expect(unanswered).toMatchObject({ ok: true });
    expect(unanswered.detail).toMatch(/60 closed 4029, 4 left unanswered/);
    expect(trackerFloodVerdict(emptyTrackerTally(), 64).ok).toBe(false);
  });

  it('counts what is served after the first refusal', () => {
    const tally = emptyTrackerTally();
    tallyTrackerMessage(tally, JSON.stringify({ interval: 30, complete: 0, incomplete: 1 }));
    noteRefusal(tally, 5);
    noteRefusal(tally, 9);
    tallyTrackerMessage(tally, JSON.stringify({ interval: 30, complete: 0, incomplete: 1 }));
    tallyTrackerMessage(tally, JSON.stringify({ 'failure reason': 'x' }));
    expect(tally).toMatchObject({ refusedAt: 5, announcesAnswered: 2, servedAfterRefusal: 1, failures: 1 });
  });
});

describe('floodBeacon', () => {
  it('claims a stalling CDN-only viewer from its own region, over its interval', () => {
    const beacon = floodBeacon('s', 'flood-fresh-0123456', 3, 5000);
    expect(beacon).toMatchObject({ mode: 'cdn', region: 'flood', seq: 3, stallMs: 5000, httpBytes: 10_000_000 });
  });
});

const viewer = (httpBytes: number, p2pBytes: number) => ({ httpBytes, p2pBytes }) as ViewerSample;
const sample = (t: number, viewers: (ViewerSample | null)[]): CohortSample => ({ t, load1: 0, viewers });

describe('windowOffload', () => {
  const samples = [
    sample(0, [viewer(100, 0), null]),
    sample(10, [viewer(200, 100), viewer(100, 0)]),
    sample(20, [viewer(250, 250), viewer(150, 100)]),
  ];
  it('is the viewers’ P2P share of what they fetched between the samples nearest the window’s ends', () => {
    // 10 → 20: p2p 150 + 100, http 50 + 50.
    expect(windowOffload(samples, 10, 20)).toBeCloseTo((250 / 350) * 100);
    expect(windowOffload(samples, 9.4, 21)).toBeCloseTo((250 / 350) * 100);
    // A viewer that joined within the window counts from nothing.
    expect(windowOffload(samples, 0, 10)).toBeCloseTo((100 / 300) * 100);
  });
  it('offloadAt is everything so far; NaN without samples or bytes', () => {
    expect(offloadAt(samples, 20)).toBeCloseTo((350 / 750) * 100);
    expect(windowOffload([], 0, 1)).toBeNaN();
    expect(windowOffload(samples, 20, 20)).toBeNaN();
  });
});

describe('floodFor', () => {
  it("is the issue's floods in full: 1 000 sockets, 40 beacons a second (10× the address's limit)", () => {
    expect(floodFor(false)).toBe(floodDefaults);
    expect(floodDefaults.sockets).toBe(1000);
    expect(floodDefaults.beaconsPerSecond).toBe(10 * beaconAddressDefaults.refillPerSecond);
  });

  it('is smaller with --quick, and still past every per-address limit the edge must enforce', () => {
    const quick = floodFor(true);
    expect(quick.sockets).toBeLessThan(floodDefaults.sockets);
    // More sockets than an address may hold, opened ten times faster than it may open them.
    expect(quick.sockets).toBeGreaterThanOrEqual(3 * trackerAddressDefaults.maxSocketsPerAddress);
    expect((quick.openBatch * 1000) / quick.openEveryMs).toBeGreaterThanOrEqual(
      10 * trackerAddressDefaults.refillPerSecond,
    );
    // Beacons past the address's rate, and past its burst many times over within the window.
    expect(quick.beaconsPerSecond).toBeGreaterThanOrEqual(5 * beaconAddressDefaults.refillPerSecond);
    expect(quick.beaconsPerSecond * (floodsLimits.windowSeconds[0] ?? 0)).toBeGreaterThan(
      20 * beaconAddressDefaults.capacity,
    );
    // Each socket still announces at the per-socket limit, from the same addresses, with the same claims.
    expect({ ...quick, sockets: 0, openBatch: 0, beaconsPerSecond: 0 }).toEqual({
      ...floodDefaults,
      sockets: 0,
      openBatch: 0,
      beaconsPerSecond: 0,
    });
  });
});
