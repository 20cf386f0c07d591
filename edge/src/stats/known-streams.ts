/**
 * Whether a stream has been published, so beacons for made-up stream ids are
 * refused before they create a Durable Object and its storage. A stream exists
 * once it has a multivariant playlist (VOD and live) or a live marker. Hits are
 * remembered per isolate, so a stream's beacons cost one R2 HEAD per isolate
 * per `ttlMs`; misses are not (a stream may be published a second later).
 */
import { multivariantName, storageKey } from '@edgeswarm/protocol';

export const knownStreamDefaults = {
  ttlMs: 10 * 60_000,
  /** Past this many remembered streams the memory is cleared and refilled on demand. */
  maxEntries: 10_000,
};

const known = new Map<string, number>();

export async function streamExists(bucket: R2Bucket, stream: string, now = Date.now()): Promise<boolean> {
  const expiry = known.get(stream);
  if (expiry !== undefined && expiry > now) return true;
  // Not coalesced across requests: a promise settled in another request's context can hang this one.
  const exists =
    (await bucket.head(storageKey(stream, multivariantName))) !== null ||
    (await bucket.head(storageKey(stream, 'stream.json'))) !== null;
  if (exists) {
    if (known.size >= knownStreamDefaults.maxEntries) known.clear();
    known.set(stream, now + knownStreamDefaults.ttlMs);
  }
  return exists;
}

/** A deleted stream: this isolate stops taking its beacons at once (others within `ttlMs`). */
export function forgetKnownStream(stream: string): void {
  known.delete(stream);
}
