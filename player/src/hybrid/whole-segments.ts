/**
 * Whole segments only, for numeric latency targets. hls.js needs low-latency mode for what the hybrid uses
 * (blocking playlist reloads, catching up at `maxLiveSyncPlaybackRate`), but in that mode it also loads every
 * part a playlist lists, over HTTP, where no peer can serve them: on a stream published with parts (`publish`'s
 * default) a 4-viewer swarm took 0–15% of its bytes from peers instead of 65–70%. So at numeric targets the
 * player's playlist loader hands hls.js the playlist without its parts: hls.js then sees the same whole-segment
 * playlist a stream without parts has, and blocks on `_HLS_msn` alone. `latency-target="low"` keeps the parts.
 */
import { type MediaPlaylist, parsePlaylist, renderMediaPlaylist } from '@edgeswarm/protocol';
import type {
  HlsConfig,
  Loader,
  LoaderCallbacks,
  LoaderConfiguration,
  LoaderContext,
  PlaylistLoaderContext,
} from 'hls.js';

/** Tags that exist only for parts; a playlist without any is returned as it came. */
const partTags = ['#EXT-X-PART', '#EXT-X-PRELOAD-HINT', 'PART-HOLD-BACK', 'LAST-PART'];

/** The media playlist without parts: no EXT-X-PART(-INF), preload hints, open segment, PART-HOLD-BACK or LAST-PART. */
export function wholeSegmentsOf(playlist: MediaPlaylist): MediaPlaylist {
  const { partTarget: _target, openSegment: _open, preloadHints: _hints, ...rest } = playlist;
  return {
    ...rest,
    ...(rest.serverControl ? { serverControl: { ...rest.serverControl, partHoldBack: undefined } } : {}),
    segments: rest.segments.map(({ parts: _parts, ...segment }) => segment),
    ...(rest.renditionReports
      ? { renditionReports: rest.renditionReports.map(({ lastPart: _last, ...report }) => report) }
      : {}),
  };
}

/**
 * Playlist text without its parts. Anything that is not a media playlist with parts (a multivariant
 * playlist, a VOD, a stream without parts, text that does not parse) is returned unchanged, so hls.js
 * reports its own errors exactly as before.
 */
export function withoutParts(text: string): string {
  if (!partTags.some((tag) => text.includes(tag))) return text;
  const parsed = parsePlaylist(text);
  if (!parsed.ok || parsed.value.type !== 'media') return text;
  const { type: _type, ...playlist } = wholeSegmentsOf(parsed.value);
  return renderMediaPlaylist(playlist);
}

type PlaylistLoaderClass = NonNullable<HlsConfig['pLoader']>;
type AnyLoaderClass = new (config: HlsConfig) => Loader<LoaderContext>;

/** hls.js's playlist loader (`Base`, normally `Hls.DefaultConfig.loader`), handing on every playlist `withoutParts`. */
export function wholeSegmentsPlaylistLoader(Base: AnyLoaderClass): PlaylistLoaderClass {
  class WholeSegmentsPlaylistLoader extends (Base as new (config: HlsConfig) => Loader<PlaylistLoaderContext>) {
    override load(
      context: PlaylistLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<PlaylistLoaderContext>,
    ): void {
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          if (typeof response.data === 'string') response.data = withoutParts(response.data);
          callbacks.onSuccess(response, stats, ctx, details);
        },
      });
    }
  }
  return WholeSegmentsPlaylistLoader as unknown as PlaylistLoaderClass;
}
