/**
 * The write path: store one object for a stream. Segments are write-once
 * (same bytes again is a no-op, different bytes is refused); playlists may be
 * replaced. The body is read whole, bounded, hashed and validated before
 * anything is written, and R2 writes are atomic, so a refused or broken upload
 * never disturbs what is already published.
 */
import {
  checkIngestPlaylist,
  type ObjectName,
  type PlaylistIngestLimits,
  playlistIngestDefaults,
  sha256Hex,
} from '@edgeswarm/protocol';
import { isImmutable } from '../lib/cache-policy';
import { BadRequestError, ConflictError, PayloadTooLargeError, PreconditionFailedError } from '../lib/errors';
import { storageCounters } from './counters';

export type IngestOutcome = 'created' | 'replaced' | 'unchanged';

export interface IngestResult {
  outcome: IngestOutcome;
  sha256: string;
  size: number;
}

export interface IngestRequest {
  storageKey: string;
  object: ObjectName;
  body: ReadableStream<Uint8Array> | null;
  contentLength: number | undefined;
  /** Optional X-Content-SHA256 from the publisher: proves the bytes arrived intact. */
  declaredSha256: string | undefined;
  maxBytes: number;
  /** What a stored playlist may say (URIs inside its stream, bounds); default: the protocol's. */
  playlistLimits?: PlaylistIngestLimits;
  /**
   * `If-None-Match: *`: store only if nothing is there yet (the same bytes again is still `unchanged`, so a
   * retry after a lost answer succeeds). `vod` sends it with a new video's multivariant playlist, so it never
   * overwrites a stream someone else published meanwhile.
   */
  createOnly?: boolean;
}

/**
 * Reads at most `limit` bytes, refusing as soon as the body proves larger. A body that breaks off (the client
 * stopped sending: workerd's "Network connection lost") or ends short of its Content-Length is a 400, not a 500.
 */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  declaredLength?: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new BadRequestError(
        `the request body broke off after ${total} bytes (${error instanceof Error ? error.message : String(error)}); nothing was stored`,
      );
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  if (declaredLength !== undefined && total !== declaredLength) {
    throw new BadRequestError(`the request body is ${total} bytes, but Content-Length said ${declaredLength}`);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function validateContent(object: ObjectName, bytes: Uint8Array, playlistLimits: PlaylistIngestLimits): void {
  if (bytes.byteLength === 0) throw new BadRequestError('body is empty');
  if (object.kind === 'playlist') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new BadRequestError('playlist is not valid UTF-8');
    }
    const checked = checkIngestPlaylist(object.name, text, playlistLimits);
    if (!checked.ok) throw new BadRequestError(checked.reason);
  }
  if (object.kind === 'sidecar') {
    try {
      JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new BadRequestError('sidecar is not valid JSON');
    }
  }
}

export async function ingestObject(bucket: R2Bucket, request: IngestRequest): Promise<IngestResult> {
  if (request.contentLength !== undefined && request.contentLength > request.maxBytes) {
    throw new PayloadTooLargeError(request.maxBytes);
  }
  const bytes = await readBounded(request.body, request.maxBytes, request.contentLength);
  validateContent(request.object, bytes, request.playlistLimits ?? playlistIngestDefaults);
  const sha256 = await sha256Hex(bytes);
  if (request.declaredSha256 !== undefined && request.declaredSha256.toLowerCase() !== sha256) {
    throw new BadRequestError(`body SHA-256 is ${sha256}, but X-Content-SHA256 says ${request.declaredSha256}`);
  }
  const result = { sha256, size: bytes.byteLength };

  const existing = await bucket.head(request.storageKey);
  if (existing?.customMetadata?.sha256 === sha256) return { outcome: 'unchanged', ...result };
  const immutable = isImmutable(request.object.kind);
  if (existing && immutable) {
    throw new ConflictError(`${request.object.name} is already published with different bytes; segments are immutable`);
  }
  const absentOnly = immutable || request.createOnly === true;
  const exists = () =>
    new PreconditionFailedError(
      `${request.object.name} already exists (If-None-Match: *); send it without to replace it`,
    );
  if (existing && request.createOnly) throw exists();

  storageCounters.r2Puts++;
  const written = await bucket.put(request.storageKey, bytes, {
    httpMetadata: { contentType: request.object.contentType },
    customMetadata: { sha256 },
    // Write-once objects: lose a race rather than overwrite a concurrent publish.
    ...(absentOnly ? { onlyIf: new Headers({ 'If-None-Match': '*' }) } : {}),
  });
  if (!written) {
    const winner = await bucket.head(request.storageKey);
    if (winner?.customMetadata?.sha256 === sha256) return { outcome: 'unchanged', ...result };
    if (!immutable) throw exists();
    throw new ConflictError(`${request.object.name} was published concurrently with different bytes`);
  }
  return { outcome: existing ? 'replaced' : 'created', ...result };
}
