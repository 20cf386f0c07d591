/**
 * First fetchers: near the live edge someone has to fetch each new segment
 * from the edge before anyone can share it. Rather than leave that to timers
 * and chance, every peer ranks the swarm the same way (hash of peer id and
 * epoch) and the top few fetch from the edge at once; the rest wait for them
 * until the deadline margin. The set widens when peers are scarce and rotates
 * every epoch so no peer uploads for everyone forever.
 */
import { fnv1a } from './hash';
import type { PolicyOptions } from './options';

export function seederCount(swarmSize: number, options: Pick<PolicyOptions, 'seederFanout' | 'minSeeders'>): number {
  return Math.min(swarmSize, Math.max(options.minSeeders, Math.ceil(swarmSize / options.seederFanout)));
}

export function epochOf(nowSeconds: number, epochSeconds: number): number {
  return Math.floor(nowSeconds / epochSeconds);
}

/** Peer ids ranked for an epoch; the same on every peer that sees the same swarm. */
export function rankSwarm(peerIds: readonly string[], epoch: number): string[] {
  return [...new Set(peerIds)].sort((a, b) => fnv1a(`${a}:${epoch}`) - fnv1a(`${b}:${epoch}`) || (a < b ? -1 : 1));
}

export interface RoleInput {
  self: string;
  /** Peers this one is connected to (the swarm as it sees it). */
  peers: readonly string[];
  epoch: number;
  /** Peers that refuse to upload (consume-only) never count as first fetchers. */
  nonUploaders?: readonly string[];
}

/**
 * Whether `self` fetches new segments from the edge right away. A peer with no
 * connected uploader is always its own first fetcher: there is no one to wait for.
 */
export function isFirstFetcher(input: RoleInput, options: Pick<PolicyOptions, 'seederFanout' | 'minSeeders'>): boolean {
  const excluded = new Set(input.nonUploaders ?? []);
  const uploaders = input.peers.filter((p) => !excluded.has(p));
  if (uploaders.length === 0) return true;
  if (excluded.has(input.self)) return false;
  const swarm = rankSwarm([input.self, ...uploaders], input.epoch);
  return swarm.indexOf(input.self) < seederCount(swarm.length, options);
}
