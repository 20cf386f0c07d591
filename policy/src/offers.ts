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
};

export type OfferOptions = typeof offerDefaults;

/**
 * Pure: the offers to send with an announce, from the swarm's size as the tracker last counted it (members, this
 * viewer included; undefined before the first count) and the peers this viewer holds a connection to.
 */
export function announceOffers(
  swarmMembers: number | undefined,
  connectedPeers: number,
  options: OfferOptions = offerDefaults,
): number {
  if (swarmMembers === undefined || !Number.isFinite(swarmMembers)) return options.max;
  const others = swarmMembers - 1;
  if (others < options.max) return options.max;
  return connectedPeers >= others ? options.whenConnectedToAll : options.max;
}
