/**
 * The P2P stack as a second script: p2p-media-loader (core and its hls.js adapter), the tracker client, simple-peer
 * and the Node shims they need. hybrid-player.js injects it once the first frame is on screen (never with P2P off) and
 * takes the stack from the global it sets; see hybrid/p2p-stack.ts.
 */
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import { type P2PStack, p2pStackGlobal } from '../hybrid/p2p-stack';

const stack: P2PStack = { HlsJsP2PEngine };
(globalThis as Record<string, unknown>)[p2pStackGlobal] = stack;
