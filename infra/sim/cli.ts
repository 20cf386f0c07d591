/**
 * npm run sim -- [--scenario steady|flash-crowd|free-riders|nat-blocked|nat-symmetric|nat-mix|tracker-down|edge-capped|calibrate|all]
 *                [--viewers 10,100,1000] [--seconds 600] [--seed 1] [--no-baseline] [--set path=value ...]
 *                [--network residential|dsl-heavy|fibre|cable|dsl|mobile|loopback]
 *                [--out bench-results/sim-steady] [--real bench-results/offload.json[,<compare dir>/results.json]]
 *
 * Runs the swarm simulator and writes <out>.json and <out>.html. Prints a row
 * per run and, for each, its own wall time and peak memory. With several runs,
 * each runs in its own child process so its peak memory is its own.
 *
 * --seconds is stream seconds after the first join, except for `calibrate`, where it is seconds after the last
 * join, as bench:offload's --seconds is. --set overrides any model value, e.g. --set network.iceFailure=0.1.
 * --network puts viewers on the real-browser harnesses' link profiles (infra/src/link-profiles.ts) instead of the
 * model's residential distributions: one profile for all, or a named mix assigned in join order.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import type { SimOverrides } from './model';
import { calibrationOverrides, type RealRun, realRunsFrom } from './real-runs';
import { type CalibrationRow, profileCalibration, renderReport } from './report';
import { type RunRequest, runHere, runIsolated, type SimRunRecord, toJson } from './runs';
import { calibrationWorld, scenarios } from './scenarios';
import { parseSimArgs, simUsage } from './sim-args';
import { trackerScaleMain } from './tracker-scale-cli';

/** The arguments without `--scenario tracker-scale` when that is the scenario; undefined otherwise. */
function trackerScaleArgs(argv: readonly string[]): string[] | undefined {
  const at = argv.findIndex(
    (a, i) => a === '--scenario=tracker-scale' || (a === '--scenario' && argv[i + 1] === 'tracker-scale'),
  );
  if (at < 0) return undefined;
  return argv.filter((_, i) => i !== at && !(argv[at] === '--scenario' && i === at + 1));
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function row(r: SimRunRecord): string {
  const s = r.summary;
  return [
    r.scenario.padEnd(12),
    String(r.viewers).padStart(7),
    (r.p2p ? 'hybrid' : 'CDN').padEnd(6),
    `${s.offloadPercent.toFixed(1).padStart(5)}% (${s.boundPercent.toFixed(1)}%)`.padEnd(16),
    s.edgeGB.toFixed(2).padStart(8),
    s.edgePeakMbps.toFixed(1).padStart(9),
    `${s.stallRatioPercent.toFixed(2)}%`.padStart(8),
    `${s.startupP50.toFixed(2)} s`.padStart(8),
    `${s.latencyP50.toFixed(2)}/${s.latencyP95.toFixed(2)} s`.padStart(13),
    `${s.firstFetcherPercent.toFixed(0)}%`.padStart(5),
    // Old result files have no upload spread.
    (s.upload ? `${s.upload.topPercentShare.toFixed(0)}%/${s.upload.uploadersPercent.toFixed(0)}%` : '—').padStart(12),
    `${r.perf.wallSeconds.toFixed(1)} s`.padStart(9),
    `${r.perf.peakRssMB.toFixed(0)} MB`.padStart(8),
  ].join(' ');
}

const header = [
  'scenario'.padEnd(12),
  'N'.padStart(7),
  'cohort',
  'offload (bound)'.padEnd(16),
  ' edge GB',
  'peak Mb/s',
  '  stall',
  'start-up',
  '  latency p50/95',
  '  FF%',
  'up top1%/any',
  '     wall',
  '    peak',
].join(' ');

/** Real runs from each --real file that exists (comma-separated); a file that is there but unreadable is an error. */
function readReal(paths: readonly string[]): RealRun[] {
  const runs: RealRun[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    runs.push(...realRunsFrom(JSON.parse(readFileSync(path, 'utf8')), relative(repoRoot, path)));
  }
  return runs;
}

async function main(): Promise<void> {
  // The tracker at scale is a model of its own (announces, not media), with options of its own.
  const scale = trackerScaleArgs(process.argv.slice(2));
  if (scale) {
    // Its own command line is answered inside (--help: exit 0; a mistake: exit 2); a failed run lands below.
    trackerScaleMain(scale);
    return;
  }
  const args = valueOrExit(parseSimArgs(process.argv.slice(2)), simUsage);
  if (args.child) {
    const record = runHere(JSON.parse(args.child) as RunRequest);
    process.stdout.write(`${toJson(record)}\n`);
    return;
  }

  const { names, viewers, seed, set } = args;
  const realPaths = args.real.split(',').map((p) => resolve(repoRoot, p.trim()));
  const real = names.includes('calibrate') ? readReal(realPaths) : [];
  const realFor = (n: number) => real.find((r) => r.viewers === n);

  const requests: RunRequest[] = [];
  for (const name of names) {
    const scenario = scenarios[name] as (typeof scenarios)[string];
    const baseline = args.baseline ?? scenario.baseline;
    for (const n of viewers) {
      // Calibration compares like with like: the real run's watching time, joins and the hybrid's policy.
      const overrides: SimOverrides =
        name === 'calibrate'
          ? calibrationOverrides(n, realFor(n), set, args.seconds)
          : args.seconds === undefined
            ? { ...set }
            : { ...set, audience: { ...set.audience, seconds: args.seconds } };
      requests.push({ scenario: name, viewers: n, p2p: true, seed, overrides });
      if (baseline) requests.push({ scenario: name, viewers: n, p2p: false, seed, overrides });
    }
  }

  const isolate = args.isolate ?? requests.length > 1;
  const started = performance.now();
  console.log(header);
  const runs: SimRunRecord[] = [];
  for (const request of requests) {
    const record = isolate ? runIsolated(request) : runHere(request);
    runs.push(record);
    console.log(row(record));
    for (const warning of record.policyWarnings) console.log(`  policy: ${warning}`);
  }

  let calibration: CalibrationRow[] | undefined;
  if (names.includes('calibrate')) {
    calibration = [];
    for (const r of runs.filter((x) => x.scenario === 'calibrate' && x.p2p)) {
      const apart = r.config.audience.staggerSeconds ?? calibrationWorld.staggerSeconds;
      const secondsAfterLastJoin = r.config.audience.seconds - (r.viewers - 1) * apart;
      const match = realFor(r.viewers);
      if (!match) {
        console.log(`\nN = ${r.viewers}: no real run in ${args.real}; run npm run bench:offload or compare first`);
        continue;
      }
      if (match.secondsAfterLastJoin !== secondsAfterLastJoin) {
        console.log(
          `\nN = ${r.viewers}: the real run watched ${match.secondsAfterLastJoin} s after the last join: not compared`,
        );
        continue;
      }
      const stalledSeconds = (r.viewerOutcomes ?? []).reduce((sum, v) => sum + v.stalledSeconds, 0);
      calibration.push({
        viewers: r.viewers,
        secondsAfterLastJoin,
        source: match.source,
        real: match.hybrid,
        sim: {
          offloadPercent: r.summary.offloadPercent,
          stalls: r.summary.stalls,
          stalledSeconds,
          latencyP50: r.summary.latencyP50,
          startupP50: r.summary.startupP50,
        },
        ...(match.byProfile ? { profiles: profileCalibration(match.byProfile, r.viewerOutcomes ?? []) } : {}),
      });
    }
    if (calibration.length > 0) {
      console.log('\ncalibration: the real run, the simulator, and the gap in points');
      console.log(
        '  N  after last join  offload real   sim    gap   stalls real  sim   latency p50 real  sim   start-up p50 real  sim   source',
      );
      for (const c of calibration) {
        console.log(
          `${String(c.viewers).padStart(3)}  ${`${c.secondsAfterLastJoin} s`.padStart(15)}  ${c.real.offloadPercent.toFixed(1).padStart(11)}% ${c.sim.offloadPercent.toFixed(1).padStart(5)}% ${(c.sim.offloadPercent - c.real.offloadPercent).toFixed(1).padStart(6)}  ${String(c.real.stalls).padStart(11)} ${String(c.sim.stalls).padStart(4)}  ${c.real.latencyP50.toFixed(2).padStart(15)} ${c.sim.latencyP50.toFixed(2).padStart(5)}  ${c.real.startupP50.toFixed(2).padStart(17)} ${c.sim.startupP50.toFixed(2).padStart(5)}   ${c.source}`,
        );
        for (const p of c.profiles ?? []) {
          console.log(
            `     ${p.profile.padEnd(16)} ${String(p.viewers).padStart(2)} viewer(s)  offload real ${p.realOffloadPercent.toFixed(1).padStart(5)}%  sim ${p.simOffloadPercent.toFixed(1).padStart(5)}%  gap ${(p.simOffloadPercent - p.realOffloadPercent).toFixed(1).padStart(6)}`,
          );
        }
      }
    }
  }

  const label = `${args.scenario}-${viewers.join('_')}`;
  const out = resolve(repoRoot, args.out ?? join('bench-results', `sim-${label}`));
  mkdirSync(dirname(out), { recursive: true });
  const command = `npm run sim -- ${process.argv.slice(2).join(' ')}`.trim();
  const generatedAt = new Date().toISOString();
  writeFileSync(`${out}.json`, `${toJson({ benchmark: 'sim', generatedAt, command, runs, calibration }, 2)}\n`);
  writeFileSync(
    `${out}.html`,
    renderReport({
      title: `Swarm simulator: ${label}`,
      generatedAt,
      command,
      runs,
      ...(calibration ? { calibration } : {}),
    }),
  );
  const total = (performance.now() - started) / 1000;
  const peak = Math.max(...runs.map((r) => r.perf.peakRssMB));
  console.log(
    `\nwall time ${total.toFixed(1)} s for ${runs.length} run(s); peak memory ${peak.toFixed(0)} MB (largest run)`,
  );
  console.log(`wrote ${out}.json and ${out}.html`);
}

try {
  await main();
} catch (error) {
  // A failed run: one line, no stack (bad arguments never get here: parseSimArgs answers them, exit 2).
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
