/**
 * Finds segments ffmpeg has finished: a segment is complete once it is listed
 * in its rendition's playlist (ffmpeg writes the playlist atomically, after
 * the segment). Pure: the caller reads the files.
 */
import { join } from 'node:path';
import type { MediaPlaylist } from '@edgeswarm/protocol';

export interface ProducedSegment {
  rendition: string;
  /** Position in ffmpeg's playlist, from 0. */
  index: number;
  file: string;
  initFile: string;
  duration: number;
  programDateTime: string;
}

export function newSegments(
  rendition: string,
  renditionDir: string,
  playlist: MediaPlaylist,
  seen: number,
  now: () => Date = () => new Date(),
): ProducedSegment[] {
  return playlist.segments.slice(seen).map((segment, offset) => ({
    rendition,
    index: seen + offset,
    file: join(renditionDir, segment.uri),
    initFile: join(renditionDir, playlist.map ?? 'init.mp4'),
    duration: segment.duration,
    // ffmpeg stamps each segment; fall back to "it just finished" if it did not.
    programDateTime: segment.programDateTime ?? new Date(now().getTime() - segment.duration * 1000).toISOString(),
  }));
}
