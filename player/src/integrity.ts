/**
 * Integrity by default: every segment that arrives from a peer must match the
 * SHA-256 the edge published in the playlist (#EXT-X-EDGESWARM-SHA256) before
 * hls.js sees it. Hashes come only from the edge's playlists, never from peers.
 * A segment with no known hash is refused too, and is fetched from the edge.
 */
import { integrityTag, setNewest } from '@edgeswarm/protocol';
import { toHex } from './hex';

export interface TaggedFragment {
  url: string;
  tagList: readonly (readonly string[])[];
}

/** Pure: segment URL → expected SHA-256, from hls.js's parsed fragments. */
export function hashesFromFragments(fragments: readonly TaggedFragment[]): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const fragment of fragments) {
    const tag = fragment.tagList.find((entry) => entry[0] === integrityTag);
    if (tag?.[1] && /^[0-9a-f]{64}$/.test(tag[1])) hashes.set(fragment.url, tag[1]);
  }
  return hashes;
}

/** How a checker hashes: Web Crypto where the page has it, else the bundled SHA-256. */
export type Digest = (data: ArrayBuffer) => Promise<string>;

export const webCryptoDigest: Digest = async (data) =>
  toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));

/**
 * Web Crypto's digest exists only in secure contexts (https, or loopback): a page on plain http from any other host
 * has no `crypto.subtle`, and honest peers must not fail there, so the bundled SHA-256 stands in. Its code comes with
 * the P2P script (sha256.ts's bundledDigest, handed over with the stack): only segments from peers are checked, and
 * there are none before it loads. Until it is handed over (`digest` undefined) every segment is refused.
 */
export function pickDigest(subtle: Pick<SubtleCrypto, 'digest'> | undefined): {
  digest?: Digest;
  kind: 'web-crypto' | 'bundled';
} {
  return subtle && typeof subtle.digest === 'function'
    ? { digest: webCryptoDigest, kind: 'web-crypto' }
    : { kind: 'bundled' };
}

export class IntegrityChecker {
  private readonly hashes = new Map<string, string>();
  /** Keeps memory bounded on long live streams. */
  private readonly limit = 2000;
  checked = 0;
  rejected = 0;
  /** Which hash the checker uses (a page without Web Crypto uses the bundled one). */
  readonly digestKind: 'web-crypto' | 'bundled';
  private digest: Digest | undefined;

  constructor(choice: { digest?: Digest; kind: 'web-crypto' | 'bundled' } = pickDigest(globalThis.crypto?.subtle)) {
    this.digest = choice.digest;
    this.digestKind = choice.kind;
  }

  /** The bundled SHA-256, as the P2P script hands it over: used only where there is no Web Crypto. */
  useBundled(digest: Digest): void {
    if (this.digestKind === 'bundled') this.digest = digest;
  }

  record(fragments: readonly TaggedFragment[]): void {
    for (const [url, hash] of hashesFromFragments(fragments)) setNewest(this.hashes, url, hash, this.limit);
  }

  expected(url: string): string | undefined {
    return this.hashes.get(url);
  }

  /** For p2p-media-loader's validateP2PSegment: false sends the segment back to the edge. */
  validate = async (url: string, data: ArrayBuffer): Promise<boolean> => {
    this.checked++;
    const expected = this.hashes.get(url);
    const ok = expected !== undefined && this.digest !== undefined && (await this.digest(data)) === expected;
    if (!ok) this.rejected++;
    return ok;
  };
}

/** Peers that sent a bad segment stay away for a while. Pure: `now` in seconds. */
export class Blocklist {
  private readonly until = new Map<string, number>();

  block(peerId: string, now: number, seconds: number): void {
    this.until.set(peerId, now + seconds);
  }

  isBlocked(peerId: string, now: number): boolean {
    const until = this.until.get(peerId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(peerId);
    return false;
  }
}
