// What the player pages expose to scripts and to the browser tests that drive them.
import type { HybridPlayer } from './hybrid/player';
import type { PlaybackStats } from './playback-stats';

declare global {
  interface Window {
    edgeswarm: { readonly stats: PlaybackStats; readonly player: HybridPlayer | null };
  }
}
