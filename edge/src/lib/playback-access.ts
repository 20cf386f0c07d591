/**
 * Signed playback at the edge, the pure part: which requests play a stream
 * (and so need a token when the stream is protected), where the token comes
 * from, and a short per-isolate memory of which streams are protected. The
 * token itself is protocol/src/playback-token.ts.
 */
import { playbackTokenDefaults, validateObjectName, validateStreamId } from '@edgeswarm/protocol';

export interface PlaybackAccessOptions {
  memoSeconds: number;
  memoEntries: number;
  queryParam: string;
  cookieName: string;
}

export const playbackAccessDefaults: PlaybackAccessOptions = {
  /** How long an isolate trusts what it read of a stream's protection, seconds (a change may take this long). */
  memoSeconds: 5,
  /** Streams remembered per isolate. */
  memoEntries: 10_000,
  queryParam: playbackTokenDefaults.queryParam,
  cookieName: playbackTokenDefaults.cookieName,
};

/**
 * Pure: the stream a request plays, if it is one of the requests signed playback guards: GET/HEAD of a stream's
 * objects (playlists, live playlists, init segments, segments), beacons, and the tracker socket.
 */
export function playbackStreamOf(method: string, pathname: string): string | undefined {
  const tracker = /^\/v1\/tracker\/([^/]+)$/.exec(pathname);
  if (tracker) return method === 'GET' ? valid(tracker[1]) : undefined;
  const match = /^\/v1\/streams\/([^/]+)\/(.+)$/.exec(pathname);
  if (!match) return undefined;
  const [, stream, rest = ''] = match;
  if (method === 'POST') return rest === 'beacons' ? valid(stream) : undefined;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  return validateObjectName(rest).ok ? valid(stream) : undefined;
}

function valid(stream: string | undefined): string | undefined {
  return stream !== undefined && validateStreamId(stream).ok ? stream : undefined;
}

/** Pure: the token a request presents: the query parameter, else the cookie. */
export function presentedToken(
  url: URL,
  cookieHeader: string | null | undefined,
  names: Pick<PlaybackAccessOptions, 'queryParam' | 'cookieName'> = playbackAccessDefaults,
): string | undefined {
  const query = url.searchParams.get(names.queryParam);
  if (query) return query;
  for (const pair of (cookieHeader ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === names.cookieName) return pair.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Which streams are protected, as last read, for a few seconds. Pure: `now` (seconds) is passed in. */
/** Where a stream's setting is stored in R2: outside `streams/`, so never served as an object or listed as a stream. */
export const accessObjectKey = (stream: string) => `access/${stream}.json`;

export class ProtectionMemo {
  private readonly entries = new Map<string, { signed: boolean; until: number }>();

  constructor(private readonly options: Pick<PlaybackAccessOptions, 'memoSeconds' | 'memoEntries'>) {}

  get(stream: string, now: number): boolean | undefined {
    const entry = this.entries.get(stream);
    if (!entry || entry.until <= now) return undefined;
    return entry.signed;
  }

  set(stream: string, signed: boolean, now: number): void {
    if (this.entries.size >= this.options.memoEntries) this.entries.clear();
    this.entries.set(stream, { signed, until: now + this.options.memoSeconds });
  }

  forget(stream: string): void {
    this.entries.delete(stream);
  }
}
