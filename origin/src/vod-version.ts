/**
 * Versions of an uploaded video. Every `vod` upload goes into a folder of its own,
 * `<version>/v<N>/…`, and the stream's multivariant playlist, uploaded last, is the one
 * switch: it names the version new players get. Segments stay immutable (a re-encode is never
 * byte-identical, so it cannot reuse names), and a player that loaded the previous multivariant
 * playlist keeps finding the previous version's playlists and segments, which are never
 * overwritten. Pure: the time, a random draw and the edge's answer in, names and verdicts out.
 */
import type { MultivariantPlaylist, PublisherCheck } from '@edgeswarm/protocol';

/**
 * A version folder's name: the upload's UTC time to the second, then four random base-36
 * characters, so two uploads in the same second still differ (e.g. `20261201T080512Z-k3f9`).
 * Names sort by time, and are one object-name part (letters, digits, `-`).
 */
export function vodVersionName(now: Date, random: number): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const suffix = Math.floor(Math.min(Math.max(random, 0), 0.999_999) * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${stamp}-${suffix}`;
}

/** A packaged object's name on the edge: inside its version's folder. */
export function versionedName(version: string, name: string): string {
  return `${version}/${name}`;
}

/** The multivariant playlist that switches viewers to `version`: its variants point into the version's folder. */
export function versionedMaster(master: MultivariantPlaylist, version: string): MultivariantPlaylist {
  return { ...master, variants: master.variants.map((v) => ({ ...v, uri: versionedName(version, v.uri) })) };
}

export type VodPlan = { ok: true; replacing: boolean } | { ok: false; reason: string };

/** Pure: whether `vod` may publish to this stream, from the publisher check, before anything is encoded. */
export function planVodPublish(check: PublisherCheck, replace: boolean): VodPlan {
  const { stream } = check;
  if (!check.published) return { ok: true, replacing: false };
  if (check.kind === 'live') {
    return {
      ok: false,
      reason: `stream ${stream} is a live stream, and vod${replace ? ' --replace' : ''} only publishes or replaces uploaded videos: choose another --stream, or delete ${stream} first (DELETE /v1/streams/${stream} with the operator secret)`,
    };
  }
  if (!replace) {
    return {
      ok: false,
      reason: `stream ${stream} already exists: run again with --replace to publish this file as its new version (new players get it; players already watching finish the old one), or choose another --stream`,
    };
  }
  return { ok: true, replacing: true };
}
