/**
 * What the edge accepts as a stored playlist, beyond parsing: every URI stays
 * inside the playlist's own stream (relative, no dot segments, no scheme, and
 * resolving to a name the edge would accept, of the right kind), and the
 * numbers are sane. Pure: text in, a parsed playlist or a reason out. The
 * origin can run the same check before it uploads.
 */
import { nameLimits, type ObjectKind, type Validation, validateObjectName } from './names';
import { type Playlist, parseAttributes, parsePlaylist, resolveRelative } from './playlist';

export interface PlaylistIngestLimits {
  /** EXT-X-TARGETDURATION, seconds: [min, max]. */
  targetDuration: readonly [number, number];
  /** Longest EXTINF, seconds (each is also at most the target duration, rounded). */
  maxSegmentDuration: number;
  /** Segments in one media playlist (a 10-hour VOD of 2 s segments is 18,000). */
  maxSegments: number;
  /** Variants in one multivariant playlist. */
  maxVariants: number;
  /** Characters in one URI as written. */
  maxUriLength: number;
}

export const playlistIngestDefaults: PlaylistIngestLimits = {
  targetDuration: [1, 30],
  maxSegmentDuration: 30,
  maxSegments: 20_000,
  maxVariants: 32,
  maxUriLength: nameLimits.objectName,
};

const schemePattern = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Pure: where a URI written in `playlistName` points, as an object name in the same stream, or why it may not be
 * there. `kind`: what the URI must name (a variant a playlist, EXT-X-MAP an init segment, a segment a segment).
 */
export function resolveInStream(
  playlistName: string,
  uri: string,
  kind?: ObjectKind,
  limits: Pick<PlaylistIngestLimits, 'maxUriLength'> = playlistIngestDefaults,
): Validation<string> {
  const quoted = JSON.stringify(uri.length > 40 ? `${uri.slice(0, 40)}…` : uri);
  if (uri.length === 0) return { ok: false, reason: 'URI is empty' };
  if (uri.length > limits.maxUriLength) {
    return { ok: false, reason: `URI ${quoted} is longer than ${limits.maxUriLength} characters` };
  }
  if (schemePattern.test(uri)) {
    return { ok: false, reason: `URI ${quoted} has a scheme; only relative URIs inside the stream are allowed` };
  }
  if (uri.startsWith('/')) {
    return { ok: false, reason: `URI ${quoted} is absolute; only relative URIs inside the stream are allowed` };
  }
  if (uri.split('/').some((part) => part === '..' || part === '.')) {
    return { ok: false, reason: `URI ${quoted} has a dot segment; it must stay inside its own folder` };
  }
  if (/[%?#\\]/.test(uri)) {
    return { ok: false, reason: `URI ${quoted} has an encoded character, a query or a fragment` };
  }
  const resolved = resolveRelative(playlistName, uri);
  const object = validateObjectName(resolved);
  if (!object.ok)
    return { ok: false, reason: `URI ${quoted} does not name an object of this stream: ${object.reason}` };
  if (kind && object.value.kind !== kind) {
    return { ok: false, reason: `URI ${quoted} must name a ${kind}, not a ${object.value.kind}` };
  }
  return { ok: true, value: resolved };
}

/** Pure: every URI the text carries, with what it must name: URI lines and each tag's URI="…" attribute. */
export function playlistUris(text: string): { line: number; uri: string; tag?: string }[] {
  const uris: { line: number; uri: string; tag?: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line === '') continue;
    if (!line.startsWith('#')) {
      uris.push({ line: index + 1, uri: line });
      continue;
    }
    const colon = line.indexOf(':');
    if (!line.startsWith('#EXT') || colon === -1) continue;
    const uri = parseAttributes(line.slice(colon + 1)).get('URI');
    if (uri !== undefined) uris.push({ line: index + 1, uri, tag: line.slice(1, colon) });
  }
  return uris;
}

/** Pure: the playlist stored as `playlistName` parses, stays inside its stream and has sane numbers. */
export function checkIngestPlaylist(
  playlistName: string,
  text: string,
  limits: PlaylistIngestLimits = playlistIngestDefaults,
): Validation<Playlist> {
  const parsed = parsePlaylist(text);
  if (!parsed.ok) return { ok: false, reason: `playlist does not parse: ${parsed.reason}` };
  const playlist = parsed.value;
  const fail = (reason: string): Validation<Playlist> => ({ ok: false, reason });
  if (playlist.type === 'multivariant') {
    if (playlist.variants.length > limits.maxVariants) {
      return fail(`playlist has ${playlist.variants.length} variants; at most ${limits.maxVariants} are allowed`);
    }
  } else {
    const [min, max] = limits.targetDuration;
    if (playlist.targetDuration < min || playlist.targetDuration > max) {
      return fail(`EXT-X-TARGETDURATION ${playlist.targetDuration} is outside [${min}, ${max}] seconds`);
    }
    if (playlist.segments.length > limits.maxSegments) {
      return fail(`playlist has ${playlist.segments.length} segments; at most ${limits.maxSegments} are allowed`);
    }
    const bad = playlist.segments.findIndex((s) => !(s.duration > 0 && s.duration <= limits.maxSegmentDuration));
    if (bad !== -1) {
      return fail(
        `segment ${bad} lasts ${playlist.segments[bad]?.duration} s; durations must be in (0, ${limits.maxSegmentDuration}]`,
      );
    }
  }
  const media = playlist.type === 'media';
  for (const { line, uri, tag } of playlistUris(text)) {
    const kind: ObjectKind | undefined =
      tag === 'EXT-X-MAP' ? 'init' : tag !== undefined ? undefined : media ? 'segment' : 'playlist';
    const where = resolveInStream(playlistName, uri, kind, limits);
    if (!where.ok) return fail(`line ${line}${tag ? ` (${tag})` : ''}: ${where.reason}`);
  }
  return parsed;
}
