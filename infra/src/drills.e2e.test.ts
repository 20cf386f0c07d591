/**
 * `npm run drills -- --quick`, as a user runs it, for the drills that are done: each one a fault against
 * the real stack (workerd, the origin publisher and ffmpeg, Chromium viewers), passing only when the fault
 * is survived. The full drills are a benchmark (BENCHMARKS.md, #13).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DrillsReport } from './drills/report';
import { repoRoot } from './local-edge';

/** Drills quick enough for npm test (about 3 minutes together); the P2P faults are in p2p.e2e.test.ts. */
const inTests = ['publisher-kill', 'edge-outage', 'workerd-restart', 'storage-errors', 'queue-disk-full'];

describe('npm run drills -- --quick', () => {
  it(`${inTests.join(', ')}: every drill passes, one row each, JSON and HTML written`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'edgeswarm-drills-'));
    const run = spawn(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [join(repoRoot, 'infra/src/drills/cli.ts'), '--quick', '--only', inTests.join(','), '--out', out],
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
      expect({ drill: drill.drill, failed, error: drill.error }, stderr.slice(-4000)).toEqual({
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
  }, 600_000);
});
