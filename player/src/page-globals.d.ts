// What the watch page exposes to scripts and to the browser tests that drive it.
import type Hls from 'hls.js';
import type { PlaybackStats } from './playback-stats';

declare global {
  interface Window {
    edgeswarm: { stats: PlaybackStats; hls: Hls | null };
  }
}
