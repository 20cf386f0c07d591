import { describe, expect, it } from 'vitest';
import { admitsUpload, newUplinkEstimate, seedUplink, type UplinkEstimate, uplinkSpeed } from './capacity';

const T0 = 1_764_000_000;
const noSpread = { spreadCopies: 0 };
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

  it('judges by the faster of capacity and what the link has been seen delivering', () => {
    const uplink = { ...measured(100_000), floorBps: 200_000 };
    expect(uplinkSpeed(uplink)).toBe(200_000);
    expect(admitsUpload({ queuedBytes: 100_000, segmentBytes: 68_000, servedCopies: 0 }, uplink, 1, noSpread)).toBe(
      true,
    );
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
    expect(admitsUpload(request(served), fibre, 1, { spreadCopies })).toBe(admitted);
  });

  it('limits copies even on an unmeasured uplink, which otherwise takes every request', () => {
    expect(admitsUpload(request(3), newUplinkEstimate(T0), 1, { spreadCopies: 3 })).toBe(false);
    expect(admitsUpload(request(2), newUplinkEstimate(T0), 1, { spreadCopies: 3 })).toBe(true);
  });

  it('a copy within the limit is still refused when the uplink cannot deliver it by the margin', () => {
    const dsl = measured(125_000);
    expect(
      admitsUpload({ queuedBytes: 68_000, segmentBytes: 68_000, servedCopies: 1 }, dsl, 1, { spreadCopies: 3 }),
    ).toBe(false);
  });
});
