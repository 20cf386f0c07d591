/**
 * HLS playlist parsing and rendering (RFC 8216, and the low-latency tags of
 * RFC 8216bis: parts, preload hints, delta updates, rendition reports), limited
 * to what this project produces and serves: fMP4 media playlists and
 * multivariant playlists. A playlist without parts renders exactly as before
 * the low-latency tags existed.
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
  /** EXT-X-PART: the segment's partial segments, listed before it (only near the live edge). */
  parts?: Part[];
}

/** EXT-X-PART (RFC 8216bis §4.4.4.9): a partial segment, e.g. one CMAF chunk of its parent segment. */
export interface Part {
  uri: string;
  duration: number;
  /** INDEPENDENT=YES: starts with an independent frame. */
  independent?: boolean;
  gap?: boolean;
}

/**
 * The segment still being written at the live edge: only its parts exist, so it is listed as
 * EXT-X-PART tags after the last complete segment, with no EXTINF or URI of its own.
 */
export interface OpenSegment {
  parts: Part[];
  programDateTime?: string;
  discontinuity?: boolean;
  map?: string;
}

/** EXT-X-PRELOAD-HINT (RFC 8216bis §4.4.5.3): a resource a client may request before it exists. */
export interface PreloadHint {
  type: 'PART' | 'MAP';
  uri: string;
  byteRangeStart?: number;
  byteRangeLength?: number;
}

/** EXT-X-RENDITION-REPORT (RFC 8216bis §4.4.5.4): where another rendition's live edge is. */
export interface RenditionReport {
  uri: string;
  lastMsn?: number;
  lastPart?: number;
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
  /** Seconds from the end a client may ask to skip (_HLS_skip): the Skip Boundary. */
  canSkipUntil?: number;
  holdBack?: number;
  /** Seconds behind the end a low-latency client should play. */
  partHoldBack?: number;
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
  /** EXT-X-PART-INF PART-TARGET, seconds: present whenever parts are. */
  partTarget?: number;
  start?: StartPoint;
  /** EXT-X-SKIP: a delta update left out this many segments after mediaSequence. */
  skippedSegments?: number;
  segments: MediaSegment[];
  openSegment?: OpenSegment;
  preloadHints?: PreloadHint[];
  renditionReports?: RenditionReport[];
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
  let partTarget: number | undefined;
  let skippedSegments: number | undefined;
  let pendingParts: Part[] = [];
  const preloadHints: PreloadHint[] = [];
  const renditionReports: RenditionReport[] = [];

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
        if (pendingParts.length > 0) segment.parts = pendingParts;
        segments.push(segment);
        pendingDuration = undefined;
        pendingDateTime = undefined;
        pendingDiscontinuity = false;
        pendingSha256 = undefined;
        pendingParts = [];
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
        for (const [attribute, field] of [
          ['CAN-SKIP-UNTIL', 'canSkipUntil'],
          ['HOLD-BACK', 'holdBack'],
          ['PART-HOLD-BACK', 'partHoldBack'],
        ] as const) {
          const seconds = attributes.get(attribute);
          if (seconds === undefined) continue;
          if (!decimalPattern.test(seconds)) return fail(lineNo, `EXT-X-SERVER-CONTROL ${attribute} must be a decimal`);
          serverControl[field] = Number(seconds);
        }
        break;
      }
      case '#EXT-X-PART-INF': {
        const target = parseAttributes(value).get('PART-TARGET') ?? '';
        if (!decimalPattern.test(target) || Number(target) <= 0) {
          return fail(lineNo, 'EXT-X-PART-INF needs a positive decimal PART-TARGET');
        }
        partTarget = Number(target);
        break;
      }
      case '#EXT-X-PART': {
        const attributes = parseAttributes(value);
        const uri = attributes.get('URI');
        const duration = attributes.get('DURATION') ?? '';
        if (!uri || !uriPattern.test(uri)) return fail(lineNo, 'EXT-X-PART needs a URI');
        if (!decimalPattern.test(duration)) return fail(lineNo, 'EXT-X-PART needs a decimal DURATION');
        const part: Part = { uri, duration: Number(duration) };
        if (attributes.get('INDEPENDENT') === 'YES') part.independent = true;
        if (attributes.get('GAP') === 'YES') part.gap = true;
        pendingParts.push(part);
        break;
      }
      case '#EXT-X-PRELOAD-HINT': {
        const attributes = parseAttributes(value);
        const type = attributes.get('TYPE');
        const uri = attributes.get('URI');
        if (type !== 'PART' && type !== 'MAP') return fail(lineNo, 'EXT-X-PRELOAD-HINT TYPE must be PART or MAP');
        if (!uri || !uriPattern.test(uri)) return fail(lineNo, 'EXT-X-PRELOAD-HINT needs a URI');
        const hint: PreloadHint = { type, uri };
        for (const [attribute, field] of [
          ['BYTERANGE-START', 'byteRangeStart'],
          ['BYTERANGE-LENGTH', 'byteRangeLength'],
        ] as const) {
          const bytes = attributes.get(attribute);
          if (bytes === undefined) continue;
          if (!integerPattern.test(bytes)) return fail(lineNo, `EXT-X-PRELOAD-HINT ${attribute} must be an integer`);
          hint[field] = Number(bytes);
        }
        preloadHints.push(hint);
        break;
      }
      case '#EXT-X-RENDITION-REPORT': {
        const attributes = parseAttributes(value);
        const uri = attributes.get('URI');
        if (!uri || !uriPattern.test(uri)) return fail(lineNo, 'EXT-X-RENDITION-REPORT needs a URI');
        const report: RenditionReport = { uri };
        for (const [attribute, field] of [
          ['LAST-MSN', 'lastMsn'],
          ['LAST-PART', 'lastPart'],
        ] as const) {
          const number = attributes.get(attribute);
          if (number === undefined) continue;
          if (!integerPattern.test(number))
            return fail(lineNo, `EXT-X-RENDITION-REPORT ${attribute} must be an integer`);
          report[field] = Number(number);
        }
        renditionReports.push(report);
        break;
      }
      case '#EXT-X-SKIP': {
        const skipped = parseAttributes(value).get('SKIPPED-SEGMENTS') ?? '';
        if (!integerPattern.test(skipped)) return fail(lineNo, 'EXT-X-SKIP needs an integer SKIPPED-SEGMENTS');
        if (segments.length > 0) return fail(lineNo, 'EXT-X-SKIP must come before the first segment');
        skippedSegments = Number(skipped);
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
  const hasParts = pendingParts.length > 0 || segments.some((s) => s.parts);
  if (hasParts && partTarget === undefined) return fail(1, 'EXT-X-PART needs EXT-X-PART-INF');
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
  if (partTarget !== undefined) media.partTarget = partTarget;
  if (start) media.start = start;
  if (skippedSegments !== undefined) media.skippedSegments = skippedSegments;
  if (pendingParts.length > 0) {
    const open: OpenSegment = { parts: pendingParts };
    if (pendingDateTime) open.programDateTime = pendingDateTime;
    if (pendingDiscontinuity) open.discontinuity = true;
    if (map && segments.length > 0 && map !== currentMap(segments, firstMap)) open.map = map;
    media.openSegment = open;
  }
  if (preloadHints.length > 0) media.preloadHints = preloadHints;
  if (renditionReports.length > 0) media.renditionReports = renditionReports;
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

function partLine(part: Part): string {
  const attributes = [`DURATION=${formatDuration(part.duration)}`, `URI="${part.uri}"`];
  if (part.independent) attributes.push('INDEPENDENT=YES');
  if (part.gap) attributes.push('GAP=YES');
  return `#EXT-X-PART:${attributes.join(',')}`;
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
    const { canBlockReload, canSkipUntil, holdBack, partHoldBack } = playlist.serverControl;
    const control = [`CAN-BLOCK-RELOAD=${canBlockReload ? 'YES' : 'NO'}`];
    if (canSkipUntil !== undefined) control.push(`CAN-SKIP-UNTIL=${formatDuration(canSkipUntil)}`);
    if (holdBack !== undefined) control.push(`HOLD-BACK=${formatDuration(holdBack)}`);
    if (partHoldBack !== undefined) control.push(`PART-HOLD-BACK=${formatDuration(partHoldBack)}`);
    lines.push(`#EXT-X-SERVER-CONTROL:${control.join(',')}`);
  }
  if (playlist.partTarget !== undefined)
    lines.push(`#EXT-X-PART-INF:PART-TARGET=${formatDuration(playlist.partTarget)}`);
  if (playlist.start) {
    const offset = playlist.start.timeOffset;
    const sign = offset < 0 ? '-' : '';
    lines.push(
      `#EXT-X-START:TIME-OFFSET=${sign}${formatDuration(Math.abs(offset))}${playlist.start.precise ? ',PRECISE=YES' : ''}`,
    );
  }
  if (playlist.map) lines.push(`#EXT-X-MAP:URI="${playlist.map}"`);
  if (playlist.skippedSegments !== undefined) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${playlist.skippedSegments}`);
  for (const s of playlist.segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.map) lines.push(`#EXT-X-MAP:URI="${s.map}"`);
    if (s.programDateTime) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime}`);
    if (s.sha256) lines.push(`#${integrityTag}:${s.sha256}`);
    for (const part of s.parts ?? []) lines.push(partLine(part));
    lines.push(`#EXTINF:${formatDuration(s.duration)},`, s.uri);
  }
  const open = playlist.openSegment;
  if (open && open.parts.length > 0) {
    if (open.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (open.map) lines.push(`#EXT-X-MAP:URI="${open.map}"`);
    if (open.programDateTime) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${open.programDateTime}`);
    for (const part of open.parts) lines.push(partLine(part));
  }
  for (const hint of playlist.preloadHints ?? []) {
    const attributes = [`TYPE=${hint.type}`, `URI="${hint.uri}"`];
    if (hint.byteRangeStart !== undefined) attributes.push(`BYTERANGE-START=${hint.byteRangeStart}`);
    if (hint.byteRangeLength !== undefined) attributes.push(`BYTERANGE-LENGTH=${hint.byteRangeLength}`);
    lines.push(`#EXT-X-PRELOAD-HINT:${attributes.join(',')}`);
  }
  for (const report of playlist.renditionReports ?? []) {
    const attributes = [`URI="${report.uri}"`];
    if (report.lastMsn !== undefined) attributes.push(`LAST-MSN=${report.lastMsn}`);
    if (report.lastPart !== undefined) attributes.push(`LAST-PART=${report.lastPart}`);
    lines.push(`#EXT-X-RENDITION-REPORT:${attributes.join(',')}`);
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
