/**
 * The /watch page: plain hls.js against the edge. The hybrid player replaces
 * this later; the stats it exposes on `window.edgeswarm` are what the
 * end-to-end tests read.
 */
import Hls from 'hls.js';
import { newPlaybackStats, onPlaybackEvent, type PlaybackEvent } from '../playback-stats';

const video = document.getElementById('video') as HTMLVideoElement;
const status = document.getElementById('status') as HTMLElement;
const src = video.dataset.src ?? '';
const state: Window['edgeswarm'] = { stats: newPlaybackStats(performance.now()), hls: null };
window.edgeswarm = state;

function show(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

for (const event of ['playing', 'waiting', 'ended', 'seeking'] as PlaybackEvent[]) {
  video.addEventListener(event, () => {
    state.stats = onPlaybackEvent(state.stats, event, performance.now());
    show(event === 'ended' ? 'ended' : `${event} · stalls: ${state.stats.stalls}`);
  });
}

if (Hls.isSupported()) {
  // Two target durations behind the newest segment: within the 4-target-duration latency budget,
  // with blocking playlist reload (advertised by the edge) delivering each new segment at once.
  const hls = new Hls({ liveSyncDurationCount: 2, lowLatencyMode: true });
  state.hls = hls;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    state.stats.errors.push(`${data.type}: ${data.details}`);
    show(`playback failed: ${data.details}`, true);
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  setInterval(() => {
    const playing = hls.playingDate;
    if (!playing || video.paused) return;
    const latency = (Date.now() - playing.getTime()) / 1000;
    state.stats.latency.push(latency);
    if (state.stats.stallingSince === null)
      show(`playing · latency ${latency.toFixed(1)} s · stalls: ${state.stats.stalls}`);
  }, 1000);
} else if (video.canPlayType('application/vnd.apple.mpegurl')) {
  video.src = src; // Safari plays HLS natively
} else {
  show('this browser cannot play HLS', true);
}
video.play().catch(() => show('press play'));
