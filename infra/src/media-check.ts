/** Checks media the way a player would see it: init + segment, read by real ffprobe. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { locate } from '@edgeswarm/origin/ffmpeg/locate';

export interface ProbedStream {
  codec_type: string;
  codec_name?: string;
  width?: number;
  height?: number;
}

/** Fetches an init segment and a media segment, joins them, and returns ffprobe's streams. */
export async function probeSegment(initUrl: string, segmentUrl: string): Promise<ProbedStream[]> {
  const [init, segment] = await Promise.all(
    [initUrl, segmentUrl].map(async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    }),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'edgeswarm-probe-')), 'segment.mp4');
  writeFileSync(file, Buffer.concat([init as Buffer, segment as Buffer]));
  const { stdout } = await promisify(execFile)(locate('ffprobe'), [
    ...['-v', 'error', '-print_format', 'json', '-show_streams', file],
  ]);
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}
