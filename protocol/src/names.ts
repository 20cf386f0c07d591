/**
 * Stream and object naming shared by the edge (which validates every request)
 * and the origin (which must only ever produce names the edge accepts).
 *
 * Names are deliberately narrow: ASCII letters, digits, `_`, `-`, `.` inside a
 * part, at most three `/`-separated parts, a known extension. Anything else is
 * refused rather than normalised, so a name has exactly one spelling and one
 * cache key.
 */

export type ObjectKind = 'playlist' | 'init' | 'segment' | 'sidecar';

export interface ObjectType {
  readonly kind: ObjectKind;
  readonly contentType: string;
}

/** Extension → what the object is and how it is served. */
export const objectTypes: Readonly<Record<string, ObjectType>> = {
  m3u8: { kind: 'playlist', contentType: 'application/vnd.apple.mpegurl' },
  mp4: { kind: 'init', contentType: 'video/mp4' },
  m4s: { kind: 'segment', contentType: 'video/iso.segment' },
  m4a: { kind: 'segment', contentType: 'audio/mp4' },
  ts: { kind: 'segment', contentType: 'video/mp2t' },
  aac: { kind: 'segment', contentType: 'audio/aac' },
  vtt: { kind: 'segment', contentType: 'text/vtt; charset=utf-8' },
  json: { kind: 'sidecar', contentType: 'application/json' },
};

export const nameLimits = {
  streamId: 64,
  part: 64,
  parts: 3,
  objectName: 160,
} as const;

const streamIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const partPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

export function validateStreamId(id: string): Validation<string> {
  if (id.length === 0) return { ok: false, reason: 'stream id is empty' };
  if (id.length > nameLimits.streamId) {
    return { ok: false, reason: `stream id is longer than ${nameLimits.streamId} characters` };
  }
  if (!streamIdPattern.test(id)) {
    return {
      ok: false,
      reason: 'stream id may only contain letters, digits, "_" and "-", and must start with a letter or digit',
    };
  }
  return { ok: true, value: id };
}

export interface ObjectName extends ObjectType {
  readonly name: string;
  readonly extension: string;
}

export function validateObjectName(name: string): Validation<ObjectName> {
  if (name.length === 0) return { ok: false, reason: 'object name is empty' };
  if (name.length > nameLimits.objectName) {
    return { ok: false, reason: `object name is longer than ${nameLimits.objectName} characters` };
  }
  const parts = name.split('/');
  if (parts.length > nameLimits.parts) {
    return { ok: false, reason: `object name has more than ${nameLimits.parts} path parts` };
  }
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('..')) {
      return { ok: false, reason: 'object name contains an empty, "." or ".." path part' };
    }
    if (part.length > nameLimits.part) {
      return { ok: false, reason: `object name part is longer than ${nameLimits.part} characters` };
    }
    if (!partPattern.test(part)) {
      return {
        ok: false,
        reason: 'object name may only contain letters, digits, "_", "-", "." and "/"',
      };
    }
  }
  const last = parts[parts.length - 1] ?? '';
  const dot = last.lastIndexOf('.');
  const extension = dot > 0 ? last.slice(dot + 1).toLowerCase() : '';
  const type = objectTypes[extension];
  if (!type) {
    return {
      ok: false,
      reason: `object name must end in one of: ${Object.keys(objectTypes)
        .map((e) => `.${e}`)
        .join(', ')}`,
    };
  }
  return { ok: true, value: { name, extension, ...type } };
}

/** Where an object lives in the media bucket. Both inputs must be validated. */
export function storageKey(streamId: string, objectName: string): string {
  return `streams/${streamId}/${objectName}`;
}

/** Public paths, relative to the edge's base URL. */
export const paths = {
  object: (streamId: string, objectName: string) => `/v1/streams/${streamId}/${objectName}`,
  multivariant: (streamId: string) => `/v1/streams/${streamId}/master.m3u8`,
  watch: (streamId: string) => `/watch/${streamId}`,
} as const;

/** The multivariant playlist's object name, by convention. */
export const multivariantName = 'master.m3u8';
