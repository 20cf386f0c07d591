/**
 * `npm run drills -- --quick`, as a user runs it: every drill but the soak, each one a fault against
 * the real stack (workerd, the origin publisher and ffmpeg, Chromium viewers), passing only when the fault is
 * survived. The P2P faults (a corrupting peer, a serving peer leaving, the tracker restarted and down) are tested
 * here and nowhere else in npm test. The full drills are a benchmark (BENCHMARKS.md, #13).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drills } from './drills/registry';
import type { DrillsReport } from './drills/report';
import { repoRoot } from './local-edge';

/**
 * Not in npm test: the soak, whose quick form is 150 s of four viewers and catches only a gross leak (its full run is
 * in BENCHMARKS.md), for time. The floods run in their quick form: 200 tracker sockets and 20 beacons a second, still
 * far past every per-address limit; the full form's 1 000 sockets, all refused by the one local workerd thread that
 * also serves the viewers, queued the viewers' requests behind them on a busy machine (BENCHMARKS.md, #13).
 */
const notInTests = ['soak'];
const inTests = drills.map((d) => d.name).filter((name) => !notInTests.includes(name));

describe('npm run drills -- --quick', () => {
  it(`${inTests.join(', ')}: every drill passes, one row each, JSON and HTML written`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'edgeswarm-drills-'));
    const run = spawn(
      join(repoRoot, 'node_modules/.bin/tsx'),
      // The drills without viewers (a publisher and an edge each) run side by side; those with viewers alone.
      [join(repoRoot, 'infra/src/drills/cli.ts'), '--quick', '--jobs', '4', '--only', inTests.join(','), '--out', out],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    run.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    console.log(stdout);
    const report = JSON.parse(readFileSync(join(out, 'drills-quick.json'), 'utf8')) as DrillsReport;
    for (const drill of report.drills) {
      const failed = drill.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      // This drill's own progress lines (cli.ts prefixes each with `[i/n name]`), for whoever reads a failure.
      const progress = stderr
        .split('\n')
        .filter((line) => line.includes(` ${drill.drill}] `))
        .slice(-80)
        .join('\n');
      expect({ drill: drill.drill, failed, error: drill.error }, progress).toEqual({
        drill: drill.drill,
        failed: [],
        error: undefined,
      });
      expect(drill.ok).toBe(true);
      expect(drill.memory.some((s) => s.label === 'workerd' && s.points.length >= 2)).toBe(true);
    }
    expect(report.drills.map((d) => d.drill)).toEqual(inTests);
    expect(code).toBe(0);
    for (const name of inTests) expect(stdout).toMatch(new RegExp(`^${name}\\s+pass\\s`, 'm'));
    expect(existsSync(join(out, 'drills-quick.html'))).toBe(true);
  }, 900_000);
});
