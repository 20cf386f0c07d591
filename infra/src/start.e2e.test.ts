/**
 * The front door: `npm start` brings up the edge, publishes the demo VOD and a
 * live test pattern, prints labelled URLs once the live stream is playable, and
 * owns what it starts: a second stack on the same port or state folder is
 * refused while the first keeps serving, a build does not disturb it, and
 * SIGTERM, SIGHUP or its own death leave no process behind (workerd included).
 *
 * Lean on purpose: one state folder for all three runs, so only the first
 * encodes the demo VOD.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort, repoRoot, startLocalEdge } from './local-edge';
import { descendants, type ProcessId, running } from './process-tree';
import { labelledLines } from './run-cli';

interface StartRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves once the URL lines are printed; rejects if it exits first. */
  playable: Promise<void>;
}

function spawnStart(port: number, stateDir: string): StartRun {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'infra/src/start.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), EDGESWARM_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const playable = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      if (/^watch: /m.test(stdout)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`npm start exited (${code}) early:\n${stderr}`)));
  });
  playable.catch(() => {});
  return { child, stdout: () => stdout, stderr: () => stderr, exited, playable };
}

/** Everything the run started: wrangler, each workerd, ffmpeg, the watchdog. */
function treeOf(run: StartRun): ProcessId[] {
  return descendants(run.child.pid ?? 0);
}

async function gone(tree: ProcessId[], ms: number): Promise<ProcessId[]> {
  const deadline = Date.now() + ms;
  while (running(tree).length > 0 && Date.now() < deadline) await sleep(200);
  return running(tree);
}

const describeProcess = (ids: ProcessId[]) => ids.map((id) => `${id.command} (${id.pid})`);

/** The live stream as the state folder holds it, read by an edge of our own. */
async function livePlaylist(stateDir: string): Promise<string> {
  const edge = await startLocalEdge({ persistDir: stateDir });
  try {
    return await (await fetch(`${edge.url}/v1/streams/live/v0/live.m3u8`)).text();
  } finally {
    await edge.stop();
  }
}

describe('npm start', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'edgeswarm-start-'));

  it('serves at the printed URLs, refuses a second stack on its port or state, survives a build, and SIGTERM ends it cleanly', async () => {
    const port = await freePort();
    const run = spawnStart(port, stateDir);
    let tree: ProcessId[] = [];
    try {
      await run.playable;
      const urls = labelledLines(run.stdout());
      const edge = `http://127.0.0.1:${port}`;
      expect(urls).toMatchObject({
        edge,
        'vod-playlist': `${edge}/v1/streams/demo/master.m3u8`,
        'vod-watch': `${edge}/watch/demo`,
        playlist: `${edge}/v1/streams/live/master.m3u8`,
        watch: `${edge}/watch/live`,
        'watch-low': `${edge}/watch/live?latency-target=low`,
      });
      // Printed once, each on its own line, and only once playable: a segment is listed already.
      expect(run.stdout().match(/^watch: /gm)).toHaveLength(1);
      const live = await (await fetch(`${edge}/v1/streams/live/v0/live.m3u8`)).text();
      expect(live).toMatch(/^#EXTINF:/m);
      expect(live).toContain('#EXT-X-EDGESWARM-SHA256:');
      // LL-HLS by default: the live test pattern sends parts.
      expect(live).toMatch(/^#EXT-X-PART-INF:PART-TARGET=/m);
      expect(live).toMatch(/^#EXT-X-PRELOAD-HINT:TYPE=PART,/m);
      for (const master of [urls['vod-playlist'], urls.playlist]) {
        const response = await fetch(master ?? '');
        expect(response.status, master).toBe(200);
        expect((await response.text()).match(/#EXT-X-STREAM-INF/g)?.length).toBeGreaterThanOrEqual(3);
      }
      expect((await fetch(urls.watch ?? '')).status).toBe(200);
      tree = treeOf(run);
      expect(tree.map((p) => p.command)).toEqual(expect.arrayContaining(['workerd', 'ffmpeg']));

      // A second stack: the same port (another state folder), then the same state folder (another port).
      const samePort = spawnStart(port, mkdtempSync(join(tmpdir(), 'edgeswarm-start-')));
      expect(await samePort.exited).toBe(1);
      expect(samePort.stderr()).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already taken`));
      const sameState = spawnStart(await freePort(), stateDir);
      expect(await sameState.exited).toBe(1);
      expect(sameState.stderr()).toContain(`npm start on ${edge} (pid ${run.child.pid}`);
      expect(sameState.stderr()).toContain('set EDGESWARM_STATE_DIR');

      // A build swaps the player in whole: the running edge keeps serving it throughout.
      const building = promisify(execFile)(process.execPath, [join(repoRoot, 'player/build.mjs')]);
      let served = 0;
      for (let done = false; !done; ) {
        done = await Promise.race([building.then(() => true), sleep(100).then(() => false)]);
        const response = await fetch(`${edge}/player/hybrid-player.js`);
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        served++;
      }
      expect(served).toBeGreaterThan(1);
      expect((await fetch(`${edge}/v1/streams/live/v0/live.m3u8`)).status).toBe(200);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('SIGTERM: ending the live stream');
    expect(run.stderr()).toMatch(/stopping: delivering \d+ queued items, then ending the stream/);
    expect(describeProcess(await gone(tree, 5000))).toEqual([]);
    expect(await livePlaylist(stateDir)).toContain('#EXT-X-ENDLIST');
  });

  it('SIGHUP (a closed terminal) ends the live stream and leaves no process behind', async () => {
    const run = spawnStart(await freePort(), stateDir);
    let tree: ProcessId[] = [];
    try {
      await run.playable;
      tree = treeOf(run);
      expect(tree.map((p) => p.command)).toContain('workerd');
    } finally {
      run.child.kill('SIGHUP');
    }
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('SIGHUP: ending the live stream');
    expect(describeProcess(await gone(tree, 5000))).toEqual([]);
    expect(await livePlaylist(stateDir)).toContain('#EXT-X-ENDLIST');
  });

  it('if npm start is killed outright, its watchdog stops wrangler, workerd and ffmpeg', async () => {
    const run = spawnStart(await freePort(), stateDir);
    let tree: ProcessId[] = [];
    try {
      await run.playable;
      tree = treeOf(run);
      expect(tree.map((p) => p.command)).toEqual(expect.arrayContaining(['workerd', 'ffmpeg']));
    } finally {
      run.child.kill('SIGKILL');
    }
    await run.exited;
    expect(describeProcess(await gone(tree, 15_000))).toEqual([]);
  });
});
