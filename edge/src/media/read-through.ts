/**
 * The read path's storage adapter: Cache API in front of R2, with concurrent
 * misses for one object coalesced so N simultaneous first viewers cost one R2
 * read. A miss stays "in flight" until its Cache API copy is written, so a
 * request that arrives between the R2 read and the cache write still joins it.
 */
import { type ObjectName, parsePlaylist } from '@edgeswarm/protocol';
import { type CacheSubject, cacheControlFor } from '../lib/cache-policy';
import { createCoalescer } from '../lib/coalesce';
import { strongEtag } from '../lib/http';
import { storageCounters } from './counters';

export interface ObjectMeta {
  contentType: string;
  cacheControl: string;
  etag: string;
  sha256: string;
  size: number;
}

export type CacheStatus = 'HIT' | 'MISS' | 'COALESCED';

export interface ReadResult {
  meta: ObjectMeta;
  body: ReadableStream | ArrayBuffer;
  cacheStatus: CacheStatus;
}

interface Loaded {
  meta: ObjectMeta;
  bytes: ArrayBuffer;
}

const misses = createCoalescer<Loaded | null>();

function subjectFor(object: ObjectName, bytes: ArrayBuffer): CacheSubject {
  if (object.kind !== 'playlist') return { kind: object.kind };
  const parsed = parsePlaylist(new TextDecoder().decode(bytes));
  if (parsed.ok && parsed.value.type === 'media') {
    return {
      kind: 'playlist',
      playlist: 'media',
      endList: parsed.value.endList,
      targetDuration: parsed.value.targetDuration,
    };
  }
  return { kind: 'playlist', playlist: 'multivariant' };
}

export function metaHeaders(meta: ObjectMeta): Headers {
  return new Headers({
    'Content-Type': meta.contentType,
    'Cache-Control': meta.cacheControl,
    ETag: meta.etag,
    'Content-Length': String(meta.size),
    'X-Content-SHA256': meta.sha256,
  });
}

export function metaFromHeaders(headers: Headers): ObjectMeta {
  return {
    contentType: headers.get('Content-Type') ?? 'application/octet-stream',
    cacheControl: headers.get('Cache-Control') ?? 'no-cache',
    etag: headers.get('ETag') ?? '',
    sha256: headers.get('X-Content-SHA256') ?? '',
    size: Number(headers.get('Content-Length') ?? 0),
  };
}

async function loadFromBucket(bucket: R2Bucket, key: string, object: ObjectName): Promise<Loaded | null> {
  storageCounters.r2Gets++;
  const stored = await bucket.get(key);
  if (!stored) return null;
  const bytes = await stored.arrayBuffer();
  const sha256 = stored.customMetadata?.sha256 ?? '';
  return {
    bytes,
    meta: {
      contentType: object.contentType,
      cacheControl: cacheControlFor(subjectFor(object, bytes)),
      etag: sha256 ? strongEtag(sha256) : stored.httpEtag,
      sha256,
      size: bytes.byteLength,
    },
  };
}

export interface ReadDeps {
  bucket: R2Bucket;
  cache: Cache;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** `cacheKey` must be canonical (no query string) so every viewer shares one entry. */
export async function readObject(
  deps: ReadDeps,
  cacheKey: string,
  storageKey: string,
  object: ObjectName,
): Promise<ReadResult | null> {
  const cached = await deps.cache.match(cacheKey);
  if (cached?.body) {
    storageCounters.cacheHits++;
    return { meta: metaFromHeaders(cached.headers), body: cached.body, cacheStatus: 'HIT' };
  }

  const { promise, leader } = misses.run(
    cacheKey,
    () => loadFromBucket(deps.bucket, storageKey, object),
    (loaded) => {
      if (!loaded) return undefined;
      const stored = deps.cache
        .put(cacheKey, new Response(loaded.bytes.slice(0), { headers: metaHeaders(loaded.meta) }))
        .catch((error: unknown) => console.error(`cache put failed for ${cacheKey}`, error));
      deps.waitUntil(stored);
      return stored;
    },
  );
  if (leader) storageCounters.cacheMisses++;
  else storageCounters.coalescedMisses++;
  const loaded = await promise;
  return loaded && { meta: loaded.meta, body: loaded.bytes, cacheStatus: leader ? 'MISS' : 'COALESCED' };
}

/** Drops the colo's cached copy of a mutable object after it was replaced. */
export async function purgeObject(cache: Cache, cacheKey: string): Promise<void> {
  await cache.delete(cacheKey);
}
