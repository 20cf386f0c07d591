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
