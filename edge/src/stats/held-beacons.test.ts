import type { Beacon } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { dueHeld, type HeldBeacon } from './held-beacons';

const options = { holdMs: 3000, maxHeld: 4 };
const held = (address: string, at: number, viewer = `${address}@${at}`): HeldBeacon => ({
  beacon: { viewer } as Beacon,
  address,
  at,
});

describe('dueHeld', () => {
  it('keeps what is not yet due, in order', () => {
    const queue = [held('a', 1000), held('b', 2000)];
    expect(dueHeld(queue, 3999, () => 0, options)).toEqual({ count: [], drop: [], keep: queue });
  });

  it('counts what is due from an address never penalised', () => {
    const queue = [held('a', 1000), held('b', 2000), held('a', 5000)];
    const due = dueHeld(queue, 5000, () => 0, options);
    expect(due.count).toEqual(queue.slice(0, 2));
    expect(due.keep).toEqual(queue.slice(2));
  });

  it('drops what is due from an address penalised since it arrived, and keeps the others', () => {
    const queue = [held('flood', 1000), held('home', 1100), held('flood', 1200)];
    const until = (a: string) => (a === 'flood' ? 61_500 : 0);
    const due = dueHeld(queue, 4200, until, options);
    expect(due.drop).toEqual([queue[0], queue[2]]);
    expect(due.count).toEqual([queue[1]]);
  });

  it('counts a beacon whose address was penalised only before it came (the penalty ran out, then it was admitted)', () => {
    const due = dueHeld([held('a', 70_000)], 73_000, () => 61_000, options);
    expect(due.count).toHaveLength(1);
  });

  it('counts the oldest early past maxHeld (the bound on memory)', () => {
    const queue = [1, 2, 3, 4, 5, 6].map((i) => held('a', 10_000 + i));
    const due = dueHeld(queue, 10_006, () => 0, options);
    expect(due.count).toEqual(queue.slice(0, 2));
    expect(due.keep).toEqual(queue.slice(2));
  });
});
