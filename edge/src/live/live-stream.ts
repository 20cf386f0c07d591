/**
 * One Durable Object per live stream. It persists commits in SQLite, keeps the
 * state in memory, renders each rendition's playlist once per change, and
 * holds blocking-reload requests until the segment (or part) they want is
 * committed: one commit wakes every waiter at once. LL-HLS parts are kept in
 * memory only (never R2, never SQLite) for the few seconds they are useful.
 * The decisions are in live-state.ts and protocol's low-latency.ts.
 */

import { DurableObject } from 'cloudflare:workers';
import {
  type BlockingDirectives,
  blockingDefaults,
  decideBlockingReload,
  decidePartRequest,
  hasReached,
  type PartRequestDecision,
  type SegmentCommit,
  type StreamStatus,
  sha256Hex,
  storageKey,
} from '@edgeswarm/protocol';
import type { Env } from '../env';
import { cacheControlFor } from '../lib/cache-policy';
import {
  applyCommit,
  applyPart,
  dropParts,
  endStream,
  type LiveOptions,
  type LiveStreamState,
  liveEdge,
  newStream,
  openSession,
  type PartLog,
  type PartUpload,
  partsOfSegment,
  pruneParts,
  type Refusal,
  renderLivePlaylist,
  resolveOptions,
  resolvePartTarget,
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
  | { ok: false; status: 404 | 503; reason: string };

export type PartAnswer =
  | { ok: true; bytes: ArrayBuffer; sha256: string; size: number }
  | { ok: false; status: 404 | 503; reason: string };

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
  /** LL-HLS parts accepted, repeated, asked for, asked for before they existed, and never arrived in time. */
  parts: 0,
  duplicateParts: 0,
  partRequests: 0,
  partWaits: 0,
  partTimeouts: 0,
  /**
   * Committed segments whose bytes are exactly the parts published for them, and those that are not (a publisher
   * bug): low-latency viewers may have played bytes that differ from everyone else's. A segment whose parts this
   * object missed (it restarted mid-segment) is neither.
   */
  partsMatched: 0,
  partMismatches: 0,
  /** Parts no longer listed because their segment did not match them (the segment is kept). */
  partsDropped: 0,
};

/** R2 deletes at most this many keys per call. */
const deleteBatch = 1000;

interface Waiter {
  /** Whether what the waiter wants is there now (or will never come). */
  ready: () => boolean;
  wake: () => void;
}

export class LiveStream extends DurableObject<Env> {
  private stream: LiveStreamState | null = null;
  /** Rendered playlists by rendition (and `?skip` for its delta update). */
  private readonly rendered = new Map<string, string>();
  /** LL-HLS parts, and their bytes by `<rendition>/<uri>`: memory only, lost (harmlessly) when the object restarts. */
  private parts: PartLog = {};
  private readonly partBytes = new Map<string, ArrayBuffer>();
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
  async openSession(id: string, requested: Partial<Record<keyof LiveOptions | 'partTarget', unknown>> = {}) {
    const { partTarget: requestedPartTarget, ...options } = requested;
    const created = await this.create(id, options);
    if (!created.ok) return created;
    const stream = this.stream as LiveStreamState;
    const partTarget = resolvePartTarget(requestedPartTarget, stream.options);
    if (typeof partTarget === 'object') return partTarget;
    const { state, session } = openSession(stream, new Date(), partTarget);
    this.save(state);
    this.setParts(pruneParts(state, this.parts));
    return { ok: true as const, session, status: streamStatus(state) };
  }

  /** Replaces the part log, dropping the bytes of parts it no longer holds. */
  private setParts(next: PartLog): void {
    this.parts = next;
    const held = new Set(Object.entries(next).flatMap(([r, parts]) => parts.map((p) => `${r}/${p.uri}`)));
    for (const key of this.partBytes.keys()) if (!held.has(key)) this.partBytes.delete(key);
    this.rendered.clear();
  }

  /** A part from the publisher (LL-HLS): held in memory, listed in the playlists, served to held requests. */
  async putPart(upload: PartUpload, bytes: ArrayBuffer) {
    if (!this.stream) return { ok: false as const, status: 404 as const, reason: 'no such live stream' };
    const result = applyPart(this.stream, this.parts, upload);
    if (!result.ok) return result;
    if (result.outcome === 'duplicate') {
      this.metrics.duplicateParts++;
      return { ok: true as const, outcome: result.outcome };
    }
    this.metrics.parts++;
    this.partBytes.set(`${upload.rendition}/${result.record.uri}`, bytes);
    this.setParts(result.log);
    this.wake(upload.rendition);
    return { ok: true as const, outcome: result.outcome };
  }

  /** A part's bytes; a part a preload hint may name is held until it is published (or will never be). */
  async part(rendition: string, msn: number, part: number, session: number): Promise<PartAnswer> {
    this.metrics.partRequests++;
    const key = `${rendition}/s${session}-${msn}.p${part}.m4s`;
    const decide = (): PartRequestDecision => {
      const stream = this.stream;
      if (!stream) return { ok: false, status: 404, reason: 'no such live stream' };
      const published = this.partBytes.has(key);
      if (!published && session !== stream.sessions - 1) {
        return { ok: false, status: 404, reason: `session ${session} is not the current publisher session` };
      }
      return decidePartRequest(liveEdge(stream, rendition, this.parts), msn, part, published, Date.now());
    };
    const waiting = (d: PartRequestDecision) => 'kind' in d && d.kind === 'wait';
    const first = decide();
    if ('kind' in first && first.kind === 'wait') {
      this.metrics.partWaits++;
      if (!(await this.waitUntil(rendition, () => !waiting(decide()), first.until))) {
        this.metrics.partTimeouts++;
        return { ok: false, status: 503, reason: `part ${part} of segment ${msn} was not published in time; retry` };
      }
    }
    const decision = decide();
    if ('ok' in decision) return decision;
    const bytes = this.partBytes.get(key);
    const record = this.parts[rendition]?.find((p) => `${rendition}/${p.uri}` === key);
    if (!bytes || !record) return { ok: false, status: 404, reason: `part ${part} of segment ${msn} is not published` };
    return { ok: true, bytes: bytes.slice(0), sha256: record.sha256, size: record.size };
  }

  async commit(commit: SegmentCommit) {
    if (!this.stream) return { ok: false as const, status: 404 as const, reason: 'no such live stream' };
    const preview = applyCommit(this.stream, commit, new Date());
    if (!preview.ok) return preview;
    if (preview.outcome === 'duplicate') {
      this.metrics.duplicateCommits++;
      return { ok: true as const, outcome: preview.outcome, msn: commit.msn };
    }
    // Judged before anything changes, so no waiter woken by this commit sees parts that are about to go.
    const parts = await this.partsVerdict(commit.rendition, preview.record);
    if (!this.stream) return { ok: false as const, status: 404 as const, reason: 'no such live stream' };
    // Again, on the state as it is after the hash: another request may have run meanwhile.
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
    let next = pruneParts(result.state, this.parts);
    if (parts.kind === 'matched') this.metrics.partsMatched++;
    if (parts.kind === 'mismatch') {
      // The segment wins: its bytes are stored and hash-checked, and P2P, DVR and every non-LL player use them;
      // refusing it would leave a gap that refuses every later commit. Its parts stop being listed, so players
      // load the whole segment; a part already fetched cannot be called back.
      this.metrics.partMismatches++;
      this.metrics.partsDropped += parts.uris.length;
      next = dropParts(next, commit.rendition, parts.uris);
      console.warn(
        `${this.stream.id} ${commit.rendition}/${result.record.uri} is not the concatenation of its ${parts.uris.length} parts; the parts are dropped`,
      );
    }
    this.setParts(next);
    this.wake(commit.rendition);
    await this.scheduleRetention();
    return {
      ok: true as const,
      outcome: result.outcome,
      msn: commit.msn,
      ...(parts.kind === 'mismatch'
        ? {
            partsDropped: parts.uris.length,
            warning: `the segment is not the concatenation of its ${parts.uris.length} parts; the segment is kept and its parts are no longer listed`,
          }
        : {}),
    };
  }

  /** Whether a segment about to be committed is byte for byte the concatenation of the parts published for it. */
  private async partsVerdict(
    rendition: string,
    segment: SegmentRecord,
  ): Promise<{ kind: 'unchecked' } | { kind: 'matched' } | { kind: 'mismatch'; uris: string[] }> {
    const parts = partsOfSegment(this.parts[rendition] ?? [], segment);
    const chunks = parts.map((p) => this.partBytes.get(`${rendition}/${p.uri}`));
    // No parts, or some missing (the object restarted mid-segment): nothing to compare.
    if (parts.length === 0 || chunks.some((c) => c === undefined)) return { kind: 'unchecked' };
    const joined = new Uint8Array(chunks.reduce((sum, c) => sum + (c?.byteLength ?? 0), 0));
    let at = 0;
    for (const chunk of chunks as ArrayBuffer[]) {
      joined.set(new Uint8Array(chunk), at);
      at += chunk.byteLength;
    }
    if ((await sha256Hex(joined)) === segment.sha256) return { kind: 'matched' };
    return { kind: 'mismatch', uris: parts.map((p) => p.uri) };
  }

  async end() {
    if (!this.stream) return { ok: false as const, status: 404 as const, reason: 'no such live stream' };
    this.save(endStream(this.stream, new Date()));
    this.setParts({});
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
    this.setParts({});
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
    const decision = decideBlockingReload(directives, liveEdge(this.stream, rendition, this.parts), Date.now());
    if ('ok' in decision) return decision;
    let cacheable = true;
    if (decision.kind === 'wait') {
      this.metrics.blockingRequests++;
      const { msn, part } = decision;
      cacheable = await this.waitUntil(
        rendition,
        () => this.stream?.state !== 'live' || hasReached(liveEdge(this.stream, rendition, this.parts), msn, part),
        decision.until,
      );
      if (!cacheable) {
        this.metrics.blockingTimeouts++;
        if (decision.onTimeout === 'unavailable') {
          return {
            ok: false,
            status: 503,
            reason: `segment ${msn}${part === undefined ? '' : ` part ${part}`} did not appear within ${blockingDefaults.timeoutTargetDurations} target durations; retry`,
          };
        }
      }
      if (!this.stream) return { ok: false, status: 404, reason: 'no such live stream' };
    }
    const body = this.render(rendition, directives.skip === true);
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

  private render(rendition: string, skip = false): string | undefined {
    const key = skip ? `${rendition}?skip` : rendition;
    const cached = this.rendered.get(key);
    if (cached !== undefined) return cached;
    const text = this.stream ? renderLivePlaylist(this.stream, rendition, this.parts, skip) : undefined;
    if (text !== undefined) {
      this.metrics.renders++;
      this.rendered.set(key, text);
    }
    return text;
  }

  /** Resolves true once `ready()` holds (checked at each commit, part and end), false at `until` (epoch ms). */
  private waitUntil(rendition: string, ready: () => boolean, until: number): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiters.get(rendition) ?? new Set<Waiter>();
      this.waiters.set(rendition, set);
      const timer = setTimeout(
        () => {
          set.delete(waiter);
          resolve(false);
        },
        Math.max(0, until - Date.now()),
      );
      const waiter: Waiter = {
        ready,
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      set.add(waiter);
    });
  }

  /** One wake-up: every waiter whose segment or part is now available is released together. */
  private wake(rendition: string): void {
    const set = this.waiters.get(rendition);
    if (!set || set.size === 0) return;
    let released = 0;
    for (const waiter of set) {
      if (this.stream && !waiter.ready()) continue;
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
