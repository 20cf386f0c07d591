/**
 * Playback health as plain data, updated from media element events. Kept free
 * of hls.js so the same bookkeeping serves the plain and the hybrid player.
 */
export interface PlaybackStats {
  /** When the page asked to play, ms since navigation start. */
  requestedAt: number;
  /** First frame rendered, ms since navigation start; null until it happens. */
  startedAt: number | null;
  stalls: number;
  stalledMs: number;
  stallingSince: number | null;
  ended: boolean;
  errors: string[];
  /** Live latency in seconds (wall clock minus the playhead's program date-time), sampled while playing. */
  latency: number[];
}

export function newPlaybackStats(now: number): PlaybackStats {
  return {
    requestedAt: now,
    startedAt: null,
    stalls: 0,
    stalledMs: 0,
    stallingSince: null,
    ended: false,
    errors: [],
    latency: [],
  };
}

export type PlaybackEvent = 'playing' | 'waiting' | 'ended' | 'seeking';

/** A stall is a `waiting` after playback has started, ended by the next `playing`. Seeks don't count. */
export function onPlaybackEvent(stats: PlaybackStats, event: PlaybackEvent, now: number): PlaybackStats {
  switch (event) {
    case 'playing': {
      const stalledMs = stats.stallingSince === null ? stats.stalledMs : stats.stalledMs + (now - stats.stallingSince);
      return { ...stats, startedAt: stats.startedAt ?? now, stallingSince: null, stalledMs };
    }
    case 'waiting':
      if (stats.startedAt === null || stats.stallingSince !== null || stats.ended) return stats;
      return { ...stats, stalls: stats.stalls + 1, stallingSince: now };
    case 'seeking':
      return { ...stats, stallingSince: null };
    case 'ended':
      return { ...stats, ended: true, stallingSince: null };
  }
}
