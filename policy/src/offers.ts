/**
 * How many WebRTC offers a viewer sends with a tracker announce. bittorrent-tracker's client makes one offer per peer
 * it wants (at most 5) at every announce, every interval the tracker gives (30 s): each is an RTCPeerConnection that
 * gathers ICE candidates and waits 50 s for an answer, and the tracker hands each to a random member of the swarm,
 * which builds a connection of its own to answer it. A viewer already connected to every other member meets nobody
 * new that way: p2p-media-loader closes the answering side as a duplicate, and the offer times out. So such a viewer
 * sends none, while one that misses a member sends the full number (the tracker picks the targets at random).
 *
 * A swarm with fewer other members than offers keeps the full number: the offers the tracker cannot place there are
 * what it forwards to a neighbouring sub-shard (an introduction between small regional swarms).
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

/**
 * Pure: the offers to send with an announce, from the swarm's size as the tracker last counted it (members, this
 * viewer included; undefined before the first count), the peers this viewer holds a connection to, and those still
 * opening (never more than maxPeers leaves room for).
 */
export function announceOffers(
  swarmMembers: number | undefined,
  connectedPeers: number,
  options: OfferOptions = offerDefaults,
  openingPeers = 0,
): number {
  const others = swarmMembers !== undefined && Number.isFinite(swarmMembers) ? swarmMembers - 1 : undefined;
  const connectedToAll = others !== undefined && others >= options.max && connectedPeers >= others;
  const room = Math.max(0, options.maxPeers - connectedPeers - openingPeers);
  return Math.min(connectedToAll ? options.whenConnectedToAll : options.max, room);
}

/** Pure: whether a viewer holding these connections (and these still opening) answers another peer's offer. */
export function answersOffer(
  connectedPeers: number,
  openingPeers: number,
  options: OfferOptions = offerDefaults,
): boolean {
  return connectedPeers + openingPeers < options.maxPeers;
}
