/**
 * The `latency-target` attribute, pure: `"low"` plays LL-HLS from the edge (hls.js low-latency mode at
 * the playlist's PART-HOLD-BACK, parts and blocking reloads; P2P only where there is slack, as the policy's
 * lowLatencyP2P decides); a number is the hybrid's latency
 * target in target durations (the policy clamps it); absent, the policy's default.
 */
import Hls, { type HlsConfig } from 'hls.js';
import { wholeSegmentsPlaylistLoader } from './whole-segments';

export type LatencySetting = { kind: 'low' } | { kind: 'target'; targetDurations: number } | { kind: 'default' };

export function parseLatencySetting(value: string | null): LatencySetting {
  if (value === null || value.trim() === '') return { kind: 'default' };
  if (value.trim().toLowerCase() === 'low') return { kind: 'low' };
  return { kind: 'target', targetDurations: Number(value) };
}

/** hls.js's playlist loader without parts, for numeric targets; built on first use. */
let wholeSegments: HlsConfig['pLoader'] | undefined;

/**
 * hls.js settings for a latency setting. Low: low-latency mode and nothing of the hybrid's live sync, so hls.js
 * plays PART-HOLD-BACK behind the end (RFC 8216bis) and loads parts; only the policy's error penalty and maxBufferLength (hls.js's own
 * 30 s at usual target durations), because p2p-media-loader, attached once a low-latency viewer has slack, cuts a
 * maxBufferLength the page left unset down to its own window, and the hybrid's windows count on hls.js asking early.
 * Otherwise: low-latency mode (blocking reloads, catch-up) under the policy's live-sync plan, as always, on whole
 * segments: the playlist loader hides a stream's parts from hls.js, which would otherwise load them over HTTP, where
 * peers cannot serve them (`whole-segments.ts`).
 */
export function hlsLatencyConfig(low: boolean, policyHls: Partial<HlsConfig> | undefined): Partial<HlsConfig> {
  if (!low) {
    wholeSegments ??= wholeSegmentsPlaylistLoader(Hls.DefaultConfig.loader);
    return { lowLatencyMode: true, ...policyHls, pLoader: wholeSegments };
  }
  // The policy's buffer lengths only: how far ahead hls.js asks, and how much played media it lets go of; and how long
  // a rendition that failed a load is passed over (for good at hls.js's default, stranding a viewer in a swarm of one).
  const { maxBufferLength, backBufferLength, errorPenaltyExpireMs } = policyHls ?? {};
  return {
    lowLatencyMode: true,
    ...(maxBufferLength === undefined ? {} : { maxBufferLength }),
    ...(backBufferLength === undefined ? {} : { backBufferLength }),
    ...(errorPenaltyExpireMs === undefined ? {} : { errorPenaltyExpireMs }),
  };
}
