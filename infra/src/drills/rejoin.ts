/**
 * Pure: when a viewer was back in the swarm after a tracker restart, from its page's WebSocket timeline
 * (page-counters.ts). Its tracker sockets open before the restart and closed after it are the ones the restart
 * dropped; the viewer is back when, for each of them, a socket to the same URL opened after the restart has had
 * its first message (the tracker's answer to the re-announce, which bittorrent-tracker sends as soon as it is
 * connected). Times run from the moment the restart was asked for, as bench:tracker's rejoin measure does.
 */
import type { SocketEvent } from './page-counters';

export interface ViewerRejoin {
  /** Tracker sockets the restart dropped. */
  dropped: number;
  /** ms from the restart until the last of them was replaced and answered; undefined: not back (or none dropped). */
  backMs?: number;
}

export const isTrackerSocket = (url: string) => /\/v1\/tracker\//.test(url);

export function viewerRejoin(events: readonly SocketEvent[], restartAt: number, until = Infinity): ViewerRejoin {
  const tracker = events.filter((e) => isTrackerSocket(e.url) && e.at <= until);
  const openedAt = new Map<number, number>();
  for (const e of tracker) if (e.kind === 'open' && !openedAt.has(e.socket)) openedAt.set(e.socket, e.at);
  const dropped = tracker.filter(
    (e) => e.kind === 'close' && e.at >= restartAt && (openedAt.get(e.socket) ?? Infinity) < restartAt,
  );
  if (dropped.length === 0) return { dropped: 0 };
  let backAt = restartAt;
  const used = new Set<number>();
  for (const d of dropped) {
    const replacement = tracker.find(
      (e) =>
        e.kind === 'message' &&
        e.url === d.url &&
        !used.has(e.socket) &&
        (openedAt.get(e.socket) ?? -Infinity) >= restartAt,
    );
    if (!replacement) return { dropped: dropped.length };
    used.add(replacement.socket);
    backAt = Math.max(backAt, replacement.at);
  }
  return { dropped: dropped.length, backMs: backAt - restartAt };
}

/** Nearest-rank percentile of values in any order; NaN when empty. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
