/** Generates test media with real ffmpeg: a moving pattern with a burnt-in clock and a tone. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { locate } from '@edgeswarm/origin/ffmpeg/locate';

export interface TestClipOptions {
  seconds: number;
  width: number;
  height: number;
  frameRate: number;
}

export const testClipDefaults: TestClipOptions = { seconds: 10, width: 320, height: 180, frameRate: 30 };

export async function makeTestClip(path: string, options: Partial<TestClipOptions> = {}): Promise<string> {
  const o = { ...testClipDefaults, ...options };
  await promisify(execFile)(locate('ffmpeg'), [
    ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.frameRate}`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', String(o.seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '96k', '-shortest', path],
  ]);
  return path;
}
