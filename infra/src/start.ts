/**
 * `npm start`: the local stack. wrangler dev (workerd) with persisted local
 * R2/DO state, a publish secret in .dev.vars, on first start a demo VOD (from
 * `--input <file>`, or a generated test pattern), and a live test pattern
 * published through the origin as stream `live`. Runs until Ctrl-C, which
 * ends the live stream cleanly.
 *
 * Environment: PORT (default 8787), EDGESWARM_STATE_DIR (default .wrangler/state).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDevVars } from '@edgeswarm/origin/dev-vars';
import { OriginError } from '@edgeswarm/origin/errors';
import { publishLive } from '@edgeswarm/origin/live/publish';
import { resolvePublishKey } from '@edgeswarm/origin/publish-key';
import { publishVod } from '@edgeswarm/origin/vod';
import { paths } from '@edgeswarm/protocol';
import { repoRoot, startLocalEdge } from './local-edge';
import { makeTestClip } from './test-media';

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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { input: { type: 'string' } } });
  ensureDevSecret();
  const persistDir = process.env.EDGESWARM_STATE_DIR ?? join(repoRoot, '.wrangler/state');
  console.error(`starting the local edge (workerd), state in ${persistDir}…`);
  const edge = await startLocalEdge({
    port: Number(process.env.PORT ?? 8787),
    persistDir,
    onOutput: (chunk) => process.stderr.write(chunk.replace(/^/gm, '[edge] ')),
  });
  const stop = new AbortController();
  let live = false;
  let interrupts = 0;
  const onSignal = (signal: string) => {
    if (++interrupts > 1) process.exit(130);
    if (!live) {
      console.error(`\n${signal}: stopping the local edge…`);
      void edge.stop().then(() => process.exit(0));
      return;
    }
    console.error(`\n${signal}: ending the live stream, then stopping the local edge…`);
    stop.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    const existing = await fetch(`${edge.url}${paths.multivariant(demoStream)}`, { method: 'HEAD' });
    if (existing.status === 404) await publishDemo(edge.url, values.input);
    else console.error(`stream ${demoStream} is already published (delete ${persistDir} to start over)`);
  } catch (error) {
    await edge.stop();
    throw error;
  }
  console.log(`edge: ${edge.url}`);
  console.log(`vod-playlist: ${edge.url}${paths.multivariant(demoStream)}`);
  console.log(`vod-watch: ${edge.url}${paths.watch(demoStream)}`);

  live = true;
  console.error(`publishing a live test pattern as stream ${liveStream}…`);
  try {
    await publishLive({
      streamId: liveStream,
      edgeUrl: edge.url,
      publishKey: await keyFor(liveStream),
      source: { kind: 'testpattern', width: 640, height: 360, frameRate: 30 },
      queueDir: join(persistDir, 'publisher-queue', liveStream),
      signal: stop.signal,
      onPlayable: ({ playlist, watch }) => {
        console.log(`playlist: ${playlist}`);
        console.log(`watch: ${watch}`);
        console.error('running; press Ctrl-C to stop');
      },
    });
  } finally {
    await edge.stop();
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof OriginError ? `error: ${error.message}` : error);
  process.exit(1);
});
