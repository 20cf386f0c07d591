/**
 * TrackerDirectory: the small per-swarm directory of one region shard of a
 * stream's tracker (one object per stream × region, named like the region
 * shard). It holds the sub-shard layout, takes each sub-shard's load reports,
 * and carries out the splits and merges the pure rules in
 * policy/src/sub-shards.ts decide; it tells the sub-shards involved their new
 * ranges and who each is introduced to. The Worker reads the layout from here
 * (and caches it) to route new sockets.
 *
 * Thin: every decision is a pure function; this only keeps state and calls.
 * Load reports live in memory: after an eviction, merges wait for fresh ones.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  applyMerge,
  applySplit,
  assignmentOf,
  initialLayout,
  type LoadReport,
  layoutCacheMs,
  maySplit,
  planMerge,
  resolveSubShardOptions,
  type SubShardAssignment,
  type SubShardLayout,
  type SubShardLoad,
  type SubShardOptions,
  subShardName,
} from '@edgeswarm/policy';
import type { Validation } from '@edgeswarm/protocol';
import type { Env } from '../env';

/** What the Worker needs to route: the layout, and how long it may keep it. */
export interface Routing {
  layout: SubShardLayout;
  cacheMs: number;
}

/** A sub-shard's report: its load, and the cut points it asks for when it is over its threshold. */
export interface SubShardReport extends SubShardLoad {
  splitAt?: number[];
}

export class TrackerDirectory extends DurableObject<Env> {
  private layout: SubShardLayout;
  private overrides: Partial<SubShardOptions>;
  private options: SubShardOptions;
  private readonly reports = new Map<number, LoadReport>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.layout = ctx.storage.kv.get<SubShardLayout>('layout') ?? initialLayout();
    this.overrides = ctx.storage.kv.get<Partial<SubShardOptions>>('options') ?? {};
    this.options = resolveSubShardOptions(this.overrides);
  }

  routing(): Routing {
    return { layout: this.layout, cacheMs: layoutCacheMs(this.layout, Date.now(), this.options) };
  }

  /** Operators and tests: per-stream overrides of the sub-shard defaults, validated (a refusal says why). */
  setOptions(overrides: Partial<SubShardOptions>): Validation<SubShardOptions> {
    try {
      this.options = resolveSubShardOptions({ ...this.overrides, ...overrides });
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    this.overrides = { ...this.overrides, ...overrides };
    this.ctx.storage.kv.put('options', this.overrides);
    return { ok: true, value: this.options };
  }

  /**
   * A sub-shard (`base` is the region shard's object name, `start` the first key
   * of its range) reports its load. A split it asks for is made if the layout
   * allows; otherwise the least loaded pair may be merged. The other sub-shards
   * involved are told their new ranges; the reporter gets its own in the answer.
   */
  async report(base: string, start: number, report: SubShardReport): Promise<SubShardAssignment> {
    const now = Date.now();
    if (!this.layout.leaves.some((leaf) => leaf.start === start)) {
      return assignmentOf(this.layout, start, this.reports, this.options);
    }
    const { splitAt, ...load } = report;
    this.reports.set(start, { ...load, at: now });
    const touched: number[] = [];
    // A sub-shard still in its cooldown (its moved sockets are reconnecting) splits again only over its whole
    // budget, by the layout's own change time, whatever it thinks.
    const leaf = this.layout.leaves.find((l) => l.start === start);
    const cooled = leaf !== undefined && maySplit(load, leaf.changedAt, now, this.options);
    const split = cooled && splitAt?.length ? applySplit(this.layout, start, splitAt, now, this.options) : undefined;
    if (split) {
      const before = new Set(this.layout.leaves.map((leaf) => leaf.start));
      touched.push(...split.leaves.map((leaf) => leaf.start).filter((s) => !before.has(s)));
      this.commit(split);
    } else {
      const merge = planMerge(this.layout, this.reports, now, this.options);
      const merged = merge && applyMerge(this.layout, merge.right, now);
      if (merge && merged) {
        this.reports.delete(merge.right);
        touched.push(merge.left, merge.right);
        this.commit(merged);
      }
    }
    // Neighbours of a changed range may be introduced elsewhere now: tell them too.
    const others = new Set<number>();
    for (const s of touched) {
      others.add(s);
      const i = this.layout.leaves.findIndex((leaf) => leaf.start === s);
      for (const j of [i - 1, i + 1]) {
        const leaf = this.layout.leaves[j];
        if (i >= 0 && leaf) others.add(leaf.start);
      }
    }
    others.delete(start);
    await Promise.allSettled(
      [...others].map((s) =>
        this.env.SWARM.get(this.env.SWARM.idFromName(subShardName(base, s))).assign(
          base,
          assignmentOf(this.layout, s, this.reports, this.options),
        ),
      ),
    );
    return assignmentOf(this.layout, start, this.reports, this.options);
  }

  /** The layout with each sub-shard's last report, for the stats route. */
  snapshot(): { layout: SubShardLayout; reports: Record<string, LoadReport>; options: SubShardOptions } {
    return { layout: this.layout, reports: Object.fromEntries(this.reports), options: this.options };
  }

  /** The stream is deleted: the layout and overrides go. Answers the sub-shards there were. */
  async forget(): Promise<number[]> {
    const starts = this.layout.leaves.map((leaf) => leaf.start);
    this.layout = initialLayout();
    this.overrides = {};
    this.options = resolveSubShardOptions();
    this.reports.clear();
    await this.ctx.storage.deleteAll();
    return starts;
  }

  private commit(layout: SubShardLayout): void {
    this.layout = layout;
    this.ctx.storage.kv.put('layout', layout);
  }
}
