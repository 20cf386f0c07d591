/**
 * ffmpeg arguments for LL-HLS: the same ladder as encodeArgs (one decode, `split`, key frames forced
 * on segment boundaries), but each rendition goes to a fragmented MP4 of its own on a pipe
 * (`pipe:<fd>`), cut into fragments of `fragmentSeconds` and at every key frame, so the publisher can
 * send each fragment as a part the moment it is written (live/fmp4-parts.ts). ffmpeg's HLS muxer
 * cannot do this: it writes an fMP4 segment's file only once the segment is complete. Pure.
 */
import type { EncodeOptions } from './hls-args';

export function fragmentedOutputArgs(
  o: EncodeOptions & {
    fragmentSeconds: number;
    firstFd: number;
    /** Stop after this much media. Per output: a `-t` before the first output would limit only that one. */
    outputSeconds?: number;
  },
): string[] {
  const n = o.renditions.length;
  const splits = o.renditions.map((_, i) => `[s${i}]`).join('');
  const scales = o.renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`).join(';');
  const gop = Math.max(1, Math.round(o.frameRate * o.segmentSeconds));
  const args = ['-filter_complex', `[0:v]split=${n}${splits};${scales}`];
  o.renditions.forEach((r, i) => {
    args.push('-map', `[v${i}]`);
    if (o.hasAudio) args.push('-map', `${o.audioInput ?? 0}:a:0`);
    args.push('-c:v', 'libx264', '-preset', o.preset, '-pix_fmt', 'yuv420p', '-profile:v', 'high');
    if (o.tune) args.push('-tune', o.tune);
    args.push('-b:v', `${r.videoKbps}k`, '-maxrate:v', `${Math.round(r.videoKbps * 1.2)}k`);
    args.push('-bufsize:v', `${r.videoKbps * 2}k`);
    args.push('-r', String(o.frameRate), '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0');
    args.push('-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`);
    if (o.hasAudio) args.push('-c:a', 'aac', '-b:a', `${o.audioKbps}k`, '-ac', '2', '-ar', '48000');
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
