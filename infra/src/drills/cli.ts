/**
 * `npm run drills`: every fault the system claims to survive, against a real
 * local stack (workerd, the origin publisher and its ffmpeg, Chromium viewers),
 * one drill at a time, each in a private network and PID namespace of its own
 * (child.ts); with --jobs, drills without viewers may run side by side
 * (batches.ts). Prints a row per drill as it finishes and the table at the
 * end, and writes drills.json and a self-contained drills.html (memory over
 * time).
 *
 * Ctrl-C stops the drill under way: every process it started (workerd,
 * Chromium, ffmpeg, wrangler) is found from /proc and stopped by pid, the
 * report is written with what finished, and the exit code is 130.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { repoRoot } from '../local-edge';
import { privateNetworkAvailable, runInPrivateNetwork } from '../netns';
import { descendants, stopProcesses } from '../process-tree';
import { tsxCommand } from '../tsx-command';
import { drillBatches } from './batches';
import { drillUsage, parseDrillOptions } from './options';
import { drills } from './registry';
import { type DrillsReport, drillRow, drillsTable, renderDrillsHtml } from './report';
import type { Drill, DrillResult } from './types';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const options = valueOrExit(
  parseDrillOptions(
    process.argv.slice(2),
    drills.map((d) => d.name),
  ),
  drillUsage,
);
if (options.list) {
  for (const d of drills) out(`${d.name.padEnd(18)} ${d.title}: ${d.holds}`);
  process.exit(0);
}
const unavailable = privateNetworkAvailable();
if (unavailable) {
  err(`error: the drills run in a private network namespace, and ${unavailable}`);
  process.exit(1);
}

const dir = resolve(repoRoot, options.outDir);
mkdirSync(dir, { recursive: true });
const selected = options.only.length ? drills.filter((d) => options.only.includes(d.name)) : drills;
let interrupted = false;
let stopping: Promise<unknown> | undefined;
const stopEverything = (signal: NodeJS.Signals) => {
  if (stopping) {
    // A second Ctrl-C: no grace.
    for (const { pid } of descendants(process.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    return;
  }
  interrupted = true;
  err(`\ndrills: ${signal}: stopping the drill under way and everything it started…`);
  // The whole tree is read first (unshare, the drill, wrangler, each workerd, Chromium, ffmpeg), then each is stopped by pid.
  stopping = stopProcesses(descendants(process.pid), { graceMs: 3000 });
};
process.on('SIGINT', () => stopEverything('SIGINT'));
process.on('SIGTERM', () => stopEverything('SIGTERM'));
process.on('SIGHUP', () => stopEverything('SIGHUP'));

async function runDrill(drill: Drill, index: number): Promise<DrillResult> {
  const prefix = `[${index + 1}/${selected.length} ${drill.name}]`;
  err(`${prefix} ${drill.title}${options.quick ? ' (quick)' : ''}: ${drill.holds}`);
  const started = performance.now();
  let partial = '';
  const run = await runInPrivateNetwork(
    tsxCommand(
      join(repoRoot, 'infra/src/drills/child.ts'),
      JSON.stringify({ drill: drill.name, quick: options.quick, outDir: dir }),
    ),
    {
      cwd: repoRoot,
      timeoutMs: drill.timeoutSeconds[options.quick ? 0 : 1] * 1000,
      onStderr: (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) err(`${prefix} ${line}`);
      },
    },
  );
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as DrillResult;
  } catch {
    const why = interrupted ? 'interrupted (Ctrl-C)' : `the drill's process ended with ${run.code} and no result`;
    return {
      drill: drill.name,
      title: drill.title,
      quick: options.quick,
      ok: false,
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      seconds: (performance.now() - started) / 1000,
      figures: {},
      checks: [],
      memory: [],
      load: { start: 0, end: loadavg()[0] ?? 0 },
      error: `${why}\n${run.stderr.slice(-2000)}`,
    };
  }
}

const startedAt = new Date().toISOString();
const loadStart = loadavg()[0] ?? 0;
const finished = new Map<Drill, DrillResult>();
for (const batch of drillBatches(selected, options.jobs)) {
  if (batch.length > 1) err(`running side by side (--jobs ${options.jobs}): ${batch.map((d) => d.name).join(', ')}`);
  await Promise.all(
    batch.map(async (drill) => {
      const result = await runDrill(drill, selected.indexOf(drill));
      finished.set(drill, result);
      err(drillRow(result));
    }),
  );
  if (interrupted) break;
}
await stopping;
// The registry's order, whatever order they finished in.
const results = selected.flatMap((drill) => finished.get(drill) ?? []);

const report: DrillsReport = {
  command: `npm run drills --${process.argv
    .slice(2)
    .map((a) => ` ${a}`)
    .join('')}`,
  quick: options.quick,
  startedAt,
  finishedAt: new Date().toISOString(),
  load: { start: loadStart, end: loadavg()[0] ?? 0 },
  cpus: cpus().length,
  interrupted,
  drills: results,
};
const base = join(dir, options.quick ? 'drills-quick' : 'drills');
writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${base}.html`, renderDrillsHtml(report));
out('');
out(drillsTable(results));
out('');
out(
  `${results.filter((r) => r.ok).length}/${results.length} drills passed${interrupted ? ' (interrupted)' : ''}; load ${loadStart.toFixed(2)} → ${report.load.end.toFixed(2)}; report: ${base}.html, ${base}.json`,
);
process.exit(interrupted ? 130 : results.every((r) => r.ok) ? 0 : 1);
