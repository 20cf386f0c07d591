/**
 * ffmpeg arguments that package one input into an fMP4 (CMAF) HLS ladder:
 * one encode, `split` into renditions, keyframes forced on segment boundaries
 * so every rendition's segments start at the same instant. Pure.
 */
import type { Rendition } from '../ladder';

export interface PackageOptions {
  input: string;
  /** Directory that receives master.m3u8 and v<N>/… */
  outputDir: string;
  renditions: Rendition[];
  segmentSeconds: number;
  frameRate: number;
  hasAudio: boolean;
  audioKbps: number;
  /** x264 preset: faster presets trade size for speed. */
  preset: string;
}

export const packageDefaults = {
  segmentSeconds: 2,
  audioKbps: 96,
  preset: 'veryfast',
} as const;

export interface EncodeOptions {
  renditions: Rendition[];
  segmentSeconds: number;
  frameRate: number;
  hasAudio: boolean;
  audioKbps: number;
  preset: string;
  /** x264 tune, e.g. `zerolatency` for live (no B-frames, no lookahead). */
  tune?: string;
  /** Which input holds the audio (the test pattern's tone is a second input). */
  audioInput?: number;
}

/** The ladder's shared parts: one decode `split` into a scaled stream per rendition, and each rendition's inputs. */
export function ladderArgs(o: EncodeOptions): { filter: string[]; maps: (i: number) => string[]; gop: number } {
  const n = o.renditions.length;
  const splits = o.renditions.map((_, i) => `[s${i}]`).join('');
  const scales = o.renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`).join(';');
  return {
    filter: ['-filter_complex', `[0:v]split=${n}${splits};${scales}`],
    maps: (i) => ['-map', `[v${i}]`, ...(o.hasAudio ? ['-map', `${o.audioInput ?? 0}:a:0`] : [])],
    gop: Math.max(1, Math.round(o.frameRate * o.segmentSeconds)),
  };
}

/** x264 with the optional tune, then the frame rate and key frames forced on every segment boundary. */
export const x264Args = (o: EncodeOptions): string[] => [
  ...['-c:v', 'libx264', '-preset', o.preset, '-pix_fmt', 'yuv420p', '-profile:v', 'high'],
  ...(o.tune ? ['-tune', o.tune] : []),
];

export const keyFrameArgs = (o: EncodeOptions, gop: number): string[] => [
  ...['-r', String(o.frameRate), '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
  ...['-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`],
];

export const audioArgs = (o: EncodeOptions): string[] =>
  o.hasAudio ? ['-c:a', 'aac', '-b:a', `${o.audioKbps}k`, '-ac', '2', '-ar', '48000'] : [];

/** One encode, `split` into renditions, keyframes forced on every segment boundary. */
export function encodeArgs(o: EncodeOptions): string[] {
  const ladder = ladderArgs(o);
  const args = [...ladder.filter];
  o.renditions.forEach((r, i) => {
    args.push(...ladder.maps(i));
    args.push(`-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.2)}k`);
    args.push(`-bufsize:v:${i}`, `${r.videoKbps * 2}k`);
  });
  args.push(...x264Args(o), ...keyFrameArgs(o, ladder.gop), ...audioArgs(o));
  return args;
}

/** ffmpeg's HLS muxer: fMP4 segments in one folder per rendition, `v<N>/index.m3u8` playlists. */
export function hlsMuxArgs(o: {
  outputDir: string;
  renditions: Rendition[];
  segmentSeconds: number;
  hasAudio: boolean;
  live: boolean;
}): string[] {
  const streamMap = o.renditions.map((_, i) => (o.hasAudio ? `v:${i},a:${i}` : `v:${i}`)).join(' ');
  return [
    ...['-f', 'hls', '-hls_time', String(o.segmentSeconds), '-hls_segment_type', 'fmp4'],
    // Live: keep every entry (the publisher consumes them), and stamp each segment's wall-clock time.
    ...(o.live
      ? ['-hls_list_size', '0', '-hls_flags', 'independent_segments+program_date_time']
      : ['-hls_playlist_type', 'vod', '-hls_flags', 'independent_segments']),
    ...['-hls_fmp4_init_filename', 'init.mp4'],
    ...['-hls_segment_filename', `${o.outputDir}/v%v/seg-%05d.m4s`],
    ...['-master_pl_name', 'master.m3u8', '-var_stream_map', streamMap],
    ...['-progress', 'pipe:1', '-nostats'],
    `${o.outputDir}/v%v/index.m3u8`,
  ];
}

export const ffmpegPreamble = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];

export function vodPackageArgs(o: PackageOptions): string[] {
  return [...ffmpegPreamble, ...['-i', o.input], ...encodeArgs(o), ...hlsMuxArgs({ ...o, live: false })];
}

/** Pure: the encoded position, in seconds, from a chunk of `-progress` output (last value wins). */
export function parseProgressSeconds(chunk: string): number | undefined {
  let seconds: number | undefined;
  for (const line of chunk.split('\n')) {
    const match = /^out_time_(?:us|ms)=(\d+)$/.exec(line.trim());
    if (match) seconds = Number(match[1]) / 1_000_000; // both keys are in microseconds
  }
  return seconds;
}
