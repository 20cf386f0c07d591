/**
 * A stream's objects in R2, all under `streams/<id>/`: how many there are and
 * how large (for the operator's listing), and deleting them (for stream
 * deletion). Both walk the prefix a listing page at a time, within a budget,
 * so one request never lists or deletes without bound.
 */
import { multivariantName, storageKey } from '@edgeswarm/protocol';

export const streamObjectDefaults = {
  /** Listing pages (1000 objects each) one size count reads; past it the size is a lower bound. */
  maxSizePages: 5,
  /** Objects one deletion call deletes; past it the caller is told to call again. */
  maxDeletes: 10_000,
};

const prefixOf = (stream: string) => storageKey(stream, '');

export interface StreamSize {
  objects: number;
  bytes: number;
  /** False when the count stopped at the page budget: the stream holds at least this much. */
  complete: boolean;
}

export async function streamSize(bucket: R2Bucket, stream: string, limits = streamObjectDefaults): Promise<StreamSize> {
  let objects = 0;
  let bytes = 0;
  let cursor: string | undefined;
  for (let page = 0; page < limits.maxSizePages; page++) {
    const listing = await bucket.list({ prefix: prefixOf(stream), ...(cursor ? { cursor } : {}) });
    objects += listing.objects.length;
    bytes += listing.objects.reduce((sum, o) => sum + o.size, 0);
    if (!listing.truncated) return { objects, bytes, complete: true };
    cursor = listing.cursor;
  }
  return { objects, bytes, complete: false };
}

export async function hasObjects(bucket: R2Bucket, stream: string): Promise<boolean> {
  return (await bucket.list({ prefix: prefixOf(stream), limit: 1 })).objects.length > 0;
}

export interface DeletedObjects {
  /** Object names relative to the stream, e.g. `v0/s0-3.m4s`, `master.m3u8`. */
  names: string[];
  bytes: number;
  /** False when the budget ran out with objects left. */
  complete: boolean;
}

/**
 * Deletes the stream's objects, a listing page at a time. The live marker (`stream.json`) and the
 * multivariant playlist go last, so a deletion cut short still leaves the stream listed and findable.
 */
export async function deleteStreamObjects(
  bucket: R2Bucket,
  stream: string,
  limits = streamObjectDefaults,
): Promise<DeletedObjects> {
  const prefix = prefixOf(stream);
  const last = new Set([storageKey(stream, 'stream.json'), storageKey(stream, multivariantName)]);
  const names: string[] = [];
  let bytes = 0;
  while (names.length < limits.maxDeletes) {
    const listing = await bucket.list({ prefix, limit: 1000 });
    // A page of 1000 holds more than the two kept for last, unless they are all that is left.
    const rest = listing.objects.filter((o) => !last.has(o.key));
    const batch = (rest.length > 0 ? rest : listing.objects).slice(0, limits.maxDeletes - names.length);
    if (batch.length === 0) return { names, bytes, complete: true };
    await bucket.delete(batch.map((o) => o.key));
    names.push(...batch.map((o) => o.key.slice(prefix.length)));
    bytes += batch.reduce((sum, o) => sum + o.size, 0);
  }
  return { names, bytes, complete: !(await hasObjects(bucket, stream)) };
}
