/**
 * How many WebRTC offers a viewer sends with a tracker announce. bittorrent-tracker's client makes one offer per peer
 * it wants (at most 5) at every announce, every interval the tracker gives (30 s): each is an RTCPeerConnection that
 * gathers ICE candidates and waits 50 s for an answer, and the tracker hands each to a random member of the swarm,
 * which builds a connection of its own to answer it. A viewer already connected to every other member meets nobody
 * new that way: p2p-media-loader closes the answering side as a duplicate, and the offer times out. So such a viewer
 * sends none, while one that misses a member sends the full number (the tracker picks the targets at random).
 *
 * A swarm with fewer other members than offers keeps the full number while its tracker forwards the offers it cannot
 * place there to a neighbouring sub-shard (an introduction between small regional swarms). Where it forwards nothing
 * (one sub-shard, the usual case below a city's audience), those offers were built for nobody: at 4 viewers the hybrid
 * made 21.5 connections a viewer to hold 2.8 (BENCHMARKS.md, "What P2P costs a renderer, priced"). So our tracker
 * says which it does in every announce reply, and such a viewer offers no more than there are other members, and
 * none once connected to them all.
 */

export const offerDefaults = {
  /** Offers per announce while someone in the swarm is not connected: bittorrent-tracker's own cap. */
  max: 5,
  /** Offers per announce once this viewer is connected to every other member of a swarm that large. */
  whenConnectedToAll: 0,
  /**
   * Peer connections a viewer holds at most, those still opening included: it offers no more than the room left, and
   * answers no offer once full. p2p-media-loader has no cap of its own, so in a large swarm a viewer's connections grew
   * by up to 5 offers made and as many answered every 30 s, each with its own upkeep (consent checks, a segment map to
   * every peer at every segment) on the renderer's WebRTC thread. The simulator's audience has always kept this many.
   */
  maxPeers: 20,
};

export type OfferOptions = typeof offerDefaults;

/** What a viewer knows when it announces: the tracker's last reply, and the connections it holds. */
export interface OfferView {
  /** The swarm's size as the tracker last counted it, this viewer included; absent before the first count. */
  members?: number;
  /**
   * Whether the tracker forwards offers this swarm cannot place to a neighbouring sub-shard (its last reply's
   * `forwards_offers`); absent: the tracker did not say (a stock one), taken as yes.
   */
  forwards?: boolean;
  /** Peers this viewer holds a connection to. */
  connected: number;
  /** Peers it is still opening a connection with; absent: none. */
  opening?: number;
}

/**
 * Pure: the offers to send with an announce (never more than maxPeers leaves room for). Before the first count, the
 * full number. A viewer connected to every other member sends whenConnectedToAll, unless the swarm is smaller than
 * the full number and its tracker forwards what it cannot place (or did not say), or it holds more peers than that
 * small count had others (the swarm grew since). A viewer that misses a member sends the full number, but no more than
 * there are other members when the tracker forwards nothing: the tracker places one offer per member, and an offer
 * beyond them is an RTCPeerConnection built for nobody.
 */
export function announceOffers(view: OfferView, options: OfferOptions = offerDefaults): number {
  const { members, forwards, connected } = view;
  const room = Math.max(0, options.maxPeers - connected - (view.opening ?? 0));
  if (members === undefined || !Number.isFinite(members)) return Math.min(options.max, room);
  const others = members - 1;
  const small = others < options.max;
  // More peers held than the count had others: it was taken before newcomers joined (it is a reply 30 s old), and
  // the swarm may have outgrown what one newcomer's offers reach. The full number, as before the count, fills gaps.
  if (small && connected > others) return Math.min(options.max, room);
  if ((!small || forwards === false) && connected >= others) return Math.min(options.whenConnectedToAll, room);
  const placeable = forwards === false ? Math.max(0, others) : options.max;
  return Math.min(options.max, placeable, room);
}

/** Pure: whether a viewer holding these connections (and these still opening) answers another peer's offer. */
export function answersOffer(
  connectedPeers: number,
  openingPeers: number,
  options: OfferOptions = offerDefaults,
): boolean {
  return connectedPeers + openingPeers < options.maxPeers;
}

/** What the tracker's last reply said of the swarm's earliest members (it names them) and of its size. */
export interface CapView {
  /** 'leader': named among them; 'receiver': others were named, not this viewer; absent: the tracker named nobody. */
  named?: 'leader' | 'receiver';
  /** How many members it named; a receiver holds room for every one of them. */
  namedCount?: number;
  /** The swarm's size as the tracker last counted it, this viewer included; absent before the first count. */
  members?: number;
}

/**
 * Pure: the peers a viewer holds at most. maxPeers (offerDefaults), except a receiver (the tracker named others as
 * the swarm's earliest members, not this viewer) holds receiverMaxPeers (the policy's, in whole peers; below 1:
 * no cap), and never fewer than were named, while the swarm is no larger than maxPeers, so that each named member
 * can hold every other one. The named members stay uncapped and feed
 * the receivers; a receiver holding a few other receivers instead would rank itself among them and lead (a plain cap
 * of 2 lost 23 points of offload at N = 8 in the simulator, BENCHMARKS.md "Holding fewer connections").
 */
export function peerCap(view: CapView, maxPeers: number, receiverMaxPeers: number): number {
  const { members } = view;
  const cap = Math.floor(receiverMaxPeers);
  if (!(cap > 0) || view.named !== 'receiver') return maxPeers;
  if (members === undefined || !Number.isFinite(members) || members > maxPeers) return maxPeers;
  return Math.min(maxPeers, Math.max(cap, view.namedCount ?? 0));
}
