import { describe, expect, it } from 'vitest';
import { setNewest } from './recent-map';

describe('setNewest', () => {
  it('keeps the newest entries, forgetting the one set longest ago first', () => {
    const map = new Map<string, number>();
    setNewest(map, 'a', 1, 2);
    setNewest(map, 'b', 2, 2);
    setNewest(map, 'c', 3, 2);
    expect([...map]).toEqual([
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('makes a key set again the newest, so it outlives keys set after it first', () => {
    const map = new Map<string, number>();
    setNewest(map, 'a', 1, 2);
    setNewest(map, 'b', 2, 2);
    setNewest(map, 'a', 10, 2);
    setNewest(map, 'c', 3, 2);
    expect([...map]).toEqual([
      ['a', 10],
      ['c', 3],
    ]);
  });

  it('trims a map that was already over its bound, and keeps nothing at a bound of 0', () => {
    const map = new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    setNewest(map, 'd', 4, 1);
    expect([...map]).toEqual([['d', 4]]);
    setNewest(map, 'e', 5, 0);
    expect(map.size).toBe(0);
  });
});
