import type { PolicyOptions } from './options';

/**
 * How often a viewer tells its peers which segments it holds. p2p-media-loader announces to every connected peer on
 * every change: each segment stored, each edge fetch started and finished. At N = 8 that is a receiver's most frequent
 * data-channel message (one per segment to each of 7 peers, and one from each of them back), far more messages than
 * the segment chunks it receives, and each crosses SCTP, DTLS and IPC and wakes p2p-media-loader's queue.
 *
 * A receiver's announcements serve two things: peers that might fetch from it, and its presence in their first-fetcher
 * rank (heard within activePeerTargetDurations). Where the swarm is a full mesh (this viewer holds a connection to
 * every other member the tracker counted, and to nobody else: a peer from a neighbouring sub-shard may rely on it)
 * every receiver is connected to the first fetchers themselves and takes each
 * segment from them (the star of the defaults); a receiver's announcements there serve only its presence. So such a
 * receiver announces at most once every `receiverAnnounceTargetDurations` target durations, always inside the presence
 * window. Where the mesh is partial (a large swarm: 1 000 simulated viewers) receivers feed each other, and spacing
 * their announcements hides the segments they relay: offload fell from 90.9% to 55.8% in the simulator (and to 81.0% from
 * 90.9% with 600 viewers over sub-shards, before peers from a neighbouring sub-shard counted as a partial mesh). There, and for
 * a first fetcher, a viewer in a spreading mode, and every viewer with the setting at 0, announcements go out as
 * p2p-media-loader sends them.
 */
export interface AnnounceView {
  firstFetcher: boolean;
  /** Upload is open (p2p-media-loader announces nothing while it is off). */
  uploadOpen: boolean;
  targetDuration: number;
  /** Peers this viewer holds a connection to. */
  connectedPeers: number;
  /** The swarm's size as the tracker last counted it, this viewer included; undefined before the first count. */
  swarmMembers: number | undefined;
}

/** Pure: the least seconds between two of this viewer's segment announcements; 0: announce every change at once. */
export function announceIntervalSeconds(
  view: AnnounceView,
  options: Pick<
    PolicyOptions,
    'receiverAnnounceTargetDurations' | 'activePeerTargetDurations' | 'spreadCopies' | 'spreadRelays'
  >,
): number {
  if (view.firstFetcher || !view.uploadOpen || options.spreadCopies > 0 || options.spreadRelays > 0) return 0;
  const members = view.swarmMembers;
  if (members === undefined || !Number.isFinite(members) || members < 2 || view.connectedPeers !== members - 1)
    return 0;
  if (!(view.targetDuration > 0) || !Number.isFinite(view.targetDuration)) return 0;
  // A whole target duration inside the presence window: the tick that judges presence runs once a second.
  const durations = Math.min(options.receiverAnnounceTargetDurations, options.activePeerTargetDurations - 1);
  return durations > 0 ? durations * view.targetDuration : 0;
}
