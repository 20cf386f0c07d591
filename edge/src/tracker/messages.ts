/**
 * The one parser for what tracker clients send: a raw WebSocket frame in,
 * plain normalised data or a refusal reason out. Nothing past this point sees
 * unvalidated input. Follows bittorrent-tracker's lib/server/parse-websocket.js
 * for field names, defaults and error wording, but checks types strictly: a
 * wrong type is refused rather than coerced.
 */
import { type SessionDescription, type TrackerEvent, type TrackerOffer, trackerIdLength } from '@edgeswarm/protocol';
import { type JsonString, jsonString } from './frames';
import type { TrackerLimits } from './limits';
import { offerLiterals } from './offer-literals';

/**
 * An offer as parsed, with its id and SDP also as JSON text, for the relayed
 * frame: as the client wrote them when they could be found in the frame
 * (offer-literals.ts), else stringified here. Either way once per offer.
 */
export interface ParsedOffer extends TrackerOffer {
  offerIdJson: JsonString;
  sdpJson: JsonString;
}

export interface AnnounceMessage {
  kind: 'announce';
  infoHash: string;
  peerId: string;
  /** Absent, "" and "empty" all mean a periodic update, as in bittorrent-tracker. */
  event: TrackerEvent;
  /** How many peers the client wants offers sent to; absent means "as many as offers". */
  numwant: number | undefined;
  /** Whether the peer is a seeder (`left === 0`). */
  complete: boolean;
  /** At most `maxOffersPerAnnounce`; the rest are counted in `droppedOffers`. */
  offers: ParsedOffer[];
  droppedOffers: number;
}

export interface AnswerMessage {
  kind: 'answer';
  infoHash: string;
  peerId: string;
  toPeerId: string;
  offerId: string;
  answer: SessionDescription<'answer'>;
}

export interface ScrapeMessage {
  kind: 'scrape';
  infoHashes: string[];
}

export type ClientMessage = AnnounceMessage | AnswerMessage | ScrapeMessage;

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | {
      ok: false;
      reason: string;
      /** Known when the frame got far enough; lets the stock client attach the failure to its torrent. */
      action?: 'announce' | 'scrape';
      infoHash?: string;
    };

const events = new Set<string>(['started', 'stopped', 'completed', 'update', 'paused']);
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const encoder = new TextEncoder();

/** A 20-byte binary string: exactly 20 characters, each a byte (code point ≤ 255). */
export function isTrackerId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== trackerIdLength) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Whether a frame is over `max` UTF-8 bytes, without encoding when its length already settles it. */
export function exceedsBytes(frame: string | ArrayBuffer, max: number): boolean {
  if (typeof frame !== 'string') return frame.byteLength > max;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes.
  if (frame.length > max) return true;
  if (frame.length * 3 <= max) return false;
  return encoder.encode(frame).byteLength > max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDescription<T extends 'offer' | 'answer'>(value: unknown, type: T): value is SessionDescription<T> {
  return isRecord(value) && value.type === type && typeof value.sdp === 'string' && value.sdp.length > 0;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Shortens anything from the client before echoing it back in a reason. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}

export function parseClientMessage(
  frame: string | ArrayBuffer,
  limits: Pick<TrackerLimits, 'maxMessageBytes' | 'maxOffersPerAnnounce' | 'maxSwarmsPerSocket'>,
): ParseResult {
  if (exceedsBytes(frame, limits.maxMessageBytes)) {
    return { ok: false, reason: `message is larger than the ${limits.maxMessageBytes}-byte limit` };
  }
  let text: string;
  try {
    text = typeof frame === 'string' ? frame : decoder.decode(frame);
  } catch {
    return { ok: false, reason: 'message is not valid UTF-8' };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  if (!isRecord(data)) return { ok: false, reason: 'message must be a JSON object' };
  if (data.action === 'announce') return parseAnnounce(data, text, limits);
  if (data.action === 'scrape') return parseScrape(data, limits);
  return { ok: false, reason: `invalid action in WS request: ${quote(data.action)}` };
}

/** An announce refused once its info_hash is known (a function of its own: parseAnnounce runs on every frame). */
function refusal(infoHash: string, reason: string): ParseResult {
  return { ok: false, action: 'announce', infoHash, reason };
}

function parseAnnounce(
  data: Record<string, unknown>,
  text: string,
  limits: Pick<TrackerLimits, 'maxOffersPerAnnounce'>,
): ParseResult {
  if (!isTrackerId(data.info_hash)) return { ok: false, action: 'announce', reason: 'invalid info_hash' };
  const infoHash = data.info_hash;
  if (!isTrackerId(data.peer_id)) return refusal(infoHash, 'invalid peer_id');
  const peerId = data.peer_id;

  if (data.answer !== undefined && data.answer !== null) {
    if (!isTrackerId(data.to_peer_id)) return refusal(infoHash, 'invalid `to_peer_id` (required with `answer`)');
    if (!isTrackerId(data.offer_id)) return refusal(infoHash, 'invalid `offer_id` (required with `answer`)');
    if (!isDescription(data.answer, 'answer'))
      return refusal(infoHash, 'invalid `answer`: expected {type: "answer", sdp}');
    const answer = { type: 'answer' as const, sdp: data.answer.sdp };
    return {
      ok: true,
      message: { kind: 'answer', infoHash, peerId, toPeerId: data.to_peer_id, offerId: data.offer_id, answer },
    };
  }

  let event: TrackerEvent = 'update';
  if (data.event !== undefined && data.event !== null && data.event !== '' && data.event !== 'empty') {
    if (typeof data.event !== 'string' || !events.has(data.event))
      return refusal(infoHash, `invalid event: ${quote(data.event)}`);
    event = data.event as TrackerEvent;
  }
  if (data.numwant !== undefined && !isCount(data.numwant))
    return refusal(infoHash, 'invalid numwant: expected a number ≥ 0');
  for (const field of ['uploaded', 'downloaded', 'left'] as const) {
    if (data[field] !== undefined && data[field] !== null && !isCount(data[field])) {
      return refusal(infoHash, `invalid ${field}: expected a number ≥ 0`);
    }
  }

  const offers: ParsedOffer[] = [];
  let droppedOffers = 0;
  if (data.offers !== undefined && data.offers !== null) {
    if (!Array.isArray(data.offers)) return refusal(infoHash, 'invalid offers: expected an array');
    const count = data.offers.length;
    for (let index = 0; index < count; index++) {
      const item: unknown = data.offers[index];
      if (!isRecord(item) || !isTrackerId(item.offer_id) || !isDescription(item.offer, 'offer')) {
        return refusal(infoHash, `invalid offers[${index}]: expected {offer_id, offer: {type: "offer", sdp}}`);
      }
    }
    // Every offer checked: now where each one's strings are in the text (once, for the ones kept).
    const literals = count > 0 ? offerLiterals(text) : undefined;
    const found = literals?.length === count ? literals : undefined;
    for (let index = 0; index < count; index++) {
      if (offers.length >= limits.maxOffersPerAnnounce) {
        droppedOffers = count - index;
        break;
      }
      const item = data.offers[index] as { offer_id: string; offer: SessionDescription<'offer'> };
      const offerId = item.offer_id;
      const sdp = item.offer.sdp;
      const literal = found?.[index];
      offers.push({
        offer_id: offerId,
        offer: { type: 'offer', sdp },
        // A literal is at least its value and two quotes long: anything shorter was not this value.
        offerIdJson: (literal?.offerId && literal.offerId.length >= offerId.length + 2
          ? literal.offerId
          : jsonString(offerId)) as JsonString,
        sdpJson: (literal?.sdp && literal.sdp.length >= sdp.length + 2 ? literal.sdp : jsonString(sdp)) as JsonString,
      });
    }
  }
  return {
    ok: true,
    message: {
      kind: 'announce',
      infoHash,
      peerId,
      event,
      numwant: data.numwant === undefined ? undefined : Math.floor(data.numwant as number),
      complete: data.left === 0,
      offers,
      droppedOffers,
    },
  };
}

function parseScrape(data: Record<string, unknown>, limits: Pick<TrackerLimits, 'maxSwarmsPerSocket'>): ParseResult {
  const raw = typeof data.info_hash === 'string' ? [data.info_hash] : data.info_hash;
  if (!Array.isArray(raw) || raw.length === 0) {
    return { ok: false, action: 'scrape', reason: 'scrape needs info_hash: one id or a list' };
  }
  if (raw.length > limits.maxSwarmsPerSocket) {
    return { ok: false, action: 'scrape', reason: `scrape at most ${limits.maxSwarmsPerSocket} info_hashes at once` };
  }
  if (!raw.every(isTrackerId)) return { ok: false, action: 'scrape', reason: 'invalid info_hash' };
  return { ok: true, message: { kind: 'scrape', infoHashes: [...new Set(raw as string[])] } };
}
