/**
 * The production pages carry no test behaviour: what player/build.mjs bundles
 * (every player/src/pages entry) pulls in nothing from player/src/testing, and the element reads no
 * attribute beyond the allowlist the edge's /watch and /embed pages pass on.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { playerPageParams } from '../../edge/src/lib/pages';

const playerDir = new URL('../../player/', import.meta.url).pathname;
const pagesDir = `${playerDir}src/pages/`;
const entries = readdirSync(pagesDir)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
  .map((file) => `${pagesDir}${file}`);

/** Markers of the test-only fault injection (player/src/testing/corrupt-uploads.ts) and of its old page hook. */
const faultMarkers = ['corrupt-uploads', 'corruptUploads', 'CorruptingStorage', 'installCorruptUploads', 'corruptCopy'];

describe('the production player bundle', () => {
  it('bundles nothing from src/testing and no fault-injection code', async () => {
    const result = await build({
      entryPoints: entries,
      bundle: true,
      write: false,
      metafile: true,
      outdir: '/nonexistent',
      format: 'iife',
      inject: [`${playerDir}src/shims/process.ts`],
      define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('src/pages/hybrid-player.ts'))).toBe(true);
    expect(inputs.filter((input) => input.includes('/testing/'))).toEqual([]);
    for (const file of result.outputFiles) {
      for (const marker of faultMarkers) expect(file.text, `${marker} in ${file.path}`).not.toContain(marker);
    }
  }, 30_000);

  it('as built (when built): no fault-injection markers in dist/player', () => {
    const dist = `${playerDir}dist/player/`;
    if (!existsSync(dist)) return;
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(`${dist}${file}`, 'utf8');
      for (const marker of faultMarkers) expect(text, `${marker} in ${file}`).not.toContain(marker);
    }
  });

  it('reads only the attributes the pages pass on (plus src and stream)', () => {
    const source = readFileSync(`${pagesDir}hybrid-player.ts`, 'utf8');
    const read = new Set<string>();
    for (const match of source.matchAll(/(?:get|has)Attribute\('([^']+)'\)/g)) read.add(match[1] as string);
    // The region keys are read in a loop over a literal list.
    for (const match of source.matchAll(/\[('(?:[a-z-]+)'(?:, '[a-z-]+')*)\]\.flatMap/g)) {
      for (const name of (match[1] as string).matchAll(/'([a-z-]+)'/g)) read.add(name[1] as string);
    }
    expect(read.size).toBeGreaterThan(5);
    const allowed = new Set<string>(['src', 'stream', ...playerPageParams]);
    expect([...read].filter((name) => !allowed.has(name))).toEqual([]);
  });
});
