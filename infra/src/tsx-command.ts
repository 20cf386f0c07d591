/**
 * How the harnesses start a TypeScript entry point in a process of its own: Node with tsx's loader
 * (`node --import <tsx>`), not tsx's CLI. The CLI runs the script in a second Node process and listens on an IPC
 * pipe named after its own pid, `<tmpdir>/tsx-<uid>/<pid>.pipe`. In a fresh PID namespace (netns.ts) that pid is
 * the same from run to run, so the pipe a killed run left behind refused the next one (`listen EADDRINUSE:
 * /tmp/tsx-0/1.pipe`: a CI run's queue-disk-full drill ended before it started). The loader needs no pipe and no
 * second process, and a signal reaches the script itself.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './local-edge';

/** tsx's loader, as its package exports it (`"."`: `./dist/loader.mjs`). */
export const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** Pure: the command (executable first) that runs `script` (a path) with `args` through tsx's loader. */
export function tsxCommand(script: string, ...args: string[]): [string, ...string[]] {
  return [process.execPath, '--import', tsxLoader, script, ...args];
}
