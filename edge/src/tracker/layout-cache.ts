/**
 * The Worker's copy of each region shard's sub-shard layout, kept for the
 * directory's `layoutCacheMs` so routing a new socket costs no directory call
 * most of the time. Bounded; the oldest entry goes first. A stale layout is
 * safe: the sub-shard refuses a key it no longer owns, and the Worker drops
 * the entry and asks again.
 */
import type { SubShardLayout } from '@edgeswarm/policy';
import { setNewest } from '@edgeswarm/protocol';

export class LayoutCache {
  private readonly entries = new Map<string, { layout: SubShardLayout; until: number }>();

  constructor(private readonly maxEntries = 1000) {}

  get(name: string, now: number): SubShardLayout | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    if (entry.until > now) return entry.layout;
    this.entries.delete(name);
    return undefined;
  }

  set(name: string, layout: SubShardLayout, until: number): void {
    setNewest(this.entries, name, { layout, until }, this.maxEntries);
  }

  delete(name: string): void {
    this.entries.delete(name);
  }
}
