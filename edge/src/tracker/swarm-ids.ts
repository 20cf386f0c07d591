/**
 * Which info_hashes are real swarms of a stream: the ones p2p-media-loader 2.x
 * derives from the stream's renditions, so the tracker can refuse every other
 * info_hash (it is no free public tracker for unrelated content).
 *
 * The derivation, as p2p-media-loader-core 2.3 and its hls.js adapter do it
 * (checked against the stock client in infra/src/stock-p2pml-announce.test.ts):
 * - each variant of the multivariant playlist is one "main" stream, whose
 *   short id is base64(SHA-1 of `bitrate-codecs-width-height-----frameRate-videoRange`),
 *   with the fields as hls.js parses them and p2p-media-loader normalises them;
 * - the stream's swarm id is `v2-<swarmId>-main-<short id>`, where `swarmId`
 *   is the player's `swarmId` option (ours: `edgeswarm:<stream>`) or, by
 *   default, the multivariant playlist's URL without its query;
 * - the info_hash is base64 of the first 15 bytes of SHA-1 of that: 20 ASCII
 *   characters, sent as they are.
 * Alternate audio renditions (EXT-X-MEDIA, p2p-media-loader's "secondary"
 * streams) are not derived: the origin never writes them.
 */
import { parseAttributes, paths } from '@edgeswarm/protocol';

/** One variant, with its attributes as hls.js hands them to p2p-media-loader's adapter. */
export interface VariantAttributes {
  /** BANDWIDTH, or AVERAGE-BANDWIDTH when BANDWIDTH is 0 or absent. */
  bitrate: number;
  /** The video codecs of CODECS only, comma-joined, as hls.js splits them. */
  videoCodec?: string;
  width?: number;
  height?: number;
  /** Raw attribute text: the adapter reads `attrs["FRAME-RATE"]` and `attrs["VIDEO-RANGE"]`. */
  frameRate?: string;
  videoRange?: string;
}

/** p2p-media-loader's protocol generation in its swarm ids (`PEER_PROTOCOL_VERSION`). */
export const peerProtocolVersion = 'v2';

/** The swarm id our player sets (player/src/hybrid/player.ts). */
export const playerSwarmId = (stream: string): string => `edgeswarm:${stream}`;

/** A stock p2p-media-loader without `swarmId` uses the playlist's response URL, query stripped. */
export const manifestSwarmId = (origin: string, stream: string): string => `${origin}${paths.multivariant(stream)}`;

// ISO sample entry codes hls.js counts as video when it splits CODECS (utils/codecs.ts).
const videoSampleEntries = new Set([
  'avc1',
  'avc2',
  'avc3',
  'avc4',
  'avcp',
  'av01',
  'dav1',
  'drac',
  'dva1',
  'dvav',
  'dvh1',
  'dvhe',
  'encv',
  'hev1',
  'hvc1',
  'mjp2',
  'mp4v',
  'mvc1',
  'mvc2',
  'mvc3',
  'mvc4',
  'resv',
  'rv60',
  's263',
  'svc1',
  'svc2',
  'vc-1',
  'vp08',
  'vp09',
]);

/** hls.js rewrites the RFC 4281 form `avc1.66.30` as `avc1.42001e` before anyone sees it. */
function hlsjsAvc1(codec: string): string {
  const parts = codec.split('.');
  if (parts.length <= 2 || parts[0] !== 'avc1') return codec;
  const hex = (text: string | undefined) => Number.parseInt(text ?? '', 10).toString(16);
  return `avc1.${hex(parts[1])}${`000${hex(parts[2])}`.slice(-4)}`;
}

function decimal(text: string | undefined): number {
  return Number.parseInt(text ?? '', 10);
}

/**
 * The variants of a multivariant playlist, read as hls.js reads them: each
 * EXT-X-STREAM-INF followed by its URI line. Tolerant: unknown lines are
 * skipped, and a variant without a URI is ignored, as hls.js ignores it.
 */
export function variantsOf(multivariant: string): VariantAttributes[] {
  const variants: VariantAttributes[] = [];
  let pending: VariantAttributes | undefined;
  for (const raw of multivariant.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const attrs = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
      const variant: VariantAttributes = {
        bitrate: decimal(attrs.get('BANDWIDTH')) || decimal(attrs.get('AVERAGE-BANDWIDTH')),
      };
      const resolution = /^(\d+)x(\d+)$/.exec(attrs.get('RESOLUTION') ?? '');
      if (resolution) {
        variant.width = decimal(resolution[1]);
        variant.height = decimal(resolution[2]);
      }
      const video = (attrs.get('CODECS') ?? '')
        .split(/[ ,]+/)
        .filter((codec) => codec && videoSampleEntries.has(codec.slice(0, 4)))
        .map((codec) => codec.split('/')[0] as string);
      if (video.length > 0) variant.videoCodec = hlsjsAvc1(video.join(','));
      const frameRate = attrs.get('FRAME-RATE');
      if (frameRate !== undefined) variant.frameRate = frameRate;
      const videoRange = attrs.get('VIDEO-RANGE');
      if (videoRange !== undefined) variant.videoRange = videoRange;
      pending = variant;
    } else if (line !== '' && !line.startsWith('#') && pending) {
      variants.push(pending);
      pending = undefined;
    }
  }
  return variants;
}

/** p2p-media-loader's codec normalisation: trimmed, lower case, `avc1.P.L` in hex, sorted. */
function normalisedCodecs(codecs: string): string {
  return codecs
    .split(',')
    .map((raw) => {
      const codec = raw.trim().toLowerCase();
      const [name, profile, level, ...rest] = codec.split('.');
      if ((name === 'avc1' || name === 'avc') && profile !== undefined && level !== undefined && rest.length === 0) {
        const p = Number.parseInt(profile, 10);
        const l = Number.parseInt(level, 10);
        if (String(p) === profile && String(l) === level) {
          return `${name}.${p.toString(16).padStart(2, '0')}00${l.toString(16).padStart(2, '0')}`;
        }
      }
      return codec;
    })
    .sort()
    .join(',');
}

/** The text p2p-media-loader hashes into a main stream's short id. */
export function shortIdInput(variant: VariantAttributes): string {
  // With no bitrate, the adapter passes nothing but the bitrate.
  const known = variant.bitrate !== 0;
  const codecs = known && variant.videoCodec ? normalisedCodecs(variant.videoCodec) : '';
  const width = known && variant.width !== undefined ? String(variant.width) : '';
  const height = known && variant.height !== undefined ? String(variant.height) : '';
  const rate = known ? variant.frameRate : undefined;
  const frameRate = rate && !Number.isNaN(Number(rate)) ? Number(rate).toString() : '';
  const videoRange = known && variant.videoRange ? variant.videoRange.toUpperCase().trim() : '';
  // Language, channels and name are for audio streams: empty for a variant.
  return `${variant.bitrate}-${codecs}-${width}-${height}----${frameRate}-${videoRange}`;
}

const encoder = new TextEncoder();

async function sha1(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-1', encoder.encode(text)));
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** A main stream's short id (p2p-media-loader's `generateStreamShortId`). */
export async function streamShortId(variant: VariantAttributes): Promise<string> {
  return base64(await sha1(shortIdInput(variant)));
}

/** The info_hash of one swarm: one rendition under one swarm id. */
export async function swarmInfoHash(swarmId: string, shortId: string, type: 'main' | 'secondary' = 'main') {
  const digest = await sha1(`${peerProtocolVersion}-${swarmId}-${type}-${shortId}`);
  return base64(digest.subarray(0, 15));
}

/** Every info_hash the stream's variants produce under each of the swarm ids. */
export async function deriveInfoHashes(swarmIds: readonly string[], variants: readonly VariantAttributes[]) {
  const shortIds = await Promise.all(variants.map(streamShortId));
  const hashes = await Promise.all(swarmIds.flatMap((id) => shortIds.map((short) => swarmInfoHash(id, short))));
  return new Set(hashes);
}
