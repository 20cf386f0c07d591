/**
 * The tracker's decisions for one region shard, with sockets as opaque handles
 * and time passed in. It keeps the in-memory swarm index and says what to send,
 * what to close and which sockets' attachments changed; the Durable Object
 * (swarm.ts) only carries that out. So every protocol rule is testable without
 * a runtime, and the same code runs whatever the socket type.
 *
 * The source of truth is each socket's attachment (who it is, where it is, the
 * swarms it joined, its rate-limit and strike state). The index is rebuilt from
 * attachments after the object wakes, via `restore`.
 */

import { boundedCandidates, earliestPeers, type MatchCandidate, nextSeed, pickOfferTargets } from '@edgeswarm/policy';
import type { SessionDescription, TrackerServerMessage } from '@edgeswarm/protocol';
import { trackerIdToHex } from '@edgeswarm/protocol';
import { fullBucket, type TokenBucket, takeToken } from '../lib/token-bucket';
import { admit, type SwarmAllowlist } from './allowlist';
import {
  answerFrame,
  countsFrame,
  type JsonString,
  jsonString,
  messageFrame,
  type NamedMembers,
  offerFrame,
  offerFrameTail,
} from './frames';
import { addStrike, type CloseCode, closeCodes, type Strikes, type TrackerLimits } from './limits';
import type { AnnounceMessage, AnswerMessage, ParsedOffer, ParseResult, ScrapeMessage } from './messages';
import { parseClientMessage } from './messages';
import type { PeerRegion } from './region';
import { regionShards } from './region';
import {
  addCounters,
  createRateMeter,
  emptyCounters,
  eventsInSecondBefore,
  type RateMeter,
  ratePerSecond,
  recordEvents,
  type ShardStats,
  type TrackerCounters,
} from './stats';

export interface Membership {
  infoHash: string;
  peerId: string;
  complete: boolean;
  /** When this peer last announced in this swarm (ms): the peer timeout counts from here. */
  seenAt: number;
}

/**
 * An offer the tracker relayed to this socket: the only thing an answer from
 * this socket may answer. `to` is the peer id (on this socket) it was relayed
 * to, `from` the offering peer's id.
 */
export interface RelayedOffer {
  offerId: string;
  infoHash: string;
  from: string;
  to: string;
  at: number;
  /** Set by the first answer; later ones are dropped. */
  answered?: true;
  /** The sub-shard the offer was forwarded from (an introduction): the answer goes back there. */
  via?: string;
}

/** A socket's memberships are keyed by info_hash + peer_id: both are exactly 20 characters, so the key is unambiguous. */
export const membershipKey = (infoHash: string, peerId: string): string => infoHash + peerId;

/**
 * One socket's durable state, kept in its WebSocket attachment: structured-
 * clonable, and small (about 1–2 KB at the 16-swarm limit; workerd allows 16 KiB).
 */
export interface SocketAttachment {
  v: 3;
  region: PeerRegion;
  /**
   * info_hash + peer_id → one peer's membership of one swarm. One socket may
   * carry several peer ids, even in one swarm (bittorrent-tracker's client pools
   * one socket per announce URL), and each is a peer of its own. A Map, not an
   * object: ids are arbitrary 20-byte strings, and "propertyIsEnumerable" is 20 bytes too.
   */
  swarms: Map<string, Membership>;
  /** Offers relayed to this socket and not yet answered, oldest first; bounded by `maxPendingOffersPerSocket`. */
  offers: RelayedOffer[];
  announceBucket: TokenBucket;
  answerBucket: TokenBucket;
  strikes: Strikes;
  lastMessageAt: number;
  /** What this socket has done (announces, relays, refusals…): the shard's totals survive a wake with it. */
  counters: TrackerCounters;
  /** Its routing key (policy/src/sub-shards.ts): where it belongs when the sub-shard splits. Absent: 0. */
  key?: number;
}

interface Member<S> extends MatchCandidate {
  socket: S;
  complete: boolean;
  /** Position in `Swarm.list`, for O(1) removal. */
  index: number;
}

interface Swarm<S> {
  infoHash: string;
  /** The info_hash as a JSON string, written once for every frame that names this swarm. */
  quotedInfoHash: JsonString;
  members: Map<string, Member<S>>;
  /** The same members as an array: sampling for matching needs positions. */
  list: Member<S>[];
  complete: number;
  /** The earliest members as replies name them (namedMembers), until someone joins or leaves. */
  named?: string[];
}

/**
 * A frame to send: the JSON text itself (frames.ts), so the caller sends it as
 * is. Every announce makes several, and stringifying a message object per frame
 * was a quarter of an announce's cost.
 */
export interface Outgoing<S> {
  to: S;
  frame: string;
}

/**
 * Offers a small swarm could not place here, for the neighbouring sub-shard it
 * is introduced to; the answers come back through `ForwardedAnswer`.
 */
export interface ForwardedOffers {
  kind: 'offers';
  /** The sub-shard to send it to (an object name), and the one it came from. */
  to: string;
  from: string;
  infoHash: string;
  peerId: string;
  region: PeerRegion;
  /** As parsed here, with their JSON text: the neighbour relays them without stringifying again. */
  offers: ParsedOffer[];
}

/** An answer to a forwarded offer, on its way back to the sub-shard of the peer that made it. */
export interface ForwardedAnswer {
  kind: 'answer';
  to: string;
  infoHash: string;
  /** The answering peer, and the offering one (in the receiving sub-shard). */
  peerId: string;
  toPeerId: string;
  offerId: string;
  answer: SessionDescription<'answer'>;
}

export type Forward = ForwardedOffers | ForwardedAnswer;

/** A sub-shard's introduction: where offers its small swarms cannot place go. */
export interface Introduction {
  /** This sub-shard's own object name, and its neighbour's. */
  self: string;
  neighbour: string;
  /** A swarm with fewer peers than this here forwards the offers it cannot place. */
  belowPeers: number;
}

export interface Closing<S> {
  socket: S;
  code: CloseCode;
  reason: string;
}

/** What the caller must do: send these, close those, persist these sockets' attachments. */
export interface Outcome<S> {
  send: Outgoing<S>[];
  close: Closing<S>[];
  dirty: S[];
  /** For other sub-shards (introductions); absent when none. */
  forward?: Forward[];
  /**
   * Set when the frame needs a fresh swarm allowlist before it can be judged:
   * nothing else was done. Refresh `allowlist`, then hand the same frame in again.
   */
  refreshAllowlist?: true;
}

const emptyOutcome = <S>(): Outcome<S> => ({ send: [], close: [], dirty: [] });

function pushForward<S>(out: Outcome<S>, forward: Forward): void {
  if (out.forward) out.forward.push(forward);
  else out.forward = [forward];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Validates an attachment read back after a wake; anything unrecognised is treated as absent. */
export function readAttachment(value: unknown): SocketAttachment | undefined {
  if (!isRecord(value) || value.v !== 3 || !isRecord(value.counters)) return undefined;
  if (!isRecord(value.region) || !(value.swarms instanceof Map) || !isRecord(value.strikes)) return undefined;
  if (!Array.isArray(value.offers)) return undefined;
  if (!isRecord(value.announceBucket) || !isRecord(value.answerBucket)) return undefined;
  const region = value.region as unknown as PeerRegion;
  if (!(regionShards as readonly string[]).includes(region.shard)) return undefined;
  return value as unknown as SocketAttachment;
}

/**
 * Drops the offers no longer answerable at `now` (a client gives up on its
 * offers after bittorrent-tracker's 50 s) from a socket's own list, in place:
 * it runs for every offer relayed. Answers whether any went.
 */
export function dropExpiredOffers(offers: RelayedOffer[], now: number, timeoutMs: number): boolean {
  const cutoff = now - timeoutMs;
  let kept = 0;
  for (let i = 0; i < offers.length; i++) {
    const offer = offers[i] as RelayedOffer;
    if (offer.at > cutoff) offers[kept++] = offer;
  }
  if (kept === offers.length) return false;
  offers.length = kept;
  return true;
}

/**
 * Adds a relayed offer to a socket's own list, dropping expired ones and then
 * the oldest beyond the per-socket bound. Changes `offers` in place (it runs
 * for every offer relayed) and returns it.
 */
export function rememberOffer(
  offers: RelayedOffer[],
  offer: RelayedOffer,
  now: number,
  limits: Pick<TrackerLimits, 'offerTimeoutMs' | 'maxPendingOffersPerSocket'>,
): RelayedOffer[] {
  dropExpiredOffers(offers, now, limits.offerTimeoutMs);
  offers.push(offer);
  const over = offers.length - limits.maxPendingOffersPerSocket;
  if (over > 0) offers.splice(0, over);
  return offers;
}

export class TrackerEngine<S> {
  private readonly sockets = new Map<S, SocketAttachment>();
  private readonly swarms = new Map<string, Swarm<S>>();
  private readonly announceRate: RateMeter = createRateMeter();
  private readonly offerRate: RateMeter = createRateMeter();
  /** Every inbound message (upgrades, frames, forwards): the load a sub-shard's split decision reads. */
  private messageRate: RateMeter = createRateMeter();
  /** Counters of sockets that have left, kept by the caller in storage (see `retiredCounters`). */
  private retired: TrackerCounters = emptyCounters();
  private retiredChanged = false;
  private seed: number;
  /** The stream's real swarms, set by the caller; consulted only when `knownSwarmsOnly`. */
  allowlist: SwarmAllowlist | undefined;
  /** Set by the caller when this sub-shard has a neighbour to forward offers to. */
  introduction: Introduction | undefined;
  /**
   * How many of a swarm's earliest members (policy earliestPeers: by the join time in our ids) every announce reply
   * names, set by the caller (TRACKER_NAMED_MEMBERS); a player whose policy caps receivers (receiverMaxPeers) then
   * holds few peers when others are named. 0: none, and replies say nothing of it.
   */
  namedMembers = 0;

  /**
   * @param knownSwarmsOnly announce only into swarms on the allowlist (the Durable
   *   Object always sets it; tests of other rules may leave it off).
   */
  constructor(
    readonly limits: TrackerLimits,
    seed: number,
    readonly knownSwarmsOnly = false,
  ) {
    this.seed = seed >>> 0 || 1;
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  get peerCount(): number {
    let peers = 0;
    for (const swarm of this.swarms.values()) peers += swarm.members.size;
    return peers;
  }

  /** The window the message rate is averaged over (the sub-shard options' `loadWindowSeconds`); resets the meter when it changes. */
  setLoadWindow(seconds: number): void {
    if (this.messageRate.starts.length !== seconds) this.messageRate = createRateMeter(seconds);
  }

  /** Inbound messages per second, averaged over the load window. */
  messagesPerSecond(now: number): number {
    return ratePerSecond(this.messageRate, now);
  }

  /** Inbound messages in each of the last two whole seconds: a flash crowd shows here a window before the mean. */
  messagesLastSeconds(now: number): [number, number] {
    return [eventsInSecondBefore(this.messageRate, now, 1), eventsInSecondBefore(this.messageRate, now, 2)];
  }

  /** The routing keys of the open sockets, ascending: where a split should cut. */
  keys(): number[] {
    const keys: number[] = [];
    for (const state of this.sockets.values()) keys.push(state.key ?? 0);
    return keys.sort((a, b) => a - b);
  }

  /**
   * Closes up to `max` sockets whose key this sub-shard no longer owns (after a
   * split or merge), so they reconnect and are routed to their new sub-shard.
   * Paced by the caller; `remaining` says how many still belong elsewhere.
   */
  shed(owns: (key: number) => boolean, max: number): { outcome: Outcome<S>; remaining: number } {
    const out = emptyOutcome<S>();
    let remaining = 0;
    for (const [socket, state] of this.sockets) {
      if (owns(state.key ?? 0)) continue;
      if (out.close.length >= max) {
        remaining++;
        continue;
      }
      out.close.push({ socket, code: closeCodes.moved, reason: 'tracker sub-shard moved: reconnect' });
      state.counters.socketsClosed++;
      this.disconnect(socket);
    }
    return { outcome: out, remaining };
  }

  attachment(socket: S): SocketAttachment | undefined {
    return this.sockets.get(socket);
  }

  /**
   * Totals since the shard first had a peer: those of sockets that have left, plus each open
   * socket's own (in its attachment). So they survive hibernation and restarts, as long as the
   * caller keeps `retiredCounters` in storage.
   */
  get counters(): TrackerCounters {
    const totals = { ...this.retired };
    for (const state of this.sockets.values()) addCounters(totals, state.counters);
    return totals;
  }

  /** Sets the retired totals read back from storage (after a restart). */
  restoreRetired(counters: TrackerCounters): void {
    this.retired = addCounters(emptyCounters(), counters);
  }

  /** The retired totals when they changed since the last call (a socket left): the caller persists them. */
  retiredCounters(): TrackerCounters | undefined {
    if (!this.retiredChanged) return undefined;
    this.retiredChanged = false;
    return { ...this.retired };
  }

  /** A new connection: returns the attachment to store on it. */
  connect(socket: S, region: PeerRegion, now: number, key = 0): SocketAttachment {
    recordEvents(this.messageRate, now);
    const state: SocketAttachment = {
      v: 3,
      region,
      swarms: new Map(),
      offers: [],
      announceBucket: fullBucket(this.limits.announceBurst, now),
      answerBucket: fullBucket(this.limits.answerBurst, now),
      strikes: { count: 0, at: now },
      lastMessageAt: now,
      counters: emptyCounters(),
      key,
    };
    this.sockets.set(socket, state);
    return state;
  }

  /**
   * A connection that outlived this object's memory (hibernation, eviction):
   * rejoin its swarms from its attachment. Returns false for an attachment this
   * version cannot read; the caller should close that socket so the client reconnects.
   */
  restore(socket: S, value: unknown): boolean {
    const state = readAttachment(value);
    if (!state) return false;
    this.sockets.set(socket, state);
    for (const { infoHash, peerId, complete } of state.swarms.values()) {
      this.addMember(infoHash, socket, state, peerId, complete);
    }
    return true;
  }

  /** The socket closed or failed: it leaves every swarm it was in. */
  disconnect(socket: S): void {
    const state = this.sockets.get(socket);
    if (!state) return;
    for (const { infoHash, peerId } of state.swarms.values()) this.removeMember(infoHash, peerId, socket);
    this.sockets.delete(socket);
    addCounters(this.retired, state.counters);
    this.retiredChanged = true;
  }

  /** One frame from a socket. Never throws on bad input: refusals are part of the outcome. */
  receive(socket: S, frame: string | ArrayBuffer, now: number): Outcome<S> {
    const out = emptyOutcome<S>();
    const state = this.sockets.get(socket);
    if (!state) return out;
    recordEvents(this.messageRate, now);
    const parsed = parseClientMessage(frame, this.limits);
    if (this.knownSwarmsOnly && parsed.ok && parsed.message.kind === 'announce') {
      const { infoHash } = parsed.message;
      const decision = admit(this.allowlist, infoHash, now, this.limits);
      // Before anything changes, so the caller can simply hand the frame in again.
      if (decision.kind === 'refresh') return { ...out, refreshAllowlist: true };
      if (decision.kind === 'refuse') {
        state.lastMessageAt = now;
        out.dirty.push(socket);
        const failure = { action: 'announce' as const, infoHash, reason: decision.reason };
        this.refuse(out, socket, state, failure, now, closeCodes.abuse);
        return out;
      }
    }
    state.lastMessageAt = now;
    out.dirty.push(socket);
    if (!parsed.ok) {
      this.refuse(out, socket, state, parsed, now, closeCodes.abuse);
      return out;
    }
    const message = parsed.message;
    if (message.kind === 'answer') {
      const taken = takeToken(state.answerBucket, now, this.limits.answerBurst, this.limits.answersPerSecond);
      state.answerBucket = taken.bucket;
      if (!taken.ok) {
        const reason = `answer rate limit exceeded: at most ${this.limits.answersPerSecond} per second`;
        this.refuse(
          out,
          socket,
          state,
          { action: 'announce', infoHash: message.infoHash, reason },
          now,
          closeCodes.rateLimited,
        );
        return out;
      }
      this.answer(out, socket, state, message, now);
      return out;
    }
    const taken = takeToken(state.announceBucket, now, this.limits.announceBurst, this.limits.announcesPerSecond);
    state.announceBucket = taken.bucket;
    if (!taken.ok) {
      const reason = `announce rate limit exceeded: at most ${this.limits.announcesPerSecond} per second`;
      const infoHash = message.kind === 'announce' ? message.infoHash : undefined;
      const action = message.kind === 'announce' ? 'announce' : 'scrape';
      this.refuse(out, socket, state, { action, infoHash, reason }, now, closeCodes.rateLimited);
      return out;
    }
    if (message.kind === 'announce') this.announce(out, socket, state, message, now);
    else this.scrape(out, socket, state, message);
    return out;
  }

  /** Drops memberships not refreshed within the peer timeout; closes sockets left idle in no swarm. */
  sweep(now: number): Outcome<S> {
    const out = emptyOutcome<S>();
    const cutoff = now - this.limits.peerTimeoutMs;
    for (const [socket, state] of this.sockets) {
      let changed = false;
      for (const [key, membership] of state.swarms) {
        if (membership.seenAt >= cutoff) continue;
        this.removeMember(membership.infoHash, membership.peerId, socket);
        state.swarms.delete(key);
        state.counters.peersTimedOut++;
        changed = true;
      }
      if (dropExpiredOffers(state.offers, now, this.limits.offerTimeoutMs)) changed = true;
      if (changed) out.dirty.push(socket);
      if (state.swarms.size === 0 && state.lastMessageAt < cutoff) {
        out.close.push({ socket, code: closeCodes.idle, reason: 'idle: no announce within the peer timeout' });
        state.counters.socketsClosed++;
        this.disconnect(socket);
      }
    }
    return out;
  }

  stats(now: number): ShardStats {
    const swarms = [...this.swarms.values()]
      .sort((a, b) => b.members.size - a.members.size)
      .slice(0, 50)
      .map((swarm) => ({
        infoHash: trackerIdToHex(swarm.infoHash),
        complete: swarm.complete,
        incomplete: swarm.members.size - swarm.complete,
      }));
    return {
      sockets: this.sockets.size,
      peers: this.peerCount,
      swarms,
      announcesPerSecond: ratePerSecond(this.announceRate, now),
      offersRelayedPerSecond: ratePerSecond(this.offerRate, now),
      messagesPerSecond: ratePerSecond(this.messageRate, now),
      totals: this.counters,
    };
  }

  private nextSeed(): number {
    this.seed = nextSeed(this.seed);
    return this.seed;
  }

  private refuse(
    out: Outcome<S>,
    socket: S,
    state: SocketAttachment,
    failure: Omit<Extract<ParseResult, { ok: false }>, 'ok'>,
    now: number,
    code: CloseCode,
  ): void {
    state.counters.refused++;
    const message: TrackerServerMessage = { 'failure reason': failure.reason };
    if (failure.action) message.action = failure.action;
    if (failure.infoHash !== undefined) message.info_hash = failure.infoHash;
    out.send.push({ to: socket, frame: messageFrame(message) });
    const struck = addStrike(state.strikes, now, this.limits);
    state.strikes = struck.strikes;
    if (struck.close) {
      const reason = code === closeCodes.rateLimited ? 'rate limit exceeded repeatedly' : 'too many invalid messages';
      out.close.push({ socket, code, reason });
      state.counters.socketsClosed++;
      this.disconnect(socket);
    }
  }

  private announce(out: Outcome<S>, socket: S, state: SocketAttachment, message: AnnounceMessage, now: number): void {
    state.counters.announces++;
    recordEvents(this.announceRate, now);
    const { infoHash, peerId } = message;
    const key = membershipKey(infoHash, peerId);
    const current = state.swarms.get(key);

    if (message.event === 'stopped') {
      // Only the owner can stop a peer; anyone else's "stopped" changes nothing.
      if (current) {
        this.removeMember(infoHash, peerId, socket);
        state.swarms.delete(key);
      }
      out.send.push({ to: socket, frame: this.countsReply(infoHash) });
      return;
    }

    // A peer id belongs to the socket that announced it first, until that socket leaves the swarm
    // (stopped, closed, or silent past the peer timeout): never a takeover by another connection.
    const owner = current ? undefined : this.swarms.get(infoHash)?.members.get(peerId);
    if (owner && owner.socket !== socket) {
      const ownerState = this.sockets.get(owner.socket);
      const ownerMembership = ownerState?.swarms.get(key);
      if (ownerState && ownerMembership && ownerMembership.seenAt >= now - this.limits.peerTimeoutMs) {
        const reason = 'peer_id is in use by another connection';
        this.refuse(out, socket, state, { action: 'announce', infoHash, reason }, now, closeCodes.abuse);
        return;
      }
      // The owner went silent past the timeout and the sweep has not run yet: it has left.
      this.removeMember(infoHash, peerId, owner.socket);
      if (ownerState) {
        ownerState.swarms.delete(key);
        ownerState.counters.peersTimedOut++;
      }
      out.dirty.push(owner.socket);
    }

    if (!current && state.swarms.size >= this.limits.maxSwarmsPerSocket) {
      const reason = `a connection may join at most ${this.limits.maxSwarmsPerSocket} swarms`;
      this.refuse(out, socket, state, { action: 'announce', infoHash, reason }, now, closeCodes.abuse);
      return;
    }
    const complete = current?.complete || message.complete || message.event === 'completed';
    const member = this.addMember(infoHash, socket, state, peerId, complete);
    if (current) {
      current.complete = complete;
      current.seenAt = now;
    } else state.swarms.set(key, { infoHash, peerId, complete, seenAt: now });

    const warning =
      message.droppedOffers > 0 ? `only the first ${this.limits.maxOffersPerAnnounce} offers were relayed` : undefined;
    // Reply first, then relay, as bittorrent-tracker does.
    out.send.push({ to: socket, frame: this.countsReply(infoHash, warning, peerId) });

    const wanted = Math.min(message.offers.length, message.numwant ?? message.offers.length);
    if (wanted === 0) return;
    const swarm = this.swarms.get(infoHash);
    if (!swarm) return;
    const relayed = this.relayOffers(out, member, swarm, message.offers.slice(0, wanted), undefined, now);
    state.counters.offersRelayed += relayed;
    // A swarm too small here to take every offer: the rest go to the neighbouring sub-shard, so no viewer is stranded.
    const intro = this.introduction;
    if (intro && relayed < wanted && this.forwardsOffers(swarm.members.size)) {
      pushForward(out, {
        kind: 'offers',
        to: intro.neighbour,
        from: intro.self,
        infoHash,
        peerId,
        region: state.region,
        offers: message.offers.slice(relayed, wanted),
      });
    }
  }

  /** Relays offers to the best-matched members of `swarm` (one offer each); answers how many went out. */
  private relayOffers(
    out: Outcome<S>,
    from: MatchCandidate,
    swarm: Swarm<S>,
    offers: readonly ParsedOffer[],
    via: string | undefined,
    now: number,
  ): number {
    const seed = this.nextSeed();
    const candidates = boundedCandidates(from, swarm.list, this.limits.maxMatchCandidates, seed);
    // A swarm's list holds each peer id once (its members are keyed by it).
    const targets = pickOfferTargets(from, candidates, { count: offers.length, seed, distinct: true });
    const { infoHash } = swarm;
    // The same peer_id and info_hash end every offer relayed for this announce: quoted once.
    const tail = offerFrameTail(jsonString(from.peerId), swarm.quotedInfoHash);
    for (const [i, targetId] of targets.entries()) {
      const target = swarm.members.get(targetId);
      const offer = offers[i];
      if (!target || !offer) continue;
      target.offersReceived++;
      const targetState = this.sockets.get(target.socket);
      if (targetState) {
        // Remembered on the receiving socket: its answer is relayed only if it answers this offer.
        const relayed: RelayedOffer = { offerId: offer.offer_id, infoHash, from: from.peerId, to: targetId, at: now };
        if (via !== undefined) relayed.via = via;
        rememberOffer(targetState.offers, relayed, now, this.limits);
        out.dirty.push(target.socket);
      }
      out.send.push({ to: target.socket, frame: offerFrame(offer.sdpJson, offer.offerIdJson, tail) });
    }
    recordEvents(this.offerRate, now, targets.length);
    return targets.length;
  }

  /**
   * Offers forwarded by the neighbouring sub-shard whose swarm was too small:
   * relayed to peers here as if announced here, and their answers sent back.
   */
  receiveForwardedOffers(forwarded: ForwardedOffers, now: number): Outcome<S> {
    const out = emptyOutcome<S>();
    recordEvents(this.messageRate, now);
    const swarm = this.swarms.get(forwarded.infoHash);
    if (!swarm) return out;
    const { asn, colo, country } = forwarded.region;
    const from = { peerId: forwarded.peerId, asn, colo, country, offersReceived: 0 };
    this.retired.offersRelayed += this.relayOffers(out, from, swarm, forwarded.offers, forwarded.from, now);
    this.retiredChanged = true;
    return out;
  }

  /** An answer from the neighbouring sub-shard to an offer one of our peers made: delivered if that peer is still here. */
  receiveForwardedAnswer(forwarded: ForwardedAnswer, now: number): Outcome<S> {
    const out = emptyOutcome<S>();
    recordEvents(this.messageRate, now);
    const swarm = this.swarms.get(forwarded.infoHash);
    const target = swarm?.members.get(forwarded.toPeerId);
    this.retiredChanged = true;
    if (!swarm || !target) {
      this.retired.answersDropped++;
      return out;
    }
    const { answer, offerId, peerId } = forwarded;
    out.send.push({ to: target.socket, frame: answerFrame(answer.sdp, offerId, peerId, swarm.quotedInfoHash) });
    this.retired.answersRelayed++;
    return out;
  }

  private answer(out: Outcome<S>, socket: S, state: SocketAttachment, message: AnswerMessage, now: number): void {
    state.counters.answers++;
    const { infoHash, peerId, toPeerId, offerId } = message;
    // Only an answer to an offer this tracker relayed to this very socket, back to the peer that made
    // it, from a peer id this socket holds in that swarm: nothing else can be injected into a real peer.
    dropExpiredOffers(state.offers, now, this.limits.offerTimeoutMs);
    const offers = state.offers;
    const relayed = offers.find((o) => o.offerId === offerId && o.infoHash === infoHash && o.from === toPeerId);
    const membership = state.swarms.get(membershipKey(infoHash, peerId));
    if (!relayed || !membership) {
      const reason = relayed
        ? 'answer from a peer_id this connection has not announced in that swarm'
        : 'answer to an offer this connection was not sent (or that expired)';
      this.refuse(out, socket, state, { action: 'announce', infoHash, reason }, now, closeCodes.abuse);
      return;
    }
    membership.seenAt = now;
    if (relayed.answered) {
      // Pooled clients in one swarm all see an offer sent to their socket, and all answer it: the first answer counts.
      state.counters.answersDropped++;
      return;
    }
    relayed.answered = true;
    if (relayed.via !== undefined) {
      // The offer came from the neighbouring sub-shard: so does the peer waiting for this answer.
      pushForward(out, {
        kind: 'answer',
        to: relayed.via,
        infoHash,
        peerId,
        toPeerId,
        offerId,
        answer: message.answer,
      });
      state.counters.answersRelayed++;
      return;
    }
    const swarm = this.swarms.get(infoHash);
    const target = swarm?.members.get(toPeerId);
    if (!swarm || !target) {
      // The offering peer left; like bittorrent-tracker, there is nobody to tell.
      state.counters.answersDropped++;
      return;
    }
    out.send.push({
      to: target.socket,
      frame: answerFrame(message.answer.sdp, offerId, peerId, swarm.quotedInfoHash),
    });
    state.counters.answersRelayed++;
  }

  private scrape(out: Outcome<S>, socket: S, state: SocketAttachment, message: ScrapeMessage): void {
    state.counters.scrapes++;
    const files: Record<string, { complete: number; incomplete: number; downloaded: number }> = {};
    for (const infoHash of message.infoHashes) {
      const swarm = this.swarms.get(infoHash);
      const complete = swarm?.complete ?? 0;
      files[infoHash] = { complete, incomplete: (swarm?.members.size ?? 0) - complete, downloaded: complete };
    }
    const reply = { action: 'scrape' as const, files, flags: { min_request_interval: this.limits.intervalSeconds } };
    out.send.push({ to: socket, frame: messageFrame(reply) });
  }

  /**
   * The reply to an announce: the swarm's counts, the announce interval, whether offers it cannot place here go to
   * the neighbouring sub-shard (so a viewer connected to every other member knows an offer more would meet nobody),
   * the earliest members named to `peerId` (a member announcing), and a warning, if any.
   */
  private countsReply(infoHash: string, warning?: string, peerId?: string): string {
    const swarm = this.swarms.get(infoHash);
    const interval = this.limits.intervalSeconds;
    if (!swarm) return countsFrame(interval, jsonString(infoHash), 0, 0, warning, this.forwardsOffers(0));
    const { complete } = swarm;
    const incomplete = swarm.members.size - complete;
    return countsFrame(
      interval,
      swarm.quotedInfoHash,
      complete,
      incomplete,
      warning,
      this.forwardsOffers(swarm.members.size),
      peerId === undefined ? undefined : this.named(swarm, peerId),
    );
  }

  /** What a reply to `peerId` says of the swarm's earliest members; undefined where this tracker names none. */
  private named(swarm: Swarm<S>, peerId: string): NamedMembers | undefined {
    if (this.namedMembers <= 0) return undefined;
    swarm.named ??= earliestPeers([...swarm.members.keys()], this.namedMembers);
    return { count: swarm.named.length, self: swarm.named.includes(peerId) };
  }

  /**
   * Whether offers a swarm of this many members here cannot place go on to the neighbouring sub-shard: there is one,
   * and the swarm is small here. The one rule for forwarding them and for saying so in the reply.
   */
  private forwardsOffers(members: number): boolean {
    const intro = this.introduction;
    return intro !== undefined && members - 1 < intro.belowPeers;
  }

  private addMember(
    infoHash: string,
    socket: S,
    state: SocketAttachment,
    peerId: string,
    complete: boolean,
  ): Member<S> {
    let swarm = this.swarms.get(infoHash);
    if (!swarm) {
      swarm = { infoHash, quotedInfoHash: jsonString(infoHash), members: new Map(), list: [], complete: 0 };
      this.swarms.set(infoHash, swarm);
    }
    const existing = swarm.members.get(peerId);
    if (existing && existing.socket === socket) {
      if (complete && !existing.complete) swarm.complete++;
      existing.complete ||= complete;
      return existing;
    }
    if (existing) this.removeMember(infoHash, peerId, existing.socket);
    const { asn, colo, country } = state.region;
    const member: Member<S> = {
      peerId,
      socket,
      asn,
      colo,
      country,
      complete,
      offersReceived: 0,
      index: swarm.list.length,
    };
    swarm.members.set(peerId, member);
    swarm.list.push(member);
    swarm.named = undefined;
    if (complete) swarm.complete++;
    return member;
  }

  private removeMember(infoHash: string, peerId: string, socket: S): void {
    const swarm = this.swarms.get(infoHash);
    const member = swarm?.members.get(peerId);
    if (!swarm || !member || member.socket !== socket) return;
    swarm.members.delete(peerId);
    swarm.named = undefined;
    const last = swarm.list.pop();
    if (last && last !== member) {
      swarm.list[member.index] = last;
      last.index = member.index;
    }
    if (member.complete) swarm.complete--;
    if (swarm.members.size === 0) this.swarms.delete(infoHash);
  }
}
