/** What the origin needs to know about an input, read with ffprobe. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InputError } from '../errors';
import { locate } from './locate';

export interface SourceInfo {
  durationSeconds: number;
  width: number;
  height: number;
  frameRate: number;
  hasAudio: boolean;
}

interface ProbeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  disposition?: { attached_pic?: number };
}

function parseRate(rate: string | undefined): number {
  const [num = '0', den = '1'] = (rate ?? '').split('/');
  const value = Number(num) / Number(den);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Pure: ffprobe's `-print_format json -show_streams -show_format` output → SourceInfo. */
export function parseProbe(json: string, input: string): SourceInfo {
  const data = JSON.parse(json) as { streams?: ProbeStream[]; format?: { duration?: string } };
  const streams = data.streams ?? [];
  // Cover art shows up as a video stream; it is not video.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video?.width || !video.height) throw new InputError(`${input} has no video stream`);
  const frameRate = parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate) || 30;
  return {
    durationSeconds: Number(data.format?.duration ?? 0) || 0,
    width: video.width,
    height: video.height,
    frameRate: Math.min(frameRate, 60),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}

export async function probe(input: string): Promise<SourceInfo> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      locate('ffprobe'),
      ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', input],
      { maxBuffer: 16 * 1024 * 1024 },
    ));
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const why = stderr.split('\n').pop() || (error as Error).message;
    throw new InputError(`cannot read ${input}: ${why}`);
  }
  return parseProbe(stdout, input);
}
