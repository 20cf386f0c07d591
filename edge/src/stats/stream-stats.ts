/**
 * One Durable Object per stream: ingests beacons, the edge's served-byte
 * batches and rejection counts, and answers the stats snapshot. State is held
 * in memory and written through to SQLite row by row (the buckets, totals and
 * viewers a change touched), so a restart loses nothing but rate-limit tokens, the per-address penalties and the
 * beacons still held (at most `heldDefaults.holdMs` of them).
 * Every decision and every number is in aggregate.ts.
 *
 * Tables are created on the first write, not on load, so reading the stats of
 * a stream nobody watched leaves no storage behind.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Beacon, RejectionReason, StatsSnapshot } from '@edgeswarm/protocol';
import type { Env } from '../env';
import { AddressLimiter, isLimitedAddress } from '../lib/address-limiter';
import {
  applyBeacon,
  type BeaconVerdict,
  type Bucket,
  beaconAddressDefaults,
  type Changes,
  emptyState,
  emptyTotals,
  prune,
  recordRejection,
  recordServed,
  type ServedBatch,
  type StatsOptions,
  type StatsState,
  snapshot,
  statsOptionsFor,
  type Totals,
  type ViewerState,
} from './aggregate';
import { dueHeld, type HeldBeacon, heldDefaults } from './held-beacons';

/** The rejection details of beacons refused, or dropped from the hold, for their address's flood. */
export const addressRefusal = 'address over its beacon limit';
export const addressDropped = 'held, then dropped: its address went over its beacon limit';

export class StreamStats extends DurableObject<Env> {
  private state: StatsState = emptyState();
  private hasTables = false;
  private prunedAt = 0;
  /** Beacons per client address (in memory only: a restart forgives every address). */
  private readonly addresses = new AddressLimiter(beaconAddressDefaults);
  /** Admitted beacons from limited addresses, in arrival order, until they are due (held-beacons.ts; memory only). */
  private held: HeldBeacon[] = [];
  /** statsDefaults, or with the edge's STATS_RETENTION_SECONDS (a harness's). */
  private readonly options: StatsOptions;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { options, refused } = statsOptionsFor(env.STATS_RETENTION_SECONDS);
    if (refused) console.warn(refused);
    this.options = options;
    ctx.blockConcurrencyWhile(async () => this.load());
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  private load(): void {
    const tables = this.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'totals'")
      .toArray();
    if (tables.length === 0) return;
    this.hasTables = true;
    const totals = this.sql.exec<{ json: string }>('SELECT json FROM totals WHERE id = 0').toArray()[0];
    // Spread over the empty totals, so fields added later start at zero for old streams.
    if (totals) {
      const stored = JSON.parse(totals.json) as Partial<Totals>;
      const empty = emptyTotals();
      this.state.totals = { ...empty, ...stored, byMode: { ...empty.byMode, ...stored.byMode } };
    }
    for (const row of this.sql.exec<{ start: number; json: string }>('SELECT start, json FROM buckets')) {
      this.state.buckets.set(row.start, JSON.parse(row.json) as Bucket);
    }
    for (const row of this.sql.exec<{ id: string; json: string }>('SELECT id, json FROM viewers')) {
      this.state.viewers.set(row.id, JSON.parse(row.json) as ViewerState);
    }
  }

  private ensureTables(): void {
    if (this.hasTables) return;
    this.sql.exec('CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 0), json TEXT NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS buckets (start INTEGER PRIMARY KEY, json TEXT NOT NULL)');
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS viewers (id TEXT PRIMARY KEY, last_at INTEGER NOT NULL, json TEXT NOT NULL)',
    );
    this.hasTables = true;
  }

  /** Writes what a change touched (one implicit transaction: no await in between), and prunes now and then. */
  private persist(changes: Changes, now: number): void {
    if (!changes.totals && changes.buckets.size === 0 && changes.viewers.size === 0) return;
    this.ensureTables();
    if (changes.totals) {
      this.sql.exec('INSERT OR REPLACE INTO totals (id, json) VALUES (0, ?)', JSON.stringify(this.state.totals));
    }
    for (const start of changes.buckets) {
      const bucket = this.state.buckets.get(start);
      if (bucket)
        this.sql.exec('INSERT OR REPLACE INTO buckets (start, json) VALUES (?, ?)', start, JSON.stringify(bucket));
    }
    for (const id of changes.viewers) {
      const viewer = this.state.viewers.get(id);
      if (viewer) {
        this.sql.exec(
          'INSERT OR REPLACE INTO viewers (id, last_at, json) VALUES (?, ?, ?)',
          id,
          viewer.lastAt,
          JSON.stringify(viewer),
        );
      }
    }
    // Lazy rollover: at most once a bucket, drop what fell out of the retention (an hour) and viewers long gone.
    if (now - this.prunedAt >= this.options.bucketMs) {
      const cut = prune(this.state, now, this.options);
      this.sql.exec('DELETE FROM buckets WHERE start < ?', cut.bucketsBefore);
      this.sql.exec('DELETE FROM viewers WHERE last_at < ?', cut.viewersBefore);
      this.prunedAt = now;
    }
  }

  /**
   * One schema-valid beacon from `address` (CF-Connecting-IP). From a limited address (lib/address-limiter.ts) it
   * takes a token of the address's, or is refused with 429 (and the address penalised); admitted, it is held for
   * `heldDefaults.holdMs` and counted then, unless its address was penalised meanwhile (held-beacons.ts): the answer
   * says `held`. From any other it is judged and counted at once.
   */
  async ingest(beacon: Beacon, address = ''): Promise<BeaconVerdict> {
    const now = Date.now();
    this.countHeld(now);
    if (isLimitedAddress(address)) {
      const taken = this.addresses.take(address, now);
      if (!taken.ok) {
        this.persist(recordRejection(this.state, 'rate_limited', addressRefusal, now, this.options), now);
        return {
          ok: false,
          reason: 'rate_limited',
          status: 429,
          message: `more than ${beaconAddressDefaults.capacity} beacons at once or ${beaconAddressDefaults.refillPerSecond} per second from one address: refused for ${beaconAddressDefaults.penaltyMs / 1000} s after the last one`,
          retryAfterSeconds: Math.ceil(taken.retryAfterMs / 1000),
          address: true,
        };
      }
      this.held.push({ beacon, address, at: now });
      return { ok: true, held: true };
    }
    const { verdict, changes } = applyBeacon(this.state, beacon, now, this.options);
    this.persist(changes, now);
    return verdict;
  }

  /** Counts the held beacons now due, and drops those of an address penalised since they came. */
  private countHeld(now: number): void {
    if (this.held.length === 0) return;
    const { count, drop, keep } = dueHeld(this.held, now, (a) => this.addresses.penalisedUntil(a), heldDefaults);
    this.held = keep;
    for (const h of count) this.persist(applyBeacon(this.state, h.beacon, h.at, this.options).changes, now);
    for (const h of drop)
      this.persist(recordRejection(this.state, 'rate_limited', addressDropped, h.at, this.options), now);
  }

  /** A beacon the route refused before it got here (size, JSON, schema, stream). */
  async reject(reason: RejectionReason, detail?: string): Promise<void> {
    const now = Date.now();
    this.countHeld(now);
    this.persist(recordRejection(this.state, reason, detail?.slice(0, 120), now, this.options), now);
  }

  /** A batch of the edge's own served bytes from one isolate. */
  async recordServed(batch: ServedBatch): Promise<void> {
    const now = Date.now();
    this.persist(recordServed(this.state, batch, now, this.options), now);
  }

  /** The stream is deleted: its stats go, in memory and in storage. True when anything was counted. */
  async forget(): Promise<boolean> {
    const existed = this.hasTables;
    this.state = emptyState();
    this.prunedAt = 0;
    await this.ctx.storage.deleteAll();
    this.hasTables = false;
    return existed;
  }

  async snapshot(stream: string): Promise<StatsSnapshot> {
    const now = Date.now();
    this.countHeld(now);
    return snapshot(this.state, stream, now, this.options);
  }
}
