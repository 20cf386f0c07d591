/**
 * One cohort of real viewers, for every harness (bench:offload and the P2P
 * end-to-end tests through swarm.ts, compare through its harness): headless
 * Chromium pages on the watch page of a live stream, joining on a schedule,
 * sampled every few seconds for the time series, then read out in full.
 *
 * It runs inside the harness's private network namespace (cli.ts). Without
 * links every page shares one browser on the namespace's loopback; with a
 * link per viewer each viewer's browser runs in a namespace of its own behind
 * its shaped veth (viewer-links.ts), and the samples carry what crossed each
 * link.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page, Route } from 'playwright-core';
import { launchChromium, secureAliasFor } from '../browser';
import { intervalFigures } from '../compare/summary';
import { linkLabel, type ViewerLink } from '../link-profiles';
import { addBrowserCpu, type BrowserCpu, readBrowserCpu } from './browser-cpu';
import { type FragmentFault, fragmentFaultPlan } from './fragment-fault';
import { corruptUploadsScript, policyOverridesScript } from './page-faults';
import {
  type CohortName,
  type CohortRun,
  type CohortSample,
  cohortLabel,
  firstFetcherSeconds,
  type ViewerRecord,
} from './records';
import {
  type CpuProfile,
  cpuByThreadKind,
  fetchLookup,
  type RendererProfiler,
  readRendererThreads,
  startRendererProfile,
  summariseProfiles,
} from './renderer-profile';
import { type PlayerReading, readPlayerInPage, toRecord, toSample } from './snapshot';
import { readTransportCount, type TransportCount, transportCountScript } from './transport-count';
import { applyQuota } from './viewer-cpu';
import { linkUse, ViewerNetwork } from './viewer-links';
import { type NatKind, viewerNatSetup } from './viewer-nat';

export interface CohortPlan {
  /** Which harness runs it: the prefix of its log lines (`compare`, `swarm`). */
  harness: string;
  name: CohortName;
  stream: string;
  viewers: number;
  /** From the first viewer joining to the end, seconds. */
  seconds: number;
  staggerSeconds: number;
  /** When each viewer joins, seconds after the first; absent: `staggerSeconds` apart. */
  joinAtSeconds?: number[];
  sampleSeconds: number;
  progressSeconds: number;
  /** Where the pages load from: the edge, or a relay to it. */
  pageBase: string;
  /** The players' stats beacons (compare reads the edge's aggregate of them). */
  beacons: boolean;
  /** A shaped link per viewer, by index; absent: one browser, every page on the namespace's loopback. */
  links?: ViewerLink[];
  /** Cap on what the harness's namespace (edge and tracker) sends into the viewers' links, Mbit/s. */
  edgeLinkMbps?: number;
  /** Each viewer's NAT, by index (viewer-nat.ts); needs links. Absent or `open`: on the bridge itself. */
  nat?: NatKind[];
  /**
   * The players' `ice-servers` attribute: STUN URLs on the bridge (a NAT run's server, cli.ts). Absent: `none`, no
   * STUN, as nothing may leave the machine.
   */
  iceServers?: string;
  /** Viewers (by index) that corrupt everything they upload. */
  corrupt?: number[];
  /** One fragment request of one viewer that fails once, as a network error (fragment-fault.ts, compare's --fail-fragment). */
  failFragment?: FragmentFault;
  /** Policy values every viewer's player runs with instead of the defaults (compare's --policy). */
  policy?: Record<string, number>;
  /** Every viewer's `latency-target` (compare's --latency): `low` or target durations; absent: the player's default. */
  latencyTarget?: 'low' | number;
  /** A viewer's own `latency-target`, by index, instead of `latencyTarget` (null or absent: the cohort's). */
  latencyTargets?: ('low' | number | null)[];
  /** A viewer that closes its page at a time (seconds since the first join). */
  leave?: { viewer: number; atSeconds: number };
  /** Playback tokens by viewer (signed playback), passed in the watch page's URL; null or absent: none. */
  tokens?: (string | null)[];
  /**
   * A viewer whose page says p2p-upload="consent", and when (seconds since the first join) the page calls the
   * element's allowUpload(): the privacy control as an embedding site would use it.
   */
  uploadConsent?: { viewer: number; atSeconds: number };
  /**
   * With links, each viewer's page comes from the edge under a `.localhost` name mapped to the bridge address
   * (browser.ts secureAliasFor), a secure context as an https page is. false: from the bare address, so the page has
   * no Web Crypto, as on a plain-http site. Default true.
   */
  secureContext?: boolean;
  /**
   * Profile every viewer's renderer (V8's sampling profiler, renderer-profile.ts) from its join to the end: the
   * run's `profile` sums them; with a folder, each raw profile is written there too (`<cohort>-v<n>.cpuprofile`).
   */
  profile?: { dir?: string };
  /**
   * A cgroup per viewer, by index (compare's --viewer-cpu, viewer-cpu.ts): each viewer's browser runs in its own, with
   * every process it forks, so its CPU quota starves that viewer alone. With these every viewer has a browser of its
   * own, links or not. The harness outside the namespace makes and removes them; the runner caps each at `quotaUs`
   * once its viewer's browser is up.
   */
  viewerCgroups?: { dirs: string[]; quotaUs: number };
  /**
   * Scripts every page runs before its own, through the automation (a drill's counters, drills/page-counters.ts);
   * never in a URL.
   */
  initScripts?: string[];
}

/**
 * Things the harness does at a time during the run (e.g. take the tracker down), before joins due then. `pages` are
 * the viewers' pages by index: undefined before a viewer joined and after it left.
 */
export interface CohortEvent {
  atSeconds: number;
  run: (pages: readonly (Page | undefined)[]) => Promise<void>;
}

export const cohortDefaults = {
  /** Small pages: compositing a big video costs CPU the 2-core machines don't have. */
  viewport: { width: 480, height: 270 },
  /** Every viewer in one tracker shard, as neighbours would be. */
  region: 'eu',
  gotoTimeoutMs: 60_000,
  /**
   * A navigation that failed because the network changed under it is tried again this many times, after a pause: a
   * viewer's own namespace can still be settling (its veth and routes just added) when its browser first navigates.
   */
  gotoRetries: 1,
  gotoRetryPauseMs: 1000,
};

/** Pure: whether a failed navigation is worth trying again (the network changed under it; nothing else). */
export function navigationRetryable(error: unknown): boolean {
  return /net::ERR_NETWORK_CHANGED/.test(error instanceof Error ? error.message : String(error));
}

/**
 * Pure: the watch page's query. No STUN (nothing leaves the machine), one region, P2P off for CDN-only. Faults are
 * never in it: they go in through the automation (page-faults.ts).
 */
export function watchUrl(
  plan: Pick<CohortPlan, 'pageBase' | 'stream' | 'name'> &
    Partial<Pick<CohortPlan, 'beacons' | 'latencyTarget' | 'iceServers'>>,
  token?: string | null,
  extra: Record<string, string> = {},
): string {
  const query = new URLSearchParams({ region: cohortDefaults.region, 'ice-servers': plan.iceServers ?? 'none' });
  if (plan.name === 'cdn') query.set('p2p', 'off');
  if (plan.name === 'p2pml') query.set('p2p', 'stock');
  if (plan.beacons === false) query.set('beacon', 'off');
  if (plan.latencyTarget !== undefined) query.set('latency-target', String(plan.latencyTarget));
  if (token) query.set('token', token);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return `${plan.pageBase}/watch/${plan.stream}?${query}`;
}

/** Pure: when each viewer joins, seconds after the first. */
export function joinTimes(plan: Pick<CohortPlan, 'viewers' | 'staggerSeconds' | 'joinAtSeconds'>): number[] {
  return Array.from({ length: plan.viewers }, (_, i) => plan.joinAtSeconds?.[i] ?? i * plan.staggerSeconds);
}

/** Pure: the progress line for the latest sample. */
export function progressLine(
  plan: Pick<CohortPlan, 'harness' | 'name' | 'viewers' | 'seconds'>,
  previous: CohortSample | undefined,
  current: CohortSample,
): string {
  const f = intervalFigures(previous, current);
  const stalls = current.viewers.reduce((s, v) => s + (v?.stalls ?? 0), 0);
  const stalled = current.viewers.reduce((s, v) => s + (v?.stalledMs ?? 0), 0) / 1000;
  return [
    `${plan.harness}: ${cohortLabel(plan.name)} ${current.t.toFixed(0)}/${plan.seconds} s`,
    `${f.playing}/${plan.viewers} playing`,
    `edge ${f.httpMbps.toFixed(2)} Mbit/s`,
    `P2P ${f.offloadPercent === null ? '—' : `${f.offloadPercent.toFixed(0)}%`}`,
    `peers ${f.meanPeers === null ? '—' : f.meanPeers.toFixed(1)}`,
    `stalls ${stalls} (${stalled.toFixed(1)} s)`,
    `latency p50 ${f.latencyP50 === null ? '—' : `${f.latencyP50.toFixed(1)} s`}`,
    `load ${current.load1.toFixed(2)}`,
  ].join(' · ');
}

/** Pure: one short entry per viewer (`*` a first fetcher), with its link's rates since the previous line. */
export function viewersLine(
  plan: Pick<CohortPlan, 'harness' | 'links'>,
  previous: CohortSample | undefined,
  current: CohortSample,
): string {
  const kB = (bytes: number) => `${(bytes / 1e3).toFixed(0)}k`;
  const seconds = Math.max(1e-3, current.t - (previous?.t ?? 0));
  const rate = (now: number, before: number | undefined) => ((8 * (now - (before ?? 0))) / seconds / 1e6).toFixed(2);
  const entries = current.viewers.map((v, i) => {
    if (!v) return `v${i + 1} —`;
    const link = plan.links?.[i];
    const counters = current.links?.[i];
    const was = previous?.links?.[i];
    const shaped =
      link && counters
        ? ` ${link.profile} ↓${rate(counters.downBytes, was?.downBytes)} ↑${rate(counters.upBytes, was?.upBytes)} Mbit/s`
        : '';
    return `v${i + 1}${v.firstFetcher ? '*' : ''}${shaped} http ${kB(v.httpBytes)} p2p ${kB(v.p2pBytes)} up ${kB(v.uploadedBytes)} peers ${v.peers}`;
  });
  return `${plan.harness}:   ${entries.join(' | ')}`;
}

/** A full reading of a page, or why there is none (the page crashed, the player threw). */
async function finalReading(page: Page): Promise<PlayerReading | string> {
  try {
    return (await page.evaluate(readPlayerInPage, true)) ?? 'no player';
  } catch (error) {
    return `the page did not answer: ${(error as Error).message.split('\n')[0]}`;
  }
}

interface Slot {
  page: Page;
  /** Its own browser, with a link of its own; closed with the page. */
  browser?: Browser;
  joinedAt: number;
  leftAt?: number;
  final?: PlayerReading | string;
  /** Its own browser's CPU, read before the browser closed. */
  cpu?: BrowserCpu | null;
  profiler?: RendererProfiler;
  profile?: CpuProfile | null;
  /** Its own browser's renderer threads, read with its CPU before the browser closed. */
  threads?: ThreadReading;
  /** What its WebRTC transport did (transport-count.ts), read with its last reading. */
  transport?: TransportCount | null;
}

/**
 * A viewer's browser CPU, with its renderer's threads by kind where /proc has them: read in every run, so what P2P
 * costs can be placed by thread without the profiler (which keeps the main thread awake, and so changes what it
 * measures).
 */
async function readViewerCpu(slot: Slot, browser: Browser): Promise<void> {
  const [cpu, threads] = await Promise.all([readBrowserCpu(browser), readRendererThreads(browser)]);
  slot.cpu = cpu && threads ? { ...cpu, rendererThreads: cpuByThreadKind(threads) } : cpu;
  slot.threads = threads ?? [];
}

/** A renderer's threads by name, CPU seconds each. */
type ThreadReading = { name: string; seconds: number }[];

/** The cohort's renderer profiles summed by source and function; the raw ones written to the plan's folder. */
async function profileOf(plan: CohortPlan, slots: readonly Slot[], sharedThreads: ThreadReading) {
  const profiles = slots.map((s) => s.profile).filter((p): p is CpuProfile => Boolean(p));
  if (plan.profile?.dir) {
    mkdirSync(plan.profile.dir, { recursive: true });
    profiles.forEach((p, i) => {
      writeFileSync(join(plan.profile?.dir as string, `${plan.name}-v${i + 1}.cpuprofile`), JSON.stringify(p));
    });
  }
  // Pages behind links name the edge by an alias only the browsers resolve.
  const alias = plan.links && plan.secureContext !== false ? secureAliasFor(plan.pageBase) : undefined;
  const lookup = await fetchLookup(
    profiles.flatMap((p) => p.nodes.map((node) => node.callFrame.url)),
    alias,
  );
  const viewers = slots.flatMap((s, viewer) =>
    s.threads
      ? [
          {
            viewer,
            busyMs: s.profile ? summariseProfiles([s.profile], lookup, 0).busyMs : 0,
            threads: cpuByThreadKind(s.threads),
          },
        ]
      : [],
  );
  return {
    ...summariseProfiles(profiles, lookup),
    threads: cpuByThreadKind([...sharedThreads, ...slots.flatMap((s) => s.threads ?? [])]),
    ...(viewers.length > 0 ? { viewers } : {}),
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Routes the viewer's requests through the harness until its fault has fired, then stops (page.route is costly). */
async function failOneFragment(
  page: Page,
  fault: FragmentFault,
  index: number,
  elapsed: () => number,
  plan: Pick<CohortPlan, 'harness' | 'name'>,
  log: (line: string) => void,
): Promise<void> {
  const { fails } = fragmentFaultPlan(fault);
  const handler = async (route: Route) => {
    const url = route.request().url();
    if (!fails(url)) {
      await route.continue().catch(() => {});
      return;
    }
    await route.abort('failed').catch(() => {});
    log(
      `${plan.harness}: ${cohortLabel(plan.name)} viewer ${index + 1}: fault: failed ${new URL(url).pathname} at ${elapsed().toFixed(1)} s`,
    );
    await page.unroute('**/*', handler).catch(() => {});
  };
  await page.route('**/*', handler);
}

export async function runCohort(
  plan: CohortPlan,
  log: (line: string) => void,
  events: CohortEvent[] = [],
): Promise<CohortRun> {
  const label = cohortLabel(plan.name);
  const links = plan.links;
  if (links && links.length < plan.viewers) throw new Error(`${links.length} links for ${plan.viewers} viewers`);
  if (plan.nat?.some((kind) => kind !== 'open') && !links)
    throw new Error('a viewer behind a NAT needs a link of its own');
  const cgroups = plan.viewerCgroups;
  if (cgroups && cgroups.dirs.length < plan.viewers) {
    throw new Error(`${cgroups.dirs.length} cgroups for ${plan.viewers} viewers`);
  }
  /** Every viewer in a browser of its own: behind its own link, or in its own cgroup. */
  const ownBrowsers = Boolean(links || cgroups);
  const joins = joinTimes(plan);
  const pending = [...events].sort((a, b) => a.atSeconds - b.atSeconds);
  const network = links ? new ViewerNetwork() : undefined;
  const slots: Slot[] = [];
  let shared: Browser | undefined;
  try {
    if (plan.edgeLinkMbps !== undefined) {
      if (!network) throw new Error('an edge link cap needs a link per viewer (--network other than loopback)');
      await network.capEdge(plan.edgeLinkMbps);
    }
    if (!ownBrowsers) shared = await launchChromium();
    const startedAt = new Date();
    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    const samples: CohortSample[] = [];
    let consented = false;
    let nextSample = plan.sampleSeconds;
    const samplesPerProgress = Math.max(1, Math.round(plan.progressSeconds / plan.sampleSeconds));
    log(
      `${plan.harness}: ${label} cohort: ${plan.viewers} viewers, ${plan.staggerSeconds} s apart, ${plan.seconds} s${links ? ', each behind its own link' : ''}${cgroups ? ', each browser in its own CPU quota' : ''}`,
    );

    const join = async (index: number, now: number) => {
      const link = links?.[index];
      const cgroup = cgroups?.dirs[index];
      let browser = shared;
      const nat = plan.nat?.[index] ?? 'open';
      let pageBase = plan.pageBase;
      if (link && network) {
        const netns = await network.add(index, link, viewerNatSetup(index, nat, link));
        const secureAlias = plan.secureContext === false ? undefined : secureAliasFor(plan.pageBase);
        if (secureAlias) pageBase = secureAlias.pageBase;
        browser = await launchChromium({
          netns,
          ...(cgroup ? { cgroup } : {}),
          ...(secureAlias ? { secureAlias } : {}),
        });
      } else if (cgroup) {
        browser = await launchChromium({ cgroup });
      }
      const page = await (browser as Browser).newPage({ viewport: cohortDefaults.viewport });
      // The device is slow from here: the browser launched at full speed, as a phone's was already running.
      if (cgroup && cgroups) applyQuota(cgroup, cgroups.quotaUs);
      const profiler = plan.profile ? await startRendererProfile(page) : undefined;
      slots.push({
        page,
        browser: ownBrowsers ? browser : undefined,
        joinedAt: now,
        ...(profiler ? { profiler } : {}),
      });
      // Counted in every cohort (CDN-only counts nothing), so the records line up.
      await page.addInitScript({ content: transportCountScript });
      if (plan.corrupt?.includes(index)) await page.addInitScript({ content: await corruptUploadsScript() });
      if (plan.failFragment?.viewer === index)
        await failOneFragment(page, plan.failFragment, index, elapsed, plan, log);
      for (const content of plan.initScripts ?? []) await page.addInitScript({ content });
      if (plan.policy && Object.keys(plan.policy).length > 0) {
        await page.addInitScript({ content: policyOverridesScript(plan.policy) });
      }
      const extra: Record<string, string> = plan.uploadConsent?.viewer === index ? { 'p2p-upload': 'consent' } : {};
      const ownLatency = plan.latencyTargets?.[index];
      if (ownLatency !== undefined && ownLatency !== null) extra['latency-target'] = String(ownLatency);
      const url = watchUrl({ ...plan, pageBase }, plan.tokens?.[index], extra);
      for (let attempt = 0; ; attempt++) {
        try {
          await page.goto(url, { waitUntil: 'domcontentloaded', timeout: cohortDefaults.gotoTimeoutMs });
          break;
        } catch (error) {
          if (attempt >= cohortDefaults.gotoRetries || !navigationRetryable(error)) throw error;
          log(`${plan.harness}: ${label} viewer ${index + 1}: the network changed under its first navigation; again`);
          await sleep(cohortDefaults.gotoRetryPauseMs);
        }
      }
      const notes = [
        link ? linkLabel(link) : '',
        nat === 'open' ? '' : `behind a ${nat} NAT`,
        cgroup ? 'own CPU quota' : '',
        plan.corrupt?.includes(index) ? 'corrupts uploads' : '',
        plan.failFragment?.viewer === index
          ? `its ${ordinal(plan.failFragment.nth)} ${plan.failFragment.rendition} fragment request fails`
          : '',
        ownLatency !== undefined && ownLatency !== null ? `latency-target=${ownLatency}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      log(
        `${plan.harness}: ${label} viewer ${index + 1}/${plan.viewers} joined at ${now.toFixed(1)} s${notes ? ` (${notes})` : ''}`,
      );
    };

    for (;;) {
      const now = elapsed();
      if (now >= plan.seconds) break;
      const nextEvent = pending[0]?.atSeconds ?? Number.POSITIVE_INFINITY;
      const nextJoin = slots.length < plan.viewers ? (joins[slots.length] ?? 0) : Number.POSITIVE_INFINITY;
      const consenting = plan.uploadConsent ? slots[plan.uploadConsent.viewer] : undefined;
      const nextConsent =
        plan.uploadConsent && consenting && !consented ? plan.uploadConsent.atSeconds : Number.POSITIVE_INFINITY;
      const leaving = plan.leave ? slots[plan.leave.viewer] : undefined;
      const nextLeave = plan.leave && leaving?.leftAt === undefined ? plan.leave.atSeconds : Number.POSITIVE_INFINITY;
      if (now >= nextEvent) {
        await pending.shift()?.run(slots.map((s) => (s.leftAt === undefined ? s.page : undefined)));
        continue;
      }
      if (now >= nextJoin) {
        await join(slots.length, now);
        continue;
      }
      if (consenting && now >= nextConsent) {
        consented = true;
        await consenting.page.evaluate(() => {
          (document.querySelector('hybrid-player') as unknown as { allowUpload(): void }).allowUpload();
        });
        log(
          `${plan.harness}: ${label} viewer ${(plan.uploadConsent?.viewer ?? 0) + 1} consented to upload at ${now.toFixed(1)} s`,
        );
        continue;
      }
      if (leaving && plan.leave && now >= nextLeave) {
        leaving.profile = await leaving.profiler?.stop();
        leaving.final = await finalReading(leaving.page);
        leaving.transport = await readTransportCount(leaving.page);
        if (leaving.browser) await readViewerCpu(leaving, leaving.browser);
        leaving.leftAt = now;
        await leaving.page.close().catch(() => {});
        await leaving.browser?.close().catch(() => {});
        log(`${plan.harness}: ${label} viewer ${plan.leave.viewer + 1} left at ${now.toFixed(1)} s`);
        continue;
      }
      if (now >= nextSample) {
        const t = elapsed();
        const counters = network?.read(plan.viewers);
        const readings = await Promise.all(
          slots.map((s) =>
            s.leftAt === undefined ? s.page.evaluate(readPlayerInPage, false).catch(() => null) : null,
          ),
        );
        const sample: CohortSample = {
          t,
          load1: loadavg()[0] ?? 0,
          viewers: Array.from({ length: plan.viewers }, (_, i) => {
            const reading = readings[i];
            return reading ? toSample(reading) : null;
          }),
          ...(counters ? { links: counters.links, edgeLink: counters.edge } : {}),
        };
        samples.push(sample);
        // Rates over the whole time since the last progress line, not just the last sample's.
        if (samples.length % samplesPerProgress === 0) {
          const previous = samples.at(-1 - samplesPerProgress);
          log(progressLine(plan, previous, sample));
          if (plan.name !== 'cdn' || links) log(viewersLine(plan, previous, sample));
        }
        while (nextSample <= elapsed()) nextSample += plan.sampleSeconds;
        continue;
      }
      const next = Math.min(nextEvent, nextJoin, nextLeave, nextConsent, nextSample, plan.seconds);
      await sleep(Math.max(5, (next - now) * 1000));
    }

    const durationSeconds = elapsed();
    await Promise.all(
      slots.map(async (s) => {
        if (s.leftAt === undefined && s.profiler) s.profile = await s.profiler.stop();
      }),
    );
    const finals = await Promise.all(
      slots.map((s) => (s.leftAt === undefined ? finalReading(s.page) : (s.final ?? 'no player'))),
    );
    await Promise.all(
      slots.map(async (s) => {
        if (s.leftAt === undefined) s.transport = await readTransportCount(s.page);
      }),
    );
    await Promise.all(
      slots.map(async (s) => {
        if (s.browser && s.leftAt === undefined) await readViewerCpu(s, s.browser);
      }),
    );
    const sharedCpu = shared ? await readBrowserCpu(shared) : null;
    const browserCpu = [sharedCpu, ...slots.map((s) => s.cpu ?? null)]
      .filter((cpu): cpu is BrowserCpu => cpu !== null)
      .reduce<BrowserCpu | null>((sum, cpu) => (sum ? addBrowserCpu(sum, cpu) : cpu), null);
    const viewers: ViewerRecord[] = slots.map((s, index) => {
      const link = links?.[index] ?? null;
      return toRecord(finals[index] ?? 'no player', {
        viewer: index,
        left: s.leftAt !== undefined,
        joinedAtSeconds: s.joinedAt,
        watchedSeconds: (s.leftAt ?? durationSeconds) - s.joinedAt,
        firstFetcherSeconds: firstFetcherSeconds(samples, index),
        link,
        linkUse: link ? linkUse(samples, index, link, s.joinedAt) : null,
        cpu: s.cpu ?? null,
        transport: s.transport ?? null,
      });
    });
    const sharedThreads = plan.profile && shared ? await readRendererThreads(shared) : null;
    const profile = plan.profile ? await profileOf(plan, slots, sharedThreads ?? []) : undefined;
    return {
      ...(profile ? { profile } : {}),
      name: plan.name,
      p2p: plan.name !== 'cdn',
      stream: plan.stream,
      startedAt: startedAt.toISOString(),
      durationSeconds,
      staggerSeconds: plan.staggerSeconds,
      viewers,
      samples,
      browserCpu,
    };
  } finally {
    await Promise.all(slots.map((s) => s.page.close().catch(() => {})));
    await Promise.all(slots.map((s) => s.browser?.close().catch(() => {})));
    await shared?.close().catch(() => {});
    await network?.close();
  }
}
