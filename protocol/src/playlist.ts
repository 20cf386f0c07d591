/**
 * HLS playlist parsing and rendering (RFC 8216), limited to what this project
 * produces and serves: fMP4 media playlists and multivariant playlists.
 * Unknown tags are kept out of the model rather than guessed at; the parser is
 * strict about the tags it does model, because the edge uses it to refuse
 * broken uploads before they replace a working playlist.
 */
import type { Validation } from './names';

export interface Resolution {
  width: number;
  height: number;
}

export interface Variant {
  uri: string;
  bandwidth: number;
  averageBandwidth?: number;
  resolution?: Resolution;
  codecs?: string;
  frameRate?: number;
}

export interface MultivariantPlaylist {
  type: 'multivariant';
  version: number;
  independentSegments: boolean;
  variants: Variant[];
}

export interface MediaSegment {
  uri: string;
  duration: number;
  /** ISO 8601, as written in EXT-X-PROGRAM-DATE-TIME. */
  programDateTime?: string;
  discontinuity?: boolean;
  /** EXT-X-MAP in force from this segment on (after a discontinuity the init segment may change). */
  map?: string;
  /** Hex SHA-256 of the segment's bytes, from the edge (see integrityTag). */
  sha256?: string;
}

/**
 * The integrity manifest travels inside the playlist, one tag before each
 * segment: `#EXT-X-EDGESWARM-SHA256:<hex>`. hls.js keeps unknown tags on the
 * fragment's `tagList` without a warning, so the player reads hashes from the
 * playlist it already loads.
 */
export const integrityTag = 'EXT-X-EDGESWARM-SHA256';

export interface ServerControl {
  canBlockReload: boolean;
  holdBack?: number;
}

/** EXT-X-START: where a client should begin playback (RFC 8216 §4.3.5.2). */
export interface StartPoint {
  /** Seconds from the playlist's start; negative: from the end of its last segment. */
  timeOffset: number;
  precise?: boolean;
}

export interface MediaPlaylist {
  type: 'media';
  version: number;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  playlistType?: 'VOD' | 'EVENT';
  independentSegments: boolean;
  /** EXT-X-MAP: the fMP4 init segment. */
  map?: string;
  serverControl?: ServerControl;
  start?: StartPoint;
  segments: MediaSegment[];
  endList: boolean;
}

export type Playlist = MultivariantPlaylist | MediaPlaylist;

/** Splits an attribute list (`A=1,B="x,y",C=abc`) into a map. */
export function parseAttributes(list: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /\s*([A-Z0-9-]+)=("[^"]*"|[^,]*)\s*(?:,|$)/gy;
  let match: RegExpExecArray | null = pattern.exec(list);
  while (match !== null && match[0] !== '') {
    const [, key = '', raw = ''] = match;
    attributes.set(key, raw.startsWith('"') ? raw.slice(1, -1) : raw);
    match = pattern.exec(list);
  }
  return attributes;
}

/** The init segment in force at the end of `segments`. */
function currentMap(segments: MediaSegment[], first: string | undefined): string | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const map = segments[i]?.map;
    if (map) return map;
  }
  return first;
}

function fail(line: number, reason: string): { ok: false; reason: string } {
  return { ok: false, reason: `line ${line}: ${reason}` };
}

const integerPattern = /^\d{1,15}$/;
const decimalPattern = /^\d{1,10}(\.\d{1,9})?$/;
const signedDecimalPattern = /^-?\d{1,10}(\.\d{1,9})?$/;
const uriPattern = /^[^\s#"]+$/;

export function parsePlaylist(text: string): Validation<Playlist> {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') return fail(1, 'playlist must start with #EXTM3U');

  let version = 1;
  let independentSegments = false;
  let targetDuration: number | undefined;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let playlistType: MediaPlaylist['playlistType'];
  let map: string | undefined;
  let firstMap: string | undefined;
  let endList = false;
  const segments: MediaSegment[] = [];
  const variants: Variant[] = [];
  let pendingDuration: number | undefined;
  let pendingDateTime: string | undefined;
  let pendingDiscontinuity = false;
  let pendingSha256: string | undefined;
  let serverControl: ServerControl | undefined;
  let start: StartPoint | undefined;
  let pendingVariant: Omit<Variant, 'uri'> | undefined;

  for (let index = 1; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = (lines[index] ?? '').trim();
    if (line === '') continue;
    if (!line.startsWith('#')) {
      if (!uriPattern.test(line)) return fail(lineNo, `invalid URI ${JSON.stringify(line)}`);
      if (pendingVariant) {
        variants.push({ uri: line, ...pendingVariant });
        pendingVariant = undefined;
      } else if (pendingDuration !== undefined) {
        const segment: MediaSegment = { uri: line, duration: pendingDuration };
        if (pendingDateTime) segment.programDateTime = pendingDateTime;
        if (pendingDiscontinuity) segment.discontinuity = true;
        if (pendingSha256) segment.sha256 = pendingSha256;
        if (map && segments.length > 0 && map !== currentMap(segments, firstMap)) segment.map = map;
        segments.push(segment);
        pendingDuration = undefined;
        pendingDateTime = undefined;
        pendingDiscontinuity = false;
        pendingSha256 = undefined;
      } else {
        return fail(lineNo, 'URI without a preceding #EXTINF or #EXT-X-STREAM-INF');
      }
      continue;
    }
    if (!line.startsWith('#EXT')) continue; // a comment
    const colon = line.indexOf(':');
    const tag = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1);
    switch (tag) {
      case '#EXT-X-VERSION':
        if (!integerPattern.test(value)) return fail(lineNo, 'EXT-X-VERSION must be an integer');
        version = Number(value);
        break;
      case '#EXT-X-INDEPENDENT-SEGMENTS':
        independentSegments = true;
        break;
      case '#EXT-X-TARGETDURATION':
        if (!integerPattern.test(value)) return fail(lineNo, 'EXT-X-TARGETDURATION must be an integer');
        targetDuration = Number(value);
        break;
      case '#EXT-X-MEDIA-SEQUENCE':
        if (!integerPattern.test(value)) return fail(lineNo, 'EXT-X-MEDIA-SEQUENCE must be an integer');
        mediaSequence = Number(value);
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        if (!integerPattern.test(value)) return fail(lineNo, 'EXT-X-DISCONTINUITY-SEQUENCE must be an integer');
        discontinuitySequence = Number(value);
        break;
      case '#EXT-X-PLAYLIST-TYPE':
        if (value !== 'VOD' && value !== 'EVENT') return fail(lineNo, 'EXT-X-PLAYLIST-TYPE must be VOD or EVENT');
        playlistType = value;
        break;
      case '#EXT-X-MAP': {
        const uri = parseAttributes(value).get('URI');
        if (!uri || !uriPattern.test(uri)) return fail(lineNo, 'EXT-X-MAP needs a URI');
        if (segments.length === 0) firstMap = uri;
        map = uri;
        break;
      }
      case `#${integrityTag}`:
        if (!/^[0-9a-f]{64}$/.test(value)) return fail(lineNo, `${integrityTag} must be 64 lowercase hex digits`);
        pendingSha256 = value;
        break;
      case '#EXT-X-SERVER-CONTROL': {
        const attributes = parseAttributes(value);
        serverControl = { canBlockReload: attributes.get('CAN-BLOCK-RELOAD') === 'YES' };
        const holdBack = attributes.get('HOLD-BACK');
        if (holdBack !== undefined && decimalPattern.test(holdBack)) serverControl.holdBack = Number(holdBack);
        break;
      }
      case '#EXT-X-START': {
        const attributes = parseAttributes(value);
        const offset = attributes.get('TIME-OFFSET') ?? '';
        if (!signedDecimalPattern.test(offset)) return fail(lineNo, 'EXT-X-START needs a decimal TIME-OFFSET');
        start = { timeOffset: Number(offset) };
        if (attributes.get('PRECISE') === 'YES') start.precise = true;
        break;
      }
      case '#EXTINF': {
        const duration = value.split(',')[0] ?? '';
        if (!decimalPattern.test(duration)) return fail(lineNo, 'EXTINF duration must be a decimal number');
        pendingDuration = Number(duration);
        break;
      }
      case '#EXT-X-PROGRAM-DATE-TIME':
        if (Number.isNaN(Date.parse(value))) return fail(lineNo, 'EXT-X-PROGRAM-DATE-TIME must be an ISO 8601 date');
        pendingDateTime = value;
        break;
      case '#EXT-X-DISCONTINUITY':
        pendingDiscontinuity = true;
        break;
      case '#EXT-X-ENDLIST':
        endList = true;
        break;
      case '#EXT-X-STREAM-INF': {
        const attributes = parseAttributes(value);
        const bandwidth = attributes.get('BANDWIDTH') ?? '';
        if (!integerPattern.test(bandwidth)) return fail(lineNo, 'EXT-X-STREAM-INF needs an integer BANDWIDTH');
        const variant: Omit<Variant, 'uri'> = { bandwidth: Number(bandwidth) };
        const average = attributes.get('AVERAGE-BANDWIDTH');
        if (average !== undefined && integerPattern.test(average)) variant.averageBandwidth = Number(average);
        const resolution = /^(\d+)x(\d+)$/.exec(attributes.get('RESOLUTION') ?? '');
        if (resolution) variant.resolution = { width: Number(resolution[1]), height: Number(resolution[2]) };
        const codecs = attributes.get('CODECS');
        if (codecs) variant.codecs = codecs;
        const frameRate = attributes.get('FRAME-RATE');
        if (frameRate !== undefined && decimalPattern.test(frameRate)) variant.frameRate = Number(frameRate);
        pendingVariant = variant;
        break;
      }
      default:
        break; // tags this project does not model are tolerated and dropped
    }
  }

  if (pendingVariant) return fail(lines.length, 'EXT-X-STREAM-INF without a URI');
  if (pendingDuration !== undefined) return fail(lines.length, 'EXTINF without a URI');
  if (variants.length > 0 && segments.length > 0) {
    return fail(1, 'playlist mixes variants and segments');
  }
  if (variants.length > 0) {
    return { ok: true, value: { type: 'multivariant', version, independentSegments, variants } };
  }
  if (targetDuration === undefined) return fail(1, 'media playlist needs EXT-X-TARGETDURATION');
  const longest = segments.reduce((max, s) => Math.max(max, Math.round(s.duration)), 0);
  if (longest > targetDuration) {
    return fail(1, `a segment lasts ${longest} s, longer than EXT-X-TARGETDURATION ${targetDuration}`);
  }
  const media: MediaPlaylist = {
    type: 'media',
    version,
    targetDuration,
    mediaSequence,
    discontinuitySequence,
    independentSegments,
    segments,
    endList,
  };
  if (playlistType) media.playlistType = playlistType;
  if (firstMap ?? map) media.map = firstMap ?? map;
  if (serverControl) media.serverControl = serverControl;
  if (start) media.start = start;
  return { ok: true, value: media };
}

function formatDuration(seconds: number): string {
  return Number(seconds.toFixed(6)).toString();
}

export function renderMultivariantPlaylist(playlist: Omit<MultivariantPlaylist, 'type'>): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${playlist.version}`];
  if (playlist.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  for (const v of playlist.variants) {
    const attributes = [`BANDWIDTH=${v.bandwidth}`];
    if (v.averageBandwidth !== undefined) attributes.push(`AVERAGE-BANDWIDTH=${v.averageBandwidth}`);
    if (v.resolution) attributes.push(`RESOLUTION=${v.resolution.width}x${v.resolution.height}`);
    if (v.codecs) attributes.push(`CODECS="${v.codecs}"`);
    if (v.frameRate !== undefined) attributes.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}

export function renderMediaPlaylist(playlist: Omit<MediaPlaylist, 'type'>): string {
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${playlist.version}`,
    `#EXT-X-TARGETDURATION:${playlist.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${playlist.mediaSequence}`,
  ];
  if (playlist.discontinuitySequence > 0) {
    lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${playlist.discontinuitySequence}`);
  }
  if (playlist.playlistType) lines.push(`#EXT-X-PLAYLIST-TYPE:${playlist.playlistType}`);
  if (playlist.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  if (playlist.serverControl) {
    const control = [`CAN-BLOCK-RELOAD=${playlist.serverControl.canBlockReload ? 'YES' : 'NO'}`];
    if (playlist.serverControl.holdBack !== undefined)
      control.push(`HOLD-BACK=${formatDuration(playlist.serverControl.holdBack)}`);
    lines.push(`#EXT-X-SERVER-CONTROL:${control.join(',')}`);
  }
  if (playlist.start) {
    const offset = playlist.start.timeOffset;
    const sign = offset < 0 ? '-' : '';
    lines.push(
      `#EXT-X-START:TIME-OFFSET=${sign}${formatDuration(Math.abs(offset))}${playlist.start.precise ? ',PRECISE=YES' : ''}`,
    );
  }
  if (playlist.map) lines.push(`#EXT-X-MAP:URI="${playlist.map}"`);
  for (const s of playlist.segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.map) lines.push(`#EXT-X-MAP:URI="${s.map}"`);
    if (s.programDateTime) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime}`);
    if (s.sha256) lines.push(`#${integrityTag}:${s.sha256}`);
    lines.push(`#EXTINF:${formatDuration(s.duration)},`, s.uri);
  }
  if (playlist.endList) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** Every object a media playlist refers to: the init segment first, then segments in order. */
export function referencedObjects(playlist: MediaPlaylist): string[] {
  const objects = playlist.map ? [playlist.map] : [];
  for (const segment of playlist.segments) {
    if (segment.map) objects.push(segment.map);
    objects.push(segment.uri);
  }
  return objects;
}

/** Resolves a playlist URI against the playlist's own object name (`v0/index.m3u8` + `seg.m4s`). */
export function resolveRelative(playlistName: string, uri: string): string {
  const slash = playlistName.lastIndexOf('/');
  return slash === -1 ? uri : `${playlistName.slice(0, slash + 1)}${uri}`;
}
