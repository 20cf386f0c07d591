/**
 * Every npm script that takes options, run as npm runs it (its entry through tsx): `--help` prints the usage
 * on stdout and exits 0; `--bogus` prints one error line and the usage on stderr and exits 2; neither shows
 * a stack trace, and both answer before anything starts (a wrong answer here would start wrangler or a
 * browser, so each run is killed after a while). All entries run at once: a few seconds in all, most of
 * it tsx starting (0.25 s of CPU each), so scripts that share an entry (vod, publish and key) share a pair
 * of runs: `--help` through the first, `--bogus` through the next.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './local-edge';

/** Scripts whose entry is a TypeScript file but that this test leaves out, and why. */
const leftOut: Record<string, string> = {
  'check:deploy': 'takes no options',
};

/** `tsx <entry> [command]` or `node --import tsx <entry>` (what npm runs) as the entry and its leading arguments. */
function entryOf(command: string): { entry: string; args: string[] } | undefined {
  const match = /^(?:exec )?(?:tsx|node --import tsx) (\S+\.ts)((?: [a-z]+)*)$/.exec(command);
  if (!match) return undefined;
  return { entry: match[1] as string, args: (match[2] ?? '').split(' ').filter(Boolean) };
}

const scripts = Object.entries(
  (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
).flatMap(([name, command]) => {
  const entry = entryOf(command);
  return entry && !(name in leftOut) ? [{ name, ...entry }] : [];
});

/** Per entry, the script run with `--help` and the one run with `--bogus`. */
const byEntry = new Map<string, typeof scripts>();
for (const script of scripts) byEntry.set(script.entry, [...(byEntry.get(script.entry) ?? []), script]);
const cases = [...byEntry.values()].flatMap((group) => [
  { option: '--help', script: group[0] as (typeof scripts)[number] },
  { option: '--bogus', script: group[1 % group.length] as (typeof scripts)[number] },
]);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(entry: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, entry), ...args],
      { cwd: repoRoot, timeout: 30_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    );
  });
}

const runs = new Map<string, Run>();

beforeAll(async () => {
  await Promise.all(
    cases.map(async ({ option, script: { name, entry, args } }) => {
      runs.set(`${name} ${option}`, await run(entry, [...args, option]));
    }),
  );
}, 60_000);

const stackLine = /^ {4}at /m;

describe('npm scripts answer --help and a bogus option alike', () => {
  it('covers every script with a TypeScript entry', () => {
    expect(scripts.map((s) => s.name)).toEqual(
      expect.arrayContaining(['start', 'vod', 'publish', 'key', 'token', 'streams', 'compare', 'sim', 'drills']),
    );
    expect(scripts.map((s) => s.name)).toEqual(
      expect.arrayContaining(['bench:edge', 'bench:live', 'bench:offload', 'bench:startup']),
    );
  });

  const named = (option: string) => cases.filter((c) => c.option === option).map((c) => c.script.name);

  it.each(named('--help'))('npm run %s -- --help: the usage on stdout, exit 0', (name) => {
    const result = runs.get(`${name} --help`);
    expect(result?.code, result?.stderr).toBe(0);
    expect(result?.stdout).toMatch(/^usage:/);
    expect(`${result?.stdout}${result?.stderr}`).not.toMatch(stackLine);
  });

  it.each(named('--bogus'))('npm run %s -- --bogus: one error line and the usage, exit 2', (name) => {
    const result = runs.get(`${name} --bogus`);
    expect(result?.code, result?.stderr).toBe(2);
    expect(result?.stdout).toBe('');
    expect(result?.stderr.split('\n')[0]).toMatch(/^error: unknown option '?--bogus'?$/i);
    expect(result?.stderr).toContain('usage:');
    expect(result?.stderr).not.toMatch(stackLine);
  });
});
