import { describe, expect, it } from 'vitest';
import {
  applyMerge,
  applySplit,
  assignmentOf,
  chooseSplitPoints,
  groupStart,
  initialLayout,
  inRange,
  keySpaceEnd,
  type LoadReport,
  layoutCacheMs,
  leafIndexOf,
  maySplit,
  neighbourOf,
  planMerge,
  planSplit,
  rangeAt,
  reportedLoad,
  reportNow,
  resolveSubShardOptions,
  routeSocket,
  routingKey,
  type SubShardLayout,
  type SubShardLoad,
  splitWays,
  subShardDefaults,
  subShardName,
} from './sub-shards';

const options = subShardDefaults;
const threshold = options.messageBudgetPerSecond * options.splitAtShare;
const load = (messagesPerSecond: number, peers = 100, changedAt = -1e9): SubShardLoad => ({
  messagesPerSecond,
  peers,
  sockets: peers,
  changedAt,
});
const layoutOf = (starts: number[], changedAt = -1e9): SubShardLayout => ({
  version: starts.length,
  leaves: starts.map((start) => ({ start, changedAt })),
});
/** xorshift: a fixed stream of pseudo-random integers for property checks. */
function* numbers(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield x >>> 0;
  }
}

describe('resolveSubShardOptions', () => {
  it('accepts the defaults and merges overrides', () => {
    expect(resolveSubShardOptions()).toEqual(subShardDefaults);
    expect(resolveSubShardOptions({ messageBudgetPerSecond: 10 }).messageBudgetPerSecond).toBe(10);
  });

  it.each([
    [{ messageBudgetPerSecond: 0 }, /messageBudgetPerSecond/],
    [{ cooldownMs: -1 }, /cooldownMs/],
    [{ shedPerSecond: Number.NaN }, /shedPerSecond/],
    [{ mergeBelowShare: 0.5 }, /mergeBelowShare/],
    [{ maxSplitWays: 1 }, /maxSplitWays/],
    [{ loadWindowSeconds: 0 }, /loadWindowSeconds/],
  ])('refuses %j', (overrides, message) => {
    expect(() => resolveSubShardOptions(overrides)).toThrow(message);
  });
});

describe('routingKey', () => {
  it('is deterministic and a safe integer inside the key space', () => {
    const peer = { colo: 'FRA', asn: 3320, client: '203.0.113.7|abc' };
    expect(routingKey(peer)).toBe(routingKey({ ...peer }));
    for (const colo of ['', 'FRA', 'AMS', 'JFK']) {
      for (const asn of [0, 1, 3320, 4_294_967_295]) {
        const key = routingKey({ colo, asn, client: `${colo}${asn}` });
        expect(Number.isSafeInteger(key)).toBe(true);
        expect(key).toBeGreaterThanOrEqual(0);
        expect(key).toBeLessThan(keySpaceEnd);
      }
    }
  });

  it('orders by colo, then ASN: one colo and network is one run of keys', () => {
    const keys = Array.from({ length: 200 }, (_, i) => routingKey({ colo: 'FRA', asn: 3320, client: `c${i}` }));
    const groups = new Set(keys.map((k) => groupStart(k, 'asn')));
    expect(groups.size).toBe(1);
    const otherAsn = routingKey({ colo: 'FRA', asn: 1299, client: 'c0' });
    expect(groupStart(otherAsn, 'colo')).toBe(groupStart(keys[0] as number, 'colo'));
    expect(groupStart(otherAsn, 'asn')).not.toBe(groupStart(keys[0] as number, 'asn'));
    // Nothing of another colo falls between two keys of FRA/3320.
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    for (const colo of ['AMS', 'LHR', 'JFK', 'CDG', 'MUC', 'WAW']) {
      const k = routingKey({ colo, asn: 3320, client: 'x' });
      expect(k < lo || k > hi).toBe(true);
    }
  });

  it('puts unknown colo and ASN at the start of the key space', () => {
    expect(routingKey({ colo: '', asn: 0, client: 'x' })).toBeLessThan(2 ** 21);
  });
});

describe('routeSocket and leafIndexOf', () => {
  it('gives every key exactly one leaf, the one whose range holds it (brute force over many layouts)', () => {
    const random = numbers(7);
    for (let trial = 0; trial < 200; trial++) {
      const count = 1 + ((random.next().value as number) % 12);
      const starts = new Set([0]);
      while (starts.size < count) starts.add((random.next().value as number) * 2 ** 21);
      const layout = layoutOf([...starts].sort((a, b) => a - b));
      for (let probe = 0; probe < 50; probe++) {
        const key = (random.next().value as number) * 2 ** 21 + ((random.next().value as number) % 2 ** 21);
        const owners = layout.leaves.map((_, i) => i).filter((i) => inRange(rangeAt(layout, i), key));
        expect(owners).toEqual([leafIndexOf(layout, key)]);
      }
      // Boundaries: a leaf's own start is its own, the key just below is the previous leaf's.
      for (const [i, leaf] of layout.leaves.entries()) {
        expect(leafIndexOf(layout, leaf.start)).toBe(i);
        if (i > 0) expect(leafIndexOf(layout, leaf.start - 1)).toBe(i - 1);
      }
    }
  });

  it('routes the same peer to the same sub-shard every time, and says which version it used', () => {
    const layout = layoutOf([0, 2 ** 50, 2 ** 52]);
    const peer = { colo: 'FRA', asn: 3320, client: '198.51.100.1|k' };
    const route = routeSocket(layout, peer);
    expect(routeSocket(layout, peer)).toEqual(route);
    expect(inRange(route, route.key)).toBe(true);
    expect(route.version).toBe(layout.version);
    expect(routeSocket(initialLayout(), peer)).toEqual({ key: route.key, version: 0, start: 0, end: keySpaceEnd });
  });

  it('names the first sub-shard as the region shard itself', () => {
    expect(subShardName('s:eu', 0)).toBe('s:eu');
    expect(subShardName('s:eu', 255)).toBe('s:eu:ff');
  });
});

describe('splitWays', () => {
  it.each([
    ['under the threshold', load(threshold), 1],
    ['just over it', load(threshold + 1), 3],
    ['twice over it: parts start at half the threshold', load(2 * threshold), 4],
    ['a flash crowd: capped at maxSplitWays', load(100 * threshold), options.maxSplitWays],
    ['too many peers, few messages', load(10, options.maxPeers + 1), 3],
    ['within the split cooldown', load(10 * threshold, 100, -options.splitCooldownMs + 1), 1],
    ['past it, though within the merge cooldown', load(2 * threshold, 100, -options.splitCooldownMs), 4],
  ])('%s', (_name, l, ways) => {
    expect(splitWays(l, 0, options)).toBe(ways);
  });

  const budget = options.messageBudgetPerSecond;
  const cooling = -options.splitCooldownMs + 1;
  const withLast = (l: SubShardLoad, lastSeconds: [number, number]): SubShardLoad => ({ ...l, lastSeconds });
  it.each([
    // A flash crowd's first report: the window's mean has seen a tenth of it, the last second all of it.
    [
      'sized from the last second when it is higher than the reported load',
      withLast(load(2 * threshold), [12 * threshold, 0]),
      24,
    ],
    [
      'sized from the reported load when it is higher than the last second',
      withLast(load(4 * threshold), [threshold, 4 * threshold]),
      8,
    ],
    [
      'a last second over the threshold alone does not make it split',
      withLast(load(threshold), [10 * threshold, threshold]),
      1,
    ],
    [
      'in the cooldown, both last seconds over the whole budget: splits, sized from the last one',
      withLast(load(10 * threshold, 100, cooling), [3 * threshold, budget + 1]),
      6,
    ],
    [
      'in the cooldown, one of them at the budget: waits',
      withLast(load(10 * threshold, 100, cooling), [10 * threshold, budget]),
      1,
    ],
    [
      'in the cooldown, both over the threshold but under the budget: waits',
      withLast(load(10 * threshold, 100, cooling), [budget - 1, budget - 1]),
      1,
    ],
    ['in the cooldown without last seconds (an older reporter): waits', load(10 * threshold, 100, cooling), 1],
    ['in the cooldown over the peer cap alone: waits', withLast(load(10, options.maxPeers * 4, cooling), [10, 10]), 1],
  ])('%s', (_name, l, ways) => {
    expect(splitWays(l, 0, options)).toBe(ways);
  });
});

describe('maySplit', () => {
  const budget = options.messageBudgetPerSecond;
  it.each([
    ['past the cooldown, whatever the load', { lastSeconds: [0, 0] as const }, -options.splitCooldownMs, true],
    ['past it with no last seconds', {}, -options.splitCooldownMs, true],
    ['in it, each second over the whole budget', { lastSeconds: [budget + 1, budget + 1] as const }, -1, true],
    ['in it, one second at the budget', { lastSeconds: [budget + 1, budget] as const }, -1, false],
    ['in it, with no last seconds', {}, -1, false],
  ])('%s', (_name, l, changedAt, expected) => {
    expect(maySplit(l, changedAt, 0, options)).toBe(expected);
  });
});

describe('chooseSplitPoints', () => {
  const full = { start: 0, end: keySpaceEnd };

  it('cuts a uniform list at its quantiles', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => i * 10);
    expect(chooseSplitPoints(keys, 2, full)).toEqual([5000]);
    expect(chooseSplitPoints(keys, 4, full)).toEqual([2500, 5000, 7500]);
  });

  it('moves a cut to a colo boundary nearby, keeping each colo whole', () => {
    const colo = (c: string, n: number) =>
      Array.from({ length: n }, (_, i) => routingKey({ colo: c, asn: 1, client: `${c}${i}` }));
    const keys = [...colo('AMS', 450), ...colo('FRA', 550)].sort((a, b) => a - b);
    const [cut] = chooseSplitPoints(keys, 2, full);
    expect(cut).toBeDefined();
    const left = keys.filter((k) => k < (cut as number));
    expect(new Set(left.map((k) => groupStart(k, 'colo'))).size).toBe(1);
    expect(cut).toBe(groupStart(cut as number, 'colo'));
    expect(left.length === 450 || left.length === 550).toBe(true);
  });

  it('falls back to an ASN boundary inside one colo, then to any distinct keys', () => {
    const asnKeys = [
      ...Array.from({ length: 480 }, (_, i) => routingKey({ colo: 'FRA', asn: 1, client: `a${i}` })),
      ...Array.from({ length: 520 }, (_, i) => routingKey({ colo: 'FRA', asn: 2, client: `b${i}` })),
    ].sort((a, b) => a - b);
    const [cut] = chooseSplitPoints(asnKeys, 2, full);
    expect(cut).toBe(groupStart(cut as number, 'asn'));
    const one = Array.from({ length: 1000 }, (_, i) => routingKey({ colo: 'FRA', asn: 1, client: `c${i}` })).sort(
      (a, b) => a - b,
    );
    const [inside] = chooseSplitPoints(one, 2, full);
    expect(one.filter((k) => k < (inside as number)).length).toBe(500);
  });

  it('never cuts between equal keys, and answers no points when it cannot cut', () => {
    expect(chooseSplitPoints([5, 5, 5, 5], 2, full)).toEqual([]);
    expect(chooseSplitPoints([5], 2, full)).toEqual([]);
    expect(chooseSplitPoints([1, 1, 1, 9], 2, full)).toEqual([9]);
  });

  it('returns increasing points strictly inside the range (property over random key lists)', () => {
    const random = numbers(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = (random.next().value as number) % 300;
      const start = ((random.next().value as number) % 1000) * 2 ** 30;
      const end = start + 2 ** 40;
      const keys = Array.from({ length: n }, () => start + ((random.next().value as number) % 2 ** 20) * 2 ** 20).sort(
        (a, b) => a - b,
      );
      const ways = 2 + ((random.next().value as number) % 7);
      const points = chooseSplitPoints(keys, ways, { start, end });
      expect(points.length).toBeLessThanOrEqual(ways - 1);
      for (const [i, p] of points.entries()) {
        expect(p).toBeGreaterThan(i === 0 ? start : (points[i - 1] as number));
        expect(p).toBeLessThan(end);
      }
    }
  });
});

describe('planSplit and applySplit', () => {
  const keys = Array.from({ length: 100 }, (_, i) => (i + 1) * 2 ** 40);

  it('asks for no split under the threshold, and for cuts over it', () => {
    const range = { start: 0, end: keySpaceEnd };
    expect(planSplit(load(threshold), keys, range, 0, options)).toEqual([]);
    expect(planSplit(load(threshold * 1.5), keys, range, 0, options)).toHaveLength(2);
  });

  it('splits one leaf into adjacent leaves that still cover the key space, stamped now', () => {
    const layout = layoutOf([0, 2 ** 52]);
    const next = applySplit(layout, 0, [2 ** 51, 2 ** 50], 5, options);
    expect(next).toEqual({
      version: layout.version + 1,
      leaves: [
        { start: 0, changedAt: 5 },
        { start: 2 ** 50, changedAt: 5 },
        { start: 2 ** 51, changedAt: 5 },
        { start: 2 ** 52, changedAt: -1e9 },
      ],
    });
  });

  it.each([
    ['an unknown leaf', 7, [2 ** 51]],
    ['points outside its range', 0, [2 ** 52, 2 ** 52 + 1, 0, -1]],
    ['no points', 0, []],
  ])('changes nothing for %s', (_name, start, points) => {
    expect(applySplit(layoutOf([0, 2 ** 52]), start, points, 0, options)).toBeUndefined();
  });

  it('splits less at the cap, and not at all once it is reached', () => {
    const capped = { maxSubShards: 3 };
    expect(applySplit(layoutOf([0]), 0, [10, 20, 30], 0, capped)?.leaves.map((l) => l.start)).toEqual([0, 10, 20]);
    expect(applySplit(layoutOf([0, 10, 20]), 0, [5], 0, capped)).toBeUndefined();
  });
});

describe('planMerge and applyMerge', () => {
  const mergeCap = options.messageBudgetPerSecond * options.mergeBelowShare;
  const report = (messagesPerSecond: number, peers = 10, at = 0): LoadReport => ({
    ...load(messagesPerSecond, peers),
    at,
  });
  const layout = layoutOf([0, 100, 200]);

  it('merges the neighbouring pair with the least load together', () => {
    const reports = new Map([
      [0, report(mergeCap / 4)],
      [100, report(mergeCap / 4)],
      [200, report(mergeCap / 8)],
    ]);
    expect(planMerge(layout, reports, 0, options)).toEqual({ left: 100, right: 200 });
  });

  it.each([
    ['too much load together', [mergeCap / 2, mergeCap / 2, mergeCap], 0, -1e9],
    ['too many peers together', [1, 1, 1e9], options.maxPeers * options.mergeBelowShare, -1e9],
    ['a stale report', [1, 1, 1e9], 0, 'stale'],
    ['a leaf in its cooldown', [1, 1, 1e9], 0, 'cooldown'],
  ] as const)('does not merge with %s', (_name, loads, peers, when) => {
    const at = when === 'stale' ? -options.reportFreshMs - 1 : 0;
    const reports = new Map([
      [0, report(loads[0], peers || 10, at)],
      [100, report(loads[1], 10, at)],
      [200, report(loads[2], 10, 0)],
    ]);
    const l =
      when === 'cooldown' ? { ...layout, leaves: [{ start: 0, changedAt: 0 }, ...layout.leaves.slice(1)] } : layout;
    expect(planMerge(l, reports, 0, options)).toBeUndefined();
  });

  it('never merges the two halves of a split that just passed the threshold (hysteresis)', () => {
    const halves = new Map([
      [0, report(threshold / 2 + 1)],
      [100, report(threshold / 2 + 1)],
    ]);
    expect(planMerge(layoutOf([0, 100]), halves, 0, options)).toBeUndefined();
  });

  it('gives the right leaf’s range to the left one; a split then a merge restores the ranges', () => {
    const merged = applyMerge(layout, 100, 9);
    expect(merged?.leaves).toEqual([
      { start: 0, changedAt: 9 },
      { start: 200, changedAt: -1e9 },
    ]);
    expect(applyMerge(layout, 0, 9)).toBeUndefined();
    expect(applyMerge(layout, 50, 9)).toBeUndefined();
    const split = applySplit(layoutOf([0]), 0, [123], 1, options) as SubShardLayout;
    const back = applyMerge(split, 123, 2) as SubShardLayout;
    expect(back.leaves.map((l) => l.start)).toEqual([0]);
    expect(back.version).toBe(split.version + 1);
  });
});

describe('neighbourOf and assignmentOf', () => {
  const layout = layoutOf([0, 100, 200]);

  it('introduces a sub-shard to its neighbour in key order with more peers', () => {
    expect(neighbourOf(layoutOf([0]), 0)).toBeUndefined();
    expect(neighbourOf(layout, 0)).toBe(100);
    expect(neighbourOf(layout, 200)).toBe(100);
    expect(neighbourOf(layout, 100)).toBe(0);
    expect(neighbourOf(layout, 100, new Map([[200, { peers: 5 }]]))).toBe(200);
    expect(neighbourOf(layout, 42)).toBeUndefined();
  });

  it('assigns a range, or an empty one to a sub-shard merged away', () => {
    expect(assignmentOf(layout, 100, new Map(), options)).toEqual({
      start: 100,
      end: 200,
      version: layout.version,
      changedAt: -1e9,
      neighbour: 0,
      options,
    });
    const gone = assignmentOf(layout, 150, new Map(), options);
    expect(gone.end - gone.start).toBe(0);
    expect(assignmentOf(layout, 200, new Map(), options).end).toBe(keySpaceEnd);
  });
});

describe('flash crowds: reporting early and short layout caches', () => {
  it('reports the higher of the window mean and the last two seconds, and reports early when both passed the threshold', () => {
    expect(reportedLoad(100, [40, 50])).toBe(100);
    expect(reportedLoad(10, [400, 300])).toBe(300);
    expect(reportNow([threshold, 1e6], options)).toBe(false);
    expect(reportNow([1e6, threshold], options)).toBe(false);
    expect(reportNow([threshold + 1, threshold + 1], options)).toBe(true);
  });

  it('lets Workers keep a settled layout for layoutCacheMs, and a changing one briefly', () => {
    const settled = layoutOf([0, 100], 0);
    expect(layoutCacheMs(settled, 10 * options.layoutCacheMs, options)).toBe(options.layoutCacheMs);
    expect(layoutCacheMs(settled, 0, options)).toBe(options.layoutCacheMs / 10);
    expect(layoutCacheMs(settled, 8000, options)).toBe(2000);
  });
});
