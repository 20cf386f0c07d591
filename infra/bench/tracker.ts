/**
 * bench:tracker: our tracker (TrackerSwarm on workerd under `wrangler dev`)
 * vs bittorrent-tracker's own Node server (WebSocket only), driven by the same
 * load generator (infra/src/tracker-load.ts) in the same run.
 *
 *   npm run bench:tracker -- [--clients 1000] [--saturate-clients 4000] [--seconds 8] [--memory-peers 10000]
 *                            [--rejoin-clients 1000] [--rejoin-rounds 5] [--rejoin-only]
 *                            [--engine-seconds 3] [--engine-peers 1000] [--engine-only]
 *                            [--ramp 250,500,1000,1500,2000,3000,4000,5500] [--ramp-seconds 4] [--ramp-only]
 *
 * 0. Engine (issue #15 (a)): the tracker engine alone in this Node process, one
 *    core, 5 offers per announce, JSON in and out, against bittorrent-tracker's
 *    Server driven the same way in the same process (infra/src/tracker-engine-bench.ts),
 *    next to the per-core figures aquatic's load test published. Runs first,
 *    before wrangler starts. `--engine-only` runs just this (no wrangler) and
 *    writes bench-results/tracker-engine.json.
 * R. Ramp (issue #15 (b)): per object, announces/s until relay p99 passes
 *    100 ms: fresh clients at each step of `--ramp` (each ≤ 1 announce per
 *    550 ms), measured for `--ramp-seconds`, until a step's relay p99 is over
 *    100 ms; the figure is the rate of the last step under it. Both servers.
 *    `--ramp-only` runs just this (and the engine) and writes bench-results/tracker-ramp.json.
 *
 * 1. Memory: connect `--memory-peers` clients, then have each join a 20-peer
 *    swarm, reading the server process's resident memory (VmRSS) before, after
 *    connecting and after joining.
 * 2. Latency at a load both servers carry: `--clients` clients in 20-peer
 *    swarms announce with 5 offers each, closed-loop, at most one announce per
 *    550 ms per client. Offer-relay latency p50/p99.
 * 3. Sustained throughput: the same with `--saturate-clients`, offering more
 *    than either server can carry; the achieved rate is what it sustains.
 * 4. Rejoin (ours only): `--rejoin-clients` clients in 20-peer swarms; the shard
 *    drops every socket at once (the outage route with seconds=0: what clients
 *    see when the object restarts), and each client reconnects on the player's
 *    backoff and re-announces (infra/src/tracker-rejoin.ts). Per round: per-client
 *    p50/p95 and the time until every client was back; then p95 over rounds.
 *    `--rejoin-only` runs just this and writes bench-results/tracker-rejoin.json.
 * Each load run also reads the server's CPU time, so the cost per announce is
 * known even where the load generator, not the server, set the pace.
 *
 * Swarms are real (our tracker admits no others): the renditions of a published
 * stream, at most 32 (ingest's limit), so above 640 clients some swarms hold
 * more than 20 peers. Both servers get the same info_hashes.
 *
 * Our tracker is measured on the workerd process that runs the Worker, not
 * through wrangler's dev proxy, with every client in one region shard and
 * sub-shards off for the bench streams (PUT /v1/tracker/:stream/sub-shards
 * {"maxSubShards": 1}): one Durable Object, the figure sub-shards multiply.
 * Memory per idle peer (issue #15 (c)) is the connect-only reading per peer.
 * Prints tables and ratios; writes bench-results/tracker.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { repoRoot, startLocalEdge } from '../src/local-edge';
import { publishSwarms } from '../src/tracker-clients';
import {
  benchBittorrentTracker,
  benchOurEngine,
  type EngineBenchResult,
  engineBenchDefaults,
  publishedPerCore,
} from '../src/tracker-engine-bench';
import {
  type AnnounceLoadResult,
  announceLoadDefaults,
  closeClients,
  joinSwarms,
  openClients,
  percentile,
  runAnnounceLoad,
} from '../src/tracker-load';
import { cpuSeconds, findWorkerRuntime, isAlive, residentBytes } from '../src/tracker-proc';
import { measureRejoin, type RejoinResult } from '../src/tracker-rejoin';
import { parseTrackerBenchArgs, trackerBenchUsage } from './tracker-args';

const {
  clients,
  saturateClients,
  seconds,
  memoryPeers,
  rejoinClients,
  rejoinRounds,
  rejoinOnly,
  engineSeconds,
  enginePeers,
  engineOnly,
  rampSteps,
  rampSeconds,
  rampOnly,
} = valueOrExit(parseTrackerBenchArgs(process.argv.slice(2)), trackerBenchUsage);
/** The ramp stops at the first step whose relay p99 passes this. */
const rampP99LimitMs = 100;
const swarmSize = announceLoadDefaults.swarmSize;

interface Endpoint {
  pid: number;
  /** ws:// URL of a tracker for a given stream. */
  url: (stream: string) => string;
}

interface Target {
  name: string;
  /** Resolved before each phase: wrangler dev restarts workerd (new pid and port) when source files change. */
  resolve: () => Promise<Endpoint>;
}

interface MemoryResult {
  peers: number;
  rssBeforeBytes: number;
  /** After the WebSockets are open, before any announce. */
  rssConnectedBytes: number;
  /** After every peer has joined a swarm. */
  rssJoinedBytes: number;
  megabytesPer10k: number;
  /** The part that appeared on connecting alone, and the part joining swarms added. */
  connectMegabytesPer10k: number;
  joinMegabytesPer10k: number;
  /** Per peer: connected and silent (an idle peer), and what joining a swarm added. */
  kilobytesPerIdlePeer: number;
  kilobytesPerJoin: number;
}

/**
 * Runs one phase, once more if the server went away during it: wrangler dev
 * restarts workerd whenever a source file changes, which on a shared checkout
 * can happen mid-run. A retried phase is reported as such.
 */
async function phase<T>(target: Target, label: string, run: (endpoint: Endpoint) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    process.stderr.write(`${target.name}: ${label}${attempt > 1 ? ' (retry)' : ''}\n`);
    const endpoint = await target.resolve();
    try {
      const result = await run(endpoint);
      if (isAlive(endpoint.pid)) return attempt > 1 ? { ...result, retried: true } : result;
      throw new Error(`${target.name} (pid ${endpoint.pid}) exited during the run`);
    } catch (error) {
      if (attempt >= 2) throw error;
      process.stderr.write(`${target.name}: ${(error as Error).message}; retrying once\n`);
      await sleep(5000);
    }
  }
}

async function measureMemory(target: Target): Promise<MemoryResult> {
  return phase(target, `connecting ${memoryPeers} peers for the memory reading`, ({ pid, url }) =>
    readMemory(pid, url),
  );
}

/** Real swarms (the edge admits no others) per stream, published before the runs; the baseline gets the same ids. */
const benchSwarms = new Map<string, string[]>();

async function readMemory(pid: number, url: (stream: string) => string): Promise<MemoryResult> {
  const per10k = (bytes: number) => (bytes * 10_000) / memoryPeers / 1e6;
  const before = residentBytes(pid);
  const peers = await openClients(url('bench-memory'), memoryPeers);
  await sleep(2000); // let the server settle (allocations after the handshake, GC)
  const connected = residentBytes(pid);
  await joinSwarms(peers, swarmSize, benchSwarms.get('bench-memory'));
  await sleep(2000);
  const joined = residentBytes(pid);
  await closeClients(peers);
  return {
    peers: memoryPeers,
    rssBeforeBytes: before,
    rssConnectedBytes: connected,
    rssJoinedBytes: joined,
    megabytesPer10k: per10k(joined - before),
    connectMegabytesPer10k: per10k(connected - before),
    joinMegabytesPer10k: per10k(joined - connected),
    kilobytesPerIdlePeer: (connected - before) / memoryPeers / 1000,
    kilobytesPerJoin: (joined - connected) / memoryPeers / 1000,
  };
}

async function measureLoad(target: Target, count: number, stream: string): Promise<AnnounceLoadResult> {
  return phase(target, `${count} clients announcing for ${seconds} s (+ warm-up)`, async ({ pid, url }) => {
    const load = await openClients(url(stream), count);
    const swarms = benchSwarms.get(stream);
    await joinSwarms(load, swarmSize, swarms);
    const result = await runAnnounceLoad(load, { seconds, serverCpu: () => cpuSeconds(pid), swarms });
    await closeClients(load);
    return result;
  });
}

interface RampStep {
  clients: number;
  offeredPerSecond: number;
  result: AnnounceLoadResult;
}

interface RampResult {
  steps: RampStep[];
  /** Announces/s at the last step whose relay p99 stayed within the limit (0 if none did). */
  announcesPerSecondUnderLimit: number;
  /** The first step over it, if the ramp got there. */
  firstOver?: { clients: number; relayP99Ms: number; announcesPerSecond: number };
  loadAverage: { before: number; after: number };
}

/** Fresh clients at each step, more each time, until relay p99 passes the limit (the step after is not run). */
async function measureRamp(target: Target, stream: string): Promise<RampResult> {
  const steps: RampStep[] = [];
  const before = loadavg()[0] ?? Number.NaN;
  let firstOver: RampResult['firstOver'];
  for (const count of rampSteps) {
    const result = await phase(target, `ramp: ${count} clients for ${rampSeconds} s`, async ({ pid, url }) => {
      const load = await openClients(url(stream), count);
      const swarms = benchSwarms.get(stream);
      await joinSwarms(load, swarmSize, swarms);
      const r = await runAnnounceLoad(load, {
        seconds: rampSeconds,
        warmupSeconds: 1,
        serverCpu: () => cpuSeconds(pid),
        swarms,
      });
      await closeClients(load);
      return r;
    });
    steps.push({ clients: count, offeredPerSecond: (count * 1000) / announceLoadDefaults.minGapMs, result });
    process.stderr.write(
      `${target.name}: ramp ${count} clients: ${result.announcesPerSecond.toFixed(0)} announces/s, relay p99 ${result.relayP99Ms.toFixed(1)} ms\n`,
    );
    if (!(result.relayP99Ms <= rampP99LimitMs)) {
      firstOver = { clients: count, relayP99Ms: result.relayP99Ms, announcesPerSecond: result.announcesPerSecond };
      break;
    }
  }
  const under = steps.filter((s) => s.result.relayP99Ms <= rampP99LimitMs);
  return {
    steps,
    announcesPerSecondUnderLimit: under.at(-1)?.result.announcesPerSecond ?? 0,
    ...(firstOver ? { firstOver } : {}),
    loadAverage: { before, after: loadavg()[0] ?? Number.NaN },
  };
}

function printRamp(base: RampResult, ours: RampResult): void {
  console.log(
    `\nramp: per object, announces/s until relay p99 passes ${rampP99LimitMs} ms (${rampSeconds} s per step, fresh clients each)`,
  );
  console.log('server              last under    first over (clients, p99)   steps');
  for (const [name, r] of [
    ['bittorrent-tracker', base],
    ['edge (one object)', ours],
  ] as const) {
    const over = r.firstOver
      ? `${r.firstOver.clients} clients, ${r.firstOver.relayP99Ms.toFixed(0)} ms`
      : 'not reached';
    const steps = r.steps.map(
      (s) => `${s.clients}:${s.result.announcesPerSecond.toFixed(0)}/s@${s.result.relayP99Ms.toFixed(0)}ms`,
    );
    console.log(
      `${name.padEnd(19)} ${r.announcesPerSecondUnderLimit.toFixed(0).padStart(10)}/s  ${over.padEnd(27)} ${steps.join(' ')}`,
    );
  }
}

interface EngineReport {
  settings: typeof engineBenchDefaults;
  ours: EngineBenchResult;
  bittorrentTracker: EngineBenchResult;
  ratio: number;
  published: typeof publishedPerCore;
  loadAverage: { before: number; after: number };
}

/** Part (a): the engines alone in this process, before wrangler starts (a quieter machine). */
async function measureEngines(): Promise<EngineReport> {
  const settings = { ...engineBenchDefaults, peers: enginePeers, seconds: engineSeconds };
  const before = loadavg()[0] ?? Number.NaN;
  process.stderr.write(`engine: ours, then bittorrent-tracker's, ${engineSeconds} CPU s each\n`);
  const ours = benchOurEngine(settings);
  const bittorrentTracker = await benchBittorrentTracker(settings);
  return {
    settings,
    ours,
    bittorrentTracker,
    ratio: ours.announcesPerCoreSecond / bittorrentTracker.announcesPerCoreSecond,
    published: publishedPerCore,
    loadAverage: { before, after: loadavg()[0] ?? Number.NaN },
  };
}

function printEngine(e: EngineReport): void {
  const k = (x: number) => `${(x / 1000).toFixed(1)}k`;
  console.log(
    `\nengine alone (Node ${process.version}, one core, ${e.settings.peers} peers in ${e.settings.swarmSize}-peer swarms, ${e.settings.offersPerAnnounce} offers per announce, JSON in and out), load average ${e.loadAverage.before.toFixed(2)}`,
  );
  console.log(
    `  ours ${k(e.ours.announcesPerCoreSecond)} announces/s per core (${e.ours.framesOutPerAnnounce.toFixed(2)} frames out each); bittorrent-tracker's Server, same harness, ${k(e.bittorrentTracker.announcesPerCoreSecond)} (${e.bittorrentTracker.framesOutPerAnnounce.toFixed(2)}): ratio ${e.ratio.toFixed(2)}x`,
  );
  const p = e.published;
  console.log(
    `  published per core (${p.source}): aquatic_ws ${k(p.aquatic_ws)}, wt-tracker ${k(p['wt-tracker'])}, bittorrent-tracker ${k(p['bittorrent-tracker'].low)}-${k(p['bittorrent-tracker'].high)}; target ≥ ${k(p.target)}: ${e.ours.announcesPerCoreSecond >= p.target ? 'met' : 'not met'}`,
  );
}

function startBaseline(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'infra/src/tracker-baseline-server.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`baseline tracker exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) =>
      resolve({ child, port: (JSON.parse(chunk.toString()) as { port: number }).port }),
    );
  });
}

const loadRow = (name: string, r: AnnounceLoadResult) =>
  [
    name.padEnd(19),
    r.announcesPerSecond.toFixed(0).padStart(11),
    r.relayP50Ms.toFixed(1).padStart(9),
    r.relayP99Ms.toFixed(1).padStart(9),
    String(r.offersRelayed).padStart(8),
    String(r.failures).padStart(5),
    r.serverCpuMsPer1000Announces.toFixed(0).padStart(10),
    (r.generatorCpuShare * 100).toFixed(0).padStart(8),
  ].join(' ');

const memoryRow = (name: string, m: MemoryResult) =>
  [
    name.padEnd(19),
    m.megabytesPer10k.toFixed(1).padStart(12),
    m.connectMegabytesPer10k.toFixed(1).padStart(11),
    m.joinMegabytesPer10k.toFixed(1).padStart(8),
    m.kilobytesPerIdlePeer.toFixed(1).padStart(14),
    m.kilobytesPerJoin.toFixed(2).padStart(12),
  ].join(' ');

function printLoad(title: string, count: number, base: AnnounceLoadResult, ours: AnnounceLoadResult): void {
  const offered = Math.round((count * 1000) / announceLoadDefaults.minGapMs);
  console.log(`\n${title}: ${count} clients (offered ≤ ${offered} announces/s), ${seconds} s measured`);
  console.log('server              announces/s relay p50 relay p99   offers fails cpu ms/1k gen cpu%');
  console.log(loadRow('bittorrent-tracker', base));
  console.log(loadRow('edge (workerd)', ours));
}

interface RejoinReport {
  clients: number;
  rounds: RejoinResult[];
  /** p95 over rounds of the time until every client was back (nearest rank). */
  allRejoinedP95Ms: number;
  allRejoinedMaxMs: number;
  /** Per-client p95 within a round: the median over rounds. */
  clientP95MedianMs: number;
  /** 1-minute load average before and after: others share this machine. */
  loadAverage: { before: number; after: number };
}

async function measureRejoinRounds(wsUrl: string, httpUrl: string, secret: string): Promise<RejoinReport> {
  const stream = 'bench-rejoin';
  const swarms = (await publishSwarms(httpUrl, secret, stream, Math.ceil(rejoinClients / swarmSize))).map((h) =>
    new TextDecoder().decode(h),
  );
  const before = loadavg()[0] ?? Number.NaN;
  const rounds: RejoinResult[] = [];
  for (let round = 0; round < rejoinRounds; round++) {
    const result = await measureRejoin({
      url: `${wsUrl}/v1/tracker/${stream}?region=eu&asn=64500`,
      clients: rejoinClients,
      swarmSize,
      swarms,
      restart: async () => {
        const response = await fetch(`${httpUrl}/v1/tracker/${stream}/outage?seconds=0`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${secret}` },
        });
        if (!response.ok) throw new Error(`outage: ${response.status} ${await response.text()}`);
      },
    });
    rounds.push(result);
    console.log(
      `rejoin round ${round + 1}/${rejoinRounds}: ${result.rejoined}/${result.clients} back, p50 ${result.p50Ms.toFixed(0)} ms, p95 ${result.p95Ms.toFixed(0)} ms, all ${result.allMs.toFixed(0)} ms, ${result.failedAttempts} failed attempts; restart call ${result.restartCallMs?.toFixed(0)} ms, sockets closed p50 ${result.closedP50Ms?.toFixed(0)} / p95 ${result.closedP95Ms?.toFixed(0)} ms, reconnects began p50 ${result.attemptP50Ms?.toFixed(0)} / p95 ${result.attemptP95Ms?.toFixed(0)} ms, upgraded p50 ${result.openedP50Ms?.toFixed(0)} / p95 ${result.openedP95Ms?.toFixed(0)} ms`,
    );
    await sleep(1000);
  }
  const all = rounds.map((r) => (Number.isNaN(r.allMs) ? Number.POSITIVE_INFINITY : r.allMs)).sort((a, b) => a - b);
  const clientP95 = rounds.map((r) => r.p95Ms).sort((a, b) => a - b);
  return {
    clients: rejoinClients,
    rounds,
    allRejoinedP95Ms: percentile(all, 95),
    allRejoinedMaxMs: all.at(-1) ?? Number.NaN,
    clientP95MedianMs: percentile(clientP95, 50),
    loadAverage: { before, after: loadavg()[0] ?? Number.NaN },
  };
}

function printRejoin(r: RejoinReport): void {
  console.log(
    `
rejoin after a shard restart, ${r.clients} clients, ${r.rounds.length} rounds: every client back p95 ${r.allRejoinedP95Ms.toFixed(0)} ms (max ${r.allRejoinedMaxMs.toFixed(0)} ms), per-client p95 ${r.clientP95MedianMs.toFixed(0)} ms (median over rounds); load average ${r.loadAverage.before.toFixed(2)} → ${r.loadAverage.after.toFixed(2)} on ${cpus().length} CPUs`,
  );
}

function writeReport(name: string, report: unknown): void {
  const out = join(repoRoot, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, name), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote bench-results/${name}`);
}

const machine = () => ({ cpus: cpus().length, model: cpus()[0]?.model, node: process.version });

async function main(): Promise<void> {
  // Part (a) first, while nothing of ours runs yet.
  const engine = await measureEngines();
  printEngine(engine);
  if (engineOnly) {
    writeReport('tracker-engine.json', {
      benchmark: 'tracker-engine',
      date: new Date().toISOString(),
      machine: machine(),
      engine,
    });
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-bench-tracker-'));
  let wranglerTail = '';
  const secret = randomBytes(24).toString('base64url');
  const edge = await startLocalEdge({
    persistDir: join(work, 'state'),
    vars: { PUBLISH_SECRET: secret, TRACKER_REGION_OVERRIDE: '1', FAULT_INJECTION: '1' },
    onOutput: (text) => {
      wranglerTail = (wranglerTail + text).slice(-4000);
    },
  });
  let baseline: ChildProcess | undefined;
  try {
    if (rejoinOnly) {
      const runtime = await findWorkerRuntime(edge.process.pid ?? 0, edge.port);
      const rejoin = await measureRejoinRounds(runtime.url.replace(/^http/, 'ws'), runtime.url, secret);
      const out = join(repoRoot, 'bench-results');
      mkdirSync(out, { recursive: true });
      const report = {
        benchmark: 'tracker-rejoin',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        settings: { rejoinClients, rejoinRounds, swarmSize, restart: 'POST /v1/tracker/:stream/outage?seconds=0' },
        rejoin,
      };
      writeFileSync(join(out, 'tracker-rejoin.json'), `${JSON.stringify(report, null, 2)}\n`);
      printRejoin(rejoin);
      console.log('wrote bench-results/tracker-rejoin.json');
      return;
    }
    const streams = rampOnly
      ? ([['bench-ramp', Math.max(...rampSteps)]] as const)
      : ([
          ['bench-memory', memoryPeers],
          ['bench-moderate', clients],
          ['bench-saturate', saturateClients],
          ['bench-ramp', Math.max(...rampSteps)],
        ] as const);
    for (const [stream, peers] of streams) {
      const hashes = await publishSwarms(edge.url, secret, stream, Math.ceil(peers / swarmSize));
      benchSwarms.set(
        stream,
        hashes.map((h) => new TextDecoder().decode(h)),
      );
      // One object per stream: the per-object figure is what sub-shards multiply.
      const set = await fetch(`${edge.url}/v1/tracker/${stream}/sub-shards`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${secret}` },
        body: JSON.stringify({ maxSubShards: 1 }),
      });
      if (!set.ok) throw new Error(`sub-shard options: ${set.status} ${await set.text()}`);
    }
    const started = await startBaseline();
    baseline = started.child;
    const baselineTarget: Target = {
      name: 'bittorrent-tracker',
      resolve: async () => ({ pid: started.child.pid ?? 0, url: () => `ws://127.0.0.1:${started.port}/` }),
    };
    let runtimeUrl = '';
    const edgeTarget: Target = {
      name: 'edge',
      resolve: async () => {
        const runtime = await findWorkerRuntime(edge.process.pid ?? 0, edge.port);
        runtimeUrl = runtime.url;
        return {
          pid: runtime.pid,
          url: (stream) => `${runtime.url.replace(/^http/, 'ws')}/v1/tracker/${stream}?region=eu&asn=64500`,
        };
      },
    };
    if (rampOnly) {
      const ramp = {
        base: await measureRamp(baselineTarget, 'bench-ramp'),
        ours: await measureRamp(edgeTarget, 'bench-ramp'),
      };
      const rampRatio = ramp.ours.announcesPerSecondUnderLimit / ramp.base.announcesPerSecondUnderLimit;
      printEngine(engine);
      printRamp(ramp.base, ramp.ours);
      console.log(
        `\nratio edge/bittorrent-tracker: announces/s under ${rampP99LimitMs} ms relay p99 ${rampRatio.toFixed(2)}x`,
      );
      writeReport('tracker-ramp.json', {
        benchmark: 'tracker-ramp',
        date: new Date().toISOString(),
        machine: machine(),
        settings: { ...announceLoadDefaults, rampSteps, rampSeconds, rampP99LimitMs },
        engine,
        ramp,
        ratio: { engineAnnouncesPerCore: engine.ratio, announcesPerSecondUnderLimit: rampRatio },
      });
      return;
    }
    const memory = { base: await measureMemory(baselineTarget), ours: await measureMemory(edgeTarget) };
    const moderate = {
      base: await measureLoad(baselineTarget, clients, 'bench-moderate'),
      ours: await measureLoad(edgeTarget, clients, 'bench-moderate'),
    };
    const saturated = {
      base: await measureLoad(baselineTarget, saturateClients, 'bench-saturate'),
      ours: await measureLoad(edgeTarget, saturateClients, 'bench-saturate'),
    };
    const ramp = {
      base: await measureRamp(baselineTarget, 'bench-ramp'),
      ours: await measureRamp(edgeTarget, 'bench-ramp'),
    };
    const rejoin = await measureRejoinRounds(runtimeUrl.replace(/^http/, 'ws'), runtimeUrl, secret);
    // The tracker's own view of the saturating run (its counters), when the runtime is still the same one.
    const trackerStats = await fetch(`${runtimeUrl}/v1/tracker/bench-saturate/stats`)
      .then((response) => response.json())
      .catch(() => null);

    const ratio = {
      sustainedAnnouncesPerSecond: saturated.ours.announcesPerSecond / saturated.base.announcesPerSecond,
      relayP50AtModerateLoad: moderate.ours.relayP50Ms / moderate.base.relayP50Ms,
      relayP99AtModerateLoad: moderate.ours.relayP99Ms / moderate.base.relayP99Ms,
      cpuPerAnnounce: moderate.ours.serverCpuMsPer1000Announces / moderate.base.serverCpuMsPer1000Announces,
      memoryPer10k: memory.ours.megabytesPer10k / memory.base.megabytesPer10k,
      memoryPerIdlePeer: memory.ours.kilobytesPerIdlePeer / memory.base.kilobytesPerIdlePeer,
      engineAnnouncesPerCore: engine.ratio,
      announcesPerSecondUnderLimit: ramp.ours.announcesPerSecondUnderLimit / ramp.base.announcesPerSecondUnderLimit,
    };
    const report = {
      benchmark: 'tracker',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: {
        ...announceLoadDefaults,
        seconds,
        clients,
        saturateClients,
        memoryPeers,
        edgeMeasuredAt: 'the workerd runtime process and port (no dev proxy), one region shard',
      },
      engine,
      memory,
      moderate,
      saturated,
      ramp,
      rejoin,
      ratio,
      edgeTrackerStatsAfterRun: trackerStats,
    };
    const out = join(repoRoot, 'bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'tracker.json'), `${JSON.stringify(report, null, 2)}\n`);

    console.log(
      `\n${swarmSize}-peer swarms, 5 offers per announce, each client ≤ 1 announce per ${announceLoadDefaults.minGapMs} ms`,
    );
    printLoad('moderate load', clients, moderate.base, moderate.ours);
    printLoad('saturating load', saturateClients, saturated.base, saturated.ours);
    console.log(`\nmemory: server VmRSS, ${memoryPeers} peers connected, then joined to swarms; scaled to 10k peers`);
    console.log('server              MB/10k peers  on connect  on join  KB/idle peer  KB per join');
    console.log(memoryRow('bittorrent-tracker', memory.base));
    console.log(memoryRow('edge (workerd)', memory.ours));
    console.log(
      [
        '\nratio edge/bittorrent-tracker:',
        `sustained announces/s ${ratio.sustainedAnnouncesPerSecond.toFixed(2)}x,`,
        `relay p50 ${ratio.relayP50AtModerateLoad.toFixed(2)}x and p99 ${ratio.relayP99AtModerateLoad.toFixed(2)}x at moderate load,`,
        `CPU per announce ${ratio.cpuPerAnnounce.toFixed(2)}x,`,
        `memory per 10k peers ${ratio.memoryPer10k.toFixed(2)}x and per idle peer ${ratio.memoryPerIdlePeer.toFixed(2)}x,`,
        `engine announces per core ${ratio.engineAnnouncesPerCore.toFixed(2)}x,`,
        `announces/s per object under ${rampP99LimitMs} ms relay p99 ${ratio.announcesPerSecondUnderLimit.toFixed(2)}x`,
      ].join(' '),
    );
    printEngine(engine);
    printRamp(ramp.base, ramp.ours);
    printRejoin(rejoin);
    console.log('wrote bench-results/tracker.json');
  } catch (error) {
    process.stderr.write(`wrangler dev output (tail):\n${wranglerTail}\n`);
    throw error;
  } finally {
    baseline?.kill('SIGTERM');
    await edge.stop();
  }
}

await main();
