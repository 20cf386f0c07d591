/**
 * The element's LIVE badge and latency corner: what they say, from plain numbers. Pure: the element observes the
 * player and shows the result; "go to live" seeks where goToLivePosition says.
 */

export interface LiveEdge {
  /** A live playlist was loaded (false for VOD, an ended stream, or before the first playlist). */
  live: boolean;
  /** Seconds between the playhead and the newest segment's end (hls.js latency), once known. */
  edgeDistanceSeconds?: number;
  /** Where the latency plan keeps the playhead from that end (hls.js targetLatency). */
  targetEdgeDistanceSeconds?: number;
  targetDuration: number;
}

export interface LiveIndicatorInput extends LiveEdge {
  paused: boolean;
  /** Wall-clock latency (now minus the playing frame's program date-time), once known. */
  latencySeconds?: number;
}

export interface LiveIndicator {
  /** none: VOD; at-live: playing near the live edge; behind: paused or well behind it, so the badge offers "go to live". */
  badge: 'none' | 'at-live' | 'behind';
  /** The badge's tooltip and accessible name. */
  badgeTitle: string;
  /** The corner's text: the latency on a live stream, "stats" otherwise (it toggles the stats line either way). */
  cornerText: string;
}

export interface LiveIndicatorOptions {
  /** Behind live once this many target durations further from the end than the plan… */
  behindTargetDurations: number;
  /** …and at least this many seconds: small drifts are the catch-up's job, not the viewer's. */
  behindMinSeconds: number;
}

export const liveIndicatorDefaults: LiveIndicatorOptions = { behindTargetDurations: 1.5, behindMinSeconds: 3 };

export function liveIndicator(input: LiveIndicatorInput, options = liveIndicatorDefaults): LiveIndicator {
  if (!input.live) return { badge: 'none', badgeTitle: '', cornerText: 'stats' };
  const cornerText =
    input.latencySeconds === undefined ? 'latency …' : `latency ${Math.max(0, input.latencySeconds).toFixed(1)} s`;
  const excess =
    input.edgeDistanceSeconds === undefined
      ? 0
      : input.edgeDistanceSeconds - (input.targetEdgeDistanceSeconds ?? 3 * input.targetDuration);
  const tolerance = Math.max(options.behindMinSeconds, options.behindTargetDurations * input.targetDuration);
  if (input.paused || excess > tolerance) {
    const behind =
      input.edgeDistanceSeconds === undefined ? '' : ` (${Math.round(input.edgeDistanceSeconds)} s behind)`;
    return { badge: 'behind', badgeTitle: `Go to live${behind}`, cornerText };
  }
  return { badge: 'at-live', badgeTitle: 'Playing live', cornerText };
}

/**
 * Where "go to live" seeks: hls.js's live sync position (the latency plan's distance from the end) when it has one,
 * else HOLD-BACK (3 target durations) before the end of what is seekable (native HLS). Undefined when neither is known.
 */
export function goToLivePosition(
  liveSyncPosition: number | null | undefined,
  seekableEnd: number | undefined,
  targetDuration: number,
): number | undefined {
  if (liveSyncPosition !== null && liveSyncPosition !== undefined && Number.isFinite(liveSyncPosition)) {
    return Math.max(0, liveSyncPosition);
  }
  if (seekableEnd === undefined || !Number.isFinite(seekableEnd)) return undefined;
  return Math.max(0, seekableEnd - 3 * targetDuration);
}
