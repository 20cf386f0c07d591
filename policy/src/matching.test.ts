import { describe, expect, it } from 'vitest';
import {
  boundedCandidates,
  type MatchCandidate,
  matchTier,
  matchTiers,
  pickOfferTargets,
  seededHash,
} from './matching';

const me = { peerId: 'me', asn: 3320, colo: 'FRA', country: 'DE' };
const peer = (peerId: string, asn: number, colo: string, country: string, offersReceived = 0): MatchCandidate => ({
  peerId,
  asn,
  colo,
  country,
  offersReceived,
});

describe('matchTier', () => {
  it.each([
    ['same ASN', peer('a', 3320, 'AMS', 'NL'), matchTiers.sameAsn],
    ['same colo', peer('a', 1, 'FRA', 'NL'), matchTiers.sameColoOrCountry],
    ['same country', peer('a', 1, 'MUC', 'DE'), matchTiers.sameColoOrCountry],
    ['nothing in common', peer('a', 1, 'AMS', 'NL'), matchTiers.anyone],
  ])('%s', (_name, candidate, tier) => {
    expect(matchTier(me, candidate)).toBe(tier);
  });

  it('unknown values never match each other', () => {
    const unknown = { peerId: 'u', asn: 0, colo: '', country: '' };
    expect(matchTier(unknown, peer('a', 0, '', ''))).toBe(matchTiers.anyone);
  });
});

/** pickOfferTargets as first written: every candidate ranked, a stable sort, the first `count`. */
function sortedReference(announcer: typeof me, candidates: readonly MatchCandidate[], count: number, seed: number) {
  const seen = new Set<string>([announcer.peerId]);
  const ranked: { peerId: string; tier: number; load: number; tie: number }[] = [];
  for (const c of candidates) {
    if (seen.has(c.peerId)) continue;
    seen.add(c.peerId);
    ranked.push({
      peerId: c.peerId,
      tier: matchTier(announcer, c),
      load: c.offersReceived,
      tie: seededHash(seed, c.peerId),
    });
  }
  ranked.sort((a, b) => a.tier - b.tier || a.load - b.load || a.tie - b.tie);
  return ranked.slice(0, Math.max(0, Math.floor(count))).map((e) => e.peerId);
}

describe('pickOfferTargets', () => {
  it('picks exactly what a stable sort of every candidate would (random swarms, duplicates, equal loads)', () => {
    let x = 12345;
    const next = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    for (let run = 0; run < 500; run++) {
      const size = next(40);
      const swarm = Array.from({ length: size }, () =>
        peer(
          `p${next(30)}`,
          [0, 1, 3320][next(3)] as number,
          ['', 'FRA', 'AMS'][next(3)] as string,
          ['', 'DE'][next(2)] as string,
          next(4),
        ),
      );
      if (next(4) === 0) swarm.push({ ...me, offersReceived: 0 });
      const count = next(12);
      const seed = next(1000);
      const expected = sortedReference(me, swarm, count, seed);
      expect(pickOfferTargets(me, swarm, { count, seed })).toEqual(expected);
      // A caller that promises distinct ids (the tracker's swarm lists) gets the same answer without the check.
      const distinct = swarm.filter((c, i) => swarm.findIndex((d) => d.peerId === c.peerId) === i);
      expect(pickOfferTargets(me, distinct, { count, seed, distinct: true })).toEqual(expected);
    }
  });

  const swarm = [
    peer('far1', 1, 'JFK', 'US'),
    peer('country', 2, 'MUC', 'DE'),
    peer('asn', 3320, 'AMS', 'NL'),
    peer('colo', 4, 'FRA', 'FR'),
    peer('far2', 5, 'NRT', 'JP'),
    { ...me, offersReceived: 0 },
  ];

  it('orders same ASN, then same colo or country, then anyone; never itself', () => {
    const picked = pickOfferTargets(me, swarm, { count: 10, seed: 1 });
    expect(picked).toHaveLength(5);
    expect(picked[0]).toBe('asn');
    expect(new Set(picked.slice(1, 3))).toEqual(new Set(['country', 'colo']));
    expect(new Set(picked.slice(3))).toEqual(new Set(['far1', 'far2']));
    expect(picked).not.toContain('me');
  });

  it.each([0, 1, 3, 5, 50])('returns at most count=%i', (count) => {
    expect(pickOfferTargets(me, swarm, { count, seed: 7 })).toHaveLength(Math.min(count, 5));
  });

  it('never lists a peer twice', () => {
    const picked = pickOfferTargets(me, [...swarm, ...swarm], { count: 10, seed: 3 });
    expect(new Set(picked).size).toBe(picked.length);
  });

  it('within a tier, prefers peers handed fewer offers', () => {
    const loaded = [peer('busy', 1, 'X', 'Y', 9), peer('idle', 1, 'X', 'Y', 0), peer('some', 1, 'X', 'Y', 3)];
    expect(pickOfferTargets(me, loaded, { count: 3, seed: 1 })).toEqual(['idle', 'some', 'busy']);
  });

  it('nearness beats load', () => {
    const picked = pickOfferTargets(me, [peer('far', 1, 'X', 'Y', 0), peer('near', 3320, 'X', 'Y', 100)], {
      count: 1,
      seed: 1,
    });
    expect(picked).toEqual(['near']);
  });

  it('is deterministic for a seed and varies between seeds', () => {
    const many = Array.from({ length: 40 }, (_, i) => peer(`p${i}`, 1, 'X', 'Y'));
    const a = pickOfferTargets(me, many, { count: 5, seed: 11 });
    expect(pickOfferTargets(me, many, { count: 5, seed: 11 })).toEqual(a);
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) seen.add(pickOfferTargets(me, many, { count: 5, seed }).join());
    expect(seen.size).toBeGreaterThan(10);
  });

  it('spreads load: fed back its own choices, 20 announces of 5 offers reach all 100 slots evenly', () => {
    const pool = Array.from({ length: 20 }, (_, i) => peer(`p${i}`, 1, 'X', 'Y'));
    for (let round = 0; round < 20; round++) {
      for (const id of pickOfferTargets(me, pool, { count: 5, seed: round })) {
        const target = pool.find((p) => p.peerId === id);
        if (target) target.offersReceived++;
      }
    }
    // 100 offers over 20 peers: every peer got exactly 5, nobody was skipped or swamped.
    expect(pool.map((p) => p.offersReceived)).toEqual(Array(20).fill(5));
  });
});

describe('seededHash', () => {
  it('depends on seed and id', () => {
    expect(seededHash(1, 'a')).toBe(seededHash(1, 'a'));
    expect(seededHash(1, 'a')).not.toBe(seededHash(2, 'a'));
    expect(seededHash(1, 'a')).not.toBe(seededHash(1, 'b'));
  });
});

describe('boundedCandidates', () => {
  const far = Array.from({ length: 1000 }, (_, i) => peer(`f${i}`, 1, 'X', 'Y'));

  it('passes a small swarm whole', () => {
    const small = far.slice(0, 10);
    expect(boundedCandidates(me, small, 256, 5)).toBe(small);
  });

  it('bounds a large swarm, keeping near peers found anywhere in it', () => {
    const list = [...far];
    list.splice(999, 0, peer('near-end', 3320, 'X', 'Y'));
    list.splice(500, 0, peer('near-mid', 2, 'FRA', 'Y'));
    for (const seed of [0, 123, 999]) {
      const picked = boundedCandidates(me, list, 64, seed);
      expect(picked).toHaveLength(64);
      expect(picked.map((p) => p.peerId)).toEqual(expect.arrayContaining(['near-end', 'near-mid']));
      expect(pickOfferTargets(me, picked, { count: 2, seed })).toEqual(['near-end', 'near-mid']);
    }
  });

  it('rotates the far sample with the seed, and leaves out the announcer', () => {
    const list = [{ ...me, offersReceived: 0 }, ...far];
    const a = boundedCandidates(me, list, 32, 1).map((p) => p.peerId);
    const b = boundedCandidates(me, list, 32, 500).map((p) => p.peerId);
    expect(a).not.toContain('me');
    expect(a).not.toEqual(b);
  });
});
