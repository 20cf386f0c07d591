import { describe, expect, it } from 'vitest';
import { isNetworkName, linkProfiles, linksFor, mixFor } from './link-profiles';

const count = (profiles: string[]) =>
  profiles.reduce<Record<string, number>>((acc, p) => {
    acc[p] = (acc[p] ?? 0) + 1;
    return acc;
  }, {});

describe('link profiles', () => {
  it('has the issue’s residential links, down/up in Mbit/s, and an unshaped loopback', () => {
    expect(linkProfiles.fibre).toEqual({ downMbps: 300, upMbps: 100 });
    expect(linkProfiles.cable).toEqual({ downMbps: 100, upMbps: 10 });
    expect(linkProfiles.dsl).toEqual({ downMbps: 16, upMbps: 1 });
    expect(linkProfiles.mobile).toEqual({ downMbps: 20, upMbps: 5 });
    expect(linkProfiles.loopback.upMbps).toBe(Number.POSITIVE_INFINITY);
  });

  it('residential for 6 viewers: 2 DSL, 2 cable, 1 fibre, 1 mobile, the first on DSL', () => {
    const mix = mixFor('residential', 6);
    expect(count(mix)).toEqual({ dsl: 2, cable: 2, fibre: 1, mobile: 1 });
    expect(mix[0]).toBe('dsl');
  });

  it('cycles the same proportions for other N, deterministically', () => {
    expect(mixFor('residential', 4)).toEqual(['dsl', 'cable', 'fibre', 'mobile']);
    expect(count(mixFor('residential', 12))).toEqual({ dsl: 4, cable: 4, fibre: 2, mobile: 2 });
    expect(mixFor('residential', 8)).toEqual([...mixFor('residential', 6), 'dsl', 'cable']);
    expect(mixFor('residential', 7)).toEqual(mixFor('residential', 7));
    expect(mixFor('residential', 0)).toEqual([]);
  });

  it('dsl-heavy is at least half DSL at any N, 60% from 6 on', () => {
    for (const n of [1, 2, 4, 6, 8, 12, 32]) {
      const dsl = mixFor('dsl-heavy', n).filter((p) => p === 'dsl').length;
      expect(dsl, `N = ${n}`).toBeGreaterThanOrEqual(n / 2);
      if (n >= 6) expect(dsl, `N = ${n}`).toBeGreaterThanOrEqual(0.6 * n);
    }
  });

  it('a profile name gives every viewer that profile; an unknown name or a bad N throws', () => {
    expect(mixFor('cable', 3)).toEqual(['cable', 'cable', 'cable']);
    expect(mixFor('loopback', 2)).toEqual(['loopback', 'loopback']);
    expect(() => mixFor('adsl' as never, 2)).toThrow(/unknown network "adsl"/);
    expect(() => mixFor('dsl', -1)).toThrow(RangeError);
    expect(isNetworkName('dsl-heavy')).toBe(true);
    expect(isNetworkName('toString')).toBe(false);
  });

  it('records a link with its caps, unshaped as null (JSON has no Infinity)', () => {
    expect(linksFor('residential', 2)).toEqual([
      { profile: 'dsl', downMbps: 16, upMbps: 1 },
      { profile: 'cable', downMbps: 100, upMbps: 10 },
    ]);
    expect(linksFor('loopback', 1)).toEqual([{ profile: 'loopback', downMbps: null, upMbps: null }]);
  });
});
