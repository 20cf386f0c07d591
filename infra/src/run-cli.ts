/** Runs the real origin CLI as a user would, collecting its output. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './local-edge';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runOriginCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'origin/src/cli.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `label: value` lines, as the CLI and npm start print them. */
export function labelledLines(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^([a-z]+): (\S+)$/gm)].map((match) => [match[1] ?? '', match[2] ?? '']));
}
