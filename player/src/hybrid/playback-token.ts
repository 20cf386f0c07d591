/**
 * Signed playback from the player's side: the token an embedding site gives
 * rides on every request the player makes itself (playlists, segments, the
 * tracker socket, beacons, the uplink probe) as `?token=`, because a cookie
 * set by the edge only reaches the edge from the edge's own pages. Names stay
 * token-free: the swarm id and the segment URLs that key integrity hashes and
 * P2P segment ids never carry it, so viewers with different tokens share one
 * swarm and one cache entry.
 */
import { playbackTokenDefaults } from '@edgeswarm/protocol';

/** Pure: `url` with the token as its query parameter (replacing any there); unchanged without a token. */
export function withToken(url: string, token: string | undefined, base?: string): string {
  if (!token) return url;
  const parsed = new URL(url, base);
  parsed.searchParams.set(playbackTokenDefaults.queryParam, token);
  return parsed.toString();
}
