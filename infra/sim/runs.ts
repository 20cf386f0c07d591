/**
 * One simulator run as the CLI and the report see it: which scenario, how
 * many viewers, which cohort, what came out and what it cost. A run can be
 * made in this process or in a fresh child process, so that each run's peak
 * memory is its own (the kernel's high-water mark only ever grows).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PolicyOptions } from '@edgeswarm/policy';
import { resolveSimConfig, type SimConfig, type SimOverrides } from './model';
import { scenarios } from './scenarios';
import { runSimulation, type SimSeries, type SimSummary, type SimTotals, type ViewerOutcome } from './swarm-sim';

export interface RunRequest {
  scenario: string;
  viewers: number;
  p2p: boolean;
  seed: number;
  /** Extra overrides after the scenario's (from --seconds and --set). */
  overrides: SimOverrides;
}

export interface SimRunRecord {
  scenario: string;
  viewers: number;
  p2p: boolean;
  seed: number;
  config: SimConfig;
  policy: PolicyOptions;
  policyWarnings: string[];
  summary: SimSummary;
  totals: SimTotals;
  series: SimSeries;
  viewerOutcomes?: ViewerOutcome[];
  perf: { wallSeconds: number; events: number; peakQueue: number; simulatedSeconds: number; peakRssMB: number };
}

export function configFor(request: RunRequest): SimConfig {
  const scenario = scenarios[request.scenario];
  if (!scenario) throw new Error(`unknown scenario ${request.scenario}`);
  return resolveSimConfig(scenario.overrides(request.viewers), request.overrides, {
    seed: request.seed,
    p2p: request.p2p,
  });
}

/** Runs in this process; peak memory is the process's high-water mark so far. */
export function runHere(request: RunRequest): SimRunRecord {
  const label = `${request.scenario} N=${request.viewers} ${request.p2p ? 'hybrid' : 'CDN-only'}`;
  const result = runSimulation(configFor(request), {
    // To stderr, so a child's stdout stays one JSON record.
    onProgress: (p) =>
      process.stderr.write(
        `  ${label}: ${p.simulatedSeconds.toFixed(0)}/${p.totalSeconds.toFixed(0)} stream s, ${p.viewersNow} viewers, ${(p.events / 1e6).toFixed(1)}M events, ${p.wallSeconds.toFixed(0)} s\n`,
      ),
  });
  return {
    scenario: request.scenario,
    viewers: request.viewers,
    p2p: request.p2p,
    seed: request.seed,
    config: result.config,
    policy: result.policy,
    policyWarnings: result.policyWarnings,
    summary: result.summary,
    totals: result.totals,
    series: result.series,
    ...(result.viewers ? { viewerOutcomes: result.viewers } : {}),
    perf: { ...result.perf, peakRssMB: process.resourceUsage().maxRSS / 1024 },
  };
}

const cliPath = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** Runs in a child process of the same runtime (tsx included), which prints the record as its last line. */
export function runIsolated(request: RunRequest): SimRunRecord {
  const child = spawnSync(process.execPath, [...process.execArgv, cliPath, '--child', JSON.stringify(request)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`simulator run failed (${request.scenario}, N=${request.viewers})`);
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last, (_k, v) => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v)) as SimRunRecord;
}

/** JSON cannot hold Infinity (unlimited edge, no churn): it travels as the string "Infinity". */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v), indent);
}
