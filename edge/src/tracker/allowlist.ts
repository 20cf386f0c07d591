/**
 * Only real swarms: the tracker admits an announce only for an info_hash that
 * one of the stream's published renditions produces (swarm-ids.ts). The list
 * is derived from the stream's multivariant playlist and cached; a miss
 * re-derives it at most once per `allowlistRefreshMs`, so a rendition added
 * mid-stream is found, and a flood of foreign info_hashes costs no reads.
 */
import type { TrackerLimits } from './limits';

export interface SwarmAllowlist {
  stream: string;
  /** False when the stream has no multivariant playlist (nothing published, or deleted). */
  published: boolean;
  /** info_hashes, as sent on the wire (20 characters). */
  infoHashes: ReadonlySet<string>;
  /** When it was derived (ms). */
  derivedAt: number;
}

export type Admission = { kind: 'admit' } | { kind: 'refresh' } | { kind: 'refuse'; reason: string };

/**
 * Whether an announce for `infoHash` may proceed, needs a fresh list first, or
 * is refused (with the `failure reason` naming the cause).
 */
export function admit(
  list: SwarmAllowlist | undefined,
  infoHash: string,
  now: number,
  limits: Pick<TrackerLimits, 'allowlistRefreshMs'>,
): Admission {
  if (!list) return { kind: 'refresh' };
  if (list.infoHashes.has(infoHash)) return { kind: 'admit' };
  if (now - list.derivedAt >= limits.allowlistRefreshMs) return { kind: 'refresh' };
  if (!list.published) {
    return { kind: 'refuse', reason: `unknown swarm: stream ${list.stream} has no published renditions` };
  }
  return {
    kind: 'refuse',
    reason: `unknown swarm: info_hash is not one of stream ${list.stream}'s renditions (p2p-media-loader swarm ids)`,
  };
}
