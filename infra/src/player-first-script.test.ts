/**
 * The first script a viewer loads (hybrid-player.js, on the watch and embed pages) is hls.js and our glue: the P2P
 * stack is hybrid-p2p.js, loaded after the first frame. Both are built here with player/build.mjs's own options, and
 * the first one is judged against hls.js's own minified build, gzipped alike: at most 15 KiB more.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type OutputFile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { pageBuildOptions, pagesDir } from '../../player/build-options.mjs';

/** What the first script may weigh beyond hls.js, gzipped (issue #12's budget). */
const glueBudgetBytes = 15 * 1024;
/** Packages only P2P needs: none of them may be in the first script. */
const p2pOnly = ['p2p-media-loader-core', 'p2p-media-loader-hlsjs', 'bittorrent-tracker', '@thaunknown/simple-peer'];

const gzipped = (bytes: Uint8Array | string) => gzipSync(bytes).length;
const packagesIn = (inputs: Record<string, unknown>) =>
  new Set(Object.keys(inputs).flatMap((input) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? []));

let outputs: { first: OutputFile; p2p: OutputFile; metafile: Metafile };

beforeAll(async () => {
  const result = await build({
    ...pageBuildOptions,
    entryPoints: { 'hybrid-player': `${pagesDir}hybrid-player.ts`, 'hybrid-p2p': `${pagesDir}hybrid-p2p.ts` },
    outdir: '/nonexistent/player',
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const named = (name: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(`/${name}.js`));
    if (!file) throw new Error(`esbuild wrote no ${name}.js`);
    return file;
  };
  outputs = { first: named('hybrid-player'), p2p: named('hybrid-p2p'), metafile: result.metafile };
}, 60_000);

describe('the first script a viewer loads', () => {
  it('holds hls.js and none of the P2P stack; hybrid-p2p.js holds the P2P stack and no hls.js', () => {
    const [first, p2p] = ['hybrid-player', 'hybrid-p2p'].map((name) => {
      const output = Object.entries(outputs.metafile.outputs).find(([path]) => path.endsWith(`/${name}.js`));
      return packagesIn(output?.[1].inputs ?? {});
    }) as [Set<string>, Set<string>];
    expect(first.has('hls.js')).toBe(true);
    expect(p2pOnly.filter((name) => first.has(name))).toEqual([]);
    expect(p2pOnly.filter((name) => !p2p.has(name))).toEqual([]);
    expect(p2p.has('hls.js')).toBe(false);
  });

  it("is at most hls.js's own minified build + 15 KiB, gzipped", () => {
    const hlsJs = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));
    const hlsGzip = gzipped(hlsJs);
    const firstGzip = gzipped(outputs.first.contents);
    expect(firstGzip, `hybrid-player.js ${firstGzip} B gz, hls.min.js ${hlsGzip} B gz`).toBeLessThanOrEqual(
      hlsGzip + glueBudgetBytes,
    );
    // The split is real: the P2P stack is not a token few bytes moved out.
    expect(gzipped(outputs.p2p.contents)).toBeGreaterThan(glueBudgetBytes);
  });
});
