/** The front door: `npm start` brings up the edge, publishes the demo, prints labelled URLs, and stops on Ctrl-C. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, repoRoot } from './local-edge';
import { labelledLines } from './run-cli';

describe('npm start', () => {
  it('serves a demo VOD at the printed URLs until interrupted', async () => {
    const port = await freePort();
    const child = spawn(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'infra/src/start.ts')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), EDGESWARM_STATE_DIR: mkdtempSync(join(tmpdir(), 'edgeswarm-start-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (/^watch: /m.test(stdout)) resolve();
        });
        child.on('exit', () => reject(new Error(`npm start exited early:\n${stderr}`)));
      });
      const urls = labelledLines(stdout);
      expect(urls.playlist).toBe(`http://127.0.0.1:${port}/v1/streams/demo/master.m3u8`);
      expect(urls.watch).toBe(`http://127.0.0.1:${port}/watch/demo`);
      const master = await fetch(urls.playlist ?? '');
      expect(master.status).toBe(200);
      expect((await master.text()).match(/#EXT-X-STREAM-INF/g)?.length).toBeGreaterThanOrEqual(3);
      expect((await fetch(urls.watch ?? '')).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGINT: stopping the local edge');
  });
});
