/**
 * The matching policy: which peers receive a new peer's offers. Pure: peers
 * and a seed in, an ordered, bounded list of peer ids out.
 *
 * 1. Nearness first: the same ASN (same network, often the same ISP, so the
 *    cheapest and most likely to connect), then the same colo or country, then
 *    anyone in the shard.
 * 2. Within a tier, the peers that have been handed the fewest offers first, so
 *    a few early joiners are not given to everyone.
 * 3. Ties broken by a seeded hash of the peer id: different announces spread
 *    over different peers, yet a given seed always gives the same answer.
 * Never the announcing peer itself, never the same peer twice.
 */

export interface MatchPeer {
  peerId: string;
  /** 0 = unknown: never counts as a match. */
  asn: number;
  /** "" = unknown: never counts as a match. */
  colo: string;
  country: string;
}

export interface MatchCandidate extends MatchPeer {
  /** Offers relayed to this peer so far: the load counter that spreads offers. */
  offersReceived: number;
}

export const matchTiers = { sameAsn: 0, sameColoOrCountry: 1, anyone: 2 } as const;
export type MatchTier = (typeof matchTiers)[keyof typeof matchTiers];

export function matchTier(announcer: MatchPeer, candidate: MatchPeer): MatchTier {
  if (announcer.asn !== 0 && announcer.asn === candidate.asn) return matchTiers.sameAsn;
  if (announcer.colo !== '' && announcer.colo === candidate.colo) return matchTiers.sameColoOrCountry;
  if (announcer.country !== '' && announcer.country === candidate.country) return matchTiers.sameColoOrCountry;
  return matchTiers.anyone;
}

/** FNV-1a over the seed and the id: cheap, well spread, and the same everywhere. */
export function seededHash(seed: number, id: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  hash = Math.imul(hash, 0x01000193);
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i) & 0xff;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The matching's own defaults: the edge's tracker limits and the simulator both read them. */
export const matchingDefaults = {
  /** Candidates handed to pickOfferTargets per announce; bounds the work in very large swarms. */
  maxCandidates: 256,
} as const;

export interface MatchOptions {
  /** Fan-out bound: at most this many ids are returned. */
  count: number;
  /** Varies the tie-break between announces; the same seed gives the same order. */
  seed: number;
  /**
   * The caller guarantees no peer id appears twice among the candidates (a swarm's member list): the check for
   * repeats is skipped, and the answer is the same.
   */
  distinct?: boolean;
}

interface Ranked {
  peerId: string;
  tier: number;
  load: number;
  /** The seeded hash of the peer id, computed when a tie needs it; -1 until then. */
  tie: number;
}

/** Whether `a` ranks strictly ahead of `b`: tier, then load, then the seeded hash. */
function ranksAhead(a: Ranked, b: Ranked, seed: number): boolean {
  if (a.tier !== b.tier) return a.tier < b.tier;
  if (a.load !== b.load) return a.load < b.load;
  if (a.tie < 0) a.tie = seededHash(seed, a.peerId);
  if (b.tie < 0) b.tie = seededHash(seed, b.peerId);
  return a.tie < b.tie;
}

/**
 * The `count` best candidates by (tier, load, seeded hash), the first of equals
 * first: what a stable sort of them all and its first `count` give, kept as a
 * top-k insertion instead (it runs on every announce, and `count` is a few).
 */
export function pickOfferTargets(
  announcer: MatchPeer,
  candidates: readonly MatchCandidate[],
  options: MatchOptions,
): string[] {
  const count = Math.max(0, Math.floor(options.count));
  if (count === 0) return [];
  const seed = options.seed;
  const seen = options.distinct ? undefined : new Set<string>([announcer.peerId]);
  const best: Ranked[] = [];
  for (const candidate of candidates) {
    if (seen) {
      if (seen.has(candidate.peerId)) continue;
      seen.add(candidate.peerId);
    } else if (candidate.peerId === announcer.peerId) continue;
    const tier = matchTier(announcer, candidate);
    const load = candidate.offersReceived;
    const last = best.length === count ? (best[count - 1] as Ranked) : undefined;
    // Behind the last of a full list on tier or load alone: out, without a hash.
    if (last && (tier > last.tier || (tier === last.tier && load > last.load))) continue;
    const entry: Ranked = { peerId: candidate.peerId, tier, load, tie: -1 };
    if (last && !ranksAhead(entry, last, seed)) continue;
    let at = best.length;
    while (at > 0 && ranksAhead(entry, best[at - 1] as Ranked, seed)) at--;
    best.splice(at, 0, entry);
    if (best.length > count) best.pop();
  }
  return best.map((entry) => entry.peerId);
}

/**
 * Bounds the work per announce in very large swarms: at most `cap` candidates.
 * A swarm of `cap` or fewer is passed whole. A larger one is scanned from a
 * seeded starting point, keeping near peers (same ASN, colo or country) found
 * anywhere in it and filling the remaining places with whoever comes next, so
 * nearness still wins and the far sample rotates between announces.
 */
export function boundedCandidates<C extends MatchCandidate>(
  announcer: MatchPeer,
  list: readonly C[],
  cap: number,
  seed: number,
): readonly C[] {
  if (list.length <= cap) return list;
  const nearQuota = Math.ceil(cap / 2);
  const farQuota = cap - nearQuota;
  const near: C[] = [];
  const far: C[] = [];
  const start = (seed >>> 0) % list.length;
  for (let i = 0; i < list.length; i++) {
    const candidate = list[(start + i) % list.length];
    if (!candidate || candidate.peerId === announcer.peerId) continue;
    if (matchTier(announcer, candidate) !== matchTiers.anyone) {
      if (near.length < cap) near.push(candidate);
    } else if (far.length < cap) far.push(candidate);
    if (near.length >= cap || (near.length >= nearQuota && far.length >= farQuota)) break;
  }
  return near.concat(far).slice(0, cap);
}
