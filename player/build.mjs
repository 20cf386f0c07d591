// Bundles every page entry (src/pages/<name>.ts, with build-options.mjs) into player/<name>.js of a fresh build
// folder (builds/<id>/), then points the symlink dist at it, which wrangler serves as static assets at
// /player/<name>.js. The swap is one rename(2), so a build (npm run build, npm test) never pulls
// files out from under a running edge: it sees the old build or the new one, never none.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { build } from 'esbuild';
import { pageBuildOptions, pagesDir as pages } from './build-options.mjs';

const root = new URL('./', import.meta.url).pathname;
const builds = `${root}builds/`;
const dist = `${root}dist`;
/** How long a superseded build stays, for an edge still serving it until it notices the swap. */
const supersededGraceMs = 60_000;

const id = `${Date.now().toString(36)}-${process.pid}`;
const outdir = `${builds}${id}/player/`;
mkdirSync(outdir, { recursive: true });

const entryPoints = Object.fromEntries(
  readdirSync(pages)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => [file.slice(0, -3), `${pages}${file}`]),
);

try {
  await build({
    ...pageBuildOptions,
    entryPoints,
    outdir,
  });
} catch (error) {
  rmSync(`${builds}${id}`, { recursive: true, force: true });
  throw error;
}

// A real folder at dist is the layout before builds/: replace it once.
if (existsSync(dist) && !lstatSync(dist).isSymbolicLink()) rmSync(dist, { recursive: true, force: true });
const link = `${dist}.${id}`;
symlinkSync(`builds/${id}`, link);
renameSync(link, dist);

// A running edge watches the build it started with: a marker written there makes it reload from
// dist (the new build) at once. A build superseded for a minute is served by no edge and goes.
const now = Date.now();
for (const name of readdirSync(builds).filter((name) => name !== id && !name.startsWith('.'))) {
  const marker = `${builds}${name}/superseded.txt`;
  if (!existsSync(marker)) writeFileSync(marker, `${now}\n`);
  else if (now - statSync(marker).mtimeMs > supersededGraceMs)
    rmSync(`${builds}${name}`, { recursive: true, force: true });
}
console.log(`player: built ${Object.keys(entryPoints).join(', ')} into ${outdir} (dist -> builds/${id})`);
