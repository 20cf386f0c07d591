/**
 * The compare harness end to end, as CI runs it: `npm run compare` with two
 * viewers per cohort for 15 s starts the local edge, publishes a live test
 * pattern, runs a CDN-only and a hybrid cohort of real headless Chromium
 * viewers in a private network namespace, and writes results.json and
 * report.html. The report must open in Chromium and draw its charts; the
 * test leaves test-artifacts/compare-report.png.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import type { CompareResults } from './compare/results';
import { repoRoot } from './local-edge';

function runCompareCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'compare', '--', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('compare harness', () => {
  it('N = 2 for 15 s: results.json with both cohorts, and a report.html that opens in Chromium', async () => {
    const out = mkdtempSync(join(tmpdir(), 'edgeswarm-compare-e2e-'));
    const run = await runCompareCli(['--viewers', '2', '--seconds', '15', '--out', out]);
    expect(run.code, `${run.stderr.slice(-3000)}\n${run.stdout}`).toBe(0);
    console.log(run.stdout);

    // Progress while it ran: a line per join and every few seconds.
    expect(run.stderr).toMatch(/compare: CDN-only viewer 2\/2 joined/);
    expect(run.stderr).toMatch(/compare: hybrid \d+\/15 s · \d\/2 playing · edge [\d.]+ Mbit\/s/);
    // The side-by-side table on stdout.
    for (const label of ['offload', 'edge egress', 'start-up p50', 'start-up p95', 'stalls', 'live latency p50']) {
      expect(run.stdout).toContain(label);
    }

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as CompareResults;
    expect(results.kind).toBe('edgeswarm-compare');
    expect(results.cohorts.map((c) => c.name)).toEqual(['cdn', 'hybrid']);
    for (const cohort of results.cohorts) {
      expect(cohort.run.viewers, cohort.label).toHaveLength(2);
      expect(cohort.run.samples.length, cohort.label).toBeGreaterThan(5);
      for (const viewer of cohort.run.viewers) {
        expect(viewer.mode, `${cohort.label} viewer ${viewer.viewer}`).toBe(cohort.name);
        expect(viewer.httpBytes + viewer.p2pBytes, `${cohort.label} viewer ${viewer.viewer} bytes`).toBeGreaterThan(0);
      }
      // The edge counted this cohort's segment bytes itself, apart from the other cohort's.
      expect(cohort.edge?.servedBytes, cohort.label).toBeGreaterThan(0);
      expect(cohort.summary.edgeEgressSource).toBe('edge');
      // ...and the viewers counted the same bytes from the edge (hls.js's own loads included), up to an aborted load:
      // the edge counts a segment when it answers, a viewer only what it finished (one segment, of the mean size).
      const edgeBytes = cohort.edge?.servedBytes ?? 0;
      const segment = edgeBytes / Math.max(1, cohort.edge?.servedRequests ?? 1);
      expect(Math.abs(cohort.summary.httpBytes - edgeBytes), `${cohort.label}: viewers vs edge`).toBeLessThanOrEqual(
        0.02 * edgeBytes + segment,
      );
      expect(cohort.summary.startupP50Ms).not.toBeNull();
      expect(cohort.summary.latencyP50Seconds).not.toBeNull();
    }
    const [cdn, hybrid] = results.cohorts;
    expect(cdn?.summary.p2pBytes).toBe(0);
    // Hybrid viewers reached the tracker through the proxy; CDN-only viewers never asked.
    expect(hybrid?.proxy.upgrades).toBeGreaterThanOrEqual(2);
    expect(cdn?.proxy.upgrades).toBe(0);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      await page.goto(`file://${join(out, 'report.html')}`);
      const drawn = await page.evaluate(() => ({
        charts: document.querySelectorAll('svg').length,
        series: document.querySelectorAll('svg path.series').length,
        bars: document.querySelectorAll('svg rect.bar').length,
        rows: document.querySelectorAll('table.side tbody tr').length,
        chartsWithLines: [...document.querySelectorAll('svg')].filter((svg) =>
          svg.querySelector('path.series, rect.bar'),
        ).length,
      }));
      expect(drawn.charts).toBe(6);
      expect(drawn.chartsWithLines).toBe(6);
      expect(drawn.series).toBeGreaterThanOrEqual(8);
      expect(drawn.bars).toBeGreaterThanOrEqual(4);
      expect(drawn.rows).toBeGreaterThanOrEqual(10);
      expect(failed).toEqual([]); // self-contained: nothing to fetch
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts/compare-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 600_000);
});
