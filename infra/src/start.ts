/**
 * `npm start`: the local stack. wrangler dev (workerd) with persisted local
 * R2/DO state, a publish secret in .dev.vars, and, on first start, a demo VOD
 * (from `--input <file>`, or a generated test pattern). Runs until Ctrl-C.
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
import { resolvePublishKey } from '@edgeswarm/origin/publish-key';
import { publishVod } from '@edgeswarm/origin/vod';
import { paths } from '@edgeswarm/protocol';
import { repoRoot, startLocalEdge } from './local-edge';
import { makeTestClip } from './test-media';

const demoStream = 'demo';

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

async function publishDemo(edgeUrl: string, input: string | undefined): Promise<void> {
  const publishKey = await resolvePublishKey(demoStream, undefined, process.env, () =>
    readDevVars(join(repoRoot, '.dev.vars')),
  );
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
  const shutdown = async (signal: string) => {
    console.error(`\n${signal}: stopping the local edge…`);
    await edge.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const existing = await fetch(`${edge.url}${paths.multivariant(demoStream)}`, { method: 'HEAD' });
    if (existing.status === 404) await publishDemo(edge.url, values.input);
    else console.error(`stream ${demoStream} is already published (delete ${persistDir} to start over)`);
  } catch (error) {
    await edge.stop();
    throw error;
  }

  console.log(`edge: ${edge.url}`);
  console.log(`playlist: ${edge.url}${paths.multivariant(demoStream)}`);
  console.log(`watch: ${edge.url}${paths.watch(demoStream)}`);
  console.error('running; press Ctrl-C to stop');
}

main().catch((error: unknown) => {
  console.error(error instanceof OriginError ? `error: ${error.message}` : error);
  process.exit(1);
});
