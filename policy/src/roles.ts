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
 *
 * With spreadRelays on, the peer id also carries the viewer's uplink class
 * (`-ES02-`), so a holder knows which requesters could relay a segment
 * onward (capacity.ts, canRelay).
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
/** The same id, with its uplink class where the first random character was (spreadRelays; see capacity.ts). */
const classedPeerIdPrefix = '-ES02-';
const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const classDigits = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A 20-character peer id carrying its join time (whole seconds, base 36, 7 digits) and 7 random characters; with an
 * uplink class (0-35, uplinkClassOf), `-ES02-` and the class as one base-36 digit before 6 random characters.
 */
export function makePeerId(joinedAtSeconds: number, random: string, uplinkClass?: number): string {
  const joined = Math.max(0, Math.floor(joinedAtSeconds)).toString(36).padStart(7, '0').slice(-7);
  const tail = random
    .replace(/[^A-Za-z0-9]/g, 'x')
    .padEnd(7, 'x')
    .slice(0, 7);
  if (uplinkClass === undefined || !Number.isFinite(uplinkClass)) return `${peerIdPrefix}${joined}${tail}`;
  const digit = classDigits[Math.min(35, Math.max(0, Math.floor(uplinkClass)))] as string;
  return `${classedPeerIdPrefix}${joined}${digit}${tail.slice(0, 6)}`;
}

/** Whether the id is one of ours (makePeerId), and whether it carries an uplink class. */
function idVersion(peerId: string): 0 | 1 | 2 {
  if (peerId.length !== 20) return 0;
  if (peerId.startsWith(peerIdPrefix)) return 1;
  return peerId.startsWith(classedPeerIdPrefix) ? 2 : 0;
}

/** When a peer joined, read from its id; undefined for ids not made by makePeerId (other clients). */
export function peerJoinedAt(peerId: string): number | undefined {
  if (idVersion(peerId) === 0) return undefined;
  // Base 36 by hand: this runs for every peer on every tick, and in the simulator millions of times.
  let joined = 0;
  for (let i = 6; i < 13; i++) {
    const c = peerId.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (digit < 0) return undefined;
    joined = joined * 36 + digit;
  }
  return joined;
}

/** The uplink class a peer advertises in its id; undefined when it advertises none (or the id is not ours). */
export function peerUplinkClass(peerId: string): number | undefined {
  if (idVersion(peerId) !== 2) return undefined;
  const c = peerId.charCodeAt(13);
  const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
  return digit < 0 ? undefined : digit;
}

export { idAlphabet };

interface RankKey {
  id: string;
  joined: number;
  tie: number;
}

/** The rank's key: join time, then fnv1a(`${id}:${epoch}`), hashed in two parts so no string is built per peer. */
function rankKey(id: string, epochSuffix: string): RankKey {
  return { id, joined: peerJoinedAt(id) ?? Number.POSITIVE_INFINITY, tie: fnv1a(epochSuffix, fnv1a(id)) };
}

function ranksBefore(a: RankKey, b: RankKey): boolean {
  return a.joined - b.joined < 0 || (a.joined === b.joined && (a.tie < b.tie || (a.tie === b.tie && a.id < b.id)));
}

/** Peer ids ranked: earliest joiners first, then by hash of id and epoch. The same on every peer. */
export function rankSwarm(peerIds: readonly string[], epoch: number): string[] {
  // Each key once per peer, not once per comparison.
  const suffix = `:${epoch}`;
  const keyed = [...new Set(peerIds)].map((id) => rankKey(id, suffix));
  keyed.sort((a, b) => a.joined - b.joined || a.tie - b.tie || (a.id < b.id ? -1 : 1));
  return keyed.map((k) => k.id);
}

/**
 * The k members that joined first (the join time in their ids, then the id): what a tracker names as the swarm's
 * earliest members (the tick's swarmLeaders). Ids not made by makePeerId come last. Pure; the order is the rank's
 * without its per-epoch tie-break, which only a tracker that knows the epoch could apply.
 */
export function earliestPeers(peerIds: readonly string[], k: number): string[] {
  const count = Math.max(0, Math.floor(k));
  if (count === 0) return [];
  const keyed = [...new Set(peerIds)].map((id) => ({ id, joined: peerJoinedAt(id) ?? Number.POSITIVE_INFINITY }));
  keyed.sort((a, b) => a.joined - b.joined || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.slice(0, count).map((m) => m.id);
}

/**
 * Where `self` stands in rankSwarm([self, ...peers]) and how big that swarm is, in one pass without sorting: the
 * peers (distinct, other than self) that rank before it. Swarms seen by one peer are small, so duplicates are found by
 * scanning rather than with a Set.
 */
export function rankOf(self: string, peers: readonly string[], epoch: number): { rank: number; size: number } {
  const suffix = `:${epoch}`;
  const mine = rankKey(self, suffix);
  let rank = 0;
  let size = 1;
  for (let i = 0; i < peers.length; i++) {
    const id = peers[i] as string;
    if (id === self || peers.indexOf(id) < i) continue;
    size++;
    if (ranksBefore(rankKey(id, suffix), mine)) rank++;
  }
  return { rank, size };
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
  const excluded = input.nonUploaders;
  const uploaders = excluded?.length ? input.peers.filter((p) => !excluded.includes(p)) : input.peers;
  if (uploaders.length === 0) return !(input.p2pSeconds !== undefined && input.p2pSeconds < options.newcomerSeconds);
  if (excluded?.includes(input.self)) return false;
  const { rank, size } = rankOf(input.self, uploaders, input.epoch);
  return rank < seederCount(size, options);
}
