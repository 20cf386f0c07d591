import { describe, expect, it } from 'vitest';
import { addStrike, maxNamedMembers, namedMembersFor, resolveLimits, trackerDefaults } from './limits';

describe('addStrike', () => {
  const limits = { strikesBeforeClose: 3, strikeForgivenessMs: 1000 };
  it.each([
    ['first strike', { count: 0, at: 0 }, 0, 1, false],
    ['second strike', { count: 1, at: 0 }, 10, 2, false],
    ['third strike closes', { count: 2, at: 0 }, 10, 3, true],
    ['one strike forgiven after the period', { count: 2, at: 0 }, 1000, 2, false],
    ['all forgiven after long enough', { count: 2, at: 0 }, 10_000, 1, false],
  ])('%s', (_name, strikes, now, count, close) => {
    const result = addStrike(strikes, now, limits);
    expect(result.strikes.count).toBe(count);
    expect(result.close).toBe(close);
  });

  it('keeps the unfinished part of a forgiveness period', () => {
    // 2 strikes at 0; at 1500 one is forgiven and the next forgiveness is due at 2000, not 2500.
    const { strikes } = addStrike({ count: 2, at: 0 }, 1500, limits);
    expect(strikes).toEqual({ count: 2, at: 1000 });
    expect(addStrike(strikes, 2000, limits).strikes.count).toBe(2);
  });

  it('a steady trickle of mistakes below the forgiveness rate never closes', () => {
    let strikes = { count: 0, at: 0 };
    for (let t = 0; t < 100_000; t += 1000) {
      const r = addStrike(strikes, t, limits);
      expect(r.close).toBe(false);
      strikes = r.strikes;
    }
  });
});

describe('resolveLimits', () => {
  it('merges overrides over the defaults', () => {
    expect(resolveLimits({ maxOffersPerAnnounce: 3 })).toEqual({ ...trackerDefaults, maxOffersPerAnnounce: 3 });
  });
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (value) => {
    expect(() => resolveLimits({ maxMessageBytes: value })).toThrow(/maxMessageBytes/);
  });
  it('defaults keep the advertised protocol bounds', () => {
    expect(trackerDefaults.maxOffersPerAnnounce).toBe(10);
    expect(trackerDefaults.peerTimeoutMs).toBeGreaterThan(trackerDefaults.intervalSeconds * 1000 * 2);
  });
});

describe('namedMembersFor: TRACKER_NAMED_MEMBERS', () => {
  it('names none when unset or empty', () => {
    expect(namedMembersFor(undefined)).toEqual({ namedMembers: 0 });
    expect(namedMembersFor(' ')).toEqual({ namedMembers: 0 });
  });

  it('takes a whole number up to the bound', () => {
    expect(namedMembersFor('0')).toEqual({ namedMembers: 0 });
    expect(namedMembersFor('2')).toEqual({ namedMembers: 2 });
    expect(namedMembersFor(String(maxNamedMembers))).toEqual({ namedMembers: maxNamedMembers });
  });

  it.each(['-1', '2.5', 'two', String(maxNamedMembers + 1), 'Infinity'])(
    'refuses %j with a reason, naming none',
    (v) => {
      const { namedMembers, refused } = namedMembersFor(v);
      expect(namedMembers).toBe(0);
      expect(refused).toContain('TRACKER_NAMED_MEMBERS must be a whole number');
      expect(refused).toContain(JSON.stringify(v));
    },
  );
});
