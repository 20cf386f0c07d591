/**
 * Which streams exist, and what state each is in: R2's `streams/` prefixes
 * (every stream has objects there; a live one a `stream.json` marker from its
 * creation on), and each one's coordinator for live state. Shared by the
 * operator's listing and the Prometheus endpoint.
 */
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
