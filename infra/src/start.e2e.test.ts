/**
 * The front door: `npm start` brings up the edge, publishes the demo VOD and a
 * live test pattern, prints labelled URLs, and ends the live stream on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, repoRoot } from './local-edge';
import { labelledLines } from './run-cli';

describe('npm start', () => {
  it('serves a demo VOD and a live stream at the printed URLs until interrupted', async () => {
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
      const edge = `http://127.0.0.1:${port}`;
      expect(urls).toMatchObject({
        edge,
        'vod-playlist': `${edge}/v1/streams/demo/master.m3u8`,
        'vod-watch': `${edge}/watch/demo`,
        playlist: `${edge}/v1/streams/live/master.m3u8`,
        watch: `${edge}/watch/live`,
      });
      for (const master of [urls['vod-playlist'], urls.playlist]) {
        const response = await fetch(master ?? '');
        expect(response.status, master).toBe(200);
        expect((await response.text()).match(/#EXT-X-STREAM-INF/g)?.length).toBeGreaterThanOrEqual(3);
      }
      const live = await (await fetch(`${edge}/v1/streams/live/v0/live.m3u8`)).text();
      expect(live).toContain('#EXT-X-EDGESWARM-SHA256:');
      expect((await fetch(urls.watch ?? '')).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGINT: ending the live stream');
    expect(stderr).toMatch(/stopping: delivering \d+ queued items, then ending the stream/);
  });
});
