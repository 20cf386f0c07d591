/**
 * `npm run check:deploy` (part of `npm run check`, so of `npm test`): `wrangler deploy --dry-run`
 * bundles the Worker and reads the assets exactly as a deploy would, and stops before uploading.
 * It needs no login and no network: where it can (root, with `unshare`), it runs in a network
 * namespace of its own with no interfaces up, so that stays proven. The bundle goes to a temporary
 * folder, removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './local-edge';

const outdir = mkdtempSync(join(tmpdir(), 'edgeswarm-deploy-'));
try {
  if (!existsSync(join(repoRoot, 'player/dist'))) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  const wrangler = [join(repoRoot, 'node_modules/.bin/wrangler'), 'deploy', '--dry-run', '--outdir', outdir];
  const isolated = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
  const [command, ...args] = isolated ? ['unshare', '-n', ...wrangler] : wrangler;
  const result = spawnSync(command as string, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      // The banner is where wrangler asks the npm registry for a newer version.
      WRANGLER_HIDE_BANNER: 'true',
      NO_UPDATE_NOTIFIER: '1',
      FORCE_COLOR: '0',
      // No account, no token: a dry run must not need them.
      CLOUDFLARE_API_TOKEN: '',
      CLOUDFLARE_ACCOUNT_ID: '',
    },
  });
  const output = `${result.stdout}${result.stderr}`;
  const assets = /Read (\d+) files? from the assets directory/.exec(output)?.[1];
  if (result.status !== 0 || !output.includes('--dry-run: exiting now') || !existsSync(join(outdir, 'index.js'))) {
    console.error(output);
    console.error(`wrangler deploy --dry-run failed (exit ${result.status})`);
    process.exit(1);
  }
  console.log(
    `wrangler deploy --dry-run: bundled the Worker and ${assets ?? '?'} asset files${isolated ? ', with no network' : ''}`,
  );
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
