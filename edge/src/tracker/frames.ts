/**
 * The tracker's outgoing frames as JSON text, built by hand for the three that
 * every announce makes (the counts reply, each relayed offer, each relayed
 * answer) instead of `JSON.stringify` of a fresh message object per frame: the
 * constant parts are written out here, and every string from a client is JSON
 * text made once, by `JSON.stringify` (no escaping of our own) or, for a
 * relayed offer's SDP and offer_id, taken as the client wrote it in its frame
 * (offer-literals.ts). So each frame parses to exactly the message
 * `JSON.stringify` would have sent, in the same key order, and is byte for byte
 * the same whenever the client's frame was itself `JSON.stringify` output (as
 * every stock client's is). An announce quotes its info_hash and peer_id once
 * for all its relayed offers (`offerFrameTail`; a swarm keeps its info_hash quoted).
 *
 * Anything rarer (refusals, scrapes) is `JSON.stringify` of the message itself
 * (`messageFrame`).
 */
import type { TrackerServerMessage } from '@edgeswarm/protocol';

/** A string already written as a JSON string literal (so it is never quoted twice). */
export type JsonString = string & { readonly __json: true };

/** A string as a JSON string literal. */
export const jsonString = (value: string): JsonString => JSON.stringify(value) as JsonString;

/** What follows the offer and its id in every offer relayed for one announce: its peer_id and info_hash, quoted once. */
export const offerFrameTail = (peerId: JsonString, infoHash: JsonString): string =>
  `,"peer_id":${peerId},"info_hash":${infoHash}}`;

/**
 * One relayed offer: `{action, offer: {type, sdp}, offer_id, peer_id, info_hash}`,
 * in the order bittorrent-tracker's server sends them. The SDP and offer_id come
 * as JSON text (the parser has them: messages.ts `ParsedOffer`); `tail` is `offerFrameTail`.
 */
export const offerFrame = (sdp: JsonString, offerId: JsonString, tail: string): string =>
  `{"action":"announce","offer":{"type":"offer","sdp":${sdp}},"offer_id":${offerId}${tail}`;

/** One relayed answer: `{action, answer: {type, sdp}, offer_id, peer_id, info_hash}`. */
export const answerFrame = (sdp: string, offerId: string, peerId: string, infoHash: JsonString): string =>
  `{"action":"announce","answer":{"type":"answer","sdp":${jsonString(sdp)}},"offer_id":${jsonString(offerId)}${offerFrameTail(jsonString(peerId), infoHash)}`;

/** A finite number as JSON writes it (non-finite ones would be `null`: counts and intervals never are). */
const jsonNumber = (value: number): string => (Number.isFinite(value) ? `${value}` : 'null');

/** The swarm's earliest members as a reply names them: how many, and whether the peer it answers is one. */
export interface NamedMembers {
  count: number;
  self: boolean;
}

/**
 * The reply to an announce: `{action, interval, info_hash, complete, incomplete}`;
 * `forwards_offers` when the tracker says whether offers this swarm cannot place
 * go on to a neighbouring sub-shard (ours does; stock trackers say nothing);
 * `named_members` and `named` when it names the swarm's earliest members (how
 * many it named, and whether the announcing peer is one: policy peerCap); and,
 * when offers were dropped, `warning message`. The info_hash comes quoted (a
 * swarm keeps its own).
 */
export function countsFrame(
  interval: number,
  infoHash: JsonString,
  complete: number,
  incomplete: number,
  warning?: string,
  forwardsOffers?: boolean,
  named?: NamedMembers,
): string {
  const counts = `{"action":"announce","interval":${jsonNumber(interval)},"info_hash":${infoHash},"complete":${jsonNumber(complete)},"incomplete":${jsonNumber(incomplete)}`;
  const forwards = forwardsOffers === undefined ? '' : `,"forwards_offers":${forwardsOffers}`;
  const naming = named === undefined ? '' : `,"named_members":${jsonNumber(named.count)},"named":${named.self}`;
  return warning === undefined
    ? `${counts}${forwards}${naming}}`
    : `${counts}${forwards}${naming},"warning message":${jsonString(warning)}}`;
}

/** Any other message, as the wire carries it. */
export const messageFrame = (message: TrackerServerMessage): string => JSON.stringify(message);
