/**
 * ffmpeg arguments for LL-HLS: the same ladder as encodeArgs (one decode, `split`, key frames forced
 * on segment boundaries), but each rendition goes to a fragmented MP4 of its own on a pipe
 * (`pipe:<fd>`), cut into fragments of `fragmentSeconds` and at every key frame, so the publisher can
 * send each fragment as a part the moment it is written (live/fmp4-parts.ts). ffmpeg's HLS muxer
 * cannot do this: it writes an fMP4 segment's file only once the segment is complete. Pure.
 */
import { audioArgs, type EncodeOptions, keyFrameArgs, ladderArgs, x264Args } from './hls-args';

export function fragmentedOutputArgs(
  o: EncodeOptions & {
    fragmentSeconds: number;
    firstFd: number;
    /** Stop after this much media. Per output: a `-t` before the first output would limit only that one. */
    outputSeconds?: number;
  },
): string[] {
  const ladder = ladderArgs(o);
  const args = [...ladder.filter];
  o.renditions.forEach((r, i) => {
    args.push(...ladder.maps(i), ...x264Args(o));
    args.push('-b:v', `${r.videoKbps}k`, '-maxrate:v', `${Math.round(r.videoKbps * 1.2)}k`);
    args.push('-bufsize:v', `${r.videoKbps * 2}k`);
    args.push(...keyFrameArgs(o, ladder.gop), ...audioArgs(o));
    if (o.outputSeconds) args.push('-t', String(o.outputSeconds));
    args.push(
      // Every packet goes down the pipe at once: a part is sent when it is complete, not when a buffer fills.
      ...['-flush_packets', '1'],
      ...['-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe'],
      ...['-frag_duration', String(Math.round(o.fragmentSeconds * 1_000_000))],
      `pipe:${o.firstFd + i}`,
    );
  });
  return args;
}
