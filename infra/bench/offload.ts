/**
 * bench:offload: a CDN-only cohort and a hybrid cohort of real headless
 * viewers on the same kind of live stream, one after the other in the same
 * run, each inside a private network namespace.
 *
 *   npm run bench:offload -- [--viewers 4,8] [--seconds 30] [--stagger 3]
 *                            [--network loopback|residential|dsl-heavy|<profile>]
 *
 * Prints, per N: offload (P2P ÷ all viewer bytes) against the (N−1)/N bound,
 * edge bytes, stalls, start-up p50 and live latency p50, with hybrid ÷ CDN
 * ratios; with --network, figures per link profile too. Writes
 * bench-results/offload.json (each viewer's link and what crossed it included).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { policyDefaults } from '@edgeswarm/policy';
import { summariseProfiles } from '../src/compare/summary';
import { repoRoot } from '../src/local-edge';
import { privateNetworkAvailable } from '../src/netns';
import type { SwarmResult } from '../src/swarm';
import { offloadBenchUsage, parseOffloadBenchArgs } from './bench-args';

const { viewers, seconds, stagger, network } = valueOrExit(
  parseOffloadBenchArgs(process.argv.slice(2)),
  offloadBenchUsage,
);

export interface CohortSummary {
  viewers: number;
  httpBytes: number;
  p2pBytes: number;
  offloadPercent: number;
  stalls: number;
  stalledSeconds: number;
  startupP50Ms: number;
  latencyP50: number;
  errors: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export function summarise(result: SwarmResult): CohortSummary {
  const v = result.viewers;
  const httpBytes = v.reduce((s, x) => s + x.httpBytes, 0);
  const p2pBytes = v.reduce((s, x) => s + x.p2pBytes, 0);
  return {
    viewers: v.length,
    httpBytes,
    p2pBytes,
    offloadPercent: httpBytes + p2pBytes ? (100 * p2pBytes) / (httpBytes + p2pBytes) : 0,
    stalls: v.reduce((s, x) => s + x.stalls, 0),
    stalledSeconds: v.reduce((s, x) => s + x.stalledMs, 0) / 1000,
    startupP50Ms: median(v.flatMap((x) => (x.startupMs === null ? [] : [x.startupMs]))),
    latencyP50: median(v.flatMap((x) => (x.latencyP50 === null ? [] : [x.latencyP50]))),
    errors: v.reduce((s, x) => s + x.errors.length, 0),
  };
}

async function cohort(viewers: number, p2p: boolean): Promise<SwarmResult> {
  const options = {
    viewers,
    p2p,
    seconds,
    staggerSeconds: stagger,
    stream: `bench-${p2p ? 'hybrid' : 'cdn'}-${viewers}`,
    network,
  };
  // Loaded here, not at the top: the cohort brings Playwright, which --help and a typo have no use for.
  const { runInNamespace } = await import('../src/cohort/in-namespace');
  process.stderr.write(`\n== ${viewers} ${p2p ? 'hybrid' : 'CDN-only'} viewers, network ${network} ==\n`);
  return runInNamespace(
    { task: 'swarm', options },
    { onLine: (line) => (/nodedir/.test(line) ? undefined : process.stderr.write(`${line}\n`)) },
  );
}

async function main(): Promise<void> {
  const unavailable = privateNetworkAvailable({ shaped: network !== 'loopback' });
  if (unavailable) throw new Error(`bench:offload needs a private network namespace: ${unavailable}`);
  const { formatSwarm } = await import('../src/swarm');
  const rows = [];
  for (const n of viewers) {
    const cdn = await cohort(n, false);
    const loadAfterCdn = loadavg()[0];
    const hybrid = await cohort(n, true);
    const loadAfterHybrid = loadavg()[0];
    const c = summarise(cdn);
    const h = summarise(hybrid);
    rows.push({
      viewers: n,
      boundPercent: (100 * (n - 1)) / n,
      cdn: c,
      hybrid: h,
      ratio: {
        offloadOfBound: h.offloadPercent / ((100 * (n - 1)) / n),
        edgeBytes: h.httpBytes / c.httpBytes,
        startupP50: h.startupP50Ms / c.startupP50Ms,
        latencyP50: h.latencyP50 / c.latencyP50,
      },
      loadAverage: { afterCdn: loadAfterCdn, afterHybrid: loadAfterHybrid, cores: cpus().length },
      perViewer: { cdn: cdn.viewers, hybrid: hybrid.viewers },
      perProfile: { cdn: summariseProfiles(cdn), hybrid: summariseProfiles(hybrid) },
    });
    process.stderr.write(`${formatSwarm(hybrid)}\n`);
  }
  mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
  // As the command line gave them, as earlier result files hold them (sim's real-runs.ts reads seconds).
  const settings = { viewers: viewers.join(','), seconds: String(seconds), stagger: String(stagger), network };
  writeFileSync(
    join(repoRoot, 'bench-results/offload.json'),
    // The hybrid's whole policy (the player's defaults: this bench sets none), which the simulator's calibration plays.
    `${JSON.stringify({ benchmark: 'offload', date: new Date().toISOString(), settings, policy: policyDefaults, rows }, null, 2)}\n`,
  );
  console.log('\n  N  cohort   offload  (bound)  edge MB  stalls (s)  start-up p50  latency p50');
  for (const r of rows) {
    for (const [name, s] of [
      ['CDN', r.cdn],
      ['hybrid', r.hybrid],
    ] as const) {
      console.log(
        `${String(r.viewers).padStart(3)}  ${name.padEnd(7)} ${s.offloadPercent.toFixed(0).padStart(6)}%  (${r.boundPercent.toFixed(0)}%) ${(s.httpBytes / 1e6).toFixed(1).padStart(8)}  ${String(s.stalls).padStart(3)} (${s.stalledSeconds.toFixed(1)})  ${s.startupP50Ms.toFixed(0).padStart(9)} ms  ${s.latencyP50.toFixed(1).padStart(8)} s`,
      );
    }
    console.log(
      `     hybrid/CDN: offload ${(100 * r.ratio.offloadOfBound).toFixed(0)}% of the bound, edge bytes ${r.ratio.edgeBytes.toFixed(2)}x, start-up ${r.ratio.startupP50.toFixed(2)}x, latency ${r.ratio.latencyP50.toFixed(2)}x (load ${(r.loadAverage.afterHybrid ?? 0).toFixed(1)} on ${r.loadAverage.cores} cores)`,
    );
    if (network === 'loopback') continue;
    for (const [name, profiles] of [
      ['CDN', r.perProfile.cdn],
      ['hybrid', r.perProfile.hybrid],
    ] as const) {
      for (const p of profiles) {
        const mb = (bytes: number | null) => (bytes === null ? '—' : (bytes / 1e6).toFixed(2));
        console.log(
          `     ${name.padEnd(6)} ${p.profile.padEnd(8)} ${p.viewers} viewers: offload ${p.offloadPercent.toFixed(0)}%, link up/down ${mb(p.linkUpBytes)}/${mb(p.linkDownBytes)} MB, peak up ${p.peakUpMbps?.toFixed(2) ?? '—'} Mbit/s (${p.peakUpOfCapPercent?.toFixed(0) ?? '—'}% of cap${p.upWithinCap ? '' : ', OVER'}), first fetcher ${name === 'CDN' ? '—' : `${p.firstFetcherSeconds.toFixed(0)} s`}, stalls ${p.stalls} (${p.stalledSeconds.toFixed(1)} s)`,
        );
      }
    }
  }
  console.log('wrote bench-results/offload.json');
}

await main();
