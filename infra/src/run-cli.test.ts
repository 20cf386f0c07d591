import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type CliResult, interruptCli, type RunningCli } from './run-cli';

/** A RunningCli around a plain node script, so the stop can be tested without ffmpeg. */
function running(script: string): RunningCli {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });
  return { child, output: () => ({ code: child.exitCode, stdout, stderr: '' }), done };
}

const ready = (cli: RunningCli) =>
  new Promise<void>((resolve) => cli.child.stdout?.on('data', (chunk) => String(chunk).includes('ready') && resolve()));

describe('interruptCli', () => {
  it('sends Ctrl-C and lets a CLI that stops on it finish its own way', async () => {
    const cli = running(
      "process.on('SIGINT', () => { console.log('drained'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000);",
    );
    await ready(cli);
    await interruptCli(cli, 10_000);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('drained');
  });

  it('kills a CLI that ignores Ctrl-C once the grace is over', async () => {
    const cli = running("process.on('SIGINT', () => {}); console.log('ready'); setInterval(() => {}, 1000);");
    await ready(cli);
    await interruptCli(cli, 200);
    await cli.done;
    expect(cli.child.signalCode).toBe('SIGKILL');
  });

  it('leaves a CLI that already exited alone', async () => {
    const cli = running("console.log('ready');");
    await cli.done;
    await interruptCli(cli, 10_000);
    expect(cli.child.exitCode).toBe(0);
    expect(cli.child.signalCode).toBeNull();
  });
});
