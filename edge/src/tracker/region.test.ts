import { describe, expect, it } from 'vitest';
import { regionFromCf, resolveRegion, swarmObjectName } from './region';

describe('regionFromCf', () => {
  it.each([
    [
      'full metadata',
      { colo: 'FRA', country: 'DE', continent: 'EU', asn: 3320 },
      { shard: 'eu', colo: 'FRA', country: 'DE', asn: 3320 },
    ],
    ['no metadata', undefined, { shard: 'xx', colo: '', country: '', asn: 0 }],
    ['unknown continent', { continent: 'ZZ', colo: 'dfw' }, { shard: 'xx', colo: 'DFW', country: '', asn: 0 }],
    [
      'odd types degrade to unknown',
      { colo: 7, country: ['US'], continent: null, asn: '13335' },
      { shard: 'xx', colo: '', country: '', asn: 0 },
    ],
    ['Tor exit country', { country: 'T1', continent: 'T1' }, { shard: 'xx', colo: '', country: 'T1', asn: 0 }],
    ['ASN out of range', { asn: 2 ** 33 }, { shard: 'xx', colo: '', country: '', asn: 0 }],
  ])('%s', (_name, cf, expected) => {
    expect(regionFromCf(cf)).toEqual(expected);
  });
});

describe('resolveRegion', () => {
  const cf = { colo: 'DFW', country: 'US', continent: 'NA', asn: 7922 };
  const q = (s: string) => new URLSearchParams(s);

  it('ignores override parameters when the override is off', () => {
    expect(resolveRegion(cf, q('region=eu&asn=1&colo=FRA&country=DE'), false)).toEqual({
      ok: true,
      value: { shard: 'na', colo: 'DFW', country: 'US', asn: 7922 },
    });
    // Even invalid ones: production never looks at them.
    expect(resolveRegion(cf, q('region=nowhere'), false).ok).toBe(true);
  });

  it.each([
    ['nothing overridden', '', { shard: 'na', colo: 'DFW', country: 'US', asn: 7922 }],
    [
      'everything overridden',
      'region=EU&colo=fra&country=de&asn=3320',
      { shard: 'eu', colo: 'FRA', country: 'DE', asn: 3320 },
    ],
    ['field by field', 'asn=64512', { shard: 'na', colo: 'DFW', country: 'US', asn: 64512 }],
    ['asn 0 means unknown', 'asn=0', { shard: 'na', colo: 'DFW', country: 'US', asn: 0 }],
  ])('override on: %s', (_name, query, expected) => {
    expect(resolveRegion(cf, q(query), true)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['region=mars', /region must be one of/],
    ['colo=FRANK', /colo/],
    ['country=DEU', /country/],
    ['asn=-1', /asn/],
    ['asn=1e3', /asn/],
    ['asn=99999999999', /asn/],
  ])('override on refuses %s', (query, reason) => {
    const result = resolveRegion(cf, q(query), true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('is deterministic', () => {
    const a = resolveRegion(cf, q('region=as&asn=9'), true);
    const b = resolveRegion(cf, q('region=as&asn=9'), true);
    expect(a).toEqual(b);
  });

  it('names one object per stream and shard', () => {
    expect(swarmObjectName('live1', 'eu')).toBe('live1:eu');
    expect(swarmObjectName('live1', 'eu')).not.toBe(swarmObjectName('live1', 'na'));
  });
});
