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
 *
 * Sub-shards: this object is one sub-shard of its region shard, owning a range
 * of routing keys (policy/src/sub-shards.ts). Every `reportEveryMs` while it
 * has sockets it reports its load to the region's TrackerDirectory, asking for
 * a split when the pure rule says so, and adopts the range it is given back.
 * Sockets whose key it no longer owns are closed a few per second (close code
 * 4010), so they reconnect and the Worker routes them to their new sub-shard.
 */

interface StoredAllowlist {
  stream: string;
  published: boolean;
  infoHashes: string[];
  derivedAt: number;
}

import { DurableObject } from 'cloudflare:workers';
import {
  inRange,
  keySpaceEnd,
  planSplit,
  reportedLoad,
  reportNow,
  type SubShardAssignment,
  type SubShardOptions,
  subShardDefaults,
  subShardName,
} from '@edgeswarm/policy';
import { multivariantName, storageKey } from '@edgeswarm/protocol';
import type { Env } from '../env';
import { AddressLimiter, clientAddress, isLimitedAddress } from '../lib/address-limiter';
import type { SwarmAllowlist } from './allowlist';
import { closeCodes, namedMembersFor, penalisedAddressReason, trackerAddressDefaults, trackerDefaults } from './limits';
import { resolveRegion } from './region';
import type { ShardStats, TrackerCounters } from './stats';
import { deriveInfoHashes, manifestSwarmId, playerSwarmId, variantsOf } from './swarm-ids';
import { type ForwardedAnswer, type ForwardedOffers, type Outcome, TrackerEngine } from './tracker-engine';

/** Where this sub-shard stands: its region shard's object name (the directory's too), and its range. */
interface StoredPlace {
  base: string;
  assignment: SubShardAssignment;
}

/** The upgrade's answer when the key belongs to another sub-shard (the Worker's layout was stale): it asks again. */
export const misdirectedStatus = 421;

/** The hibernation tag of a socket's client address (tags are at most 256 characters; an address is far less). */
const addressTag = (address: string): string => `a:${address.slice(0, 200)}`;

/** Close codes a server may send back when echoing a client's close. */
function echoableCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
}

export class TrackerSwarm extends DurableObject<Env> {
  private engine: TrackerEngine<WebSocket>;
  /** Per client address: the flood bound (in memory only; a restart forgives every address). */
  private readonly addresses = new AddressLimiter(trackerAddressDefaults);
  /** When the sweep alarm is due: undefined until read from storage once per wake, null when none. */
  private alarmAt: number | null | undefined;
  /** This shard's stream, as the Worker routed it here (kept in storage for after a wake). */
  private stream: string | undefined;
  /** Origins viewers reached the edge through: a stock player's default swarm id is the playlist's URL there. */
  private origins: string[];
  private refreshing: Promise<void> | undefined;
  /** Unset until the Worker (or the directory) has placed this object: then it is the whole key range. */
  private place: StoredPlace | undefined;
  private nextReportAt = 0;
  private lastEarlyReportAt = 0;
  private reporting: Promise<void> | undefined;
  /** The earliest members every announce reply names (TRACKER_NAMED_MEMBERS; 0: none). */
  private readonly namedMembers: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { namedMembers, refused } = namedMembersFor(env.TRACKER_NAMED_MEMBERS);
    if (refused) console.warn(refused);
    this.namedMembers = namedMembers;
    this.engine = this.newEngine();
    const kv = ctx.storage.kv;
    this.stream = kv.get<string>('stream');
    this.origins = kv.get<string[]>('origins') ?? [];
    const retired = kv.get<TrackerCounters>('retired');
    if (retired) this.engine.restoreRetired(retired);
    this.place = kv.get<StoredPlace>('place');
    if (this.place) this.applyPlace(this.place);
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
    const key = Number(params.get('key') ?? '0');
    if (!Number.isSafeInteger(key) || key < 0) return new Response('key must be a routing key', { status: 400 });
    this.learnPlace(params);
    const range = this.range;
    if (!inRange(range, key)) {
      const body = { error: 'misdirected', reason: 'this sub-shard no longer owns that key', version: this.version };
      return Response.json(body, { status: misdirectedStatus });
    }
    const now = Date.now();
    const address = clientAddress(request.headers);
    const refused = this.admitAddress(address, now);
    if (refused) return refused;
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    // Tagged with its address, so the sockets one address holds are counted (and closed) across hibernation.
    this.ctx.acceptWebSocket(server, [addressTag(address)]);
    server.serializeAttachment(this.engine.connect(server, region.value, now, key));
    await this.ensureAlarm(now);
    this.maybeReport(now);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * The per address bound (limits.ts, trackerAddressDefaults): undefined to admit the upgrade, or the 429 to answer.
   * An address over it is a flood: every socket it holds here is closed, and it is refused for the penalty.
   */
  private admitAddress(address: string, now: number): Response | undefined {
    if (!isLimitedAddress(address)) return undefined;
    const limits = trackerAddressDefaults;
    const refuse = (reason: string) =>
      Response.json(
        { error: 'too_many_requests', reason },
        { status: 429, headers: { 'Retry-After': String(Math.ceil(limits.penaltyMs / 1000)) } },
      );
    // Refused while penalised (each try extends the penalty); a try that runs out of tokens starts one, below.
    const paced = this.addresses.take(address, now);
    if (!paced.ok && !paced.penalisedNow) return refuse(penalisedAddressReason);
    const held = this.ctx.getWebSockets(addressTag(address));
    if (held.length < limits.maxSocketsPerAddress && paced.ok) return undefined;
    this.addresses.penalise(address, now);
    for (const ws of held) this.dropSocket(ws, 'too many tracker sockets from one address');
    this.persistRetired();
    return refuse(
      `at most ${limits.maxSocketsPerAddress} tracker sockets per address, opened at most ${limits.refillPerSecond} per second`,
    );
  }

  /** Whether `ws` came from an address that is penalised now (its hibernation tag says which). */
  private fromPenalisedAddress(ws: WebSocket, now: number): boolean {
    if (this.addresses.size === 0) return false;
    const tag = this.ctx.getTags(ws).find((t) => t.startsWith('a:'));
    return tag !== undefined && this.addresses.penalised(tag.slice(2), now);
  }

  /** Closes a flood's socket (4029): it leaves every swarm at once, counted as closed. */
  private dropSocket(ws: WebSocket, reason: string): void {
    const state = this.engine.attachment(ws);
    if (state) state.counters.socketsClosed++;
    this.engine.disconnect(ws);
    this.closeQuietly(ws, closeCodes.rateLimited, reason);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      if (this.fromPenalisedAddress(ws, Date.now())) {
        // A socket of a flood that outran its address's penalty (its upgrade raced it): closed unheard.
        this.dropSocket(ws, 'too many tracker sockets from one address');
        this.persistRetired();
        return;
      }
      let outcome = this.engine.receive(ws, message, Date.now());
      if (outcome.refreshAllowlist) {
        await this.refreshAllowlist();
        outcome = this.engine.receive(ws, message, Date.now());
      }
      this.carryOut(outcome);
      this.maybeReport(Date.now());
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
    this.alarmAt = null;
    this.carryOut(this.engine.sweep(now));
    // Sockets that belong to another sub-shard now: a few a second, so their re-announces do not arrive at once.
    const range = this.range;
    const { outcome, remaining } = this.engine.shed((key) => inRange(range, key), this.options.shedPerSecond);
    this.carryOut(outcome);
    await this.ensureAlarm(now, remaining > 0);
  }

  /** The directory places this sub-shard: its range (empty once merged away), neighbour and options. */
  async assign(base: string, assignment: SubShardAssignment): Promise<void> {
    this.adopt(base, assignment);
    await this.ensureAlarm(
      Date.now(),
      this.engine.keys().some((key) => !inRange(this.range, key)),
    );
  }

  /** Offers forwarded by the neighbouring sub-shard (an introduction). */
  relayForwardedOffers(forwarded: ForwardedOffers): void {
    this.carryOut(this.engine.receiveForwardedOffers(forwarded, Date.now()));
  }

  /** An answer, from the neighbouring sub-shard, to an offer one of our peers made. */
  deliverForwardedAnswer(forwarded: ForwardedAnswer): void {
    this.carryOut(this.engine.receiveForwardedAnswer(forwarded, Date.now()));
  }

  /** Reports to the directory now rather than at the next report time (tests, and operators watching a split). */
  async reportNow(): Promise<SubShardAssignment | undefined> {
    await this.reporting;
    this.nextReportAt = 0;
    this.maybeReport(Date.now());
    await this.reporting;
    return this.place?.assignment;
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
    this.engine = this.newEngine();
    this.stream = undefined;
    this.origins = [];
    this.place = undefined;
    this.alarmAt = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return sockets.length;
  }

  private newEngine(): TrackerEngine<WebSocket> {
    const engine = new TrackerEngine<WebSocket>(trackerDefaults, randomSeed(), true);
    engine.namedMembers = this.namedMembers;
    return engine;
  }

  /** RPC for the stats route. */
  getStats(): ShardStats {
    return this.engine.stats(Date.now());
  }

  private get options(): SubShardOptions {
    return this.place?.assignment.options ?? subShardDefaults;
  }

  private get range(): { start: number; end: number } {
    return this.place?.assignment ?? { start: 0, end: keySpaceEnd };
  }

  private get version(): number {
    return this.place?.assignment.version ?? -1;
  }

  /** The Worker says where it routed this upgrade: adopted when newer than what this object knows. */
  private learnPlace(params: URLSearchParams): void {
    const base = params.get('base');
    const start = Number(params.get('start'));
    const end = Number(params.get('end'));
    const version = Number(params.get('v'));
    if (!base || !Number.isSafeInteger(start) || !(end <= keySpaceEnd) || !Number.isSafeInteger(version)) return;
    if (version <= this.version) return;
    this.adopt(base, {
      start,
      end,
      version,
      changedAt: this.place?.assignment.changedAt ?? 0,
      options: this.options,
    });
  }

  private adopt(base: string, assignment: SubShardAssignment): void {
    if (this.place && assignment.version < this.place.assignment.version) return;
    this.place = { base, assignment };
    this.ctx.storage.kv.put('place', this.place);
    this.applyPlace(this.place);
  }

  private applyPlace({ base, assignment }: StoredPlace): void {
    this.engine.setLoadWindow(assignment.options.loadWindowSeconds);
    this.engine.introduction =
      assignment.neighbour === undefined
        ? undefined
        : {
            self: subShardName(base, assignment.start),
            neighbour: subShardName(base, assignment.neighbour),
            belowPeers: assignment.options.introduceBelowPeers,
          };
  }

  /**
   * Every `reportEveryMs` while it has sockets, and at once (at most once a second) when its last two seconds
   * each passed the split threshold: the load to the directory, a split asked for when due.
   */
  private maybeReport(now: number): void {
    const place = this.place;
    if (!place || this.reporting || this.engine.socketCount === 0) return;
    const options = this.options;
    const lastSeconds = this.engine.messagesLastSeconds(now);
    const early = reportNow(lastSeconds, options) && now >= this.lastEarlyReportAt + 1000;
    if (now < this.nextReportAt && !early) return;
    if (early) this.lastEarlyReportAt = now;
    this.nextReportAt = now + options.reportEveryMs;
    const { start } = place.assignment;
    const load = {
      messagesPerSecond: reportedLoad(this.engine.messagesPerSecond(now), lastSeconds),
      lastSeconds,
      peers: this.engine.peerCount,
      sockets: this.engine.socketCount,
      changedAt: place.assignment.changedAt,
    };
    const splitAt = planSplit(load, this.engine.keys(), this.range, now, options);
    const directory = this.env.SWARM_DIRECTORY.get(this.env.SWARM_DIRECTORY.idFromName(place.base));
    this.reporting = directory
      .report(place.base, start, splitAt.length > 0 ? { ...load, splitAt } : load)
      .then(async (assignment) => {
        this.adopt(place.base, assignment);
        const range = this.range;
        if (this.engine.keys().some((key) => !inRange(range, key))) await this.ensureAlarm(Date.now(), true);
      })
      .catch((error: unknown) => console.error('tracker: load report failed', error))
      .finally(() => {
        this.reporting = undefined;
      });
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
    for (const forward of outcome.forward ?? []) {
      const stub = this.env.SWARM.get(this.env.SWARM.idFromName(forward.to));
      const sent =
        forward.kind === 'offers' ? stub.relayForwardedOffers(forward) : stub.deliverForwardedAnswer(forward);
      // Best effort, as any relay: a lost forward costs one connection attempt.
      sent.catch((error: unknown) => console.error('tracker: forward to the neighbouring sub-shard failed', error));
    }
    for (const { to, frame } of outcome.send) {
      try {
        to.send(frame);
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

  /**
   * Keeps one alarm scheduled while any socket is connected: the sweep every
   * `sweepEveryMs`, or in a second while sockets are being shed.
   */
  private async ensureAlarm(now: number, soon = false): Promise<void> {
    if (this.engine.socketCount === 0) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    const due = now + (soon ? 1000 : this.engine.limits.sweepEveryMs);
    if (this.alarmAt !== null && this.alarmAt <= due) return;
    this.alarmAt = due;
    await this.ctx.storage.setAlarm(due);
  }
}
