/**
 * The soak: a live stream watched by 8 hybrid viewers for 30 minutes. Over the last 20 minutes nothing judged may
 * grow by more than 5% (each reported in MB/hour), no viewer may stall, offload must hold steady within ±5 points,
 * and no count may grow: each page's live timers, RTCPeerConnections, data channels and WebSockets (counted inside
 * the page by the harness's init script, page-counters.ts), and the open sockets and descriptors of workerd, the
 * publisher, ffmpeg and Chromium (from /proc).
 *
 * Memory is judged where a leak of ours would land, each reading taken after a full garbage collection: our edge
 * isolate's objects (a heap snapshot every 5 minutes, without V8's compiled code, which grows for most of half an hour
 * as the bundle's functions are optimised, bounded by the bundle), each tab's renderer (its resident memory just
 * after Chromium's memory dump, taken just after a GC in each tab, without Blink's buffer partition, where DevTools keeps
 * the response bodies of every page playwright drives; a viewer's from its page's P2P start, tabReadingsJudged), and the
 * publisher's and ffmpeg's resident memory; the stats
 * object keeps its buckets for a retention shorter than the warm-up, so they are at their bound before the window.
 * Charted and reported, not
 * judged: our isolate's whole JS heap, each tab's JS heap, resident memory and buffer partition, the edge's workerd
 * process (see `judgedMemory`) and wrangler dev's own. --quick: 4 viewers for 120 s, judged over the last 60 s,
 * memory only for a gross leak (soakLimits). Why each choice: BENCHMARKS.md, #13.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type CohortSample, offloadPercent, strainedSamples, type ViewerRecord } from '../../cohort/records';
import { intervalFigures } from '../../compare/summary';
import { pct } from '../../compare/table';
import { runSwarm } from '../../swarm';
import { residentBytes } from '../../tracker-proc';
import { type HeapKind, heapBytes, heapGrowth, summarizeSnapshot, takeHeapSnapshot } from '../heap-snapshot';
import {
  findEdgeWorkerd,
  findInspectorPort,
  isolateHeapMb,
  isolateInspectorUrl,
  ProcessExitedError,
  whileRunning,
} from '../isolate-heap';
import { chromiumBrowserLabel, countAllowance, countGrowth, memoryGrowth, residentMbOf } from '../memory';
import {
  type PageCountKind,
  type PageCounts,
  pageCountersGlobal,
  pageCountersScript,
  pageCountKinds,
  readPageCounts,
} from '../page-counters';
import { chromiumMemoryDump, clearHttpCache, rendererPids, tabHeap } from '../tab-heap';
import type { Drill, MemorySeries } from '../types';

/** Whether a pid is a Chromium renderer (a tab's, or a spare one); the drill's PID namespace holds only its own. */
function isRenderer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
  } catch {
    return false;
  }
}

export const soakLimits = {
  /** Growth over the judged window, % of the value at its start. */
  memoryGrowthPercent: 5,
  /**
   * --quick: 120 s cannot tell warm-up from a slow leak (workerd grew 16% over its last 90 s of a 150 s run, at
   * 1.5 GB/hour, flattening as it went), so a quick soak catches only a gross leak; the full soak judges at 5%.
   */
  quickMemoryGrowthPercent: 30,
  fdGrowthPercent: 5,
  /** A count (timers, sockets, descriptors) may rise by this % of its floor over the window, and never less than this many. */
  countGrowthPercent: 5,
  countSlack: 2,
  /**
   * How often the heavy readings run, seconds (quick, full): our isolate's heap and snapshot, a GC in each tab, the
   * Chromium memory dump, the HTTP caches emptied. Each holds every renderer for seconds, and three late or
   * frame-dropping ticks in a row back a hybrid viewer off P2P (8 s the first time, up to 30 s: policy
   * strainFirstHoldSeconds, strainHoldSeconds; 30 s every time until session 15): taken each minute,
   * they kept eight viewers off P2P about half of the time on two cores (BENCHMARKS.md, #13). Every 5 minutes the
   * 20-minute window still holds five readings for each judged series; /proc is read every minute (sampleSeconds).
   */
  readingEverySeconds: [10, 300] as [number, number],
  /** How often each page's counters are read, seconds (quick, full). */
  countEverySeconds: [5, 15] as [number, number],
  /**
   * A stall that begins during one of the harness's own rounds of readings, or this many seconds after it ends (a
   * frozen renderer plays its buffer out first), is reported as begun in that round. Reported, not excused: the
   * check counts every stall.
   */
  readingStallSlackSeconds: 10,
  /** Offload in every part of the window within ±5 points of each other's middle. */
  offloadSpreadPoints: 10,
  /**
   * The stats object's retention in the soak (quick, full), seconds: its 10 s buckets are kept an hour by default
   * (the dashboard's hour), so through a 30-minute soak they only fill, by design, inside the judged window. Shorter
   * than the warm-up before the window (soakWarmUpSeconds), they are at their bound, and pruned, before it starts:
   * a bucket that outlived it would then show as growth.
   */
  statsRetentionSeconds: [20, 300] as [number, number],
  /**
   * How long an announce's WebRTC offers live unanswered (bittorrent-tracker's client, OFFER_TIMEOUT): each holds an
   * RTCPeerConnection and its data channel until answered or this old, so a page's counts of both climb for this long
   * after its P2P starts announcing, then level off. The warm-up before the judged window covers it for the last
   * viewer (soakShape): judged from inside that climb, the last joiner's counts read as growth (a quick soak at 90 s:
   * v4's RTCPeerConnections 5 → 13, its data channels and timers with them, every other page flat).
   */
  offerLifetimeSeconds: 50,
  /** From a viewer's join to its P2P's first announce, at most (the start gate: BENCHMARKS.md, about 3-7 s). */
  p2pStartSeconds: 10,
};

/** The soak's viewers, watch, judged window and the stagger between joins (quick or full). */
export function soakShape(quick: boolean) {
  const viewers = quick ? 4 : 8;
  const staggerSeconds = 3;
  return { viewers, staggerSeconds, seconds: quick ? 120 : 1800, windowSeconds: quick ? 60 : 1200 };
}

/** Pure: seconds from the first join to the judged window's start, which nothing judged sees. */
export function soakWarmUpSeconds(quick: boolean): number {
  const { viewers, staggerSeconds, seconds, windowSeconds } = soakShape(quick);
  return (viewers - 1) * staggerSeconds + seconds - windowSeconds;
}

/** Our isolate's JS heap after a full collection (`Runtime.getHeapUsage`): charted and reported. */
export const ourHeapLabel = 'workerd: our isolate JS heap';
/**
 * What our objects hold in our isolate: its heap snapshot (taken after a full collection, array buffers' backing
 * stores included) without V8's compiled code (heap-snapshot.ts `heapBytes`). Judged.
 */
export const ourObjectsLabel = 'workerd: our isolate, objects (no compiled code)';

/** Pure: a tab's JS heap series (`v3 JS heap`), reported beside the tab's renderer, which is judged. */
export const isTabJsHeap = (label: string) => /^v\d+ JS heap$/.test(label);

/** Pure: when a page's P2P started, from its RTCPeerConnection counts (drill time, seconds); undefined: never. */
export const p2pStartedAt = (peerConnections: readonly [number, number][] | undefined): number | undefined =>
  peerConnections?.find(([, n]) => n > 0)?.[0];

/**
 * Pure: the readings a viewer's renderer is judged on. Loading the P2P stack (p2p-media-loader, the tracker's socket,
 * the peers' connections, each announce's offers for offerLifetimeSeconds) steps a renderer up once, 15-16 MB on
 * these machines, and then it holds level; a page whose P2P started inside the judged window (the start gate holds
 * P2P while its video drops frames) would read that step as growth. So a tab is judged from its first reading at
 * least `settleSeconds` after its P2P started; a tab that never started P2P, or whose viewer is not known, on all of
 * them. Too few readings left (memoryGrowth needs 3 in the window) leave the tab unjudged, which fails the check.
 */
export function tabReadingsJudged(
  points: readonly [number, number][],
  startedAt: number | undefined,
  settleSeconds: number,
): [number, number][] {
  return startedAt === undefined ? [...points] : points.filter(([t]) => t >= startedAt + settleSeconds);
}

/**
 * A tab's renderer as judged: its resident memory just after a garbage collection (Chromium's memory dump, a GC in
 * every process first; resident, as every other process is judged), without
 * Blink's buffer partition, where DevTools keeps the response bodies of every page whose Network domain an
 * automation session enabled (playwright's, for every page it drives) up to its limits; our pages hold none there.
 */
export const tabJudgedLabel = (pid: number) => `chromium tab ${pid}, no DevTools bodies`;
/** The same renderer's buffer partition: charted and reported. */
export const tabBuffersLabel = (pid: number) => `chromium tab ${pid} buffer partition`;

/**
 * Chromium's browser processes as judged: their resident memory (the browser, GPU and utility processes, the network
 * service among them) just after every viewer's HTTP cache was emptied. Each page playwright drives has an incognito
 * context of its own, whose HTTP cache Chromium keeps in the network service's memory, up to 50 MB each; it fills
 * with every body the viewer fetches over HTTP (tab-heap.ts `clearHttpCache`; BENCHMARKS.md, #13). The same
 * processes with the caches as they were (the sampler's series) are charted and reported.
 */
export const browserJudgedLabel = `${chromiumBrowserLabel}, HTTP caches emptied`;

/**
 * Pure: whether the soak judges a memory series (growth ≤ the limit) or only charts and reports it. Judged: our
 * isolate's objects, each tab's renderer without DevTools' bodies, and every other process's resident memory (the
 * publisher, ffmpeg, Chromium's browser, GPU and network processes). Reported only: what only `wrangler dev` runs
 * (wrangler, and the workerd of its dev proxy in front of the edge: none of our code, no such process in
 * production); our isolate's whole heap (compiled code in it); each tab's JS heap (inside its renderer), resident
 * memory and buffer partition; and the edge's workerd process, judged instead by what of it is ours, our isolate's
 * objects after a full collection: under `wrangler dev` the process grows with every request it handles, whatever code
 * handles it (wrangler's proxy, which runs none of ours, 14-25 kB a request relayed; a Worker of no code of ours
 * 7-39 kB a request, most with the local Cache API and R2, which miniflare simulates inside the same process), and
 * production has neither the proxy nor the simulators (BENCHMARKS.md, #13).
 */
export function judgedMemory(label: string): boolean {
  if (label === 'wrangler' || label.startsWith('workerd (wrangler proxy)')) return false;
  if (label.startsWith('chromium tab ')) return label.endsWith(', no DevTools bodies');
  if (label === chromiumBrowserLabel) return false;
  return label !== 'workerd' && label !== ourHeapLabel && !isTabJsHeap(label);
}

/**
 * Pure: what grew in our heap over the judged window, from its snapshots (by drill time): the kinds that grew most
 * from the first to the last, each with its size at every snapshot, so a kind that levels off (V8's compiled code
 * as paths warm up) reads apart from one that keeps growing (objects of ours piling up).
 */
export function heapGrowthLine(snapshots: readonly { t: number; kinds: ReadonlyMap<string, HeapKind> }[], top = 5) {
  const first = snapshots[0];
  const last = snapshots.at(-1);
  if (!(first && last) || snapshots.length < 2) return '';
  const kB = (bytes: number) => (bytes / 1000).toFixed(0);
  const grew = heapGrowth(first.kinds, last.kinds, top).map(
    (g) =>
      `${g.kind} ${g.bytesDelta >= 0 ? '+' : ''}${kB(g.bytesDelta)} kB (${g.countDelta >= 0 ? '+' : ''}${g.countDelta}; ${snapshots
        .map((s) => kB(s.kinds.get(g.kind)?.bytes ?? 0))
        .join(' → ')} kB)`,
  );
  return `our heap's largest growth by kind over the window (snapshots at ${snapshots.map((s) => `${s.t}`).join(', ')} s): ${grew.join('; ')}`;
}

/**
 * Pure: whether a round of memory readings scheduled on the cohort's clock should run. The cohort waits on each
 * round (a Chromium memory dump took 9-10 s of the quick form's 10 s period on a busy machine), so a round that
 * starts more than half its period late is skipped to catch up, and so is one that would likely still be running
 * when the last reading, which gathers everything judged, is due (the cohort ends 2 s after it: a round running
 * then would leave the soak with nothing to judge).
 */
export function readingsDue(o: {
  lateSeconds: number;
  periodSeconds: number;
  secondsToLast: number;
  lastTookSeconds: number;
}): boolean {
  return o.lateSeconds <= o.periodSeconds / 2 && o.lastTookSeconds < o.secondsToLast;
}

/**
 * Pure: the judged window (the last `window` seconds of the samples) in four equal parts, each with its offload (from
 * the viewers' byte counters at the samples nearest its ends) and the share of viewer samples inside it whose player
 * was backed off for a strained device (percent). A quarter of low offload with most viewers backed off is the device
 * back-off (policy's device.ts) answering a busy machine; one with few backed off is P2P itself. Null without samples.
 */
export function offloadQuarters(
  samples: readonly CohortSample[],
  window: number,
): { offloadPercent: number | null; backedOffPercent: number | null }[] {
  const end = samples.at(-1)?.t ?? 0;
  const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
  return [0, 1, 2, 3].map((i) => {
    if (!samples.length) return { offloadPercent: null, backedOffPercent: null };
    const from = end - window + (i * window) / 4;
    const to = end - window + ((i + 1) * window) / 4;
    const { strained, samples: answered } = strainedSamples(samples.filter((s) => s.t > from && s.t <= to));
    return {
      offloadPercent: intervalFigures(at(from), at(to)).offloadPercent,
      backedOffPercent: answered ? (100 * strained) / answered : null,
    };
  });
}

/** A round of the harness's own readings on the cohort's clock (seconds): heap snapshots, collections, memory dumps. */
export interface ReadingRound {
  from: number;
  to: number;
}

/**
 * Pure: the viewers' stalls placed against the harness's rounds of readings, each of which holds the edge's isolate
 * or every renderer for seconds (a heap snapshot, a memory dump of every Chromium process): how many began in a round
 * or within `slackSeconds` after it, how many outside every round, and how many cannot be placed (the player's
 * timeline was not read). A stall's time is the viewer's join plus its page's start-up plus the player's own stall
 * time, on the cohort's clock. The answer's `rounds`: when each round that stalls began in started.
 */
export function stallsInReadings(
  viewers: readonly Pick<ViewerRecord, 'stalls' | 'joinedAtSeconds' | 'startupPhases' | 'timeline'>[],
  rounds: readonly ReadingRound[],
  slackSeconds: number,
): { during: number; outside: number; unplaced: number; rounds: number[] } {
  let during = 0;
  let outside = 0;
  let unplaced = 0;
  const begun = new Set<number>();
  for (const v of viewers) {
    const times = v.timeline?.stallsAtMs ?? [];
    unplaced += Math.max(0, v.stalls - times.length);
    const playAt = v.joinedAtSeconds + (v.startupPhases?.pageMs ?? 0) / 1000;
    for (const ms of times.slice(0, v.stalls)) {
      const t = playAt + ms / 1000;
      const round = rounds.find((r) => t >= r.from && t <= r.to + slackSeconds);
      if (round) {
        during++;
        begun.add(round.from);
      } else outside++;
    }
  }
  return { during, outside, unplaced, rounds: [...begun].sort((a, b) => a - b) };
}

export const soak: Drill = {
  name: 'soak',
  title: 'soak: live, 8 viewers, 30 min',
  holds:
    'memory growth ≤ 5% over the last 20 min (MB/hour); no stalls; offload steady within ±5 points; no timer or socket count that grows',
  // Quick: every 5 s, so the 60 s window holds the 8 readings a count's growth needs (memory.ts countGrowth).
  sampleSeconds: [5, 60],
  timeoutSeconds: [420, 2700],
  memoryPerTab: true,
  async run(ctx) {
    const { viewers, seconds, windowSeconds: window, staggerSeconds: stagger } = soakShape(ctx.quick);
    const limit = ctx.quick ? soakLimits.quickMemoryGrowthPercent : soakLimits.memoryGrowthPercent;
    const lastJoin = (viewers - 1) * stagger;
    let memory: MemorySeries[] = [];
    let fds: MemorySeries[] = [];
    let sockets: MemorySeries[] = [];
    // Each page's counts by viewer and kind, on the drill's clock (the memory samples' too).
    const pageCounts = new Map<string, [number, number][]>();
    const readCounts = async (pages: readonly (Page | undefined)[]) => {
      const t = Number(ctx.elapsed().toFixed(1));
      const readings = await Promise.all(
        pages.map((page) => page?.evaluate(readPageCounts, pageCountersGlobal).catch(() => null) ?? null),
      );
      readings.forEach((counts: PageCounts | null, i) => {
        if (!counts) return;
        for (const kind of pageCountKinds) {
          const label = `v${i + 1} ${kind}`;
          pageCounts.set(label, [...(pageCounts.get(label) ?? []), [t, counts[kind]]]);
        }
      });
    };
    const every = soakLimits.countEverySeconds[ctx.quick ? 0 : 1];
    // The drill's clock minus the cohort's, from the most punctual event so far (events run late, never early).
    let clockOffset = Number.POSITIVE_INFINITY;
    const lateBy = (atSeconds: number) => {
      const d = ctx.elapsed() - atSeconds;
      clockOffset = Math.min(clockOffset, d);
      return d - clockOffset;
    };
    const countEvents = Array.from({ length: Math.floor((lastJoin + seconds - 3) / every) }, (_, i) => ({
      atSeconds: (i + 1) * every,
      run: async (pages: readonly (Page | undefined)[]) => {
        lateBy((i + 1) * every);
        await readCounts(pages);
      },
    }));
    // The edge's own JS heap (our Worker and Durable Objects, one isolate), after a full collection, with the other
    // heavy readings (readingEverySeconds): beside workerd's resident memory, it says whether growth is in our code or outside it. And
    // from a heap snapshot taken just after (a full collection first), what our objects hold without V8's compiled
    // code, which is what is judged: the code grows for most of a 30-minute soak as V8 optimises more of the bundle's
    // functions, bounded by the bundle (BENCHMARKS.md, #13).
    const heap: [number, number][] = [];
    const objects: [number, number][] = [];
    const heapEvery = soakLimits.readingEverySeconds[ctx.quick ? 0 : 1];
    // Each tab's JS heap after a full collection too, so a tab's growth is split into what its scripts hold (ours,
    // hls.js, p2p-media-loader) and what the renderer holds natively (media and WebRTC buffers).
    const tabHeaps = new Map<string, [number, number][]>();
    const renderers = new Map<string, [number, number][]>();
    // Each viewer's renderer (pid → viewer index), read in each round until every viewer's is known.
    const viewerOfPid = new Map<number, number>();
    const browserProcesses: [number, number][] = [];
    // Our isolate's heap by kind of object at the start of the judged window, every 5 min in it (full) and at its
    // end: what grew, if it did, and whether it levels off. Each raw snapshot is kept beside the report
    // (soak-heap-<s>s.heapsnapshot, for Chrome DevTools' Memory tab) to find what holds an object that grew.
    const snapshots: { t: number; kinds: Map<string, HeapKind> }[] = [];
    // The edge's workerd, found at the first reading: if it exits, every reading through its inspector fails at once
    // and the drill with it (wrangler's inspector proxy outlives it: each call would wait out its timeout, the drill
    // its own).
    let edgePid: number | undefined;
    const ofTheEdge = <T>(work: Promise<T>): Promise<T> => {
      edgePid ??= findEdgeWorkerd();
      return edgePid === undefined ? work : whileRunning(edgePid, "the edge's workerd", work);
    };
    /** Our isolate's heap by kind, after a full collection; with `keep`, the raw snapshot is written and listed. */
    const snapshotOurs = async (keep = true): Promise<Map<string, HeapKind> | undefined> => {
      const port = findInspectorPort();
      const url = port ? await isolateInspectorUrl(port) : undefined;
      if (!url) return undefined;
      try {
        const t = Math.round(ctx.elapsed());
        const raw = await ofTheEdge(takeHeapSnapshot(url));
        const kinds = summarizeSnapshot(raw);
        if (keep) {
          writeFileSync(join(ctx.outDir, `soak-heap-${t}s.heapsnapshot`), raw);
          snapshots.push({ t, kinds });
        }
        return kinds;
      } catch (error) {
        if (error instanceof ProcessExitedError) throw error;
        ctx.log(`heap snapshot of our isolate failed: ${(error as Error).message}`);
        return undefined;
      }
    };
    // Every round of readings, on the cohort's clock, to place the stalls against (stallsInReadings).
    const rounds: ReadingRound[] = [];
    const timed = async (atSeconds: number, late: number, work: () => Promise<unknown>) => {
      const started = performance.now();
      try {
        await work();
      } finally {
        const from = atSeconds + late;
        rounds.push({ from, to: from + (performance.now() - started) / 1000 });
      }
    };
    const snapshotEvery = ctx.quick ? window : 300;
    const snapshotEvents = Array.from({ length: Math.ceil(window / snapshotEvery) }, (_, i) => {
      const atSeconds = lastJoin + seconds - window + i * snapshotEvery;
      return { atSeconds, run: () => timed(atSeconds, lateBy(atSeconds), () => snapshotOurs()) };
    });
    const lastReadingAt = lastJoin + seconds - 2;
    let lastTook = 0;
    let skipped = 0;
    const heapEvents = Array.from({ length: Math.floor((lastJoin + seconds - 3) / heapEvery) }, (_, i) => ({
      atSeconds: (i + 1) * heapEvery,
      run: async (pages: readonly (Page | undefined)[]) => {
        const late = lateBy((i + 1) * heapEvery);
        const secondsToLast = lastReadingAt - (i + 1) * heapEvery - late;
        if (!readingsDue({ lateSeconds: late, periodSeconds: heapEvery, secondsToLast, lastTookSeconds: lastTook })) {
          skipped++;
          ctx.log(
            `memory readings at ${(i + 1) * heapEvery} s skipped (${late.toFixed(1)} s late, the last took ${lastTook.toFixed(1)} s, ${secondsToLast.toFixed(1)} s before the last reading)`,
          );
          return;
        }
        // How long each part of the readings took, logged when they outlast their period (the cohort waits on them).
        const took: string[] = [];
        let since = performance.now();
        const lap = (what: string) => {
          took.push(`${what} ${((performance.now() - since) / 1000).toFixed(1)} s`);
          since = performance.now();
        };
        const eventStarted = since;
        const port = findInspectorPort();
        const mb = port ? await ofTheEdge(isolateHeapMb(port)) : undefined;
        if (mb !== undefined) heap.push([Number(ctx.elapsed().toFixed(1)), mb]);
        lap('our heap');
        const kinds = await snapshotOurs(false);
        lap('our snapshot');
        if (kinds)
          objects.push([Number(ctx.elapsed().toFixed(1)), Number((heapBytes(kinds).withoutCode / 1e6).toFixed(3))]);
        for (const [v, page] of pages.entries()) {
          const tab = page ? await tabHeap(page) : undefined;
          if (!tab) continue;
          const label = `v${v + 1} JS heap`;
          tabHeaps.set(label, [...(tabHeaps.get(label) ?? []), [Number(ctx.elapsed().toFixed(1)), tab.usedMb]]);
        }
        lap('tabs’ heaps');
        // Every renderer's resident memory after a collection, and its buffer partition, from one memory dump.
        const browser = pages
          .find((p) => p !== undefined)
          ?.context()
          .browser();
        if (browser && viewerOfPid.size < pages.filter(Boolean).length) {
          (await rendererPids(browser, pages)).forEach((pid, v) => {
            if (pid !== undefined) viewerOfPid.set(pid, v);
          });
        }
        lap('renderers named');
        const dumpStarted = performance.now();
        const dumps = browser ? await chromiumMemoryDump(browser) : undefined;
        if (renderers.size === 0)
          ctx.log(
            `memory dump of the browser: ${dumps ? `${dumps.size} processes` : 'none'} in ${((performance.now() - dumpStarted) / 1000).toFixed(1)} s`,
          );
        const t = Number(ctx.elapsed().toFixed(1));
        for (const [pid, dump] of dumps ?? []) {
          // Without a buffer-partition figure the judged reading cannot be made: none (the check then fails on it).
          if (!isRenderer(pid) || dump.bufferPartitionMb === undefined) continue;
          // Resident memory as /proc has it just after the dump (Chromium's dump on Linux carries no resident figure).
          let residentMb: number;
          try {
            residentMb = residentBytes(pid) / 1e6;
          } catch {
            continue;
          }
          const add = (label: string, mb: number) =>
            renderers.set(label, [...(renderers.get(label) ?? []), [t, Number(mb.toFixed(2))]]);
          add(tabJudgedLabel(pid), residentMb - dump.bufferPartitionMb);
          add(tabBuffersLabel(pid), dump.bufferPartitionMb);
        }
        lap('memory dump');
        // Chromium's browser processes, read just after every viewer's HTTP cache was emptied (Chromium's, in the
        // network service, bounded by Chromium); a page that did not answer: no reading.
        const emptied = await Promise.all(pages.map((page) => (page ? clearHttpCache(page) : false)));
        const browserMb = emptied.every(Boolean) ? residentMbOf(chromiumBrowserLabel, true) : undefined;
        if (browserMb !== undefined)
          browserProcesses.push([Number(ctx.elapsed().toFixed(1)), Number(browserMb.toFixed(1))]);
        lap('HTTP caches emptied');
        const seconds = (performance.now() - eventStarted) / 1000;
        lastTook = seconds;
        rounds.push({ from: (i + 1) * heapEvery + late, to: (i + 1) * heapEvery + late + seconds });
        if (seconds > heapEvery)
          ctx.log(`memory readings took ${seconds.toFixed(1)} s, over their ${heapEvery} s period: ${took.join(', ')}`);
      },
    }));
    const result = await runSwarm({
      viewers,
      seconds,
      staggerSeconds: stagger,
      stream: 'drill-soak',
      sampleSeconds: ctx.quick ? 5 : 15,
      log: ctx.log,
      initScripts: [pageCountersScript],
      edgeVars: { STATS_RETENTION_SECONDS: String(soakLimits.statsRetentionSeconds[ctx.quick ? 0 : 1]) },
      // The readings are judged up to the end of the watch, before anything is torn down.
      events: [
        ...countEvents,
        ...heapEvents,
        ...snapshotEvents,
        {
          atSeconds: lastReadingAt,
          run: async () => {
            const late = lateBy(lastReadingAt);
            if (skipped) ctx.log(`memory readings skipped to keep the cohort on time: ${skipped}`);
            await timed(lastReadingAt, late, () => snapshotOurs());
            memory = [
              ...ctx.memory(),
              ...(heap.length ? [{ label: ourHeapLabel, points: [...heap] }] : []),
              ...(objects.length ? [{ label: ourObjectsLabel, points: [...objects] }] : []),
              ...[...tabHeaps].map(([label, points]) => ({ label, points: [...points] })),
              ...[...renderers].map(([label, points]) => ({ label, points: [...points] })),
              ...(browserProcesses.length ? [{ label: browserJudgedLabel, points: [...browserProcesses] }] : []),
            ];
            fds = ctx.fds();
            sockets = ctx.sockets();
          },
        },
      ],
    });
    // wrangler dev's own processes (wrangler, and the workerd of its dev proxy): none of our code, none in production.
    const devOnly = (label: string) => label === 'wrangler' || label.startsWith('workerd (wrangler proxy)');
    const ourHeap = memory.find((s) => s.label === ourHeapLabel);
    const ourObjects = memory.find((s) => s.label === ourObjectsLabel);
    const tabJsHeaps = memory.filter((s) => isTabJsHeap(s.label));
    const proxy = memory.find((s) => s.label === 'workerd (wrangler proxy)');
    // A viewer's renderer (known by its pid) is judged from its page's P2P start on (tabReadingsJudged).
    const startOf = (v: number) => p2pStartedAt(pageCounts.get(`v${v + 1} peerConnections`));
    const viewerOf = (label: string) =>
      viewerOfPid.get(Number(/^chromium tab (\d+), no DevTools bodies$/.exec(label)?.[1]));
    const named = (label: string) => {
      const v = viewerOf(label);
      return v === undefined ? label : `${label} (v${v + 1})`;
    };
    const judgedSeries = memory
      .filter((s) => judgedMemory(s.label))
      .map((s) => {
        const v = viewerOf(s.label);
        const points =
          v === undefined ? s.points : tabReadingsJudged(s.points, startOf(v), soakLimits.offerLifetimeSeconds);
        return { label: s.label, growth: memoryGrowth(points, window), readings: points.length };
      });
    const judged = judgedSeries.filter(
      (s): s is { label: string; growth: NonNullable<typeof s.growth>; readings: number } => s.growth !== undefined,
    );
    const viewerTabs = Array.from({ length: viewers }, (_, v) => ({
      v,
      pid: [...viewerOfPid].find(([, of]) => of === v)?.[0],
      startedAt: startOf(v),
      judged: judged.some((s) => viewerOf(s.label) === v),
    }));
    const edgeProcess = memory.find((s) => s.label === 'workerd');
    const edgeGrowth = edgeProcess ? memoryGrowth(edgeProcess.points, window) : undefined;
    const tabs = judged.filter((s) => s.label.startsWith('chromium tab'));
    const of = (label: string) => judged.find((s) => s.label === label)?.growth;
    const mbh = (g: { mbPerHour: number } | undefined) => (g ? Number(g.mbPerHour.toFixed(1)) : '—');
    ctx.figure('workerd MB/h', mbh(edgeGrowth));
    const ourHeapGrowth = ourHeap ? memoryGrowth(ourHeap.points, window) : undefined;
    ctx.figure('our JS heap MB/h', mbh(ourHeapGrowth));
    ctx.figure('our objects MB/h', mbh(of(ourObjectsLabel)));
    ctx.figure('workerd proxy MB/h', mbh(proxy ? memoryGrowth(proxy.points, window) : undefined));
    ctx.figure('publisher MB/h', mbh(of('publisher')));
    ctx.figure('chromium browser MB/h', mbh(of(browserJudgedLabel)));
    const browserRaw = memory.find((s) => s.label === chromiumBrowserLabel);
    const browserRawGrowth = browserRaw ? memoryGrowth(browserRaw.points, window) : undefined;
    const tabHeapGrowth = tabJsHeaps
      .map((s) => ({ label: s.label, growth: memoryGrowth(s.points, window) }))
      .filter((s): s is { label: string; growth: NonNullable<typeof s.growth> } => s.growth !== undefined);
    ctx.figure(
      'tabs JS heap MB/h max',
      tabHeapGrowth.length ? Number(Math.max(...tabHeapGrowth.map((t) => t.growth.mbPerHour)).toFixed(1)) : '—',
    );
    ctx.figure(
      'tabs MB/h max',
      tabs.length ? Number(Math.max(...tabs.map((t) => t.growth.mbPerHour)).toFixed(1)) : '—',
    );
    const tabsReported = memory
      .filter((s) => /^chromium tab \d+( buffer partition)?$/.test(s.label))
      .map((s) => ({ label: s.label, growth: memoryGrowth(s.points, window) }))
      .filter((s): s is { label: string; growth: NonNullable<typeof s.growth> } => s.growth !== undefined);
    const resident = tabsReported.filter((s) => !s.label.endsWith('buffer partition'));
    ctx.figure(
      'tabs resident MB/h max',
      resident.length ? Number(Math.max(...resident.map((t) => t.growth.mbPerHour)).toFixed(1)) : '—',
    );
    const worst = judged.reduce<(typeof judged)[number] | undefined>(
      (w, s) => (!w || s.growth.growthPercent > w.growth.growthPercent ? s : w),
      undefined,
    );
    ctx.figure('max growth %', worst ? Number(worst.growth.growthPercent.toFixed(1)) : '—');
    ctx.check(
      `memory grows ≤ ${limit}% over the last ${window / 60} min${ctx.quick ? ' (quick: a gross leak only)' : ''}`,
      judged.some((s) => s.label === ourObjectsLabel) &&
        judged.some((s) => s.label === browserJudgedLabel) &&
        viewerTabs.every((t) => t.judged) &&
        judged.every((s) => s.growth.growthPercent <= limit),
      [
        ...judged.map(
          (s) => `${named(s.label)} ${s.growth.growthPercent.toFixed(1)}% (${s.growth.mbPerHour.toFixed(1)} MB/h)`,
        ),
        // Whose renderer is whose, and from when each is judged; a viewer's renderer not judged, and why.
        `viewers' renderers, each judged from ${soakLimits.offerLifetimeSeconds} s after its P2P started: ${viewerTabs
          .map(
            (t) =>
              `v${t.v + 1} ${t.pid === undefined ? 'not found' : `${t.pid}`}${t.startedAt === undefined ? ' (no P2P)' : ` (P2P at ${t.startedAt.toFixed(0)} s)`}${t.pid !== undefined && !t.judged ? `: NOT JUDGED, ${judgedSeries.find((s) => viewerOf(s.label) === t.v)?.readings ?? 0} readings left` : ''}`,
          )
          .join(', ')}`,
        // Not judged: our whole heap, compiled code included (the objects without it are judged).
        ...(ourHeapGrowth
          ? [
              `our isolate's whole JS heap ${ourHeapGrowth.growthPercent.toFixed(1)}% (${ourHeapGrowth.mbPerHour.toFixed(2)} MB/h; not judged: V8's compiled code in it grows as the bundle's functions get optimised)`,
            ]
          : []),
        // Not judged: inside the tabs' renderers, reported to say where a tab's growth is.
        ...tabHeapGrowth.map((s) => `${s.label} ${s.growth.mbPerHour.toFixed(1)} MB/h (not judged: inside its tab)`),
        // Not judged: each renderer's resident memory and its buffer partition, where they grew past the limit.
        ...tabsReported
          .filter((s) => s.growth.growthPercent > limit)
          .map(
            (s) =>
              `${s.label} ${s.growth.growthPercent.toFixed(1)}% (${s.growth.mbPerHour.toFixed(1)} MB/h; not judged: ${s.label.endsWith('buffer partition') ? "DevTools' response bodies among it" : 'resident, DevTools bodies included'})`,
          ),
        // Not judged: the browser processes with the viewers' HTTP caches in them.
        ...(browserRawGrowth
          ? [
              `${chromiumBrowserLabel} with the HTTP caches ${browserRawGrowth.growthPercent.toFixed(1)}% (${browserRawGrowth.mbPerHour.toFixed(1)} MB/h; not judged: each viewer's incognito HTTP cache, in memory up to 50 MB, is in it)`,
            ]
          : []),
        ...(edgeGrowth
          ? [
              `the edge's workerd process ${edgeGrowth.growthPercent.toFixed(1)}% (${edgeGrowth.mbPerHour.toFixed(1)} MB/h; not judged: the local runtime's own growth per request, our isolate in it is judged)`,
            ]
          : []),
        ...(snapshots.length >= 2 ? [heapGrowthLine(snapshots)] : []),
      ].join(', '),
    );
    // Counts: each page's, and each process group's sockets and descriptors; a count grows when its floor rises.
    const pageSeries: MemorySeries[] = [...pageCounts].map(([label, points]) => ({ label, points }));
    const processSeries = (series: MemorySeries[], what: string) =>
      series.filter((s) => s.label !== 'wrangler').map((s) => ({ label: `${s.label} ${what}`, points: s.points }));
    const countSeries = [...pageSeries, ...processSeries(sockets, 'sockets'), ...processSeries(fds, 'descriptors')];
    ctx.recordCounts(countSeries);
    ctx.recordMemory([
      ...(ourHeap ? [ourHeap] : []),
      ...(ourObjects ? [ourObjects] : []),
      ...tabJsHeaps,
      ...memory.filter(
        (s) =>
          (s.label.startsWith('chromium tab ') && /, no DevTools bodies$| buffer partition$/.test(s.label)) ||
          s.label === browserJudgedLabel,
      ),
    ]);
    const counted = countSeries.map((s) => {
      const g = countGrowth(s.points, window);
      return {
        label: s.label,
        growth: g,
        grows:
          g !== undefined && g.growth > countAllowance(g.first, soakLimits.countGrowthPercent, soakLimits.countSlack),
      };
    });
    const judgedPages = new Set(
      counted.filter((c) => c.growth && /^v\d+ /.test(c.label)).map((c) => c.label.split(' ')[0]),
    );
    const lastOf = (kind: PageCountKind) =>
      counted.filter((c) => c.label.endsWith(` ${kind}`) && c.growth).map((c) => c.growth?.last ?? 0);
    const range = (values: number[]) => (values.length ? `${Math.min(...values)}–${Math.max(...values)}` : '—');
    ctx.figure('tab timers', range(lastOf('timeouts').map((n, i) => n + (lastOf('intervals')[i] ?? 0))));
    ctx.figure('tab RTC conns', range(lastOf('peerConnections')));
    ctx.figure('workerd sockets', counted.find((c) => c.label === 'workerd sockets')?.growth?.last ?? '—');
    const growing = counted.filter((c) => c.grows && !devOnly(c.label));
    ctx.check(
      `no timer or socket count grows (by more than ${soakLimits.countGrowthPercent}% or ${soakLimits.countSlack}, lowest of the last quarter vs the highest of the first)`,
      judgedPages.size >= viewers &&
        counted.some((c) => c.label === 'workerd sockets' && c.growth) &&
        counted.some((c) => c.label === 'publisher sockets' && c.growth) &&
        growing.length === 0,
      [
        growing.length
          ? `growing: ${growing
              .slice(0, 8)
              .map((c) => `${c.label} ${c.growth?.first} → ${c.growth?.last}`)
              .join(', ')}${growing.length > 8 ? ` and ${growing.length - 8} more` : ''}`
          : `none growing of ${counted.filter((c) => c.growth).length} counts (${judgedPages.size} pages)`,
        ...counted
          .filter((c) => !/^v\d+ /.test(c.label) && c.growth)
          .map((c) => `${c.label} ${c.growth?.first} → ${c.growth?.last}`),
        ...pageCountKinds.map((kind) => `${kind} ${range(lastOf(kind))}`),
      ].join('; '),
    );
    const stalls = result.viewers.reduce((s, v) => s + v.stalls, 0);
    ctx.figure('stalls', stalls);
    // Where the stalls began against the harness's own readings: said, not excused (every stall fails the check).
    const placed = stallsInReadings(result.viewers, rounds, soakLimits.readingStallSlackSeconds);
    if (stalls) ctx.figure('stalls in readings', placed.during);
    ctx.check(
      'no stalls',
      stalls === 0 && result.viewers.every((v) => v.errors.length === 0),
      [
        result.viewers
          .map((v) => `v${v.viewer + 1} ${v.stalls}${v.errors.length ? ` ${v.errors.join('; ')}` : ''}`)
          .join(', '),
        ...(stalls
          ? [
              `${placed.during} of ${stalls} began in the harness's own readings or within ${soakLimits.readingStallSlackSeconds} s after (rounds begun at ${placed.rounds.map((t) => t.toFixed(0)).join(', ') || '—'} s), ${placed.outside} outside them${placed.unplaced ? `, ${placed.unplaced} not placed (no timeline)` : ''}`,
            ]
          : []),
      ].join('; '),
    );
    // Offload in four equal parts of the judged window, from the cohort's own samples, with the viewers backed off.
    // No samples (the cohort never sampled): no part known, and the check fails on it rather than the drill erring.
    const quarters = offloadQuarters(result.samples, window);
    const known = quarters.map((q) => q.offloadPercent).filter((p): p is number => p !== null);
    const spread = known.length ? Math.max(...known) - Math.min(...known) : Number.POSITIVE_INFINITY;
    ctx.figure('offload %', Number(offloadPercent(result.viewers).toFixed(0)));
    ctx.figure('offload spread', Number(spread.toFixed(1)));
    const backedOff = quarters.map((q) => q.backedOffPercent).filter((p): p is number => p !== null);
    if (backedOff.length) ctx.figure('backed off % (max quarter)', Number(Math.max(...backedOff).toFixed(1)));
    ctx.check(
      'offload steady within ±5 points',
      known.length === 4 && spread <= soakLimits.offloadSpreadPoints,
      `by quarter of the last ${window / 60} min: ${quarters.map((q) => pct(q.offloadPercent)).join(', ')} (viewer samples backed off for a strained device: ${quarters.map((q) => pct(q.backedOffPercent)).join(', ')})`,
    );
  },
};
