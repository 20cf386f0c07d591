/**
 * `npm run drills -- --quick`, as a user runs it (npm, the drills' own script, every drill): each drill a fault
 * against the real stack (workerd, the origin publisher and ffmpeg, Chromium viewers), passing only when the fault is
 * survived, the soak's quick form among them (4 viewers for a short run: a gross leak or a count that grows, no
 * stall, offload steady; its length is the soak's own, soak.ts). The P2P faults (a corrupting peer, a serving peer
 * leaving, the tracker restarted and down) are tested here and nowhere else in npm test; so is the edge going away
 * mid-publish (edge-outage, workerd-restart). The full drills are a benchmark (BENCHMARKS.md, #13).
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
 * Every drill. With --quick the four without viewers run side by side (--jobs 4 is --quick's default), those with
 * viewers one after another; the floods in their quick form (200 tracker sockets, 20 beacons a second, still far past
 * every per-address limit; the full form's onset queued the viewers' requests on the one local workerd thread that
 * serves them, BENCHMARKS.md, #13).
 */
const names = drills.map((d) => d.name);

describe('npm run drills -- --quick', () => {
  it(`${names.join(', ')}: every drill passes, one row each, JSON and HTML written`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'edgeswarm-drills-'));
    // Only the report's folder added: a temporary one, not the checkout's bench-results.
    const run = spawn('npm', ['run', 'drills', '--', '--quick', '--out', out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    expect(report.command).toBe(`npm run drills -- --quick --out ${out}`);
    // --quick's own --jobs: the drills without viewers ran side by side.
    expect(stderr).toMatch(/^running side by side \(--jobs 4\): /m);
    expect(report.drills.map((d) => d.drill)).toEqual(names);
    expect(code).toBe(0);
    for (const name of names) expect(stdout).toMatch(new RegExp(`^${name}\\s+pass\\s`, 'm'));
    expect(existsSync(join(out, 'drills-quick.html'))).toBe(true);
  }, 900_000);
});
