/**
 * Fault injection for harness viewers, through the browser automation only: the
 * test-only module player/src/testing/corrupt-uploads.ts, bundled into a script
 * that a page runs before its own (playwright's addInitScript). No URL or
 * attribute of the production pages can do this. Policy overrides go the same way.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { configureEvent } from '../../../player/src/hybrid/configure-event';
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

/**
 * Pure: the init script that amends every <hybrid-player>'s policy on a page (the player's configure event, which
 * only the embedding page's scripts can answer, never its URL): how a harness runs one cohort with other policy values.
 */
export function policyOverridesScript(policy: Readonly<Record<string, number>>): string {
  return `addEventListener(${JSON.stringify(configureEvent)}, (event) => { event.detail.policy = Object.assign({}, event.detail.policy, ${JSON.stringify(policy)}); }, true);`;
}
