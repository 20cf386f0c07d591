/**
 * bench:startup: time to first frame, CDN-only against the hybrid, one newcomer at a time, in the same run.
 *
 *   npm run bench:startup -- [--rounds 16] [--warm 3] [--network loopback|residential|dsl-heavy|<profile>]
 *
 * One live test stream (publish --no-parts, as compare's) on the local edge (wrangler dev), reached through
 * compare's proxy and relay; the viewers in a private network namespace (startup-rounds.ts). A warm swarm of
 * hybrid viewers plays throughout, so a hybrid newcomer has peers. Each round opens a CDN-only page and a hybrid
 * page, one after the other, the order swapped every round (ABBA), each closed after its first frame and --hold s.
 * Both are timed by the page's own clock from its navigation start (startup-stats.ts). Prints p50/p90 per cohort
 * and the hybrid ÷ CDN-only ratio with its per-round spread and a bootstrap interval; writes the JSON.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { runStamp } from '../src/compare/options';
import { cpuBusyPercent, summaryDefaults } from '../src/compare/summary';
import { type LocalEdge, repoRoot, startLocalEdge } from '../src/local-edge';
import { privateNetworkAvailable, runInPrivateNetwork } from '../src/netns';
import { interruptCli, type RunningCli, spawnOriginCli } from '../src/run-cli';
import { tsxCommand } from '../src/tsx-command';
import { parseStartupBenchArgs, startupBenchUsage } from './startup-args';
import type { StartupRoundsResult, StartupTask } from './startup-rounds';
import { formatStartupSummary, leftoverProcesses, startupWarnings, summariseStartup } from './startup-stats';

const args = valueOrExit(parseStartupBenchArgs(process.argv.slice(2)), startupBenchUsage);
const log = (line: string) => process.stderr.write(`${line}\n`);

export const startupBenchDefaults = {
  size: '320x180',
  segmentSeconds: 2,
  /** Per page, on top of --hold and --gap: Chromium's start, the page, the first frame; generous. */
  pageBudgetSeconds: 15,
  /** The namespace and the warm swarm's start and end. */
  overheadSeconds: 90,
};

function processNames(): string[] {
  const names: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // A zombie (state Z, after the comm in parentheses) holds no CPU or memory: not a leftover.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\)\s+Z\s/.test(stat)) continue;
      names.push(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    } catch {}
  }
  return names;
}

function commit(): { commit: string; dirty: boolean } | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    return { commit: head, dirty: status.trim() !== '' };
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const unavailable = privateNetworkAvailable({ shaped: args.network !== 'loopback' });
  if (unavailable) throw new Error(`bench:startup runs its viewers in a private network namespace: ${unavailable}`);
  const { waitUntilLive } = await import('../src/compare/harness');
  const { startThrottleProxy } = await import('../src/compare/throttle-proxy');
  const startedAt = new Date();
  const stamp = runStamp(startedAt);
  const outPath = resolve(args.out ?? join(repoRoot, 'bench-results', `startup-${stamp}.json`));
  const leftovers = leftoverProcesses(processNames());
  const loadBefore = loadavg();
  log(
    `startup: load ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before the run; ${
      Object.keys(leftovers).length
        ? `already running: ${Object.entries(leftovers)
            .map(([name, n]) => `${name} ×${n}`)
            .join(', ')}`
        : 'no workerd, chromium or ffmpeg running'
    }`,
  );
  const stream = `startup-${stamp}`;
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-startup-'));
  const secret = randomBytes(24).toString('base64url');
  const pageSeconds = startupBenchDefaults.pageBudgetSeconds + args.holdSeconds + args.gapSeconds;
  const budgetSeconds = args.warmupSeconds + 2 * args.rounds * pageSeconds + startupBenchDefaults.overheadSeconds;
  let edge: LocalEdge | undefined;
  let proxy: Awaited<ReturnType<typeof startThrottleProxy>> | undefined;
  let publisher: RunningCli | undefined;
  let result: StartupRoundsResult;
  let cpuBusy: number;
  try {
    log('startup: starting the local edge (wrangler dev)');
    edge = await startLocalEdge({
      persistDir: join(work, 'state'),
      vars: { PUBLISH_SECRET: secret, TRACKER_REGION_OVERRIDE: '1' },
    });
    proxy = await startThrottleProxy({ upstream: edge.url, listen: { path: join(work, 'edge.sock') } });
    publisher = spawnOriginCli(
      [
        ...['publish', '--stream', stream, '--edge', edge.url, '--duration', String(Math.ceil(budgetSeconds))],
        ...['--size', startupBenchDefaults.size, '--segment-seconds', String(startupBenchDefaults.segmentSeconds)],
        '--no-parts',
      ],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    log(`startup: publishing a ${startupBenchDefaults.size} test pattern as ${stream}`);
    await waitUntilLive(edge.url, stream, publisher);
    log(
      `startup: live; ${args.warm} warm hybrid viewers for ${args.warmupSeconds} s, then ${args.rounds} rounds (ABBA)${args.network === 'loopback' ? '' : `, network ${args.network}`}`,
    );
    const { out: _out, ...benchArgs } = args;
    const task: StartupTask = { ...benchArgs, stream, socketPath: proxy.address };
    const cpuBefore = cpus();
    let partial = '';
    const run = await runInPrivateNetwork(
      tsxCommand(join(repoRoot, 'infra/bench/startup-rounds.ts'), JSON.stringify(task)),
      {
        cwd: repoRoot,
        layout: args.network === 'loopback' ? 'veth' : 'bridge',
        timeoutMs: budgetSeconds * 1000,
        onStderr: (chunk) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) if (line.startsWith('startup:')) log(line);
        },
      },
    );
    cpuBusy = cpuBusyPercent(cpuBefore, cpus());
    if (run.code !== 0) throw new Error(`the rounds failed (${run.code}):\n${run.stderr.slice(-3000)}`);
    result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as StartupRoundsResult;
  } finally {
    if (publisher) await interruptCli(publisher);
    await proxy?.close();
    await edge?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const summary = summariseStartup(result.pages);
  const warnings = startupWarnings(summary, leftovers, summaryDefaults.saturatedBusyPercent);
  const command = ['npm run bench:startup --', ...process.argv.slice(2)].join(' ');
  const warmViewers = result.warm?.viewers ?? [];
  const warmHttp = warmViewers.reduce((s, v) => s + v.httpBytes, 0);
  const warmP2p = warmViewers.reduce((s, v) => s + v.p2pBytes, 0);
  const out = {
    kind: 'edgeswarm-startup',
    version: 1,
    command,
    git: commit(),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options: args,
    machine: { cores: cpus().length, node: process.version },
    load: { before: loadBefore, after: loadavg(), busyPercent: cpuBusy },
    leftovers,
    summary,
    warm: {
      viewers: warmViewers.length,
      offloadPercent: warmHttp + warmP2p > 0 ? (100 * warmP2p) / (warmHttp + warmP2p) : null,
      stalls: warmViewers.reduce((s, v) => s + v.stalls, 0),
      readings: result.warmReadings,
    },
    pages: result.pages,
    warnings,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(out, null, 2)}\n`);

  console.log(`\n${formatStartupSummary(summary)}`);
  const peers = result.warmReadings.map((r) => r.peersMean);
  console.log(
    `warm swarm: ${warmViewers.length} hybrid viewers, offload ${out.warm.offloadPercent === null ? '—' : `${out.warm.offloadPercent.toFixed(0)}%`}, ${out.warm.stalls} stalls, peers each ${peers.length ? `${Math.min(...peers).toFixed(1)}–${Math.max(...peers).toFixed(1)}` : '—'} over the rounds`,
  );
  console.log(
    `machine: ${cpus().length} cores, ${cpuBusy.toFixed(0)}% busy over the rounds; load ${loadBefore[0]?.toFixed(2)} before, ${loadavg()[0]?.toFixed(2)} after`,
  );
  for (const warning of warnings) console.log(`warning: ${warning}`);
  console.log(`results: ${outPath.startsWith(repoRoot) ? relative(repoRoot, outPath) : outPath}`);
}

let interrupts = 0;
process.on('SIGINT', () => {
  if (++interrupts === 1) log('\nstartup: stopping (Ctrl-C again to quit at once and leave the edge running)');
  else process.exit(130);
});
main().catch((error: unknown) => {
  console.error(error instanceof Error ? `error: ${error.message}` : error);
  process.exitCode = 1;
});
