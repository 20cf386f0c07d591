/**
 * The one place that reaches inside p2p-media-loader (2.3.x): it has no public
 * way to close a particular peer's connection. We need one to keep a peer that
 * sent a tampered segment away, and to choke free-riders when our upload budget
 * is contended. The end-to-end fault test fails if this stops working after an
 * upgrade of the pinned version.
 */
interface PeerLike {
  destroy(): void;
}
interface TrackerClientLike {
  _peers?: Map<string, { peer?: PeerLike }>;
}
interface StreamLoaderLike {
  p2pLoaders?: { loaders?: Map<unknown, { loader?: { trackerClient?: TrackerClientLike } }> };
}
interface CoreLike {
  mainStreamLoader?: StreamLoaderLike;
  secondaryStreamLoader?: StreamLoaderLike;
}

/** Closes every connection to `peerId`; returns how many it closed. */
export function closePeer(engine: unknown, peerId: string): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let closed = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      const entry = item.loader?.trackerClient?._peers?.get(peerId);
      if (entry?.peer) {
        entry.peer.destroy();
        closed++;
      }
    }
  }
  return closed;
}

/** Pure: a playlist URL without LL-HLS delivery directives (`_HLS_msn`, `_HLS_part`, `_HLS_skip`). */
export function withoutDeliveryDirectives(url: string): string {
  const parsed = new URL(url);
  for (const name of ['_HLS_msn', '_HLS_part', '_HLS_skip']) parsed.searchParams.delete(name);
  return parsed.toString();
}

interface SegmentManagerLike {
  updatePlaylist(data: { details: { url: string; fragments: unknown[]; live: boolean } }): void;
}

/**
 * p2p-media-loader-hlsjs finds a playlist by the URL it was loaded from. With
 * blocking playlist reload that URL carries `?_HLS_msn=N`, the lookup misses,
 * and every new segment silently bypasses P2P. Replaying each update under the
 * playlist's canonical URL keeps both: blocking reload and P2P.
 */
export function syncLivePlaylist(
  engine: unknown,
  details: { url: string; fragments: unknown[]; live: boolean },
): boolean {
  const canonical = withoutDeliveryDirectives(details.url);
  if (canonical === details.url) return false; // the engine saw the right URL itself
  const manager = (engine as { segmentManager?: SegmentManagerLike } | undefined)?.segmentManager;
  if (typeof manager?.updatePlaylist !== 'function') return false;
  manager.updatePlaylist({ details: { url: canonical, fragments: details.fragments, live: details.live } });
  return true;
}
