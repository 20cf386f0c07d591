/**
 * bench:nat: which viewers reach which without TURN, in real Chromium
 * WebRTC behind real (Linux, iptables) NATs in private network namespaces.
 *
 *   npm run bench:nat -- [--kinds open,full-cone,cone,symmetric,udp-blocked] [--repeats 2] [--timeout 15]
 *
 * Prints the connectivity matrix and each NAT's mapping; writes
 * bench-results/nat-matrix.json. See nat-matrix.ts for what a trial is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { findOnPath } from '@edgeswarm/origin/ffmpeg/locate';
import { repoRoot } from '../src/local-edge';
import { privateNetworkAvailable, runInPrivateNetwork } from '../src/netns';
import { tsxCommand } from '../src/tsx-command';
import {
  formatMatrix,
  type MappingProbe,
  matrixRows,
  type NatTrial,
  natBenchUsage,
  natPairs,
  parseNatBenchArgs,
} from './nat-matrix';

const args = valueOrExit(parseNatBenchArgs(process.argv.slice(2)), natBenchUsage);

/** Viewer indices run 0–200 (viewer-links.ts): a probe per kind, then two fresh ones per trial. */
const indices = args.kinds.length + 2 * natPairs(args.kinds).length * args.repeats;
if (indices > 201) {
  process.stderr.write(`error: ${indices} viewers would be needed, at most 201: fewer --repeats or --kinds\n`);
  process.exit(2);
}
const unavailable = privateNetworkAvailable() ?? (findOnPath('iptables') ? undefined : 'iptables is not installed');
if (unavailable) {
  process.stderr.write(`bench:nat needs a private network namespace and iptables: ${unavailable}\n`);
  process.exit(1);
}

const loadBefore = loadavg();
const run = await runInPrivateNetwork(tsxCommand(join(repoRoot, 'infra/bench/nat-run.ts'), JSON.stringify(args)), {
  cwd: repoRoot,
  layout: 'bridge',
  timeoutMs: (indices * (args.timeoutSeconds + 15) + 60) * 1000,
  onStderr: (chunk) => process.stderr.write(chunk),
});
if (run.code !== 0) {
  process.stderr.write(`bench:nat: the namespace run failed (${run.code})\n`);
  process.exit(1);
}
const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
  probes: MappingProbe[];
  trials: NatTrial[];
  stunAnswered: number[];
};
const rows = matrixRows(result.trials);
const loadAfter = loadavg();
mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench-results/nat-matrix.json'),
  `${JSON.stringify(
    {
      benchmark: 'nat',
      date: new Date().toISOString(),
      settings: args,
      loadAverage: { before: loadBefore, after: loadAfter, cores: cpus().length },
      rows,
      ...result,
    },
    null,
    2,
  )}\n`,
);
console.log(`\n${formatMatrix(rows, result.probes)}`);
console.log(
  `\nSTUN binding requests answered: ${result.stunAnswered.join(' + ')}; load ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after (${cpus().length} cores); bench-results/nat-matrix.json`,
);
