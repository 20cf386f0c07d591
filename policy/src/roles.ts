/**
 * First fetchers: near the live edge someone has to fetch each new segment
 * from the edge before anyone can share it. Rather than leave that to timers
 * and chance, every peer ranks the swarm the same way and the top few fetch
 * from the edge at once; the rest wait for them until the deadline margin.
 *
 * The rank is tenure first (the peers that joined earliest: the most stable,
 * and the ones already holding the most), then a hash of peer id and epoch to
 * break ties. Join time travels in the peer id itself, so every peer computes
 * the same rank without asking anyone. The set widens with the swarm and when
 * peers are scarce; a first fetcher whose upload budget runs dry stops
 * announcing, and the next peers to hit their deadline take over.
 */
import { fnv1a } from './hash';
import type { PolicyOptions } from './options';

export function seederCount(swarmSize: number, options: Pick<PolicyOptions, 'seederFanout' | 'minSeeders'>): number {
  return Math.min(swarmSize, Math.max(options.minSeeders, Math.ceil(swarmSize / options.seederFanout)));
}

export function epochOf(nowSeconds: number, epochSeconds: number): number {
  return Math.floor(nowSeconds / epochSeconds);
}

const peerIdPrefix = '-ES01-';
const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A 20-character peer id carrying its join time (whole seconds, base 36, 7 digits) and 7 random characters. */
export function makePeerId(joinedAtSeconds: number, random: string): string {
  const joined = Math.max(0, Math.floor(joinedAtSeconds)).toString(36).padStart(7, '0').slice(-7);
  return `${peerIdPrefix}${joined}${random
    .replace(/[^A-Za-z0-9]/g, 'x')
    .padEnd(7, 'x')
    .slice(0, 7)}`;
}

/** When a peer joined, read from its id; undefined for ids not made by makePeerId (other clients). */
export function peerJoinedAt(peerId: string): number | undefined {
  if (peerId.length !== 20 || !peerId.startsWith(peerIdPrefix)) return undefined;
  const joined = peerId.slice(6, 13);
  return /^[0-9a-z]{7}$/.test(joined) ? Number.parseInt(joined, 36) : undefined;
}

export { idAlphabet };

/** Peer ids ranked: earliest joiners first, then by hash of id and epoch. The same on every peer. */
export function rankSwarm(peerIds: readonly string[], epoch: number): string[] {
  // Each key once per peer, not once per comparison.
  const keyed = [...new Set(peerIds)].map((id) => ({
    id,
    joined: peerJoinedAt(id) ?? Number.POSITIVE_INFINITY,
    tie: fnv1a(`${id}:${epoch}`),
  }));
  keyed.sort((a, b) => a.joined - b.joined || a.tie - b.tie || (a.id < b.id ? -1 : 1));
  return keyed.map((k) => k.id);
}

export interface RoleInput {
  self: string;
  /** Peers this one is connected to (the swarm as it sees it). */
  peers: readonly string[];
  epoch: number;
  /** Peers that refuse to upload (consume-only) never count as first fetchers. */
  nonUploaders?: readonly string[];
  /** Seconds since this peer started P2P (asked the tracker for peers); absent: long enough. */
  p2pSeconds?: number;
}

/**
 * Whether `self` fetches new segments from the edge right away. A peer with no
 * connected uploader is its own first fetcher, there being no one to wait for,
 * except while it is new: peers are on their way (the tracker's answer and a
 * WebRTC connection take a second or two), so it waits for them up to the
 * deadline margin, as any other peer does.
 */
export function isFirstFetcher(
  input: RoleInput,
  options: Pick<PolicyOptions, 'seederFanout' | 'minSeeders' | 'newcomerSeconds'>,
): boolean {
  const excluded = new Set(input.nonUploaders ?? []);
  const uploaders = input.peers.filter((p) => !excluded.has(p));
  if (uploaders.length === 0) return !(input.p2pSeconds !== undefined && input.p2pSeconds < options.newcomerSeconds);
  if (excluded.has(input.self)) return false;
  const swarm = rankSwarm([input.self, ...uploaders], input.epoch);
  return swarm.indexOf(input.self) < seederCount(swarm.length, options);
}
