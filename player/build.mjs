// Bundles every page entry (src/pages/<name>.ts) into dist/player/<name>.js,
// which wrangler serves as static assets at /player/<name>.js.
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pages = new URL('./src/pages/', import.meta.url).pathname;
const outdir = new URL('./dist/player/', import.meta.url).pathname;
rmSync(new URL('./dist/', import.meta.url).pathname, { recursive: true, force: true });

const entryPoints = Object.fromEntries(
  readdirSync(pages)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => [file.slice(0, -3), `${pages}${file}`]),
);

await build({
  entryPoints,
  outdir,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  // The P2P stack (bittorrent-tracker and friends) was written for Node: give it what it expects.
  inject: [new URL('./src/shims/process.ts', import.meta.url).pathname],
  define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
console.log(`player: built ${Object.keys(entryPoints).join(', ')} into ${outdir}`);
