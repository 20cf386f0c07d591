/**
 * bench:transport: what moving a viewer's segments onto WebRTC data channels costs its renderer, against the same
 * bytes over HTTP, in the same run, with nothing of p2p-media-loader's or ours in the way.
 *
 *   npm run bench:transport -- [--mb 4] [--segment-kb 68] [--messages 2000] [--connections 10] [--idle-seconds 20] [--rounds 3]
 *       [--results bench-results/<compare run>/results.json] [--costs bench-results/transport.json]
 *
 * transport-run.ts does the work inside a private network namespace (two headless Chromium browsers and a loopback
 * HTTP server); transport-stats.ts turns its readings into CPU per MB, per 1 000 messages, per connection and per
 * connection-minute, and into what they predict for a hybrid viewer whose work was counted in a real run. Prints
 * the table, the machine's load and CPU busy; writes bench-results/transport.json. --costs prices with an earlier
 * run's readings instead (no browser, nothing written), e.g. to explain another compare run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { cpuBusyPercent } from '../src/compare/summary';
import { repoRoot } from '../src/local-edge';
import { privateNetworkAvailable, runInPrivateNetwork } from '../src/netns';
import { tsxCommand } from '../src/tsx-command';
import { parseTransportBenchArgs, transportBenchUsage } from './bench-args';
import {
  type CohortExplained,
  explainRun,
  formatExplained,
  formatTransport,
  hybridReceiverN8,
  predictTransport,
  type RunViewer,
  type TransportPhaseReading,
  transportCosts,
} from './transport-stats';

const settings = valueOrExit(parseTransportBenchArgs(process.argv.slice(2)), transportBenchUsage);

/** A JSON file named on the command line, or a clear error and exit 2 (read before anything starts). */
function readJson(flag: string, path: string): unknown {
  try {
    return JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (error) {
    process.stderr.write(`bench:transport: ${flag} ${path}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

/** The compare run to explain: a wrong path or file fails at once, not after the rounds. */
function readRun(path: string): { name: string; viewers: RunViewer[] }[] {
  const cohorts = (readJson('--results', path) as { cohorts?: { name?: unknown; run?: { viewers?: unknown } }[] })
    .cohorts;
  if (!Array.isArray(cohorts) || !cohorts.every((c) => typeof c.name === 'string' && Array.isArray(c.run?.viewers))) {
    process.stderr.write(
      `bench:transport: --results ${path} is not a compare run's results.json (no cohorts[].run.viewers)\n`,
    );
    process.exit(2);
  }
  return cohorts.map((c) => ({ name: c.name as string, viewers: c.run?.viewers as RunViewer[] }));
}

/** An earlier bench:transport's readings (--costs): priced again, nothing measured. */
function readReadings(path: string): TransportPhaseReading[] {
  const readings = (readJson('--costs', path) as { benchmark?: unknown; readings?: unknown }).readings;
  if (!Array.isArray(readings) || readings.length === 0) {
    process.stderr.write(`bench:transport: --costs ${path} is not a bench:transport result (no readings)\n`);
    process.exit(2);
  }
  return readings as TransportPhaseReading[];
}

const run = settings.results ? readRun(settings.results) : undefined;
const earlier = settings.costs ? readReadings(settings.costs) : undefined;

/** Both browsers' rounds in a private network namespace. */
async function measure(): Promise<{ segments: number; mb: number; readings: TransportPhaseReading[] }> {
  const unavailable = privateNetworkAvailable();
  if (unavailable) {
    process.stderr.write(`bench:transport runs its browsers in a private network namespace: ${unavailable}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `bench:transport: ${settings.rounds} rounds of ${settings.mb} MB, ${settings.messages} messages, ${settings.connections} connections, ${settings.idleSeconds} s idle${settings.linkMbps === undefined ? '' : `, through a ${settings.linkMbps} Mbit/s link`}; load ${loadavg()[0]?.toFixed(2)} before\n`,
  );
  // Per round: two idle waits, the handshakes (about a second each at most) and the transfers (HTTP and the channel,
  // twice the bytes through a --link-mbps link).
  const linkSeconds = settings.linkMbps === undefined ? 0 : (2 * settings.mb * 8) / settings.linkMbps;
  const timeoutMs =
    (settings.rounds * (2 * settings.idleSeconds + 2 * settings.connections + 60 + 2 * linkSeconds) + 60) * 1000;
  const measured = await runInPrivateNetwork(
    tsxCommand(join(repoRoot, 'infra/bench/transport-run.ts'), JSON.stringify(settings)),
    { cwd: repoRoot, layout: 'veth', timeoutMs, onStderr: (chunk) => process.stderr.write(chunk) },
  );
  if (measured.code !== 0) {
    process.stderr.write(`bench:transport: the namespace run failed (${measured.code})\n`);
    process.exit(1);
  }
  return JSON.parse(measured.stdout.trim().split('\n').at(-1) ?? '{}');
}

const loadBefore = loadavg();
const cpusBefore = cpus();
const result = earlier ? undefined : await measure();
const readings = earlier ?? result?.readings ?? [];
const busyPercent = cpuBusyPercent(cpusBefore, cpus());
const loadAfter = loadavg();
const costs = transportCosts(readings);
const prediction = predictTransport(costs, hybridReceiverN8);
if (settings.costs) console.log(`the costs of ${settings.costs}, nothing measured:`);
console.log(`\n${formatTransport(costs, prediction, hybridReceiverN8)}`);
let explained: CohortExplained[] | undefined;
if (run && settings.results) {
  const verdict = explainRun(costs, run);
  if (typeof verdict === 'string') console.log(`${settings.results}: ${verdict}`);
  else {
    explained = verdict;
    console.log(`${settings.results}, renderer CPU a viewer:\n${formatExplained(verdict)}`);
  }
}
if (result) {
  console.log(
    `load ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after; machine ${busyPercent.toFixed(0)}% busy over the run (${cpus().length} CPUs)`,
  );
  const out = join(repoRoot, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'transport.json'),
    `${JSON.stringify(
      {
        benchmark: 'transport',
        date: new Date().toISOString(),
        settings,
        segments: result.segments,
        mb: result.mb,
        loadAverage: { before: loadBefore, after: loadAfter, cores: cpus().length },
        busyPercent,
        cpu: cpus()[0]?.model,
        costs,
        work: hybridReceiverN8,
        prediction,
        ...(explained ? { results: settings.results, explained } : {}),
        readings,
      },
      null,
      2,
    )}\n`,
  );
  console.log('wrote bench-results/transport.json');
}
