/**
 * `npm start`: the local stack. wrangler dev (workerd) with persisted local
 * R2/DO state, a publish secret in .dev.vars, on first start a demo VOD (from
 * `--input <file>`, or a generated test pattern), and a live test pattern
 * published through the origin as stream `live`. Runs until Ctrl-C, SIGTERM or
 * SIGHUP, each of which ends the live stream cleanly (EXT-X-ENDLIST) and stops
 * wrangler and every workerd it started. It owns what it starts: it refuses a
 * state folder another stack holds, or a port already taken, and a watchdog
 * stops the edge if this process dies without doing so.
 *
 * Environment: PORT (default 8787), EDGESWARM_STATE_DIR (default .wrangler/state).
 * It builds the player itself, once it knows it may run.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { parseOptions } from '@edgeswarm/origin/cli-options';
import { readDevVars } from '@edgeswarm/origin/dev-vars';
import { acquireDirLock } from '@edgeswarm/origin/dir-lock';
import { LockedError, OriginError } from '@edgeswarm/origin/errors';
import { partDefaults, publishLive } from '@edgeswarm/origin/live/publish';
import { resolvePublishKey } from '@edgeswarm/origin/publish-key';
import { publishVod } from '@edgeswarm/origin/vod';
import { policyDefaults } from '@edgeswarm/policy';
import { paths } from '@edgeswarm/protocol';
import { type LocalEdge, repoRoot, startLocalEdge } from './local-edge';
import { makeTestClip } from './test-media';

const usage = `usage: npm start -- [--input <file>]

Runs the local stack until Ctrl-C: wrangler dev (workerd) with persisted local R2 and Durable Objects, the
demo VOD (on first start: --input <file>, else a generated 30 s test pattern) and a live test pattern as
stream live, in LL-HLS (0.5 s parts: watch-low plays it with latency-target=low); prints their URLs.
Environment: PORT (default 8787), EDGESWARM_STATE_DIR (default .wrangler/state). It refuses a port already taken or a state folder another stack holds.`;

const demoStream = 'demo';
const liveStream = 'live';

/** The local publish secret lives in .dev.vars, which wrangler dev reads and git ignores. */
function ensureDevSecret(): void {
  const file = join(repoRoot, '.dev.vars');
  const vars = readDevVars(file);
  const missing: string[] = [];
  if (!vars.PUBLISH_SECRET) missing.push(`PUBLISH_SECRET=${randomBytes(24).toString('base64url')}`);
  // Local demos may pick a tracker region shard by query parameter; production never does.
  if (!vars.TRACKER_REGION_OVERRIDE) missing.push('TRACKER_REGION_OVERRIDE=1');
  if (missing.length === 0) return;
  writeFileSync(file, `${existsSync(file) ? '\n' : ''}${missing.join('\n')}\n`, { flag: 'a', mode: 0o600 });
  console.error(`wrote ${missing.map((line) => line.split('=')[0]).join(', ')} to .dev.vars`);
}

const keyFor = (stream: string) =>
  resolvePublishKey(stream, undefined, process.env, () => readDevVars(join(repoRoot, '.dev.vars')));

async function publishDemo(edgeUrl: string, input: string | undefined): Promise<void> {
  const publishKey = await keyFor(demoStream);
  let clipDir: string | undefined;
  if (!input) {
    clipDir = mkdtempSync(join(tmpdir(), 'edgeswarm-demo-'));
    console.error('generating a 30 s test pattern with ffmpeg…');
    input = await makeTestClip(join(clipDir, 'demo.mp4'), { seconds: 30, width: 640, height: 360 });
  }
  try {
    await publishVod({ input, streamId: demoStream, edgeUrl, publishKey });
  } finally {
    if (clipDir) rmSync(clipDir, { recursive: true, force: true });
  }
}

/** The signals that end the stack: Ctrl-C, a service manager or container (SIGTERM), a closed terminal (SIGHUP). */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Refuses at once if something already listens on the port: its /healthz would pass for ours. */
async function ensurePortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new LockedError(
              `port ${port} on ${host} is already taken (another npm start, or another server); stop it first, or set PORT to use another port`,
            )
          : error,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  // Before the lock, the port and the build: --help or a typo starts nothing.
  const { values } = valueOrExit(parseOptions(process.argv.slice(2), { input: { type: 'string' } }), usage);
  // A closed terminal turns every write into EIO/EPIPE: that must not stop the clean shutdown.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const host = '127.0.0.1';
  const port = Number(process.env.PORT ?? 8787);
  const persistDir = resolve(process.env.EDGESWARM_STATE_DIR ?? join(repoRoot, '.wrangler/state'));
  const edgeUrl = `http://${host}:${port}`;
  // One stack per state folder (its R2, Durable Objects and the live stream's publisher queue).
  const lock = acquireDirLock(
    persistDir,
    `npm start on ${edgeUrl}`,
    'set EDGESWARM_STATE_DIR to use another state folder',
  );
  if (lock.tookOver) console.error(`took over the lock of pid ${lock.tookOver.pid}, which is gone`);
  await ensurePortFree(host, port);
  // Built here, after the checks, so a refused second start builds nothing (a build is harmless
  // to a running edge anyway: player/build.mjs swaps the new build in with one rename).
  const built = spawnSync(process.execPath, [join(repoRoot, 'player/build.mjs')], { stdio: ['ignore', 2, 2] });
  if (built.status !== 0) throw new OriginError(`building the player failed (exit ${built.status})`);
  ensureDevSecret();

  const stop = new AbortController();
  let edge: LocalEdge | undefined;
  let live = false;
  let interrupts = 0;
  const stopEdgeAndExit = (code: number) => {
    void (edge?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };
  const onSignal = (signal: string) => {
    if (++interrupts > 1) {
      console.error(`\n${signal} again: stopping the local edge now; the queue stays on disk for the next run`);
      stopEdgeAndExit(130);
      return;
    }
    stop.abort();
    if (!live) {
      console.error(`\n${signal}: stopping the local edge…`);
      if (edge) stopEdgeAndExit(0);
      return; // still starting: main() stops it as soon as it is up
    }
    console.error(`\n${signal}: ending the live stream, then stopping the local edge…`);
  };
  for (const signal of stopSignals) process.on(signal, () => onSignal(signal));
  // npm forwards SIGINT and SIGTERM only: if npm itself is hung up on or killed, this process is
  // reparented. That ends the stack as a signal would.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    onSignal('parent exited');
  }, 1000);
  orphaned.unref();

  console.error(`starting the local edge (workerd), state in ${persistDir}…`);
  edge = await startLocalEdge(
    {
      port,
      host,
      persistDir,
      watchdog: true,
      onOutput: (chunk) => process.stderr.write(chunk.replace(/^/gm, '[edge] ')),
    },
    1, // the port was free a moment ago: if it is taken now, say so rather than try another
  );
  if (stop.signal.aborted) return stopEdgeAndExit(0);

  try {
    const existing = await fetch(`${edge.url}${paths.multivariant(demoStream)}`, { method: 'HEAD' });
    if (existing.status === 404) await publishDemo(edge.url, values.input);
    else console.error(`stream ${demoStream} is already published (delete ${persistDir} to start over)`);
  } catch (error) {
    await edge.stop();
    throw error;
  }
  if (stop.signal.aborted) return;

  live = true;
  console.error(
    `publishing a live test pattern as stream ${liveStream}, LL-HLS with ${partDefaults.partSeconds} s parts…`,
  );
  try {
    await publishLive({
      streamId: liveStream,
      edgeUrl: edge.url,
      publishKey: await keyFor(liveStream),
      source: { kind: 'testpattern', width: 640, height: 360, frameRate: 30 },
      queueDir: join(persistDir, 'publisher-queue', liveStream),
      signal: stop.signal,
      // LL-HLS, as `publish` does by default: a newcomer sees the low-latency mode at once.
      parts: partDefaults.partSeconds,
      // Once, when the live stream is playable: every URL, each on a line of its own.
      onPlayable: ({ playlist, watch }) => {
        const url = edge?.url ?? edgeUrl;
        console.log(
          [
            `edge: ${url}`,
            `vod-playlist: ${url}${paths.multivariant(demoStream)}`,
            `vod-watch: ${url}${paths.watch(demoStream)}`,
            `playlist: ${playlist}`,
            `watch: ${watch}`,
            `watch-low: ${watch}?latency-target=low`,
          ].join('\n'),
        );
        console.error(
          [
            'the live stream is LL-HLS: watch-low plays it from the edge in low-latency mode (latency-target="low"),',
            `watch through the P2P hybrid, ${policyDefaults.latencyTargetDurations} target durations behind live. Running; press Ctrl-C to stop`,
          ].join('\n'),
        );
      },
    });
    console.error(`live stream ${liveStream} ended (EXT-X-ENDLIST); stopping the local edge…`);
  } finally {
    await edge.stop();
    lock.release();
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof OriginError ? `error: ${error.message}` : error);
  process.exit(1);
});
