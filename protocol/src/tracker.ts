/**
 * The WebTorrent tracker protocol as it crosses the wire: JSON text frames over
 * a WebSocket, as spoken by `bittorrent-tracker` (lib/client/websocket-tracker.js,
 * lib/server/server.js) and by p2p-media-loader, which embeds that client.
 *
 * Ids (`info_hash`, `peer_id`, `to_peer_id`, `offer_id`) are 20-character
 * "binary strings": one character per byte, code points 0–255, exactly as the
 * stock client produces them with `hex2bin`. p2p-media-loader's ids happen to
 * be printable ASCII; bittorrent-tracker's are arbitrary bytes.
 */

/** Every id on this wire is 20 bytes, one character per byte. */
export const trackerIdLength = 20;

export type TrackerEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused';

/** An RTCSessionDescription as simple-peer signals it with trickle off. */
export interface SessionDescription<T extends 'offer' | 'answer' = 'offer' | 'answer'> {
  type: T;
  sdp: string;
}

export interface TrackerOffer {
  offer_id: string;
  offer: SessionDescription<'offer'>;
}

/** A peer joining, refreshing or leaving a swarm, optionally carrying offers for other peers. */
export interface AnnounceRequest {
  action: 'announce';
  info_hash: string;
  peer_id: string;
  event?: TrackerEvent | 'empty' | '';
  numwant?: number;
  uploaded?: number;
  downloaded?: number;
  /** Bytes still wanted; 0 means a seeder ("complete"). Absent means unknown (leecher). */
  left?: number;
  offers?: TrackerOffer[];
  trackerid?: string;
}

/** The reply to a relayed offer, routed back to the peer that made it. */
export interface AnswerRequest {
  action: 'announce';
  info_hash: string;
  peer_id: string;
  to_peer_id: string;
  offer_id: string;
  answer: SessionDescription<'answer'>;
  trackerid?: string;
}

export interface ScrapeRequest {
  action: 'scrape';
  info_hash: string | string[];
}

/** Everything a client may send. `answer` presence tells an answer from an announce. */
export type TrackerClientMessage = AnnounceRequest | AnswerRequest | ScrapeRequest;

/** Sent to the announcing peer: the swarm's counts and when to announce next. */
export interface AnnounceResponse {
  action: 'announce';
  info_hash: string;
  interval: number;
  complete: number;
  incomplete: number;
  /**
   * Whether offers this swarm cannot place here go on to a neighbouring sub-shard (an introduction between small
   * regional swarms). Ours always says; absent (a stock tracker): unknown. When false, an offer beyond the other
   * members is built for nobody.
   */
  forwards_offers?: boolean;
  'warning message'?: string;
}

/** Sent to a chosen peer: somebody else's offer, to answer through the tracker. */
export interface RelayedOffer {
  action: 'announce';
  info_hash: string;
  peer_id: string;
  offer_id: string;
  offer: SessionDescription<'offer'>;
}

/** Sent to the offering peer: the answer to one of its offers. */
export interface RelayedAnswer {
  action: 'announce';
  info_hash: string;
  peer_id: string;
  offer_id: string;
  answer: SessionDescription<'answer'>;
}

export interface ScrapeResponse {
  action: 'scrape';
  files: Record<string, { complete: number; incomplete: number; downloaded: number }>;
  flags: { min_request_interval: number };
}

/**
 * A refused message. With `action` and `info_hash` the stock client surfaces it
 * as a 'warning' for that torrent; without them (e.g. unparseable JSON) it has
 * nothing to attach it to, exactly as with bittorrent-tracker's own server.
 */
export interface TrackerFailure {
  action?: 'announce' | 'scrape';
  info_hash?: string;
  'failure reason': string;
}

/** Everything the tracker may send. */
export type TrackerServerMessage = AnnounceResponse | RelayedOffer | RelayedAnswer | ScrapeResponse | TrackerFailure;

/** 20-byte binary string → 40 lowercase hex digits (for logs, stats and URLs). */
export function trackerIdToHex(id: string): string {
  let hex = '';
  for (let i = 0; i < id.length; i++) hex += (id.charCodeAt(i) & 0xff).toString(16).padStart(2, '0');
  return hex;
}

/** 40 hex digits → 20-byte binary string, the form the wire uses. */
export function trackerIdFromHex(hex: string): string {
  let id = '';
  for (let i = 0; i + 1 < hex.length; i += 2) id += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return id;
}
