import { spawn } from 'node:child_process';
import { ToolError } from '../errors';
import { parseProgressSeconds } from './hls-args';
import { locate } from './locate';

/** Runs ffmpeg to completion, reporting `-progress` positions; rejects with its last error lines. */
export function runFfmpeg(args: string[], onProgress: (seconds: number) => void = () => {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(locate('ffmpeg'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const seconds = parseProgressSeconds(chunk);
      if (seconds !== undefined) onProgress(seconds);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => reject(new ToolError(`could not start ffmpeg: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const lines = stderr.trim().split('\n').slice(-3).join('\n  ');
      reject(new ToolError(`ffmpeg failed (${signal ?? `exit ${code}`}):\n  ${lines}`));
    });
  });
}
