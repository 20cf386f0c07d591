/**
 * The namespace side of `npm run drills`: started by cli.ts inside a private
 * network and PID namespace (netns.ts), it runs one drill and prints its
 * result as JSON on the last stdout line; progress goes to stderr. Everything
 * the drill starts (workerd, Chromium, ffmpeg) dies with the namespace.
 *
 * Usage: child.ts '{"drill":"<name>","quick":true,"outDir":"<the report's folder>"}'
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySampler } from './memory';
import { drillNamed } from './registry';
import type { DrillCheck, DrillContext, DrillResult, MemorySeries } from './types';

const log = (line: string) => process.stderr.write(`${line}\n`);
const {
  drill: name,
  quick,
  outDir,
} = JSON.parse(process.argv[2] ?? '{}') as { drill: string; quick: boolean; outDir: string };
const drill = drillNamed(name);
if (!drill) throw new Error(`unknown drill ${name}`);

const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const checks: DrillCheck[] = [];
const figures: Record<string, number | string> = {};
const counts: MemorySeries[] = [];
const extraMemory: MemorySeries[] = [];
const work = mkdtempSync(join(tmpdir(), `edgeswarm-drill-${name}-`));
const ctx: DrillContext = {
  quick,
  work,
  outDir,
  log: (line) => log(`${elapsed().toFixed(0).padStart(4)} s  ${line}`),
  check(checkName, ok, detail) {
    checks.push({ name: checkName, ok, detail });
    ctx.log(`${ok ? 'ok  ' : 'FAIL'} ${checkName}: ${detail}`);
    return ok;
  },
  figure(figureName, value) {
    figures[figureName] = value;
  },
  elapsed,
  memory: () => memory.memory(),
  fds: () => memory.fds(),
  sockets: () => memory.sockets(),
  recordCounts(series) {
    counts.push(...series);
  },
  recordMemory(series) {
    extraMemory.push(...series);
  },
};
const memory = new MemorySampler(elapsed, drill.memoryPerTab);
memory.start(drill.sampleSeconds[quick ? 0 : 1]);
const loadStart = loadavg()[0] ?? 0;
const startedAt = new Date().toISOString();
let error: string | undefined;
try {
  await drill.run(ctx);
} catch (e) {
  error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  ctx.log(`error: ${error}`);
}
memory.sample();
const result: DrillResult = {
  drill: drill.name,
  title: drill.title,
  quick,
  ok: error === undefined && checks.length > 0 && checks.every((c) => c.ok),
  startedAt,
  seconds: elapsed(),
  figures,
  checks,
  memory: [...memory.stop(), ...extraMemory],
  ...(counts.length ? { counts } : {}),
  load: { start: loadStart, end: loadavg()[0] ?? 0 },
  ...(error ? { error } : {}),
};
rmSync(work, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
// Nothing the drill left (a timer, a socket) keeps the namespace alive.
process.exit(0);
