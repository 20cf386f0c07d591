import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { inspectorPortOf, ProcessExitedError, processRunning, whileRunning } from './isolate-heap';

describe('inspectorPortOf', () => {
  const cmdline = (...args: string[]) => args.join('\0');

  it("reads wrangler dev's inspector port", () => {
    expect(
      inspectorPortOf(
        cmdline('node', '/repo/node_modules/.bin/wrangler', 'dev', '--port', '8787', '--inspector-port', '42809', ''),
      ),
    ).toBe(42809);
  });

  it('is undefined for anything else', () => {
    expect(
      inspectorPortOf(cmdline('node', '/repo/node_modules/.bin/wrangler', 'dev', '--port', '8787')),
    ).toBeUndefined();
    expect(inspectorPortOf(cmdline('node', 'other.js', 'dev', '--inspector-port', '1'))).toBeUndefined();
    expect(inspectorPortOf(cmdline('node', 'wrangler', 'deploy', '--inspector-port', '1'))).toBeUndefined();
    expect(inspectorPortOf(cmdline('node', 'wrangler', 'dev', '--inspector-port', 'x'))).toBeUndefined();
  });
});

describe('whileRunning', () => {
  it("gives the work's result while the process runs", async () => {
    await expect(
      whileRunning(
        process.pid,
        'this test',
        sleep(50).then(() => 7),
        10,
      ),
    ).resolves.toBe(7);
  });

  it('fails within its poll once the process exits, not when the work would have ended', async () => {
    const child = spawn('sleep', ['30']);
    const pid = child.pid as number;
    const ended = once(child, 'exit');
    expect(processRunning(pid)).toBe(true);
    const started = performance.now();
    const waiting = whileRunning(pid, 'the sleeper', new Promise(() => {}), 20);
    setTimeout(() => child.kill('SIGKILL'), 50);
    await expect(waiting).rejects.toThrow(ProcessExitedError);
    expect(performance.now() - started).toBeLessThan(2000);
    await ended;
    expect(processRunning(pid)).toBe(false);
  });

  it('fails at once for a process that is not running', async () => {
    const child = spawn('true');
    const pid = child.pid as number;
    await once(child, 'exit');
    await expect(whileRunning(pid, 'gone', sleep(5000), 1000)).rejects.toThrow(/gone \(pid \d+\) exited/);
  });
});
