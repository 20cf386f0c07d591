/**
 * The P2P stack as a second script: p2p-media-loader (core and its hls.js adapter), the tracker client, simple-peer
 * and the Node shims they need. hybrid-player.js injects it once the first frame is on screen (never with P2P off) and
 * takes the stack from the global it sets; see hybrid/p2p-stack.ts.
 */
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import {
  abandonTransfers,
  attachEngine,
  capReceivers,
  closePeer,
  gateUploads,
  peerAnnouncements,
  retimeTrackerReconnects,
  spaceAnnouncements,
  startLoadersAtPlayhead,
  steerOffersAsLoadersAppear,
  swarmMembers,
  syncLivePlaylist,
  uploadQueuedBytes,
} from '../hybrid/p2p-shim';
import { p2pStackGlobal } from '../hybrid/p2p-stack';
import { UploadQueue } from '../hybrid/upload-queue';
import { bundledDigest } from '../sha256';

/**
 * The hybrid's engine: p2p-media-loader's, with its tracker announces offering only where a member is not connected
 * yet (steerOffers, set as each tracker client is built), and each stream loader starting at the video's playhead,
 * not at the first segment asked of it (startLoadersAtPlayhead: the engine attaches to a playing hls.js). Stock
 * p2p-media-loader (injectMixin) builds the plain engine.
 */
class HybridEngine extends HlsJsP2PEngine {
  constructor(...args: ConstructorParameters<typeof HlsJsP2PEngine>) {
    super(...args);
    steerOffersAsLoadersAppear(this);
    startLoadersAtPlayhead(this);
  }
}

/** What this script hands over (P2PStack in p2p-stack.ts is its type). */
export const p2pStack = {
  HlsJsP2PEngine: HybridEngine,
  abandonTransfers,
  attachEngine,
  bundledDigest,
  capReceivers,
  closePeer,
  gateUploads,
  peerAnnouncements,
  retimeTrackerReconnects,
  spaceAnnouncements,
  swarmMembers,
  syncLivePlaylist,
  UploadQueue,
  uploadQueuedBytes,
};
(globalThis as Record<string, unknown>)[p2pStackGlobal] = p2pStack;
