/**
 * Signed playback: HMAC-SHA256 tokens scoped to one stream, with an expiry and
 * an optional viewer id. A site's backend mints them with a key it shares with
 * the edge; the edge checks them on protected streams. Keys rotate with an
 * overlap: the first key signs, every listed key verifies until its retirement
 * time, so tokens minted before a rotation keep working until then.
 *
 *   v1.<key id>.<stream>.<expiry, unix seconds>.<viewer or empty>.<base64url HMAC of the rest>
 *
 * Every part is URL- and cookie-safe as written: nothing to encode, nothing to
 * re-encode. Pure apart from Web Crypto; `now` is always passed in.
 */
import { type Validation, validateStreamId } from './names';

export interface PlaybackKey {
  id: string;
  secret: string;
  /** Unix seconds from which tokens signed with this key are refused; absent: in use. */
  retiresAt?: number;
}

export interface PlaybackClaims {
  stream: string;
  /** Unix seconds. */
  expiresAt: number;
  viewer?: string;
}

export const playbackTokenDefaults = {
  /** The query parameter and the cookie that carry a token. */
  queryParam: 'token',
  cookieName: 'edgeswarm_token',
  /** Longest lifetime a token may claim, seconds. */
  maxTtlSeconds: 7 * 24 * 3600,
  /** Clock difference tolerated between the minting backend and the edge, seconds. */
  clockSkewSeconds: 30,
} as const;

export type PlaybackTokenOptions = Pick<typeof playbackTokenDefaults, 'maxTtlSeconds' | 'clockSkewSeconds'>;

export type PlaybackVerdict = { ok: true; claims: PlaybackClaims; keyId: string } | { ok: false; reason: string };

const keyIdPattern = /^[A-Za-z0-9_-]{1,16}$/;
const viewerPattern = /^[A-Za-z0-9_-]{1,64}$/;
const encoder = new TextEncoder();

/**
 * Pure: `PLAYBACK_KEYS` as written: `id:secret[@retirement]`, comma-separated, the signing key first. The
 * retirement is an ISO 8601 time or unix seconds.
 */
export function parsePlaybackKeys(text: string): Validation<PlaybackKey[]> {
  const keys: PlaybackKey[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const at = entry.lastIndexOf('@');
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1, at > colon ? at : undefined);
    if (colon === -1 || !keyIdPattern.test(id)) {
      return { ok: false, reason: 'each playback key is id:secret[@retirement], the id 1-16 of [A-Za-z0-9_-]' };
    }
    if (secret.length < 16) return { ok: false, reason: `playback key ${id}: the secret needs at least 16 characters` };
    if (keys.some((k) => k.id === id)) return { ok: false, reason: `playback key ${id} is listed twice` };
    const key: PlaybackKey = { id, secret };
    if (at > colon) {
      const when = entry.slice(at + 1);
      const seconds = /^\d+$/.test(when) ? Number(when) : Date.parse(when) / 1000;
      if (!Number.isFinite(seconds)) return { ok: false, reason: `playback key ${id}: ${when} is not a time` };
      key.retiresAt = Math.floor(seconds);
    }
    keys.push(key);
  }
  if (keys.length === 0) return { ok: false, reason: 'no playback keys' };
  if (keys[0]?.retiresAt !== undefined) return { ok: false, reason: 'the first playback key signs: it cannot retire' };
  return { ok: true, value: keys };
}

/** Pure: `30s`, `15m`, `1h`, `7d` or plain seconds, as seconds. */
export function parseTtl(text: string): Validation<number> {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return { ok: false, reason: `${text} is not a duration (30s, 15m, 1h, 7d)` };
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 ? { ok: true, value: seconds } : { ok: false, reason: 'a duration must be positive' };
}

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hmacKey(secret: string, usage: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function signedPart(keyId: string, claims: PlaybackClaims): string {
  return `v1.${keyId}.${claims.stream}.${claims.expiresAt}.${claims.viewer ?? ''}`;
}

/** A token for `claims`, signed with `key` (normally the first of the edge's keys). */
export async function mintPlaybackToken(claims: PlaybackClaims, key: PlaybackKey): Promise<string> {
  const stream = validateStreamId(claims.stream);
  if (!stream.ok) throw new Error(stream.reason);
  if (claims.viewer !== undefined && !viewerPattern.test(claims.viewer)) {
    throw new Error('a viewer id is 1-64 of [A-Za-z0-9_-]');
  }
  if (!Number.isSafeInteger(claims.expiresAt) || claims.expiresAt <= 0) throw new Error('expiresAt is unix seconds');
  const message = signedPart(key.id, claims);
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(key.secret, 'sign'), encoder.encode(message));
  return `${message}.${base64url(signature)}`;
}

/** Whether `token` lets its holder play `stream` at `now` (unix seconds), and why not. */
export async function verifyPlaybackToken(
  token: string,
  stream: string,
  keys: readonly PlaybackKey[],
  now: number,
  options: PlaybackTokenOptions = playbackTokenDefaults,
): Promise<PlaybackVerdict> {
  const parts = token.split('.');
  const [version, keyId = '', claimed = '', expiry = '', viewer = '', signature = ''] = parts;
  if (
    parts.length !== 6 ||
    version !== 'v1' ||
    !keyIdPattern.test(keyId) ||
    !validateStreamId(claimed).ok ||
    !/^\d{1,12}$/.test(expiry) ||
    (viewer !== '' && !viewerPattern.test(viewer))
  ) {
    return { ok: false, reason: 'the playback token is malformed' };
  }
  const bytes = fromBase64url(signature);
  if (!bytes) return { ok: false, reason: 'the playback token is malformed' };
  const key = keys.find((k) => k.id === keyId);
  if (!key)
    return { ok: false, reason: `the playback token is signed with key ${keyId}, which this edge does not hold` };
  const claims: PlaybackClaims = { stream: claimed, expiresAt: Number(expiry), ...(viewer ? { viewer } : {}) };
  const valid = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(key.secret, 'verify'),
    bytes,
    encoder.encode(signedPart(keyId, claims)),
  );
  if (!valid) return { ok: false, reason: 'the playback token signature does not match' };
  if (key.retiresAt !== undefined && now >= key.retiresAt) {
    return {
      ok: false,
      reason: `the playback token is signed with key ${keyId}, retired at ${new Date(key.retiresAt * 1000).toISOString()}`,
    };
  }
  if (claims.stream !== stream) {
    return { ok: false, reason: `the playback token is for stream ${claims.stream}, not ${stream}` };
  }
  if (now > claims.expiresAt + options.clockSkewSeconds) {
    return { ok: false, reason: `the playback token expired at ${new Date(claims.expiresAt * 1000).toISOString()}` };
  }
  if (claims.expiresAt > now + options.maxTtlSeconds + options.clockSkewSeconds) {
    return { ok: false, reason: `the playback token lives longer than the ${options.maxTtlSeconds} s maximum` };
  }
  return { ok: true, claims, keyId };
}
