/**
 * npm run sim -- --scenario tracker-scale [--viewers 1000000] [--seconds 1800] [--seed 1]
 *                [--set subShards.<key>=value ...] [--set scale.<key>=value ...] [--out path]
 * (or npx tsx infra/sim/tracker-scale-cli.ts with the same options)
 *
 * The tracker at scale (tracker-scale.ts): one stream's audience in one region, as an aggregate model of
 * announces, not of media. Runs it with sub-shards and, as the same-run baseline, with one object for the
 * region; prints the most messages one tracker object got in a second against its budget, and writes JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';
import { subShardDefaults } from '@edgeswarm/policy';
import { toJson } from './runs';
import { resolveTrackerScale, runTrackerScale, type TrackerScaleConfig, trackerScaleDefaults } from './tracker-scale';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const trackerScaleUsage = `usage: npm run sim -- --scenario tracker-scale [--viewers 1000000] [--seconds 1800] [--seed 1]
       [--set subShards.<key>=value ...] [--set scale.<key>=value ...] [--out path]

The tracker at scale: one stream's audience in one region, as a model of announces, not of media, with
sub-shards and, as the same-run baseline, one object for the region; prints the most messages one tracker
object got in a second against its budget, and writes <out>.json.`;

const trackerScaleOptions = {
  viewers: { type: 'string' },
  seconds: { type: 'string' },
  seed: { type: 'string', default: '1' },
  set: { type: 'string', multiple: true, default: [] },
  out: { type: 'string' },
} satisfies OptionTable;

/** The command line (without `--scenario tracker-scale`), read and checked: the run's config, the usage, or the mistake. */
export function parseTrackerScaleArgs(
  argv: readonly string[],
): CliRequest<{ config: TrackerScaleConfig; out: string | undefined }> {
  const parsed = parseOptions(argv, trackerScaleOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  if (values.seed.trim() === '' || !Number.isInteger(Number(values.seed))) {
    return { ok: false, reason: `--seed takes an integer, not ${values.seed}` };
  }
  let set: ReturnType<typeof parseScaleSet>;
  try {
    set = parseScaleSet(values.set);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const config = resolveTrackerScale(
    {
      ...set.scale,
      ...(values.viewers !== undefined ? { viewers: Number(values.viewers) } : {}),
      ...(values.seconds !== undefined ? { seconds: Number(values.seconds) } : {}),
      seed: Number(values.seed),
    },
    set.subShards,
  );
  if (!(Number.isInteger(config.viewers) && config.viewers >= 1 && config.seconds > 0)) {
    return { ok: false, reason: '--viewers takes a positive integer and --seconds a positive number' };
  }
  return { ok: true, value: { config, out: values.out } };
}

/** `subShards.key=value` and `scale.key=value`, checked against the defaults; values are JSON where they parse. */
export function parseScaleSet(items: readonly string[]): {
  scale: Partial<Omit<TrackerScaleConfig, 'subShards'>>;
  subShards: Record<string, unknown>;
} {
  const out = { scale: {} as Record<string, unknown>, subShards: {} as Record<string, unknown> };
  for (const item of items) {
    const match = /^(scale|subShards)\.(\w+)=(.*)$/.exec(item);
    const known: Record<string, unknown> | undefined =
      match?.[1] === 'scale' ? trackerScaleDefaults : match?.[1] === 'subShards' ? { ...subShardDefaults } : undefined;
    if (!match || !known || !((match[2] as string) in known)) {
      throw new Error(`--set takes scale.<key>=value or subShards.<key>=value with a known key, got ${item}`);
    }
    let value: unknown = match[3];
    try {
      value = JSON.parse(match[3] as string);
    } catch {
      // A plain string, e.g. scale.rampShape=uniform.
    }
    out[match[1] as 'scale' | 'subShards'][match[2] as string] = value;
  }
  return out;
}

/** Runs the scenario for a command line (without `--scenario tracker-scale`). */
export function trackerScaleMain(argv: readonly string[]): void {
  // --help and a wrong command line are answered here, exit 0 or 2, before the model runs.
  const { config, out: outArg } = valueOrExit(parseTrackerScaleArgs(argv), trackerScaleUsage);
  const run = (enabled: boolean) => runTrackerScale({ ...config, subShards: { ...config.subShards, enabled } });
  const sharded = run(true);
  // The same audience with one object for the region: the same-run baseline.
  const whole = run(false);
  const t = sharded.tracker;
  const budget = t.messageBudgetPerSecond;
  const pct = (x: number) => `${((100 * x) / budget).toFixed(0)}% of the budget`;
  console.log(
    `tracker-scale: ${config.viewers} viewers in one region joining over ${config.rampSeconds} s (${config.rampShape}), ${config.seconds} s modelled; an aggregate model of announces, not of media`,
  );
  console.log(
    `  with sub-shards: at most ${t.maxMessagesPerSecond} messages in one second on one object (${pct(t.maxMessagesPerSecond)} of ${budget}/s); highest reported load ${t.maxReportedPerSecond.toFixed(0)}/s (${pct(t.maxReportedPerSecond)}); ${t.secondsOverBudget} object-seconds over the budget`,
  );
  console.log(
    `  ${t.subShardsMax} sub-shards at most, ${t.subShardsEnd} at the end (members each: p50 ${sharded.membersPerSubShard.p50}, max ${sharded.membersPerSubShard.max}); ${t.splits} splits, ${t.merges} merges, ${t.moved} sockets moved`,
  );
  console.log(
    `  all sub-shards together: ${sharded.totalEndPerSecond.toFixed(0)} messages/s at the end (peak ${sharded.totalPeakPerSecond.toFixed(0)}); the directory: ${sharded.directoryPerSecond.reports.toFixed(0)} reports/s (peak ${sharded.directoryPerSecond.peakReports.toFixed(0)}) + at most ${sharded.directoryPerSecond.layoutReads.toFixed(0)} layout reads/s from ${config.isolates} Worker isolates`,
  );
  console.log(
    `  one object for the region instead: at most ${whole.tracker.maxMessagesPerSecond} messages in one second (${(whole.tracker.maxMessagesPerSecond / budget).toFixed(0)}× the budget)`,
  );
  console.log(`  wall time ${(sharded.perf.wallSeconds + whole.perf.wallSeconds).toFixed(1)} s`);
  const out = resolve(repoRoot, outArg ?? join('bench-results', `sim-tracker-scale-${config.viewers}`));
  mkdirSync(dirname(out), { recursive: true });
  const command = `npm run sim -- --scenario tracker-scale ${argv.join(' ')}`.trim();
  const report = { benchmark: 'sim-tracker-scale', generatedAt: new Date().toISOString(), command, sharded, whole };
  writeFileSync(`${out}.json`, `${toJson(report, 2)}\n`);
  console.log(`wrote ${out}.json`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    trackerScaleMain(process.argv.slice(2));
  } catch (error) {
    console.error(`tracker-scale: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
