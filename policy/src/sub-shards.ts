/**
 * Sub-shards of one region shard of a stream's tracker: when to split and
 * merge, and which sub-shard a new socket joins. Pure: plain data in, plain
 * data out, `now` passed in. The Worker (routes/tracker.ts), the sub-shard and
 * directory Durable Objects (edge/src/tracker/) and the simulator (infra/sim/)
 * all call these same functions.
 *
 * The key space is ordered by nearness. A socket's routing key is
 * colo (16 bits) · ASN (16 bits) · client (21 bits), a safe integer, so the
 * viewers of one colo are one contiguous run of keys, and within it those of
 * one network. A sub-shard owns a contiguous range of keys (range
 * partitioning, as Bigtable's tablets), and a split cuts its range at the
 * quantiles of its own sockets' keys, snapped to a colo or ASN boundary when
 * one is near: each part carries a like share of the load, and viewers of one
 * colo and network keep meeting for as long as they fit in one object.
 */
import { fnv1a } from './hash';

export interface SubShardOptions {
  /** Requests a second one Durable Object handles (Cloudflare's documented soft limit); for reports only. */
  objectLimitPerSecond: number;
  /** Inbound messages (upgrades, announces, answers, scrapes, forwarded offers) a sub-shard should stay under, per second. */
  messageBudgetPerSecond: number;
  /** A sub-shard splits when its load passes this share of the budget (the rest is headroom for growth while it splits). */
  splitAtShare: number;
  /** Two neighbouring sub-shards merge when together they are under this share of the budget (hysteresis against flapping). */
  mergeBelowShare: number;
  /** A sub-shard also splits above this many swarm memberships (peers), whatever its message rate. */
  maxPeers: number;
  /** Sub-shards per region shard at most; a split that would pass it splits less. */
  maxSubShards: number;
  /**
   * A sub-shard far over its threshold (a flash crowd) splits into up to this many parts at once: enough that
   * the parts of a first object taking a whole flash crowd (~7 500 messages/s in the simulator's million) each
   * start under the threshold.
   */
  maxSplitWays: number;
  /**
   * After a split or merge, no merge touches the sub-shards involved for this long: their moved sockets are
   * still reconnecting, and their load is still settling.
   */
  cooldownMs: number;
  /**
   * ...and they split again only after this long: a split diverts new sockets at once (once the Workers'
   * layouts are fresh), so in a flash crowd a part still over its threshold splits again soon.
   */
  splitCooldownMs: number;
  /** How often a sub-shard with sockets reports its load to the directory (and learns its range). */
  reportEveryMs: number;
  /** A merge is decided only on reports younger than this. */
  reportFreshMs: number;
  /** Sockets a sub-shard closes per second once they belong elsewhere (they reconnect and re-announce there): paces the move. */
  shedPerSecond: number;
  /** A swarm with fewer peers than this in a sub-shard is introduced to the neighbouring sub-shard: offers it cannot place go there. */
  introduceBelowPeers: number;
  /** How long the Worker keeps a layout before asking the directory again (a stale one is corrected by the sub-shard). */
  layoutCacheMs: number;
  /** The load a sub-shard reports is its mean over this many seconds. */
  loadWindowSeconds: number;
}

/**
 * Sized for the per-object limit: a viewer sends about 0.2 messages a second
 * (an announce every 30 s, and an answer to each of the ~5 offers relayed to
 * it per 30 s), so a sub-shard splits at about 1 800 viewers (360 messages/s)
 * and each half starts at about 900. The split share, merge share and shedding
 * pace were chosen with the simulator's million-viewer run (BENCHMARKS.md): at
 * 0.75 and 25 sockets/s, single seconds on a few objects went to 112% of the budget.
 */
export const subShardDefaults: SubShardOptions = {
  objectLimitPerSecond: 1000,
  messageBudgetPerSecond: 600,
  splitAtShare: 0.6,
  mergeBelowShare: 0.25,
  maxPeers: 5000,
  maxSubShards: 4096,
  maxSplitWays: 64,
  cooldownMs: 60_000,
  splitCooldownMs: 10_000,
  reportEveryMs: 5_000,
  reportFreshMs: 30_000,
  shedPerSecond: 10,
  introduceBelowPeers: 8,
  layoutCacheMs: 5_000,
  loadWindowSeconds: 10,
};

/** Merges overrides over the defaults; refuses a value that would disable a rule by accident. */
export function resolveSubShardOptions(overrides: Partial<SubShardOptions> = {}): SubShardOptions {
  const options = { ...subShardDefaults, ...overrides };
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`sub-shard option ${name} must be a finite number ≥ 0, got ${String(value)}`);
    }
  }
  if (options.messageBudgetPerSecond <= 0 || options.maxPeers <= 0 || options.loadWindowSeconds < 1) {
    throw new RangeError('sub-shard options: messageBudgetPerSecond and maxPeers must be > 0, loadWindowSeconds ≥ 1');
  }
  if (!(options.mergeBelowShare * 2 < options.splitAtShare)) {
    // Two halves of a fresh split must not qualify for a merge at once.
    throw new RangeError('sub-shard options: mergeBelowShare must be less than half of splitAtShare');
  }
  if (options.maxSubShards < 1 || options.maxSplitWays < 2) {
    throw new RangeError('sub-shard options: maxSubShards must be ≥ 1 and maxSplitWays ≥ 2');
  }
  return options;
}

// ---- routing keys ----------------------------------------------------------------------------

const coloUnit = 2 ** 37;
const asnUnit = 2 ** 21;
const clientMask = 0x1fffff;
/** One past the largest routing key. */
export const keySpaceEnd = 2 ** 53;

/** What the Worker knows about a new socket. `client` is any per-connection text (the Worker uses address and WebSocket key). */
export interface RoutingPeer {
  /** "" when unknown: all unknown colos share one run of keys. */
  colo: string;
  /** 0 when unknown. */
  asn: number;
  client: string;
}

/** A socket's place in the key space: colo, then ASN, then a hash of the client. */
export function routingKey(peer: RoutingPeer): number {
  const colo = peer.colo ? fnv1a(peer.colo) & 0xffff : 0;
  const asn = peer.asn > 0 ? fnv1a(String(peer.asn)) & 0xffff : 0;
  return colo * coloUnit + asn * asnUnit + (fnv1a(peer.client) & clientMask);
}

/** The first key of the colo group (`level` 'colo') or colo+ASN group (`level` 'asn') `key` is in. */
export function groupStart(key: number, level: 'colo' | 'asn'): number {
  const unit = level === 'colo' ? coloUnit : asnUnit;
  return Math.floor(key / unit) * unit;
}

// ---- layouts and routing ---------------------------------------------------------------------

export interface SubShardLeaf {
  /** First key of its range; the range ends where the next leaf starts. */
  start: number;
  /** When its range last changed (ms): the cooldown counts from here. */
  changedAt: number;
}

/** One region shard's sub-shards, sorted by start; the first starts at 0, so every key has exactly one. */
export interface SubShardLayout {
  /** Grows with every split and merge: a sub-shard trusts only the newest range it has seen. */
  version: number;
  leaves: SubShardLeaf[];
}

export function initialLayout(now = 0): SubShardLayout {
  return { version: 0, leaves: [{ start: 0, changedAt: now }] };
}

export interface KeyRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/** Index of the leaf that owns `key` (binary search). */
export function leafIndexOf(layout: SubShardLayout, key: number): number {
  let lo = 0;
  let hi = layout.leaves.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((layout.leaves[mid] as SubShardLeaf).start <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function rangeAt(layout: SubShardLayout, index: number): KeyRange {
  return {
    start: layout.leaves[index]?.start ?? keySpaceEnd,
    end: layout.leaves[index + 1]?.start ?? keySpaceEnd,
  };
}

export interface Route extends KeyRange {
  key: number;
  version: number;
}

/**
 * THE routing function: which sub-shard a new socket joins. The same peer and
 * layout always give the same answer; the Worker and the simulator both call it.
 */
export function routeSocket(layout: SubShardLayout, peer: RoutingPeer): Route {
  const key = routingKey(peer);
  return { key, version: layout.version, ...rangeAt(layout, leafIndexOf(layout, key)) };
}

/** The Durable Object name of the sub-shard starting at `start`; the first keeps the region shard's own name. */
export function subShardName(regionObject: string, start: number): string {
  return start === 0 ? regionObject : `${regionObject}:${start.toString(16)}`;
}

/** Where a sub-shard stands with the directory: its range (empty once merged away), and whom it is introduced to. */
export interface SubShardAssignment extends KeyRange {
  version: number;
  /** When its range last changed (ms): its split decisions wait out the cooldown from here. */
  changedAt: number;
  /** Start of the neighbouring sub-shard that takes offers this one's small swarms cannot place. */
  neighbour?: number;
  options: SubShardOptions;
}

export const inRange = (range: KeyRange, key: number): boolean => key >= range.start && key < range.end;

// ---- split and merge decisions -----------------------------------------------------------------

/** What a sub-shard reports about itself. */
export interface SubShardLoad {
  /**
   * Inbound messages per second: the higher of its mean over `loadWindowSeconds` and the lower of its last two
   * whole seconds (so a flash crowd is seen in two seconds, not after a window, and one noisy second is not).
   */
  messagesPerSecond: number;
  /**
   * Inbound messages in each of its last two whole seconds, the last first. Optional (the load a sub-shard
   * reported before this field existed is judged on `messagesPerSecond` alone): a split is sized from the last
   * second, and a sub-shard still in its split cooldown splits again only when both are over the whole budget.
   */
  lastSeconds?: readonly [number, number];
  /** Swarm memberships. */
  peers: number;
  sockets: number;
  /** When its range last changed (ms), as it knows it. */
  changedAt: number;
}

/**
 * The load a sub-shard reports, from its mean over the window and its last two
 * whole seconds. Two, not one: a sub-shard near its threshold passes it for a
 * second now and then by chance (an announce brings its answers with it), and
 * across hundreds of sub-shards that would be a needless split every few seconds.
 */
export function reportedLoad(windowMeanPerSecond: number, lastSeconds: readonly [number, number]): number {
  return Math.max(windowMeanPerSecond, Math.min(...lastSeconds));
}

/**
 * Whether a sub-shard should report before its next report time: each of its
 * last two whole seconds passed the split threshold (a flash crowd arriving).
 */
export function reportNow(lastSeconds: readonly [number, number], options: SubShardOptions): boolean {
  return Math.min(...lastSeconds) > options.messageBudgetPerSecond * options.splitAtShare;
}

/**
 * How long a Worker may keep the layout: `layoutCacheMs`, shortened while the
 * layout is changing (a quarter of the time since its last change, at least a
 * tenth of `layoutCacheMs`), so during a flash crowd new sockets follow splits
 * within a second or so instead of knocking at the old sub-shard.
 */
export function layoutCacheMs(layout: SubShardLayout, now: number, options: SubShardOptions): number {
  let changed = Number.NEGATIVE_INFINITY;
  for (const leaf of layout.leaves) changed = Math.max(changed, leaf.changedAt);
  const settling = (now - changed) / 4;
  return Math.round(Math.min(options.layoutCacheMs, Math.max(options.layoutCacheMs / 10, settling)));
}

/**
 * Whether a sub-shard whose range last changed at `changedAt` may split now:
 * once its split cooldown is over; before that, only when each of its last two
 * whole seconds was over its whole budget (not just the split threshold). A
 * split diverts new sockets at once, so a part still over its budget right
 * after a split got too small a share of the split (a flash crowd arriving
 * faster than the load it was sized from) and should not wait out the
 * cooldown over budget. The directory asks this with its own `changedAt`.
 */
export function maySplit(
  load: Pick<SubShardLoad, 'lastSeconds'>,
  changedAt: number,
  now: number,
  options: SubShardOptions,
): boolean {
  if (now - changedAt >= options.splitCooldownMs) return true;
  const last = load.lastSeconds;
  return last !== undefined && Math.min(last[0], last[1]) > options.messageBudgetPerSecond;
}

/**
 * How many parts a sub-shard should split into now: 1 means no split. Due when
 * its load passes the split threshold (or its peers the cap), past its
 * cooldown, or in it when `maySplit` allows. Sized so each part starts at about
 * half the threshold, from the higher of the reported load and its last whole
 * second: a flash crowd's first report comes a second or two into it, when the
 * window's mean has seen a fraction of it. In the cooldown only the last second
 * counts (the window still holds the load of the range before the split).
 */
export function splitWays(load: SubShardLoad, now: number, options: SubShardOptions): number {
  if (!maySplit(load, load.changedAt, now, options)) return 1;
  const threshold = options.messageBudgetPerSecond * options.splitAtShare;
  if (load.messagesPerSecond <= threshold && load.peers <= options.maxPeers) return 1;
  const cooling = now - load.changedAt < options.splitCooldownMs;
  const lastSecond = load.lastSeconds?.[0] ?? 0;
  const rate = cooling ? lastSecond : Math.max(load.messagesPerSecond, lastSecond);
  // Each part should start at about half the threshold, so it can grow before it splits again.
  const byMessages = Math.ceil(rate / (threshold / 2));
  const byPeers = Math.ceil(load.peers / (options.maxPeers / 2));
  return Math.min(options.maxSplitWays, Math.max(2, byMessages, byPeers));
}

/**
 * Where to cut a sorted list of keys into `ways` parts: at each quantile, moved
 * to the nearest colo boundary within a quarter of a part, else the nearest ASN
 * boundary, else kept. Never between two equal keys (they cannot be told apart).
 * Returns strictly increasing points inside (range.start, range.end); fewer
 * than ways − 1 when the keys cannot be cut that often.
 */
export function chooseSplitPoints(keys: readonly number[], ways: number, range: KeyRange): number[] {
  const n = keys.length;
  const parts = Math.floor(ways);
  if (n < 2 || parts < 2) return [];
  const slack = Math.max(0, Math.floor(n / parts / 4));
  const points: number[] = [];
  let previous = range.start;
  for (let i = 1; i < parts; i++) {
    const rank = Math.round((i * n) / parts);
    const point = snappedCut(keys, rank, slack);
    if (point === undefined || point <= previous || point >= range.end) continue;
    points.push(point);
    previous = point;
  }
  return points;
}

/** A cut near `rank`: a colo boundary first, then an ASN boundary, then any place two neighbouring keys differ. */
function snappedCut(keys: readonly number[], rank: number, slack: number): number | undefined {
  const n = keys.length;
  const cutAt = (p: number): number | undefined => {
    if (p <= 0 || p >= n) return undefined;
    const below = keys[p - 1] as number;
    const above = keys[p] as number;
    return below < above ? above : undefined;
  };
  for (const level of ['colo', 'asn'] as const) {
    for (let d = 0; d <= slack; d++) {
      for (const p of d === 0 ? [rank] : [rank - d, rank + d]) {
        if (p <= 0 || p >= n) continue;
        const below = keys[p - 1] as number;
        const above = keys[p] as number;
        const start = groupStart(above, level);
        if (groupStart(below, level) !== start) return start;
      }
    }
  }
  // No group boundary nearby (one colo and network bigger than a part): cut between distinct keys nearest the rank.
  for (let d = 0; d < n; d++) {
    const cut = cutAt(rank - d) ?? cutAt(rank + d);
    if (cut !== undefined) return cut;
  }
  return undefined;
}

/** The split a sub-shard asks for: cut points for its range, or [] for none. `keys` sorted ascending. */
export function planSplit(
  load: SubShardLoad,
  keys: readonly number[],
  range: KeyRange,
  now: number,
  options: SubShardOptions,
): number[] {
  const ways = splitWays(load, now, options);
  return ways < 2 ? [] : chooseSplitPoints(keys, ways, range);
}

/**
 * The layout after the leaf starting at `start` splits at `points`, or
 * undefined when nothing changes (no such leaf, points outside its range, or
 * the cap reached). Points past the cap are dropped, the highest first.
 */
export function applySplit(
  layout: SubShardLayout,
  start: number,
  points: readonly number[],
  now: number,
  options: Pick<SubShardOptions, 'maxSubShards'>,
): SubShardLayout | undefined {
  const index = layout.leaves.findIndex((leaf) => leaf.start === start);
  if (index < 0) return undefined;
  const range = rangeAt(layout, index);
  const room = options.maxSubShards - layout.leaves.length;
  const cuts = [...new Set(points)]
    .filter((p) => Number.isSafeInteger(p) && p > range.start && p < range.end)
    .sort((a, b) => a - b)
    .slice(0, Math.max(0, room));
  if (cuts.length === 0) return undefined;
  const leaves = [
    ...layout.leaves.slice(0, index),
    { start, changedAt: now },
    ...cuts.map((p) => ({ start: p, changedAt: now })),
    ...layout.leaves.slice(index + 1),
  ];
  return { version: layout.version + 1, leaves };
}

export interface LoadReport extends SubShardLoad {
  /** When the directory received it (ms). */
  at: number;
}

/**
 * The merge the directory should make now, if any: the neighbouring pair with
 * the least load together, when both reported recently, both are past their
 * cooldown, and together they are under the merge share of the budget and of
 * the peer cap. The right one's range goes to the left one.
 */
export function planMerge(
  layout: SubShardLayout,
  reports: ReadonlyMap<number, LoadReport>,
  now: number,
  options: SubShardOptions,
): { left: number; right: number } | undefined {
  const messageCap = options.messageBudgetPerSecond * options.mergeBelowShare;
  const peerCap = options.maxPeers * options.mergeBelowShare;
  let best: { left: number; right: number; load: number } | undefined;
  for (let i = 0; i + 1 < layout.leaves.length; i++) {
    const left = layout.leaves[i] as SubShardLeaf;
    const right = layout.leaves[i + 1] as SubShardLeaf;
    if (now - left.changedAt < options.cooldownMs || now - right.changedAt < options.cooldownMs) continue;
    const a = reports.get(left.start);
    const b = reports.get(right.start);
    if (!a || !b || now - a.at > options.reportFreshMs || now - b.at > options.reportFreshMs) continue;
    const load = a.messagesPerSecond + b.messagesPerSecond;
    if (load >= messageCap || a.peers + b.peers >= peerCap) continue;
    if (!best || load < best.load) best = { left: left.start, right: right.start, load };
  }
  return best && { left: best.left, right: best.right };
}

/** The layout after the leaf starting at `right` is merged into its left neighbour; undefined when there is none. */
export function applyMerge(layout: SubShardLayout, right: number, now: number): SubShardLayout | undefined {
  const index = layout.leaves.findIndex((leaf) => leaf.start === right);
  if (index < 1) return undefined;
  const leaves = layout.leaves.filter((_, i) => i !== index);
  leaves[index - 1] = { start: (leaves[index - 1] as SubShardLeaf).start, changedAt: now };
  return { version: layout.version + 1, leaves };
}

/**
 * The sub-shard `start` is introduced to: its neighbour in key order (so the
 * nearest viewers) with more peers by the reports, the left one on a tie or
 * when neither has reported. None when it is alone, or not in the layout.
 */
export function neighbourOf(
  layout: SubShardLayout,
  start: number,
  reports: ReadonlyMap<number, Pick<LoadReport, 'peers'>> = new Map(),
): number | undefined {
  const index = layout.leaves.findIndex((leaf) => leaf.start === start);
  if (index < 0) return undefined;
  const left = layout.leaves[index - 1]?.start;
  const right = layout.leaves[index + 1]?.start;
  if (left === undefined || right === undefined) return left ?? right;
  const peers = (s: number) => reports.get(s)?.peers ?? -1;
  return peers(right) > peers(left) ? right : left;
}

/** What the directory tells the sub-shard starting at `start`: an empty range once it has been merged away. */
export function assignmentOf(
  layout: SubShardLayout,
  start: number,
  reports: ReadonlyMap<number, Pick<LoadReport, 'peers'>>,
  options: SubShardOptions,
): SubShardAssignment {
  const index = layout.leaves.findIndex((leaf) => leaf.start === start);
  if (index < 0) return { start, end: start, version: layout.version, changedAt: 0, options };
  const neighbour = neighbourOf(layout, start, reports);
  return {
    ...rangeAt(layout, index),
    version: layout.version,
    changedAt: (layout.leaves[index] as SubShardLeaf).changedAt,
    ...(neighbour !== undefined ? { neighbour } : {}),
    options,
  };
}
