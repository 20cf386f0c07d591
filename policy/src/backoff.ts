/**
 * How long to wait before reconnecting to the tracker. The first retry comes
 * within a second, jittered over all of it: the usual cause of a closed tracker
 * socket is a shard object restarting or being moved (close 1012, or 4010 for a
 * sub-shard move), which is back at once, and the rejoin target is 2 s
 * from the restart until every peer has re-announced; spread over the whole
 * second, a sub-shard's ~1 000 viewers do not all knock in the same half of it.
 * Then exponential from 1 s, capped at 30 s, jittered over the upper half so a
 * recovering tracker is not hit by every viewer at once. The stock client waits
 * 10 s plus up to five minutes, which suits one public tracker; ours is sharded
 * per stream and region, and a viewer without a tracker cannot find new peers.
 *
 * Pure: `random` in [0, 1) is passed in. The player's shim (p2p-shim.ts) puts
 * bittorrent-tracker's reconnects on this schedule; the simulator uses it too.
 */
export const trackerBackoffDefaults = { firstMs: 1000, capMs: 30_000 } as const;

export function trackerReconnectDelayMs(retries: number, random: number): number {
  const ceiling = Math.min(trackerBackoffDefaults.capMs, trackerBackoffDefaults.firstMs * 2 ** Math.max(0, retries));
  return Math.round(ceiling * (retries <= 0 ? random : 0.5 + 0.5 * random));
}

/**
 * How long the player waits before loading again once hls.js has given up on the edge (a fatal network error: its
 * own retries for a playlist last about 3 s, and an edge restart or a blip takes longer). Exponential from 1 s,
 * capped at 8 s, jittered the same way, without end: a viewer resumes within seconds of the edge coming back,
 * however long it was away. `npm run drills` (workerd-restart) shows the need: without it every viewer stopped for good.
 */
export const edgeRecoveryDefaults = { firstMs: 1000, capMs: 8000 } as const;

export function edgeRecoveryDelayMs(retries: number, random: number): number {
  const ceiling = Math.min(edgeRecoveryDefaults.capMs, edgeRecoveryDefaults.firstMs * 2 ** Math.max(0, retries));
  return Math.round(ceiling * (0.5 + 0.5 * random));
}
