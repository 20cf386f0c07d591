import { describe, expect, it } from 'vitest';
import { drillBatches } from './batches';

const drill = (name: string, browserless = false) => ({ name, browserless });
const names = (batches: { name: string }[][]) => batches.map((b) => b.map((d) => d.name));
const registry = [
  drill('a', true),
  drill('b', true),
  drill('viewers-1'),
  drill('c', true),
  drill('d', true),
  drill('viewers-2'),
  drill('e', true),
];

describe('drillBatches', () => {
  it('runs every drill alone with one job', () => {
    expect(names(drillBatches(registry, 1))).toEqual(registry.map((d) => [d.name]));
  });

  it('gathers the browserless drills into batches of up to n where the first of each stands; viewers stay alone', () => {
    expect(names(drillBatches(registry, 4))).toEqual([['a', 'b', 'c', 'd'], ['viewers-1'], ['viewers-2'], ['e']]);
    expect(names(drillBatches(registry, 2))).toEqual([['a', 'b'], ['viewers-1'], ['c', 'd'], ['viewers-2'], ['e']]);
    expect(names(drillBatches(registry, 10))).toEqual([['a', 'b', 'c', 'd', 'e'], ['viewers-1'], ['viewers-2']]);
  });

  it('keeps a drill that does not say it is browserless alone', () => {
    const unsaid: { name: string; browserless?: boolean }[] = [{ name: 'x' }, { name: 'y' }];
    expect(names(drillBatches(unsaid, 4))).toEqual([['x'], ['y']]);
  });
});
