import { describe, expect, it } from 'vitest';
import { counterKeys, countersFrom, counterUnits, zeroCounters } from './counters';

describe('counters', () => {
  it('are these, in this order: the beacon wire format and stored stats use these names', () => {
    expect(counterKeys).toEqual([
      'httpBytes',
      'p2pBytes',
      'uploadedBytes',
      'httpSegments',
      'p2pSegments',
      'integrityFailures',
      'rejectedP2pBytes',
      'stalls',
      'stallMs',
    ]);
    expect(Object.keys(counterUnits)).toEqual(counterKeys);
  });

  it('are built key by key, starting from zero', () => {
    expect(Object.values(zeroCounters())).toEqual(counterKeys.map(() => 0));
    expect(countersFrom((key) => key.length)).toMatchObject({ httpBytes: 9, stallMs: 7 });
  });
});
