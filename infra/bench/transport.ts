/**
 * bench:transport: what moving a viewer's segments onto WebRTC data channels costs its renderer, against the same
 * bytes over HTTP, in the same run, with nothing of p2p-media-loader's or ours in the way.
 *
 *   npm run bench:transport -- [--mb 4] [--segment-kb 68] [--messages 2000] [--connections 10] [--idle-seconds 20] [--rounds 3]
 *       [--results bench-results/<compare run>/results.json]
 *
 * transport-run.ts does the work inside a private network namespace (two headless Chromium browsers and a loopback
 * HTTP server); transport-stats.ts turns its readings into CPU per MB, per 1 000 messages, per connection and per
 * connection-minute, and into what they predict for a hybrid viewer whose work was counted in a real run. Prints
 * the table, the machine's load and CPU busy; writes bench-results/transport.json.
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
const unavailable = privateNetworkAvailable();
if (unavailable) {
  process.stderr.write(`bench:transport runs its browsers in a private network namespace: ${unavailable}\n`);
  process.exit(1);
}

/** The compare run to explain, read before anything starts: a wrong path fails at once, not after the rounds. */
function readRun(path: string): { name: string; viewers: RunViewer[] }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (error) {
    process.stderr.write(`bench:transport: --results ${path}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const cohorts = (parsed as { cohorts?: { name?: unknown; run?: { viewers?: unknown } }[] }).cohorts;
  if (!Array.isArray(cohorts) || !cohorts.every((c) => typeof c.name === 'string' && Array.isArray(c.run?.viewers))) {
    process.stderr.write(
      `bench:transport: --results ${path} is not a compare run's results.json (no cohorts[].run.viewers)\n`,
    );
    process.exit(2);
  }
  return cohorts.map((c) => ({ name: c.name as string, viewers: c.run?.viewers as RunViewer[] }));
}
const run = settings.results ? readRun(settings.results) : undefined;

const loadBefore = loadavg();
const cpusBefore = cpus();
process.stderr.write(
  `bench:transport: ${settings.rounds} rounds of ${settings.mb} MB, ${settings.messages} messages, ${settings.connections} connections, ${settings.idleSeconds} s idle; load ${loadBefore[0]?.toFixed(2)} before\n`,
);
// Per round: two idle waits, the handshakes (about a second each at most) and the transfers.
const timeoutMs = (settings.rounds * (2 * settings.idleSeconds + 2 * settings.connections + 60) + 60) * 1000;
const measured = await runInPrivateNetwork(
  tsxCommand(join(repoRoot, 'infra/bench/transport-run.ts'), JSON.stringify(settings)),
  {
    cwd: repoRoot,
    layout: 'veth',
    timeoutMs,
    onStderr: (chunk) => process.stderr.write(chunk),
  },
);
if (measured.code !== 0) {
  process.stderr.write(`bench:transport: the namespace run failed (${measured.code})\n`);
  process.exit(1);
}
const result = JSON.parse(measured.stdout.trim().split('\n').at(-1) ?? '{}') as {
  segments: number;
  mb: number;
  readings: TransportPhaseReading[];
};
const busyPercent = cpuBusyPercent(cpusBefore, cpus());
const loadAfter = loadavg();
const costs = transportCosts(result.readings);
const prediction = predictTransport(costs, hybridReceiverN8);
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
      readings: result.readings,
    },
    null,
    2,
  )}\n`,
);
console.log('wrote bench-results/transport.json');
