// Bundles browser entry points into dist/, which wrangler serves as static assets.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = new URL('./dist/player/', import.meta.url).pathname;
rmSync(new URL('./dist/', import.meta.url).pathname, { recursive: true, force: true });

await build({
  entryPoints: { watch: new URL('./src/watch.ts', import.meta.url).pathname },
  outdir,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  logLevel: 'warning',
});
console.log(`player: built into ${outdir}`);
