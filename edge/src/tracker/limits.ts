/**
 * The tracker's limits as one typed defaults object, and the two pure
 * bookkeeping rules that enforce them per socket: a token bucket for announces
 * and answers (the edge's shared one, lib/token-bucket.ts) and a forgiving
 * strike counter for bad input. `now` is always passed in, so every rule is a
 * plain function of its inputs.
 */

import { matchingDefaults } from '@edgeswarm/policy';
import type { AddressLimits } from '../lib/address-limiter';

// Re-exported so the tracker engine finds all its per-socket rules in one place.

export interface TrackerLimits {
  /** Largest frame accepted, in UTF-8 bytes. Ten offers with long SDPs fit comfortably. */
  maxMessageBytes: number;
  /**
   * Swarm memberships (info_hash × peer_id) one socket may hold: p2p-media-loader
   * uses one swarm per rendition, and a pooled socket may carry several peer ids.
   */
  maxSwarmsPerSocket: number;
  /** Offers relayed per announce; extra offers are ignored (stock clients send at most 5). */
  maxOffersPerAnnounce: number;
  /** Announce (and scrape) token bucket: burst size. */
  announceBurst: number;
  /** Announce token bucket: tokens regained per second. */
  announcesPerSecond: number;
  /** Answers get their own, larger bucket: one announce can draw up to ten of them. */
  answerBurst: number;
  answersPerSecond: number;
  /** Refused messages tolerated before the socket is closed. */
  strikesBeforeClose: number;
  /** One strike is forgiven per this many ms, so a long-lived socket's rare mistakes never add up. */
  strikeForgivenessMs: number;
  /** Announce interval told to clients, in seconds (p2p-media-loader's own default is 30). */
  intervalSeconds: number;
  /** A peer that has not announced in a swarm for this long is dropped from it. */
  peerTimeoutMs: number;
  /** How often the alarm sweeps for timed-out peers while any are connected. */
  sweepEveryMs: number;
  /** Relayed offers remembered per socket (so its answers can be checked); the oldest is forgotten first. */
  maxPendingOffersPerSocket: number;
  /** A relayed offer can be answered for this long (bittorrent-tracker's client gives up after 50 s). */
  offerTimeoutMs: number;
  /** A foreign info_hash re-derives the stream's swarm allowlist at most this often (a new rendition is found). */
  allowlistRefreshMs: number;
  /** Origins remembered per shard for the default swarm id (the playlist's URL); the oldest is forgotten. */
  maxManifestOrigins: number;
  /** Candidates handed to the matching policy per announce; bounds the work in very large swarms. */
  maxMatchCandidates: number;
}

export const trackerDefaults: TrackerLimits = {
  maxMessageBytes: 64 * 1024,
  maxSwarmsPerSocket: 16,
  maxOffersPerAnnounce: 10,
  announceBurst: 20,
  announcesPerSecond: 2,
  answerBurst: 60,
  answersPerSecond: 10,
  strikesBeforeClose: 5,
  strikeForgivenessMs: 30_000,
  intervalSeconds: 30,
  peerTimeoutMs: 120_000,
  sweepEveryMs: 30_000,
  maxPendingOffersPerSocket: 32,
  offerTimeoutMs: 50_000,
  allowlistRefreshMs: 10_000,
  maxManifestOrigins: 4,
  maxMatchCandidates: matchingDefaults.maxCandidates,
};

/**
 * WebSocket close codes (4000–4999 are the application's own). Clients see
 * them in their close event; bittorrent-tracker reconnects with backoff.
 */
export const closeCodes = {
  /** Too many refused messages (malformed, oversize, wrong types, unknown actions). */
  abuse: 4001,
  /** Kept announcing past the rate limit. */
  rateLimited: 4029,
  /** Open, but in no swarm and silent for longer than the peer timeout. */
  idle: 4008,
  /** Its sub-shard split or merged: the socket belongs to another one now, and reconnecting finds it. */
  moved: 4010,
} as const;

export type CloseCode = (typeof closeCodes)[keyof typeof closeCodes];

/** Merges overrides over the defaults, refusing values that would disable a limit by accident. */
export function resolveLimits(overrides: Partial<TrackerLimits> = {}): TrackerLimits {
  const limits = { ...trackerDefaults, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`tracker limit ${name} must be positive, got ${value}`);
  }
  return limits;
}

export interface Strikes {
  count: number;
  /** ms timestamp of the last change. */
  at: number;
}

/** Adds a strike after forgiving old ones; `close` says the socket has used up its tolerance. */
export function addStrike(
  strikes: Strikes,
  now: number,
  limits: Pick<TrackerLimits, 'strikesBeforeClose' | 'strikeForgivenessMs'>,
): { strikes: Strikes; close: boolean } {
  const forgiven = Math.floor(Math.max(0, now - strikes.at) / limits.strikeForgivenessMs);
  const remaining = Math.max(0, strikes.count - forgiven);
  // Keep the remainder of a partly elapsed forgiveness period rather than restarting it.
  const at = remaining === 0 ? now : strikes.at + forgiven * limits.strikeForgivenessMs;
  const count = remaining + 1;
  return { strikes: { count, at }, close: count >= limits.strikesBeforeClose };
}

/**
 * Per client address (CF-Connecting-IP), per sub-shard: the bound on a flood that opens many sockets, each within
 * its own announce limit. A household or an office behind one address holds a few sockets per viewer tab; an address
 * that tries to hold more than `maxSocketsPerAddress` is taken for a flood: every socket it holds is closed (4029)
 * and its upgrades are refused (429) until `penaltyMs` after its last try. Its viewers still play, from the edge.
 * Opening sockets is paced too: `capacity` at once, then `refillPerSecond`.
 */
export interface TrackerAddressLimits extends AddressLimits {
  maxSocketsPerAddress: number;
}

export const trackerAddressDefaults: TrackerAddressLimits = {
  maxSocketsPerAddress: 64,
  capacity: 64,
  refillPerSecond: 4,
  penaltyMs: 60_000,
  maxAddresses: 10_000,
};

/** Why a penalised address is refused: one text, whether its sub-shard or the Worker's note of it answers. */
export const penalisedAddressReason = 'this address is refused for a while: it opened too many tracker sockets';

/** The most members a reply may name (TRACKER_NAMED_MEMBERS): a receiver leaves room for every one of them. */
export const maxNamedMembers = 20;

/**
 * Pure: how many of a swarm's earliest members announce replies name, given the edge's `TRACKER_NAMED_MEMBERS`
 * (absent or empty: 0, none). Anything but a whole number from 0 to maxNamedMembers is refused with a reason, and
 * none are named.
 */
export function namedMembersFor(value: string | undefined): { namedMembers: number; refused?: string } {
  if (value === undefined || value.trim() === '') return { namedMembers: 0 };
  const count = Number(value);
  if (Number.isInteger(count) && count >= 0 && count <= maxNamedMembers) return { namedMembers: count };
  return {
    namedMembers: 0,
    refused: `TRACKER_NAMED_MEMBERS must be a whole number from 0 to ${maxNamedMembers}, not ${JSON.stringify(value)}: naming none`,
  };
}
