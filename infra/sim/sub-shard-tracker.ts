/**
 * The tracker's sub-shards as the simulator sees them: per region shard, a
 * layout of key ranges, each a tracker object with its member list and its
 * inbound message count. Every decision is the edge's own, called unchanged
 * from the policy package: routeSocket picks a member's sub-shard, planSplit
 * and applySplit split one over its threshold, planMerge and applyMerge merge
 * a quiet pair, as the sub-shard and directory objects do.
 *
 * What is modelled: messages counted per object per second (upgrades,
 * announces, answers), the load each object reports (the higher of its mean
 * over `loadWindowSeconds` and its last two seconds), reports every
 * `reportEveryMs` (the first when its first socket arrives) or early when
 * both passed the threshold, the Workers' cached layouts (after a change, a
 * new socket knocks, a 421, at the sub-shard the previous layout names, for as
 * long as it was cached; with `isolates`, once per Worker isolate, which then
 * asks the directory again, as routes/tracker.ts does), and
 * the sockets a split or merge moves, handed back to the caller to reconnect
 * (shed `shedPerSecond` a second, then the client's reconnect delay). Members
 * are taken out of their old sub-shard when it splits, not one by one as shed.
 * `check` is meant to be called every second.
 */
import {
  applyMerge,
  applySplit,
  initialLayout,
  inRange,
  type LoadReport,
  layoutCacheMs,
  leafIndexOf,
  planMerge,
  planSplit,
  type RoutingPeer,
  rangeAt,
  reportedLoad,
  reportNow,
  routeSocket,
  type SubShardLayout,
  type SubShardOptions,
  splitWays,
} from '@edgeswarm/policy';

export interface LeafMember {
  /** Its routing key (routeSocket's), fixed per connection. */
  key: number;
  /** Position in its sub-shard's list, for O(1) removal. */
  index: number;
}

export interface SimSubShard<M extends LeafMember> {
  start: number;
  members: M[];
  /** Messages in each of the last `loadWindowSeconds` whole seconds (a ring), and the second being counted. */
  ring: Float64Array;
  second: number;
  count: number;
  /** When it reports next (seconds), unless its last second makes it report early. */
  nextReportAt: number;
}

/** The sub-shard model's settings: the edge's options, and whether sub-shards are on at all (off: one object per region). */
export interface SubShardModel extends SubShardOptions {
  enabled: boolean;
}

export interface SubShardTrackerStats {
  /** Most messages any one tracker object received within one second, and the highest load any reported (window mean). */
  maxMessagesPerSecond: number;
  maxReportedPerSecond: number;
  messageBudgetPerSecond: number;
  /** Object-seconds in which an object received more than its budget. */
  secondsOverBudget: number;
  subShardsMax: number;
  subShardsEnd: number;
  splits: number;
  merges: number;
  /** Sockets a split or merge moved to another sub-shard. */
  moved: number;
}

export class SubShardTracker<M extends LeafMember> {
  private readonly layouts: SubShardLayout[];
  private readonly regionLeaves: Map<number, SimSubShard<M>>[];
  private readonly reports: Map<number, LoadReport>[];
  private readonly memberLeaf = new Map<M, SimSubShard<M>>();
  /**
   * Per region: the layout Workers may still hold after the last change, until when (seconds), and the isolates
   * that have dropped it since (a 421 makes the Worker drop its copy and ask the directory again).
   */
  private readonly stale: ({ layout: SubShardLayout; until: number; refreshed: Set<number> } | undefined)[];
  private readonly window: number;
  private readonly stats: SubShardTrackerStats;

  /**
   * `isolates`: Worker isolates new sockets arrive through (a socket's isolate is its key modulo this). Each
   * knocks once at the old sub-shard after a change and then routes by the new layout, as the Worker does;
   * undefined: every new socket knocks while the old layout may be cached (an upper bound).
   */
  constructor(
    regions: number,
    readonly model: SubShardModel,
    private readonly isolates?: number,
  ) {
    this.window = Math.max(1, Math.round(model.loadWindowSeconds));
    this.layouts = Array.from({ length: regions }, () => initialLayout(-1e15));
    this.regionLeaves = Array.from({ length: regions }, () => new Map());
    this.reports = Array.from({ length: regions }, () => new Map());
    this.stale = Array.from({ length: regions }, () => undefined);
    this.stats = {
      maxMessagesPerSecond: 0,
      maxReportedPerSecond: 0,
      messageBudgetPerSecond: model.messageBudgetPerSecond,
      secondsOverBudget: 0,
      subShardsMax: regions,
      subShardsEnd: regions,
      splits: 0,
      merges: 0,
      moved: 0,
    };
  }

  /** The routing key of a peer: the edge's own function. */
  static keyOf(peer: RoutingPeer): number {
    return routeSocket(initialLayout(), peer).key;
  }

  /** The sub-shard a new socket with `key` joins in `region`. */
  leafFor(region: number, key: number): SimSubShard<M> {
    const layout = this.layouts[region] as SubShardLayout;
    const start = this.model.enabled ? rangeAt(layout, leafIndexOf(layout, key)).start : 0;
    const leaves = this.regionLeaves[region] as Map<number, SimSubShard<M>>;
    let leaf = leaves.get(start);
    if (!leaf) {
      leaf = {
        start,
        members: [],
        ring: new Float64Array(this.window),
        second: Number.NaN,
        count: 0,
        nextReportAt: Number.NEGATIVE_INFINITY,
      };
      leaves.set(start, leaf);
    }
    return leaf;
  }

  /** A new socket at `t` (seconds) joins the sub-shard the routing function names; a Worker's stale layout costs a 421 first. */
  add(region: number, member: M, t = Number.NaN): SimSubShard<M> {
    const leaf = this.leafFor(region, member.key);
    const stale = this.stale[region];
    if (stale && t < stale.until) {
      const old = rangeAt(stale.layout, leafIndexOf(stale.layout, member.key)).start;
      const isolate = this.isolates === undefined ? -1 : member.key % this.isolates;
      const knocked =
        old !== leaf.start && !stale.refreshed.has(isolate) ? this.regionLeaves[region]?.get(old) : undefined;
      if (knocked) {
        this.record(knocked, 1, t);
        if (isolate >= 0) stale.refreshed.add(isolate);
      }
    }
    // A sub-shard reports when its first socket arrives (with no load to show yet), then every reportEveryMs.
    if (leaf.nextReportAt === Number.NEGATIVE_INFINITY && Number.isFinite(t)) {
      leaf.nextReportAt = t + this.model.reportEveryMs / 1000;
    }
    member.index = leaf.members.length;
    leaf.members.push(member);
    this.memberLeaf.set(member, leaf);
    return leaf;
  }

  leafOf(member: M): SimSubShard<M> | undefined {
    return this.memberLeaf.get(member);
  }

  remove(member: M): void {
    const leaf = this.memberLeaf.get(member);
    if (!leaf) return;
    this.memberLeaf.delete(member);
    const last = leaf.members.pop() as M;
    if (last !== member) {
      leaf.members[member.index] = last;
      last.index = member.index;
    }
  }

  /** Every member leaves (the tracker went down); the layouts stay, as the directories' storage does. */
  clear(): void {
    for (const leaves of this.regionLeaves) for (const leaf of leaves.values()) leaf.members.length = 0;
    this.memberLeaf.clear();
  }

  /** `n` inbound messages reach `leaf` at `t` (seconds). */
  record(leaf: SimSubShard<M>, n: number, t: number): void {
    const second = Math.floor(t);
    if (second !== leaf.second) this.roll(leaf, second);
    leaf.count += n;
  }

  /** The load `leaf` reports at `t`: its mean over the window of whole seconds before. */
  load(leaf: SimSubShard<M>, t: number): number {
    const second = Math.floor(t);
    if (second !== leaf.second) this.roll(leaf, second);
    let sum = 0;
    for (const c of leaf.ring) sum += c;
    return sum / this.window;
  }

  /**
   * The sub-shards due to report do (each region's directory sees them all at
   * once here): splits where asked, then at most one merge per region. Answers
   * the members that now belong to another sub-shard, already taken out of
   * their old one, in the order they are shed.
   */
  check(t: number): M[] {
    const now = t * 1000;
    const moved: M[] = [];
    for (let r = 0; r < this.layouts.length; r++) {
      const reports = this.reports[r] as Map<number, LoadReport>;
      for (const leaf of [...(this.regionLeaves[r] as Map<number, SimSubShard<M>>).values()]) {
        const layout = this.layouts[r] as SubShardLayout;
        const index = layout.leaves.findIndex((l) => l.start === leaf.start);
        if (index < 0) continue;
        const mean = this.load(leaf, t);
        const before = (back: number) =>
          this.window < back
            ? 0
            : (leaf.ring[(((Math.floor(t) - back) % this.window) + this.window) % this.window] as number);
        const lastSeconds: [number, number] = [before(1), before(2)];
        if (t < leaf.nextReportAt && !reportNow(lastSeconds, this.model)) continue;
        leaf.nextReportAt = t + this.model.reportEveryMs / 1000;
        const messagesPerSecond = reportedLoad(mean, lastSeconds);
        this.stats.maxReportedPerSecond = Math.max(this.stats.maxReportedPerSecond, messagesPerSecond);
        const changedAt = (layout.leaves[index] as { changedAt: number }).changedAt;
        const load = {
          messagesPerSecond,
          lastSeconds,
          peers: leaf.members.length,
          sockets: leaf.members.length,
          changedAt,
        };
        reports.set(leaf.start, { ...load, at: now });
        // Off: one object per region shard, whose load is still measured.
        if (!this.model.enabled) continue;
        // Sorting a sub-shard's keys is the costly part: only for one that is due to split.
        if (splitWays(load, now, this.model) < 2) continue;
        const range = rangeAt(layout, index);
        const keys = leaf.members.map((m) => m.key).sort((a, b) => a - b);
        const split = applySplit(layout, leaf.start, planSplit(load, keys, range, now, this.model), now, this.model);
        if (!split) continue;
        this.changeLayout(r, split, t);
        this.stats.splits++;
        moved.push(...this.evict(r, leaf));
      }
      if (!this.model.enabled) continue;
      const layout = this.layouts[r] as SubShardLayout;
      const merge = planMerge(layout, reports, now, this.model);
      const merged = merge && applyMerge(layout, merge.right, now);
      if (merge && merged) {
        this.changeLayout(r, merged, t);
        reports.delete(merge.right);
        this.stats.merges++;
        const right = (this.regionLeaves[r] as Map<number, SimSubShard<M>>).get(merge.right);
        if (right) {
          moved.push(...this.evict(r, right));
          (this.regionLeaves[r] as Map<number, SimSubShard<M>>).delete(merge.right);
        }
      }
      this.stats.subShardsMax = Math.max(this.stats.subShardsMax, this.subShardCount());
    }
    this.stats.moved += moved.length;
    return moved;
  }

  /** Every sub-shard that has had a member, of every region. */
  leaves(): SimSubShard<M>[] {
    return this.regionLeaves.flatMap((leaves) => [...leaves.values()]);
  }

  subShardCount(): number {
    return this.layouts.reduce((sum, layout) => sum + layout.leaves.length, 0);
  }

  /** The largest sub-shard by members, and how many members sub-shards hold (for reports). */
  memberCounts(): number[] {
    const counts: number[] = [];
    for (const leaves of this.regionLeaves) for (const leaf of leaves.values()) counts.push(leaf.members.length);
    return counts;
  }

  summary(t: number): SubShardTrackerStats {
    for (const leaves of this.regionLeaves) for (const leaf of leaves.values()) this.roll(leaf, Math.floor(t) + 1);
    return { ...this.stats, subShardsEnd: this.subShardCount() };
  }

  /** Workers that fetched the layout just before keep it for the time the directory allowed then. */
  private changeLayout(region: number, next: SubShardLayout, t: number): void {
    const previous = this.layouts[region] as SubShardLayout;
    const cached = layoutCacheMs(previous, t * 1000, this.model) / 1000;
    // An older layout may still be cached too; the one just replaced is what most Workers hold.
    this.stale[region] = { layout: previous, until: t + cached, refreshed: new Set() };
    this.layouts[region] = next;
  }

  /** Members of `leaf` whose key its range no longer holds: out of its list, to reconnect elsewhere. */
  private evict(region: number, leaf: SimSubShard<M>): M[] {
    const layout = this.layouts[region] as SubShardLayout;
    const index = layout.leaves.findIndex((l) => l.start === leaf.start);
    const range = index < 0 ? { start: 0, end: 0 } : rangeAt(layout, index);
    const stay: M[] = [];
    const go: M[] = [];
    for (const m of leaf.members) (inRange(range, m.key) ? stay : go).push(m);
    leaf.members = stay;
    for (const [i, m] of stay.entries()) m.index = i;
    for (const m of go) this.memberLeaf.delete(m);
    return go;
  }

  /** Closes the second being counted (its peak into the stats) and starts counting `second`. */
  private roll(leaf: SimSubShard<M>, second: number): void {
    if (!Number.isNaN(leaf.second)) {
      this.stats.maxMessagesPerSecond = Math.max(this.stats.maxMessagesPerSecond, leaf.count);
      if (leaf.count > this.model.messageBudgetPerSecond) this.stats.secondsOverBudget++;
      const slot = (s: number) => ((s % this.window) + this.window) % this.window;
      // The ring holds the seconds second − window … second − 1.
      if (second - leaf.second > this.window) leaf.ring.fill(0);
      else {
        leaf.ring[slot(leaf.second)] = leaf.count;
        for (let s = leaf.second + 1; s < second; s++) leaf.ring[slot(s)] = 0;
      }
    }
    leaf.second = second;
    leaf.count = 0;
  }
}
