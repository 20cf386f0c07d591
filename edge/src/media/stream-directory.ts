/**
 * Which streams exist, and what state each is in: R2's `streams/` prefixes
 * (every stream has objects there; a live one a `stream.json` marker from its
 * creation on), and each one's coordinator for live state. Shared by the
 * operator's listing and the Prometheus endpoint.
 */
import { multivariantName, type PublishedKind, storageKey } from '@edgeswarm/protocol';
import type { Env } from '../env';

export type StreamState = 'created' | 'live' | 'ended' | 'vod';

export interface StreamPage {
  ids: string[];
  /** Present when more streams follow. */
  cursor?: string;
}

export async function listStreamIds(bucket: R2Bucket, limit: number, cursor?: string): Promise<StreamPage> {
  const listing = await bucket.list({ prefix: 'streams/', delimiter: '/', limit, ...(cursor ? { cursor } : {}) });
  const ids = listing.delimitedPrefixes.map((prefix) => prefix.slice('streams/'.length, -1));
  return listing.truncated ? { ids, cursor: listing.cursor } : { ids };
}

/** A live stream's state and creation time from its coordinator; `vod` for a stream that was only uploaded. */
export async function streamState(env: Env, id: string): Promise<{ state: StreamState; createdAt?: string }> {
  const status = await env.LIVE.get(env.LIVE.idFromName(id)).status();
  return status ? { state: status.state, createdAt: status.createdAt } : { state: 'vod' };
}

/**
 * What the stream holds, from R2 alone (no coordinator is woken): `live` once it has a live marker (a live
 * stream keeps it after it ends), `vod` for a multivariant playlist without one, undefined for nothing.
 */
export async function publishedKind(bucket: R2Bucket, id: string): Promise<PublishedKind | undefined> {
  const [marker, master] = await Promise.all([
    bucket.head(storageKey(id, 'stream.json')),
    bucket.head(storageKey(id, multivariantName)),
  ]);
  if (marker) return 'live';
  return master ? 'vod' : undefined;
}
