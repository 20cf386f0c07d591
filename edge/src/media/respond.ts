/**
 * Turns a stored object into the HTTP response a request asked for: 200, 206
 * for a byte range, 304 for a matching If-None-Match. Works the same whether the
 * body came from the Cache API (a stream) or R2 (bytes), so ranges are correct
 * for cached objects too.
 */
import { RangeNotSatisfiableError } from '../lib/errors';
import { ifNoneMatchHits, parseRange } from '../lib/http';
import type { ReadResult } from './read-through';

export async function respondWithObject(request: Request, result: ReadResult): Promise<Response> {
  const { meta, body, cacheStatus } = result;
  const headers = new Headers({
    'Content-Type': meta.contentType,
    'Cache-Control': meta.cacheControl,
    ETag: meta.etag,
    'Accept-Ranges': 'bytes',
    'X-Edge-Cache': cacheStatus,
  });
  if (meta.sha256) headers.set('X-Content-SHA256', meta.sha256);

  if (ifNoneMatchHits(request.headers.get('If-None-Match'), meta.etag)) {
    if (body instanceof ReadableStream) await body.cancel();
    return new Response(null, { status: 304, headers });
  }

  const range = parseRange(request.headers.get('Range'), meta.size);
  if (range === 'unsatisfiable') {
    if (body instanceof ReadableStream) await body.cancel();
    throw new RangeNotSatisfiableError(meta.size);
  }
  if (range) {
    const bytes = body instanceof ReadableStream ? await new Response(body).arrayBuffer() : body;
    headers.set('Content-Range', `bytes ${range.start}-${range.end}/${meta.size}`);
    headers.set('Content-Length', String(range.end - range.start + 1));
    return new Response(bytes.slice(range.start, range.end + 1), { status: 206, headers });
  }
  headers.set('Content-Length', String(meta.size));
  return new Response(body, { status: 200, headers });
}
