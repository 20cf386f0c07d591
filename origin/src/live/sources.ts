/**
 * Where a live stream comes from, as ffmpeg input arguments. Pure.
 *   testpattern: a moving pattern with a burnt-in wall clock, and a tone
 *   file:        a file looped in real time
 *   rtmp:        OBS (or any RTMP encoder) pushing to our RTMP listener, as FLV on ffmpeg's stdin;
 *                the stream stays open `graceSeconds` after the encoder leaves, for it to come back
 *   stdin:       MPEG-TS on standard input
 */
import { existsSync } from 'node:fs';

export type Source =
  | { kind: 'testpattern'; width: number; height: number; frameRate: number }
  | { kind: 'file'; path: string }
  /**
   * Our RTMP listener on `port`; a push is taken if its key is the stream's publish key or `key`.
   * When the encoder leaves, the stream waits `graceSeconds` (default rtmpGraceSeconds) for it.
   */
  | { kind: 'rtmp'; port: number; key?: string; graceSeconds?: number }
  | { kind: 'stdin' };

export const sourceDefaults = {
  width: 640,
  height: 360,
  frameRate: 30,
  rtmpPort: 1935,
  /** How long the stream stays open for an RTMP encoder that went away (OBS restarting, a network blip). */
  rtmpGraceSeconds: 60,
} as const;

export const rtmpServer = (port: number = sourceDefaults.rtmpPort) => `rtmp://127.0.0.1:${port}/live`;

/** `--source` → Source. `testpattern` (default), `rtmp`, `-` (stdin) or a file path. */
export function parseSource(
  flag: string | undefined,
  size: { width: number; height: number; frameRate: number },
  rtmpKey: string | undefined,
  rtmpPort: number = sourceDefaults.rtmpPort,
  graceSeconds?: number,
): Source {
  if (!flag || flag === 'testpattern') return { kind: 'testpattern', ...size };
  if (flag === 'rtmp')
    return {
      kind: 'rtmp',
      port: rtmpPort,
      ...(rtmpKey ? { key: rtmpKey } : {}),
      ...(graceSeconds === undefined ? {} : { graceSeconds }),
    };
  if (flag === '-' || flag === 'stdin') return { kind: 'stdin' };
  return { kind: 'file', path: flag };
}

const clockFont = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

/** A wall clock burnt into the picture, so a viewer can read the latency off the screen; skipped without a font. */
export function clockOverlay(fontFile: string | null, height: number): string {
  if (!fontFile) return '';
  const size = Math.max(12, Math.round(height / 12));
  return `,drawtext=fontfile=${fontFile}:text='%{localtime\\:%T}':fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:x=8:y=8`;
}

export interface SourceInput {
  args: string[];
  /** Index of the ffmpeg input holding the audio. */
  audioInput: number;
}

export function sourceInputArgs(
  source: Source,
  fontFile: string | null = existsSync(clockFont) ? clockFont : null,
): SourceInput {
  switch (source.kind) {
    case 'testpattern':
      return {
        args: [
          ...['-re', '-f', 'lavfi', '-i'],
          `testsrc2=size=${source.width}x${source.height}:rate=${source.frameRate}${clockOverlay(fontFile, source.height)}`,
          ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ],
        audioInput: 1,
      };
    case 'file':
      return { args: ['-re', '-stream_loop', '-1', '-i', source.path], audioInput: 0 };
    case 'rtmp':
      // FLV from our RTMP listener (rtmp-gate.ts), which checks the stream key first.
      return { args: ['-f', 'flv', '-i', 'pipe:0'], audioInput: 0 };
    case 'stdin':
      return { args: ['-f', 'mpegts', '-i', 'pipe:0'], audioInput: 0 };
  }
}
