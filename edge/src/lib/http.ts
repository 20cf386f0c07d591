/** Pure HTTP helpers for the read path: byte ranges and entity tags. */

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/**
 * Parses a Range header against an object of `size` bytes (RFC 9110 §14).
 * - `null`: no usable range; serve the whole object (absent, malformed, other units, multiple ranges).
 * - `'unsatisfiable'`: a well-formed range that lies entirely outside the object (416).
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Weak comparison, as If-None-Match requires: `W/"x"` matches `"x"`; `*` matches anything. */
export function ifNoneMatchHits(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  const want = bare(etag);
  return header.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === want);
}

export function strongEtag(sha256: string): string {
  return `"${sha256}"`;
}
