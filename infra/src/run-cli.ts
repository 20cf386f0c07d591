/** Runs the real origin CLI as a user would, collecting its output. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './local-edge';
import { tsxCommand } from './tsx-command';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  output(): CliResult;
  done: Promise<CliResult>;
}

/** Starts the CLI and returns at once; `done` settles when it exits. */
export function spawnOriginCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const [node, ...nodeArgs] = tsxCommand(join(repoRoot, 'origin/src/cli.ts'), ...args);
  const child = spawn(node, nodeArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let code: number | null = null;
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      code = exitCode;
      resolve({ code, stdout, stderr });
    });
  });
  return { child, output: () => ({ code, stdout, stderr }), done };
}

/**
 * Ctrl-C, as a user would (ffmpeg finishes its segment, the queue drains), then SIGKILL if the CLI has not exited
 * within `graceMs`. Resolves once it has exited or been killed; a CLI that already exited is left alone.
 */
export async function interruptCli(cli: RunningCli, graceMs = 30_000): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([
    cli.done.then(
      () => 'exited' as const,
      () => 'exited' as const,
    ),
    graceOver,
  ]);
  clearTimeout(timer);
  if (outcome === 'late') cli.child.kill('SIGKILL');
}

export function runOriginCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnOriginCli(args, env).done;
}

/** `label: value` lines, as the CLI and npm start print them. */
export function labelledLines(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/^([a-z-]+): (\S+)$/gm)].map((match) => [match[1] ?? '', match[2] ?? '']),
  );
}
