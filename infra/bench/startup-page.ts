/**
 * What bench:startup runs in a newcomer's page: a script installed before the page's own (it notes when the
 * player's video presents its first frame), and the reading taken once that frame is out. Both run in the page
 * (playwright serialises them), so they use nothing from outside.
 */
import type { StartupReading } from './startup-stats';

declare global {
  interface Window {
    /** Set by firstFrameScript. */
    __startupBench?: { presentedAt: number | null };
  }
}

/**
 * Installed with page.addInitScript: the first video to be asked to play (the player calls play() as it starts)
 * gets a requestVideoFrameCallback, whose presentationTime is the first frame's, on the page's clock. It changes
 * nothing the player sees.
 */
export const firstFrameScript = `(() => {
  const bench = (window.__startupBench = { presentedAt: null });
  const play = HTMLMediaElement.prototype.play;
  let watched = false;
  HTMLMediaElement.prototype.play = function (...args) {
    if (!watched && this instanceof HTMLVideoElement && typeof this.requestVideoFrameCallback === 'function') {
      watched = true;
      this.requestVideoFrameCallback((_now, meta) => { bench.presentedAt = meta.presentationTime; });
    }
    return play.apply(this, args);
  };
})();`;

/** In the page: whether the player has had its first `playing`. */
export function playingInPage(): boolean {
  return (window.edgeswarm?.player?.snapshot().playback.startedAt ?? null) !== null;
}

/** In the page: the start-up reading; null before the player exists. */
export function readStartupInPage(): StartupReading | null {
  const player = window.edgeswarm?.player;
  if (!player) return null;
  const s = player.snapshot();
  const resources = performance.getEntriesByType('resource').map((e) => {
    const entry = e as PerformanceResourceTiming;
    let path = entry.name;
    try {
      path = new URL(entry.name).pathname;
    } catch {}
    return { path, start: entry.startTime, end: entry.responseEnd };
  });
  return {
    mode: s.mode,
    requestedAt: s.playback.requestedAt,
    startedAt: s.playback.startedAt,
    presentedAt: window.__startupBench?.presentedAt ?? null,
    resources,
    peers: s.peers.length,
    p2pBytes: s.counters.p2pBytes,
    httpBytes: s.counters.httpBytes,
    errors: s.playback.errors,
  };
}
