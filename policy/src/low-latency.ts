/**
 * latency-target="low": the viewer plays LL-HLS parts from the edge at the playlist's PART-HOLD-BACK, where no whole
 * segment is complete early enough for a peer to pass it on, so P2P has nothing to do there and stays off (its script
 * is not even loaded). P2P still serves whole segments wherever there is slack: on VOD, and on a live stream once the
 * playhead is as far behind live as the hybrid plays (paused, sought back into the DVR window). Pure.
 */
import type { LatencyPlan } from './deadlines';

export interface LowLatencySlack {
  /** The playlist says the stream is live (no ENDLIST). */
  live: boolean;
  /** How far the playhead is behind the live edge (the end of the playlist), seconds; absent: not known yet. */
  behindLiveSeconds?: number;
  /** EXT-X-TARGETDURATION, seconds. */
  targetDuration: number;
}

/**
 * Whether P2P serves a low-latency viewer now. On VOD, always. Live: from where the hybrid's latency plan sits
 * (plan.liveSyncDuration behind the end, where the hybrid gets whole segments from peers), and off again only once
 * back within one target duration less, so a viewer near the threshold does not start and stop P2P every second.
 */
export function lowLatencyP2P(
  slack: LowLatencySlack,
  wasOn: boolean,
  plan: Pick<LatencyPlan, 'liveSyncDuration'>,
): boolean {
  if (!slack.live) return true;
  const behind = slack.behindLiveSeconds;
  if (behind === undefined || !Number.isFinite(behind)) return false;
  const on = plan.liveSyncDuration;
  return behind >= (wasOn ? on - slack.targetDuration : on);
}
