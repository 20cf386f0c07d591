/**
 * TrackerSwarm: one region shard of one stream's WebTorrent tracker, as a
 * Durable Object. A thin adapter: it accepts WebSockets through the hibernation
 * API, hands every frame to the TrackerEngine, and carries out the outcome
 * (send, close, persist attachments). All protocol rules live in the engine.
 *
 * Hibernation: per-socket state lives in each socket's attachment, so an idle
 * shard can be evicted from memory with its sockets left open, and on waking
 * the constructor rebuilds every swarm from `getWebSockets()`. Peer timeouts
 * are swept by an alarm, not timers, which would keep the object awake.
 *
 * Only real swarms: the object knows its stream (and the origins viewers
 * reach it through) from the Worker, and derives the stream's info_hashes from
 * its multivariant playlist in R2 when the engine asks (swarm-ids.ts),
 * caching them in storage so a wake costs no R2 read.
 */

interface StoredAllowlist {
  stream: string;
  published: boolean;
  infoHashes: string[];
  derivedAt: number;
}

import { DurableObject } from 'cloudflare:workers';
import { multivariantName, storageKey } from '@edgeswarm/protocol';
import type { Env } from '../env';
import type { SwarmAllowlist } from './allowlist';
import { trackerDefaults } from './limits';
import { resolveRegion } from './region';
import type { ShardStats, TrackerCounters } from './stats';
import { deriveInfoHashes, manifestSwarmId, playerSwarmId, variantsOf } from './swarm-ids';
import { type Outcome, TrackerEngine } from './tracker-engine';

/** Close codes a server may send back when echoing a client's close. */
function echoableCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
}

export class TrackerSwarm extends DurableObject<Env> {
  private engine: TrackerEngine<WebSocket>;
  /** When the sweep alarm is due: undefined until read from storage once per wake, null when none. */
  private alarmAt: number | null | undefined;
  /** This shard's stream, as the Worker routed it here (kept in storage for after a wake). */
  private stream: string | undefined;
  /** Origins viewers reached the edge through: a stock player's default swarm id is the playlist's URL there. */
  private origins: string[];
  private refreshing: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.engine = new TrackerEngine(trackerDefaults, randomSeed(), true);
    const kv = ctx.storage.kv;
    this.stream = kv.get<string>('stream');
    this.origins = kv.get<string[]>('origins') ?? [];
    const retired = kv.get<TrackerCounters>('retired');
    if (retired) this.engine.restoreRetired(retired);
    const cached = kv.get<StoredAllowlist>('allowlist');
    if (cached) this.engine.allowlist = { ...cached, infoHashes: new Set(cached.infoHashes) };
    for (const ws of ctx.getWebSockets()) {
      if (!this.engine.restore(ws, ws.deserializeAttachment())) {
        // Written by an incompatible version: let the client reconnect and announce afresh.
        this.closeQuietly(ws, 1012, 'tracker restarted');
      }
    }
  }

  /** The Worker forwards upgrades here with the peer's region as query parameters (see routes/tracker.ts). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('expected a WebSocket upgrade', { status: 426 });
    }
    const downUntil = (await this.ctx.storage.get<number>('downUntil')) ?? 0;
    if (Date.now() < downUntil) return new Response('tracker outage (fault injection)', { status: 503 });
    const params = new URL(request.url).searchParams;
    const region = resolveRegion(undefined, params, true);
    if (!region.ok) return new Response(region.reason, { status: 400 });
    this.learnStream(params.get('stream'), params.get('origin'));
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const now = Date.now();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(this.engine.connect(server, region.value, now));
    await this.ensureSweep(now);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      let outcome = this.engine.receive(ws, message, Date.now());
      if (outcome.refreshAllowlist) {
        await this.refreshAllowlist();
        outcome = this.engine.receive(ws, message, Date.now());
      }
      this.carryOut(outcome);
    } catch (error) {
      // A bug must cost one message, never the object and its other peers.
      console.error('tracker: message handling failed', error);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.engine.disconnect(ws);
    this.persistRetired();
    // Completes the closing handshake where the runtime does not reply by itself
    // (a close reason may be at most 123 bytes, so the client's is not echoed).
    this.closeQuietly(ws, echoableCode(code), 'closing');
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.engine.disconnect(ws);
    this.persistRetired();
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.carryOut(this.engine.sweep(now));
    this.alarmAt = null;
    await this.ensureSweep(now);
  }

  /**
   * Fault injection for operators and tests: drop every peer, as a crashed
   * object would, and refuse new connections for `seconds`. Players must keep
   * playing from the edge meanwhile and find peers again afterwards.
   */
  async outage(seconds: number): Promise<number> {
    await this.ctx.storage.put('downUntil', Date.now() + seconds * 1000);
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      this.engine.disconnect(ws);
      this.closeQuietly(ws, 1012, 'tracker restarting');
    }
    this.persistRetired();
    return sockets.length;
  }

  /**
   * The stream is deleted: every peer is told so and dropped, and the shard's storage (stream,
   * origins, counters, allowlist, outage) and alarm go. Answers the sockets closed.
   */
  async forget(): Promise<number> {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) this.closeQuietly(ws, 1000, 'stream deleted');
    this.engine = new TrackerEngine(trackerDefaults, randomSeed(), true);
    this.stream = undefined;
    this.origins = [];
    this.alarmAt = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return sockets.length;
  }

  /** RPC for the stats route. */
  getStats(): ShardStats {
    return this.engine.stats(Date.now());
  }

  /** Remembers the stream and origin from an upgrade; a new origin means new swarm ids, so the list is re-derived. */
  private learnStream(stream: string | null, origin: string | null): void {
    const kv = this.ctx.storage.kv;
    if (stream && stream !== this.stream) {
      this.stream = stream;
      kv.put('stream', stream);
      this.engine.allowlist = undefined;
    }
    if (origin && !this.origins.includes(origin)) {
      this.origins = [...this.origins, origin].slice(-this.engine.limits.maxManifestOrigins);
      kv.put('origins', this.origins);
      this.engine.allowlist = undefined;
    }
  }

  /**
   * Derives the stream's info_hashes from its multivariant playlist. Other events
   * wait meanwhile (it is rare: at most once per allowlistRefreshMs), so one
   * socket's messages keep their order.
   */
  private refreshAllowlist(): Promise<void> {
    this.refreshing ??= this.ctx
      .blockConcurrencyWhile(async () => {
        const stream = this.stream ?? '';
        const previous = this.engine.allowlist;
        let text: string | undefined;
        let published = previous?.published ?? false;
        let infoHashes: ReadonlySet<string> = previous?.infoHashes ?? new Set();
        try {
          const object = stream ? await this.env.MEDIA.get(storageKey(stream, multivariantName)) : null;
          text = object ? await object.text() : undefined;
          published = text !== undefined;
          const swarmIds = [playerSwarmId(stream), ...this.origins.map((origin) => manifestSwarmId(origin, stream))];
          infoHashes = await deriveInfoHashes(swarmIds, text ? variantsOf(text) : []);
        } catch (error) {
          // Keep what was known; the next miss after allowlistRefreshMs tries again.
          console.error('tracker: deriving the swarm allowlist failed', error);
        }
        const list: SwarmAllowlist = { stream, published, infoHashes, derivedAt: Date.now() };
        this.engine.allowlist = list;
        this.ctx.storage.kv.put<StoredAllowlist>('allowlist', { ...list, infoHashes: [...infoHashes] });
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private carryOut(outcome: Outcome<WebSocket>): void {
    for (const { to, message } of outcome.send) {
      try {
        to.send(JSON.stringify(message));
      } catch {
        // The peer is gone mid-send: it leaves its swarms now rather than at its close event.
        this.engine.disconnect(to);
      }
    }
    for (const ws of new Set(outcome.dirty)) {
      const state = this.engine.attachment(ws);
      if (state) ws.serializeAttachment(state);
    }
    for (const { socket, code, reason } of outcome.close) this.closeQuietly(socket, code, reason);
    this.persistRetired();
  }

  /**
   * Counters of sockets that left go to storage; open sockets carry theirs in their attachments.
   * Unconfirmed: a write must not hold back the replies and relays sent meanwhile (the output
   * gate would, and a shard restart closes every socket at once); a lost write costs counts only.
   */
  private persistRetired(): void {
    const retired = this.engine.retiredCounters();
    if (retired) void this.ctx.storage.put('retired', retired, { allowUnconfirmed: true });
  }

  private closeQuietly(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  /** Keeps one sweep alarm scheduled while any socket is connected. */
  private async ensureSweep(now: number): Promise<void> {
    if (this.engine.socketCount === 0) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null) return;
    this.alarmAt = now + this.engine.limits.sweepEveryMs;
    await this.ctx.storage.setAlarm(this.alarmAt);
  }
}
