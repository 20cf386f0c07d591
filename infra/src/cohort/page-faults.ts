/**
 * Fault injection for harness viewers, through the browser automation only: the
 * test-only module player/src/testing/corrupt-uploads.ts, bundled into a script
 * that a page runs before its own (playwright's addInitScript). No URL or
 * attribute of the production pages can do this.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../local-edge';

let corruptUploads: Promise<string> | undefined;

/** The init script that makes every <hybrid-player> on a page corrupt what it uploads (bundled once). */
export function corruptUploadsScript(): Promise<string> {
  corruptUploads ??= build({
    stdin: {
      contents: `import { installCorruptUploads } from './corrupt-uploads';\ninstallCorruptUploads();\n`,
      resolveDir: join(repoRoot, 'player/src/testing'),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    target: ['chrome100'],
    logLevel: 'warning',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return corruptUploads;
}
