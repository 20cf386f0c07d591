// The esbuild options every player page entry (src/pages/<name>.ts) is bundled with: build.mjs builds with them, and
// the tests that judge the bundles (what the first script holds, how big it is) build with the same ones.
const root = new URL('./', import.meta.url).pathname;

/** Where the page entries are: each src/pages/<name>.ts (tests and declarations aside) becomes player/<name>.js. */
export const pagesDir = `${root}src/pages/`;

/** Options for esbuild's build(), without entryPoints and outdir. */
export const pageBuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  // Each page is one classic script (a page on another origin embeds hybrid-player.js with a plain script tag); the
  // P2P stack is a page of its own (hybrid-p2p.js) that hybrid-player.js injects once the first frame is on screen.
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  // The P2P stack (bittorrent-tracker and friends) was written for Node: give it what it expects.
  inject: [`${root}src/shims/process.ts`],
  define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};
