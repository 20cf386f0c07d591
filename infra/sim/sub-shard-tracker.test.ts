import { subShardDefaults } from '@edgeswarm/policy';
import { describe, expect, it } from 'vitest';
import { type LeafMember, type SubShardModel, SubShardTracker } from './sub-shard-tracker';

const model: SubShardModel = {
  ...subShardDefaults,
  enabled: true,
  messageBudgetPerSecond: 100,
  cooldownMs: 0,
  splitCooldownMs: 0,
  loadWindowSeconds: 2,
  maxSplitWays: 2,
};
const members = (n: number): LeafMember[] =>
  Array.from({ length: n }, (_, i) => ({
    key: SubShardTracker.keyOf({ colo: `C${i % 40}`, asn: 1 + (i % 7), client: `v${i}` }),
    index: 0,
  }));

describe('SubShardTracker', () => {
  it('averages each object’s messages over the window of whole seconds before now', () => {
    const tracker = new SubShardTracker<LeafMember>(1, model);
    const leaf = tracker.leafFor(0, 0);
    tracker.record(leaf, 10, 0.2);
    tracker.record(leaf, 30, 1.5);
    expect(tracker.load(leaf, 1.9)).toBe(5);
    expect(tracker.load(leaf, 2.1)).toBe(20);
    expect(tracker.load(leaf, 3.0)).toBe(15);
    expect(tracker.load(leaf, 10)).toBe(0);
    expect(tracker.summary(10).maxMessagesPerSecond).toBe(30);
  });

  it('splits an object over its threshold with the edge’s rules, hands back the members that moved, and routes them as routeSocket does', () => {
    const tracker = new SubShardTracker<LeafMember>(1, model);
    const all = members(400);
    for (const m of all) tracker.add(0, m);
    const leaf = tracker.leafFor(0, 0);
    tracker.record(leaf, 400, 0.5);
    tracker.record(leaf, 400, 1.5);
    const moved = tracker.check(2);
    const stats = tracker.summary(2);
    expect(stats).toMatchObject({ splits: 1, subShardsEnd: 2, moved: moved.length });
    expect(moved.length).toBeGreaterThan(100);
    expect(moved.length).toBeLessThan(300);
    expect(leaf.members.length).toBe(400 - moved.length);
    for (const m of moved) {
      const back = tracker.add(0, m);
      expect(back).not.toBe(leaf);
    }
    // Every member sits where the routing function puts it.
    for (const m of all) expect(tracker.leafOf(m)?.start).toBe(tracker.leafFor(0, m.key).start);
    expect(stats.maxMessagesPerSecond).toBe(400);
    expect(stats.secondsOverBudget).toBe(2);
  });

  it('merges the pair back once both are quiet, moving the right one’s members to the left', () => {
    const tracker = new SubShardTracker<LeafMember>(1, model);
    const all = members(100);
    for (const m of all) tracker.add(0, m);
    tracker.record(tracker.leafFor(0, 0), 500, 0.5);
    for (const m of tracker.check(1)) tracker.add(0, m);
    expect(tracker.subShardCount()).toBe(2);
    // The first check after the load fell records both quiet reports; the merge happens on it.
    const moved = tracker.check(10);
    expect(tracker.subShardCount()).toBe(1);
    for (const m of moved) expect(tracker.add(0, m).start).toBe(0);
    expect(tracker.summary(10)).toMatchObject({ splits: 1, merges: 1 });
  });

  it('reports when its first socket arrives, so a flash crowd splits it after two seconds over the threshold, not one', () => {
    const tracker = new SubShardTracker<LeafMember>(1, model);
    for (const m of members(400)) tracker.add(0, m, 0.1);
    const leaf = tracker.leafFor(0, 0);
    tracker.record(leaf, 400, 0.5);
    expect(tracker.check(1)).toEqual([]);
    tracker.record(leaf, 400, 1.5);
    expect(tracker.check(2).length).toBeGreaterThan(0);
    expect(tracker.summary(2).splits).toBe(1);
  });

  it.each([
    ['each Worker isolate knocks once at the old sub-shard after a split (a 421 refreshes its layout)', 3, 3],
    ['without isolates every new socket knocks while the old layout may be cached', undefined, 50],
  ])('%s', (_name, isolates, knocks) => {
    const tracker = new SubShardTracker<LeafMember>(1, model, isolates);
    const leaf = tracker.leafFor(0, 0);
    for (const m of members(400)) tracker.add(0, m, 0.1);
    tracker.record(leaf, 400, 0.5);
    tracker.record(leaf, 400, 1.5);
    tracker.check(2);
    expect(tracker.subShardCount()).toBe(2);
    // New sockets in the second after the split whose key the old sub-shard no longer owns.
    const elsewhere = members(2000)
      .slice(400)
      .filter((m) => tracker.leafFor(0, m.key) !== leaf)
      .slice(0, 50);
    expect(elsewhere).toHaveLength(50);
    for (const m of elsewhere) tracker.add(0, m, 2.2);
    tracker.record(leaf, 0, 2.9);
    expect(leaf.count).toBe(knocks);
  });

  it('never splits when sub-shards are off: one object per region', () => {
    const tracker = new SubShardTracker<LeafMember>(2, { ...model, enabled: false });
    for (const m of members(100)) tracker.add(1, m);
    tracker.record(tracker.leafFor(1, 0), 10_000, 0.5);
    expect(tracker.check(1)).toEqual([]);
    expect(tracker.summary(1)).toMatchObject({
      subShardsEnd: 2,
      splits: 0,
      maxMessagesPerSecond: 10_000,
      // The window's mean (the second before the last had none).
      maxReportedPerSecond: 10_000 / model.loadWindowSeconds,
    });
  });
});
