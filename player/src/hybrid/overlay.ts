/** The stats overlay: one line of what the player is doing, from a snapshot. Pure text. */
import type { HybridSnapshot } from './player';
import { offloadPercent } from './stats';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function overlayText(s: HybridSnapshot): string {
  const parts = [
    s.mode === 'hybrid' ? 'hybrid' : 'CDN only',
    `HTTP ${mb(s.counters.httpBytes)}`,
    `P2P ${mb(s.counters.p2pBytes)}`,
    `offload ${offloadPercent(s.counters).toFixed(0)}%`,
    `up ${mb(s.counters.uploadedBytes)}`,
    `peers ${s.peers.length}`,
    `buffer ${s.bufferSeconds.toFixed(1)} s`,
  ];
  if (s.latencySeconds !== undefined) parts.push(`latency ${s.latencySeconds.toFixed(1)} s`);
  if (s.mode === 'hybrid' && s.firstFetcher) parts.push('first fetcher');
  if (s.playback.stalls > 0) parts.push(`stalls ${s.playback.stalls}`);
  if (s.counters.integrityFailures > 0) parts.push(`rejected ${s.counters.integrityFailures}`);
  return parts.join(' · ');
}
