/**
 * The compare harness: one live test stream, two cohorts of N headless
 * viewers on it, CDN-only (P2P off) and hybrid, one after the other.
 *
 * Why one stream and one cohort at a time: both cohorts see the same encoder,
 * ladder and segment timing, and nothing else plays while a cohort runs, so
 * the edge's own byte count for a cohort is the difference of the stream's
 * stats across it. Running both at once would be fairer to a machine whose
 * load drifts, but would put 2N browsers on 2 cores; the load of each cohort
 * is recorded instead, and `--order hybrid-first` checks for an order effect.
 *
 * Layout: the edge (wrangler dev on the host's loopback, or `--url`) and the
 * publisher run here; so does the throttling proxy, on a Unix socket. Each
 * cohort runs in its own private network namespace (DESIGN §6), where WebRTC
 * between the browsers cannot leave the machine; a relay there carries the
 * pages' TCP connections to the proxy's socket. CDN-only viewers take the
 * same path, so the two cohorts differ only in P2P. With `--network`, each
 * viewer sits in a namespace of its own behind a shaped link, and the relay
 * listens on the bridge those links meet at (cohort/viewer-links.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath } from '@edgeswarm/origin/ffmpeg/locate';
import type { StatsSnapshot, StreamStatus } from '@edgeswarm/protocol';
import { parseFragmentFault } from '../cohort/fragment-fault';
import { type NamespaceTask, runInNamespace } from '../cohort/in-namespace';
import { cohortLabel } from '../cohort/records';
import { profileLines } from '../cohort/renderer-profile';
import { ViewerCgroups, viewerCpuUnavailable } from '../cohort/viewer-cpu';
import { natLinks, parseNatSpec } from '../cohort/viewer-nat';
import { linksFor } from '../link-profiles';
import { type LocalEdge, repoRoot, startLocalEdge } from '../local-edge';
import { privateNetworkAvailable } from '../netns';
import { interruptCli, type RunningCli, spawnOriginCli } from '../run-cli';
import { startCpuBurner, startLoadBurner } from './cpu-burner';
import { frontierRows, type SweepPoint, sweepPoints } from './frontier';
import { type CohortName, type CompareOptions, hybridCohortPolicy, runStamp } from './options';
import { renderReport } from './report-html';
import type { CohortResult, CompareResults } from './results';
import {
  compareSummaries,
  cpuFigures,
  edgeCountBetween,
  isSaturated,
  proxyBetween,
  summariseCohort,
  summariseProfiles,
  summaryDefaults,
} from './summary';
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy';

export const harnessDefaults = {
  /** The publisher must have this many segments in every rendition before the first viewer joins. */
  liveSegments: 3,
  liveTimeoutMs: 90_000,
  /** Publisher's own stop, in case the harness dies without stopping it: well past both cohorts. */
  publishMarginSeconds: 120,
  /** Per cohort: Chromium start-up and the settling wait, on top of its seconds. */
  cohortOverheadSeconds: 60,
  /** A cohort that runs this long past its seconds is hung: its namespace is killed, and all in it. */
  cohortTimeoutMarginSeconds: 180,
  /** The edge and viewers may disagree by this much before the run warns. */
  edgeMismatchPercent: 10,
};

export interface CompareRun {
  results: CompareResults;
  outDir: string;
  resultsPath: string;
  reportPath: string;
}

async function fetchJson<T>(url: string): Promise<T | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

export async function waitUntilLive(edgeUrl: string, stream: string, publisher: RunningCli): Promise<StreamStatus> {
  const deadline = Date.now() + harnessDefaults.liveTimeoutMs;
  while (Date.now() < deadline) {
    const exited = publisher.output().code;
    if (exited !== null)
      throw new Error(`the publisher exited (${exited}):\n${publisher.output().stderr.slice(-2000)}`);
    const status = await fetchJson<StreamStatus>(`${edgeUrl}/v1/streams/${stream}`);
    if (status && status.renditions.length > 0) {
      if (status.renditions.every((r) => r.lastMsn + 1 >= harnessDefaults.liveSegments)) return status;
    }
    await sleep(500);
  }
  throw new Error(`the stream never went live:\n${publisher.output().stderr.slice(-2000)}`);
}

/** The stream's stats once the edge's batched byte counts (flushed every 2 s) have stopped moving. */
async function settledStats(edgeUrl: string, stream: string, settleSeconds: number): Promise<StatsSnapshot | null> {
  await sleep(settleSeconds * 1000);
  let stats = await fetchJson<StatsSnapshot>(`${edgeUrl}/v1/streams/${stream}/stats`);
  for (let i = 0; i < 5 && stats; i++) {
    await sleep(2500);
    const again = await fetchJson<StatsSnapshot>(`${edgeUrl}/v1/streams/${stream}/stats`);
    if (!again || again.edge.servedBytes === stats.edge.servedBytes) break;
    stats = again;
  }
  return stats;
}

/** Runs one cohort in its own network namespace, passing its progress lines on as they come. */
async function runCohortInNamespace(task: Extract<NamespaceTask, { task: 'cohort' }>, log: (line: string) => void) {
  try {
    return await runInNamespace(task, {
      timeoutMs: (task.plan.seconds + harnessDefaults.cohortTimeoutMarginSeconds) * 1000,
      onLine: (line) => {
        if (line.startsWith('compare:')) log(line);
      },
    });
  } catch (error) {
    throw new Error(`the ${cohortLabel(task.plan.name)} cohort failed: ${(error as Error).message}`);
  }
}

export async function runCompare(
  options: CompareOptions,
  log: (line: string) => void,
  context: { command: string; warnings: string[] } = { command: 'npm run compare', warnings: [] },
): Promise<CompareRun> {
  const unavailable = privateNetworkAvailable({ shaped: options.network !== 'loopback' });
  if (unavailable) throw new Error(`compare runs its viewers in a private network namespace: ${unavailable}`);
  if (options.nat !== undefined && !findOnPath('iptables'))
    throw new Error('--nat needs iptables (apt-get install iptables)');
  const noQuota = options.viewerCpu === undefined ? undefined : viewerCpuUnavailable();
  if (noQuota) throw new Error(`--viewer-cpu: ${noQuota}`);
  const startedAt = new Date();
  const stamp = runStamp(startedAt);
  const outDir = resolve(options.out ?? join(repoRoot, 'bench-results', `compare-${stamp}`));
  mkdirSync(outDir, { recursive: true });
  const stream = options.stream ?? `compare-${stamp}`;
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-compare-'));
  const secret = randomBytes(24).toString('base64url');
  const warnings = [...context.warnings];

  let edge: LocalEdge | undefined;
  let proxy: ThrottleProxy | undefined;
  let publisher: RunningCli | undefined;
  const cohorts: CohortResult[] = [];
  // The cohorts in the order they run: a latency sweep's points, or the cohorts of --cohorts/--order.
  const points: { name: CohortName; label: string; latency?: SweepPoint['latency'] }[] = options.latency
    ? sweepPoints(options.latency).map((p) => ({ name: p.cohort, label: p.label, latency: p.latency }))
    : options.order.map((name) => ({ name, label: cohortLabel(name) }));
  try {
    if (!options.url) {
      log('compare: starting the local edge (wrangler dev)');
      edge = await startLocalEdge({
        persistDir: join(work, 'state'),
        vars: {
          PUBLISH_SECRET: secret,
          TRACKER_REGION_OVERRIDE: '1',
          ...(options.namedMembers === undefined ? {} : { TRACKER_NAMED_MEMBERS: String(options.namedMembers) }),
        },
      });
    }
    const edgeUrl = options.url ?? (edge as LocalEdge).url;
    proxy = await startThrottleProxy({
      upstream: edgeUrl,
      listen: { path: join(work, 'edge.sock') },
      ...(options.edgeMbps === undefined ? {} : { edgeMbps: options.edgeMbps }),
    });
    const publishSeconds =
      points.length * (options.seconds + harnessDefaults.cohortOverheadSeconds) + harnessDefaults.publishMarginSeconds;
    publisher = spawnOriginCli(
      [
        ...['publish', '--stream', stream, '--edge', edgeUrl, '--duration', String(Math.ceil(publishSeconds))],
        ...['--size', options.size, '--segment-seconds', String(options.segmentSeconds)],
        ...(options.key ? ['--key', options.key] : []),
        // A sweep needs parts for its low-latency points. Otherwise whole segments, as the comparison has always
        // measured: the hybrid and CDN-only viewers play whole segments either way, but stock p2p-media-loader, which
        // builds hls.js with its defaults (low-latency mode), would load parts over HTTP.
        ...(options.latency ? [] : ['--no-parts']),
        ...(options.partSeconds === undefined ? [] : ['--part-seconds', String(options.partSeconds)]),
      ],
      { ...(edge ? { PUBLISH_SECRET: secret } : {}), EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    log(`compare: publishing a ${options.size} test pattern as ${stream} to ${edgeUrl}`);
    await waitUntilLive(edgeUrl, stream, publisher);
    log(
      `compare: live; ${points.map((p) => p.label).join(' then ')}, ${options.viewers} viewers each${options.edgeMbps === undefined ? '' : `, edge capped at ${options.edgeMbps} Mbit/s`}${options.network === 'loopback' ? '' : `, network ${options.network}`}${options.edgeLinkMbps === undefined ? '' : `, edge link ${options.edgeLinkMbps} Mbit/s`}${options.namedMembers === undefined ? '' : `, tracker naming ${options.namedMembers} earliest members`}${options.nat === undefined ? '' : `, NAT ${options.nat}`}${options.failFragment === undefined ? '' : `, failing viewer:fragment ${options.failFragment}`}${options.burnCpuPercent > 0 ? `, burning ${options.burnCpuPercent}% of the CPU beside each cohort` : ''}${options.burnLoad > 0 ? `, ${options.burnLoad} busy processes beside each cohort${options.burnNice === 0 ? '' : ` at nice ${options.burnNice > 0 ? '+' : ''}${options.burnNice} from the browsers`}` : ''}${options.viewerCpu === undefined ? '' : `, each viewer's browser capped at ${options.viewerCpu} of a core`}${options.profile ? ', profiling every renderer' : ''}${
        options.policy
          ? `, hybrid policy ${Object.entries(options.policy)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}`
          : ''
      }`,
    );
    // Both cohorts get the same links (and NATs) in the same join order. A viewer behind a NAT needs a namespace of
    // its own, so with --nat every viewer gets a link (unshaped on loopback); a NATed viewer's profile is named with
    // its NAT kind (`loopback/symmetric`), so the figures per profile set it apart.
    const nat = options.nat === undefined ? undefined : parseNatSpec(options.nat, options.viewers);
    if (nat && 'error' in nat) throw new Error(nat.error);
    const natKinds = nat?.kinds;
    const fault =
      options.failFragment === undefined ? undefined : parseFragmentFault(options.failFragment, options.viewers);
    if (fault && 'error' in fault) throw new Error(fault.error);
    const links =
      options.network === 'loopback' && !natKinds
        ? undefined
        : natLinks(linksFor(options.network, options.viewers), natKinds ?? []);

    for (const point of points) {
      const name = point.name;
      const before = await fetchJson<StatsSnapshot>(`${edgeUrl}/v1/streams/${stream}/stats`);
      const proxyBefore = proxy.counters();
      const cpuBefore = cpus();
      // The same burn beside every cohort; it counts in the cohort's CPU figures like any other load.
      const burner = startCpuBurner(options.burnCpuPercent);
      const loadBurner = startLoadBurner(options.burnLoad, options.burnNice);
      // A cgroup per viewer, made here (outside the namespace, which a timeout or Ctrl-C kills with all in it) and
      // removed here once its browsers are gone, or on exit.
      const cgroups =
        options.viewerCpu === undefined
          ? undefined
          : new ViewerCgroups(`${stamp}-${process.pid}-${cohorts.length + 1}`, options.viewers, options.viewerCpu);
      const removeCgroups = () => {
        const left = cgroups?.remove() ?? [];
        if (left.length > 0) log(`compare: warning: could not remove ${left.join(', ')} (still in use)`);
      };
      process.once('exit', removeCgroups);
      let viewerCpu: ReturnType<ViewerCgroups['record']> | undefined;
      const run = await runCohortInNamespace(
        {
          task: 'cohort',
          plan: {
            harness: 'compare',
            name,
            stream,
            viewers: options.viewers,
            seconds: options.seconds,
            staggerSeconds: options.staggerSeconds,
            sampleSeconds: options.sampleSeconds,
            progressSeconds: options.progressSeconds,
            beacons: true,
            ...(point.latency === undefined || point.latency === 'default' ? {} : { latencyTarget: point.latency }),
            ...(links ? { links } : {}),
            ...(natKinds ? { nat: natKinds } : {}),
            ...(fault ? { failFragment: fault } : {}),
            ...(options.edgeLinkMbps === undefined ? {} : { edgeLinkMbps: options.edgeLinkMbps }),
            ...(name === 'hybrid' && options.policy ? { policy: options.policy } : {}),
            ...(options.profile ? { profile: { dir: join(outDir, 'profiles') } } : {}),
            ...(cgroups ? { viewerCgroups: { dirs: cgroups.dirs, quotaUs: cgroups.quota.quotaUs } } : {}),
          },
          socketPath: proxy.address,
        },
        log,
      ).finally(async () => {
        await Promise.all([burner.stop(), loadBurner.stop()]);
        viewerCpu = cgroups?.record();
        removeCgroups();
        process.removeListener('exit', removeCgroups);
      });
      const cpu = cpuFigures(cpuBefore, cpus(), run.samples, loadavg()[0] ?? 0);
      log(`compare: ${point.label} done; waiting ${options.settleSeconds} s for the edge's count`);
      const after = await settledStats(edgeUrl, stream, options.settleSeconds);
      const edgeCount = edgeCountBetween(before, after, name);
      const proxyCount = proxyBetween(proxyBefore, proxy.counters());
      const summary = summariseCohort(run, edgeCount, proxyCount, options.edgeMbps !== undefined);
      const result: CohortResult = {
        name,
        label: point.label,
        p2p: name !== 'cdn',
        run,
        edge: edgeCount,
        proxy: proxyCount,
        cpu,
        summary,
        byProfile: summariseProfiles(run),
        saturated: isSaturated(cpu),
        ...(viewerCpu ? { viewerCpu } : {}),
        ...(point.latency === undefined ? {} : { latency: point.latency }),
        ...(name === 'hybrid' ? { policy: hybridCohortPolicy(point.latency, options.policy) } : {}),
      };
      cohorts.push(result);
      if (run.profile) for (const line of profileLines(`compare: ${cohortLabel(name)}`, run.profile)) log(line);
      warnings.push(...cohortWarnings(result));
      log(
        `compare: ${point.label}: edge ${(summary.edgeEgressBytes / 1e6).toFixed(2)} MB (${summary.edgeEgressSource} count), offload ${summary.offloadPercent.toFixed(0)}%, CPU ${cpu.busyPercent.toFixed(0)}% busy`,
      );
    }
  } finally {
    if (publisher) await interruptCli(publisher);
    await proxy?.close();
    await edge?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const byName = (name: CohortName) => cohorts.find((c) => c.name === name) as CohortResult;
  const { out: _out, ...settings } = options;
  const results: CompareResults = {
    kind: 'edgeswarm-compare',
    version: 1,
    command: context.command,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options: settings,
    edge: { url: options.url ?? 'local wrangler dev (127.0.0.1)', local: !options.url },
    stream,
    machine: { cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}` },
    cohorts,
    comparison: compareSummaries(byName('cdn').summary, byName('hybrid').summary),
    ...(options.latency
      ? {
          frontier: frontierRows(
            cohorts.map((c) => ({
              point: { cohort: c.name === 'cdn' ? 'cdn' : 'hybrid', latency: c.latency ?? 'default', label: c.label },
              summary: c.summary,
              saturated: c.saturated,
            })),
          ),
        }
      : {}),
    warnings,
  };
  const resultsPath = join(outDir, 'results.json');
  const reportPath = join(outDir, 'report.html');
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(reportPath, renderReport(results));
  return { results, outDir, resultsPath, reportPath };
}

/** Pure: what a reader of one cohort's figures must be told. */
export function cohortWarnings(c: CohortResult): string[] {
  const warnings: string[] = [];
  const s = c.summary;
  if (c.saturated) {
    warnings.push(
      `${c.label}: the machine was CPU-saturated (${c.cpu.busyPercent.toFixed(0)}% of ${c.cpu.cores} cores busy, load average up to ${c.cpu.loadAverageMax.toFixed(1)}; the mark is ${summaryDefaults.saturatedBusyPercent}%): start-up, stalls and latency measure the machine as much as the stream`,
    );
  }
  if (s.started < s.viewers) warnings.push(`${c.label}: only ${s.started} of ${s.viewers} viewers started playing`);
  if (s.errors > 0) warnings.push(`${c.label}: ${s.errors} fatal playback errors (see results.json)`);
  if (c.edge && s.httpBytes > 0) {
    const larger = Math.max(c.edge.servedBytes, s.httpBytes);
    const gap = (100 * Math.abs(c.edge.servedBytes - s.httpBytes)) / larger;
    if (gap > harnessDefaults.edgeMismatchPercent) {
      // Under a cap the edge counts each 200 in full as it answers, while the bytes wait at the cap; what a
      // viewer abandons there (a timeout, a retry, a rendition switch) the edge counted, the viewer did not.
      const why =
        c.proxy.capBindingMs > 0
          ? `; ${(c.proxy.mediaBytes / 1e6).toFixed(2)} MB crossed the cap: the edge counts a segment in full when it answers, and viewers abandoned many while the cap held them back`
          : '';
      warnings.push(
        `${c.label}: the edge counted ${(c.edge.servedBytes / 1e6).toFixed(2)} MB of segments, the viewers ${(s.httpBytes / 1e6).toFixed(2)} MB over HTTP (${gap.toFixed(0)}% apart)${why}`,
      );
    }
  } else if (!c.edge) {
    warnings.push(`${c.label}: the edge's stats were unavailable; edge egress is the proxy's count`);
  }
  for (const v of c.run.viewers) {
    if (v.link?.upMbps && v.linkUse && !v.linkUse.upWithinCap) {
      warnings.push(
        `${c.label}: viewer ${v.viewer + 1} (${v.link.profile}) sent ${v.linkUse.peakUpMbps.toFixed(2)} Mbit/s over ${v.linkUse.windowSeconds} s, above its ${v.link.upMbps} Mbit/s cap: the shaping did not hold`,
      );
    }
  }
  return warnings;
}
