/**
 * One Durable Object per live stream. It persists commits in SQLite, keeps the
 * state in memory, renders each rendition's playlist once per change, and
 * holds blocking-reload requests until the segment they want is committed:
 * one commit wakes every waiter at once. The decisions are in live-state.ts.
 */

import { DurableObject } from 'cloudflare:workers';
import { type BlockingDirectives, type SegmentCommit, type StreamStatus, storageKey } from '@edgeswarm/protocol';
import type { Env } from '../env';
import { cacheControlFor } from '../lib/cache-policy';
import {
  applyCommit,
  blockingDecision,
  endStream,
  type LiveOptions,
  type LiveStreamState,
  lastMsn,
  newStream,
  openSession,
  type Refusal,
  renderLivePlaylist,
  resolveOptions,
  type SegmentRecord,
  streamStatus,
} from './live-state';
import { retentionDefaults, retentionPlan } from './retention';

export type PlaylistAnswer =
  | {
      ok: true;
      body: string;
      cacheControl: string /** false for a blocking request that timed out */;
      cacheable: boolean;
    }
  | Refusal
  | { ok: false; status: 404; reason: string };

export type CoordinatorMetrics = typeof emptyMetrics;

const emptyMetrics = {
  /** SQLite reads: only when the object (re)loads. */
  storageReads: 0,
  storageWrites: 0,
  commits: 0,
  duplicateCommits: 0,
  /** Playlist renders: at most one per rendition per change. */
  renders: 0,
  playlistRequests: 0,
  blockingRequests: 0,
  blockingTimeouts: 0,
  /** Commits that released at least one waiter (each releases all of its waiters at once). */
  wakeups: 0,
  waitersReleased: 0,
  /** Segments retention dropped, and objects it deleted from R2 (segments and unused init segments). */
  segmentsPruned: 0,
  objectsDeleted: 0,
};

/** R2 deletes at most this many keys per call. */
const deleteBatch = 1000;

interface Waiter {
  msn: number;
  wake: () => void;
}

export class LiveStream extends DurableObject<Env> {
  private stream: LiveStreamState | null = null;
  private readonly rendered = new Map<string, string>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly metrics = { ...emptyMetrics };
  private tablesReady = false;
  /** Whether a retention alarm is known to be set (read from storage once per wake). */
  private retentionScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.load());
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  /** Tables are created on the first write, not on load, so asking about an unknown stream stores nothing. */
  private ensureTables(): void {
    if (this.tablesReady) return;
    this.sql.exec('CREATE TABLE IF NOT EXISTS stream (id INTEGER PRIMARY KEY CHECK (id = 0), json TEXT NOT NULL)');
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS segments (rendition TEXT NOT NULL, msn INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (rendition, msn))',
    );
    // Objects retention forgot but has not yet deleted from R2 (a failed delete is retried by the next alarm).
    this.sql.exec('CREATE TABLE IF NOT EXISTS doomed (name TEXT PRIMARY KEY)');
    this.tablesReady = true;
  }

  private load(): void {
    this.metrics.storageReads++;
    const tables = this.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stream'")
      .toArray();
    if (tables.length === 0) return;
    this.ensureTables();
    const row = this.sql.exec<{ json: string }>('SELECT json FROM stream WHERE id = 0').toArray()[0];
    if (!row) return;
    const stream = {
      ...(JSON.parse(row.json) as Omit<LiveStreamState, 'renditions'>),
      renditions: {},
    } as LiveStreamState;
    for (const segment of this.sql.exec<{ rendition: string; json: string }>(
      'SELECT rendition, json FROM segments ORDER BY rendition, msn',
    )) {
      const list = stream.renditions[segment.rendition] ?? [];
      list.push(JSON.parse(segment.json) as SegmentRecord);
      stream.renditions[segment.rendition] = list;
    }
    this.stream = stream;
  }

  /** Replaces the in-memory state and persists its stream-level part. Segments are written by `commit`. */
  private save(next: LiveStreamState): void {
    const { renditions: _, ...meta } = next;
    this.ensureTables();
    this.sql.exec('INSERT OR REPLACE INTO stream (id, json) VALUES (0, ?)', JSON.stringify(meta));
    this.metrics.storageWrites++;
    this.stream = next;
    this.rendered.clear();
  }

  async create(id: string, requested: Partial<Record<keyof LiveOptions, unknown>> = {}) {
    if (this.stream) return { ok: true as const, created: false, status: streamStatus(this.stream) };
    const options = resolveOptions(requested);
    if ('ok' in options) return options;
    this.save(newStream(id, options, new Date()));
    return { ok: true as const, created: true, status: streamStatus(this.stream as unknown as LiveStreamState) };
  }

  /** A publisher starts (or restarts): creates the stream if needed and hands out a session number. */
  async openSession(id: string, requested: Partial<Record<keyof LiveOptions, unknown>> = {}) {
    const created = await this.create(id, requested);
    if (!created.ok) return created;
    const { state, session } = openSession(this.stream as LiveStreamState, new Date());
    this.save(state);
    return { ok: true as const, session, status: streamStatus(state) };
  }

  async commit(commit: SegmentCommit) {
    if (!this.stream) return { ok: false as const, status: 404 as const, reason: 'no such live stream' };
    const result = applyCommit(this.stream, commit, new Date());
    if (!result.ok) return result;
    if (result.outcome === 'duplicate') {
      this.metrics.duplicateCommits++;
      return { ok: true as const, outcome: result.outcome, msn: commit.msn };
    }
    this.sql.exec(
      'INSERT INTO segments (rendition, msn, json) VALUES (?, ?, ?)',
      commit.rendition,
      commit.msn,
      JSON.stringify(result.record),
    );
    this.metrics.commits++;
    this.save(result.state);
    this.wake(commit.rendition);
    await this.scheduleRetention();
    return { ok: true as const, outcome: result.outcome, msn: commit.msn };
  }

  async end() {
    if (!this.stream) return { ok: false as const, status: 404 as const, reason: 'no such live stream' };
    this.save(endStream(this.stream, new Date()));
    for (const rendition of this.waiters.keys()) this.wake(rendition);
    return { ok: true as const, status: streamStatus(this.stream) };
  }

  /**
   * Retention (retention.ts decides): forget segments past the DVR window and its grace, keeping
   * their names, then delete the objects from R2. In that order, so a failure leaves orphans that the
   * next alarm deletes, never a playlist that lists a deleted object. A commit to a live stream sets it.
   */
  override async alarm(): Promise<void> {
    this.retentionScheduled = false;
    if (!this.stream) return;
    const plan = retentionPlan(this.stream);
    if (plan.objects.length > 0) {
      const before = this.stream;
      this.ctx.storage.transactionSync(() => {
        for (const [rendition, msn] of Object.entries(plan.dropBefore)) {
          this.sql.exec('DELETE FROM segments WHERE rendition = ? AND msn < ?', rendition, msn);
        }
        for (const name of plan.objects) this.sql.exec('INSERT OR IGNORE INTO doomed (name) VALUES (?)', name);
        this.save(plan.state);
      });
      for (const [rendition, kept] of Object.entries(plan.state.renditions)) {
        this.metrics.segmentsPruned += (before.renditions[rendition]?.length ?? 0) - kept.length;
      }
    }
    await this.deleteDoomed();
    // Not rescheduled here: the next commit sets the alarm again, so a stream whose publisher
    // vanished without ending costs one more run, not a wake-up every 30 s for ever.
  }

  private async scheduleRetention(): Promise<void> {
    if (this.retentionScheduled || this.stream?.state !== 'live') return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + retentionDefaults.everySeconds * 1000);
    }
    this.retentionScheduled = true;
  }

  private async deleteDoomed(): Promise<void> {
    const id = this.stream?.id;
    if (!id || !this.tablesReady) return;
    for (;;) {
      const names = this.sql
        .exec<{ name: string }>('SELECT name FROM doomed LIMIT ?', deleteBatch)
        .toArray()
        .map((row) => row.name);
      if (names.length === 0) return;
      await this.env.MEDIA.delete(names.map((name) => storageKey(id, name)));
      this.ctx.storage.transactionSync(() => {
        for (const name of names) this.sql.exec('DELETE FROM doomed WHERE name = ?', name);
      });
      this.metrics.objectsDeleted += names.length;
    }
  }

  /**
   * The stream is deleted (DELETE /v1/streams/:stream): every waiter is answered, and the object's
   * storage and alarm are dropped. The route deletes the objects in R2. True when there was a stream.
   */
  async forget(): Promise<boolean> {
    const existed = this.stream !== null;
    if (this.stream) {
      this.stream = { ...this.stream, state: 'ended' };
      for (const rendition of this.waiters.keys()) this.wake(rendition);
    }
    this.stream = null;
    this.rendered.clear();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.tablesReady = false;
    this.retentionScheduled = false;
    return existed;
  }

  async status(): Promise<(StreamStatus & { coordinator: CoordinatorMetrics }) | null> {
    return this.stream && { ...streamStatus(this.stream), coordinator: { ...this.metrics } };
  }

  async playlist(rendition: string, directives: BlockingDirectives): Promise<PlaylistAnswer> {
    this.metrics.playlistRequests++;
    if (!this.stream) return { ok: false, status: 404, reason: 'no such live stream' };
    const decision = blockingDecision(this.stream, rendition, directives);
    if ('ok' in decision) return decision;
    let cacheable = true;
    if (decision.kind === 'wait') {
      this.metrics.blockingRequests++;
      const timeoutMs = this.stream.options.blockingTimeoutTargetDurations * this.stream.options.targetDuration * 1000;
      cacheable = await this.waitFor(rendition, decision.msn, timeoutMs);
      if (!cacheable) this.metrics.blockingTimeouts++;
    }
    const body = this.render(rendition);
    if (body === undefined) return { ok: false, status: 404, reason: `rendition ${rendition} has no segments yet` };
    const stream = this.stream;
    const cacheControl = !cacheable
      ? 'no-cache'
      : directives.msn !== undefined && stream.state !== 'ended'
        ? cacheControlFor({ kind: 'playlist', playlist: 'blocking', targetDuration: stream.options.targetDuration })
        : cacheControlFor({
            kind: 'playlist',
            playlist: 'media',
            endList: stream.state === 'ended',
            targetDuration: stream.options.targetDuration,
          });
    return { ok: true, body, cacheControl, cacheable };
  }

  private render(rendition: string): string | undefined {
    const cached = this.rendered.get(rendition);
    if (cached !== undefined) return cached;
    const text = this.stream ? renderLivePlaylist(this.stream, rendition) : undefined;
    if (text !== undefined) {
      this.metrics.renders++;
      this.rendered.set(rendition, text);
    }
    return text;
  }

  /** Resolves true when `msn` is committed (or the stream ends), false on timeout. */
  private waitFor(rendition: string, msn: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiters.get(rendition) ?? new Set<Waiter>();
      this.waiters.set(rendition, set);
      const timer = setTimeout(() => {
        set.delete(waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = {
        msn,
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      set.add(waiter);
    });
  }

  /** One wake-up: every waiter whose segment is now available is released together. */
  private wake(rendition: string): void {
    const set = this.waiters.get(rendition);
    if (!set || set.size === 0 || !this.stream) return;
    const last = this.stream.state === 'ended' ? Number.POSITIVE_INFINITY : lastMsn(this.stream, rendition);
    let released = 0;
    for (const waiter of set) {
      if (waiter.msn > last) continue;
      set.delete(waiter);
      waiter.wake();
      released++;
    }
    if (released > 0) {
      this.metrics.wakeups++;
      this.metrics.waitersReleased += released;
    }
  }
}
