/**
 * The soak: a live stream watched by 8 hybrid viewers for 30 minutes, with
 * the resident memory of workerd, every Chromium tab, the publisher and its
 * ffmpeg sampled each minute. Over the last 20 minutes nothing may grow by
 * more than 5% (each reported in MB/hour), no viewer may stall, offload must
 * hold steady within ±5 points, and no count may grow: each page's live
 * timers, RTCPeerConnections, data channels and WebSockets (counted inside
 * the page by the harness's init script, page-counters.ts), and the open
 * sockets and descriptors of workerd, the publisher, ffmpeg and Chromium
 * (from /proc). --quick: 4 viewers for 150 s, judged over the last 90 s,
 * memory only for a gross leak (soakLimits).
 */
import type { Page } from 'playwright-core';
import { offloadPercent } from '../../cohort/records';
import { intervalFigures } from '../../compare/summary';
import { runSwarm } from '../../swarm';
import { findInspectorPort, isolateHeapMb } from '../isolate-heap';
import { countAllowance, countGrowth, memoryGrowth } from '../memory';
import {
  type PageCountKind,
  type PageCounts,
  pageCountersGlobal,
  pageCountersScript,
  pageCountKinds,
  readPageCounts,
} from '../page-counters';
import type { Drill, MemorySeries } from '../types';

export const soakLimits = {
  /** Growth over the judged window, % of the value at its start. */
  memoryGrowthPercent: 5,
  /**
   * --quick: 90 s cannot tell warm-up from a slow leak (workerd grew 16% over its last 90 s of a 150 s run, at
   * 1.5 GB/hour, flattening as it went), so a quick soak catches only a gross leak; the full soak judges at 5%.
   */
  quickMemoryGrowthPercent: 30,
  fdGrowthPercent: 5,
  /** A count (timers, sockets, descriptors) may rise by this % of its floor over the window, and never less than this many. */
  countGrowthPercent: 5,
  countSlack: 2,
  /** How often each page's counters are read, seconds (quick, full). */
  countEverySeconds: [5, 15] as [number, number],
  /** Offload in every part of the window within ±5 points of each other's middle. */
  offloadSpreadPoints: 10,
};

export const soak: Drill = {
  name: 'soak',
  title: 'soak: live, 8 viewers, 30 min',
  holds:
    'memory growth ≤ 5% over the last 20 min (MB/hour); no stalls; offload steady within ±5 points; no timer or socket count that grows',
  sampleSeconds: [10, 60],
  timeoutSeconds: [420, 2700],
  memoryPerTab: true,
  async run(ctx) {
    const viewers = ctx.quick ? 4 : 8;
    const seconds = ctx.quick ? 150 : 1800;
    const window = ctx.quick ? 90 : 1200;
    const limit = ctx.quick ? soakLimits.quickMemoryGrowthPercent : soakLimits.memoryGrowthPercent;
    const stagger = 3;
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
    const countEvents = Array.from({ length: Math.floor((lastJoin + seconds - 3) / every) }, (_, i) => ({
      atSeconds: (i + 1) * every,
      run: readCounts,
    }));
    // The edge's own JS heap (our Worker and Durable Objects, one isolate), after a full collection, as often as
    // memory is sampled: beside workerd's resident memory, it says whether growth is in our code or outside it.
    const heapLabel = 'workerd: our isolate JS heap';
    const heap: [number, number][] = [];
    const heapEvery = ctx.quick ? 10 : 60;
    const heapEvents = Array.from({ length: Math.floor((lastJoin + seconds - 3) / heapEvery) }, (_, i) => ({
      atSeconds: (i + 1) * heapEvery,
      run: async () => {
        const port = findInspectorPort();
        const mb = port ? await isolateHeapMb(port) : undefined;
        if (mb !== undefined) heap.push([Number(ctx.elapsed().toFixed(1)), mb]);
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
      // The readings are judged up to the end of the watch, before anything is torn down.
      events: [
        ...countEvents,
        ...heapEvents,
        {
          atSeconds: lastJoin + seconds - 2,
          run: async () => {
            memory = [...ctx.memory(), ...(heap.length ? [{ label: heapLabel, points: [...heap] }] : [])];
            fds = ctx.fds();
            sockets = ctx.sockets();
          },
        },
      ],
    });
    // Judged: each process's resident memory, but not what only `wrangler dev` runs (wrangler, and the workerd of its
    // dev proxy in front of the edge: none of our code, no such process in production), charted and reported only.
    // Our isolate's heap is inside the edge's workerd and reported beside it.
    const devOnly = (label: string) => label === 'wrangler' || label.startsWith('workerd (wrangler proxy)');
    const ourHeap = memory.find((s) => s.label === heapLabel);
    const proxy = memory.find((s) => s.label === 'workerd (wrangler proxy)');
    const judged = memory
      .filter((s) => !devOnly(s.label) && s !== ourHeap)
      .map((s) => ({ label: s.label, growth: memoryGrowth(s.points, window) }))
      .filter((s): s is { label: string; growth: NonNullable<typeof s.growth> } => s.growth !== undefined);
    const tabs = judged.filter((s) => s.label.startsWith('chromium tab'));
    const of = (label: string) => judged.find((s) => s.label === label)?.growth;
    const mbh = (g: { mbPerHour: number } | undefined) => (g ? Number(g.mbPerHour.toFixed(1)) : '—');
    ctx.figure('workerd MB/h', mbh(of('workerd')));
    ctx.figure('our JS heap MB/h', mbh(ourHeap ? memoryGrowth(ourHeap.points, window) : undefined));
    ctx.figure('workerd proxy MB/h', mbh(proxy ? memoryGrowth(proxy.points, window) : undefined));
    ctx.figure('publisher MB/h', mbh(of('publisher')));
    ctx.figure(
      'tabs MB/h max',
      tabs.length ? Number(Math.max(...tabs.map((t) => t.growth.mbPerHour)).toFixed(1)) : '—',
    );
    const worst = judged.reduce<(typeof judged)[number] | undefined>(
      (w, s) => (!w || s.growth.growthPercent > w.growth.growthPercent ? s : w),
      undefined,
    );
    ctx.figure('max growth %', worst ? Number(worst.growth.growthPercent.toFixed(1)) : '—');
    ctx.check(
      `memory grows ≤ ${limit}% over the last ${window / 60} min${ctx.quick ? ' (quick: a gross leak only)' : ''}`,
      judged.some((s) => s.label === 'workerd') &&
        tabs.length >= viewers &&
        judged.every((s) => s.growth.growthPercent <= limit),
      judged
        .map((s) => `${s.label} ${s.growth.growthPercent.toFixed(1)}% (${s.growth.mbPerHour.toFixed(1)} MB/h)`)
        .join(', '),
    );
    // Counts: each page's, and each process group's sockets and descriptors; a count grows when its floor rises.
    const pageSeries: MemorySeries[] = [...pageCounts].map(([label, points]) => ({ label, points }));
    const processSeries = (series: MemorySeries[], what: string) =>
      series.filter((s) => s.label !== 'wrangler').map((s) => ({ label: `${s.label} ${what}`, points: s.points }));
    const countSeries = [...pageSeries, ...processSeries(sockets, 'sockets'), ...processSeries(fds, 'descriptors')];
    ctx.recordCounts(countSeries);
    if (ourHeap) ctx.recordMemory([ourHeap]);
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
    ctx.check(
      'no stalls',
      stalls === 0 && result.viewers.every((v) => v.errors.length === 0),
      result.viewers
        .map((v) => `v${v.viewer + 1} ${v.stalls}${v.errors.length ? ` ${v.errors.join('; ')}` : ''}`)
        .join(', '),
    );
    // Offload in four equal parts of the judged window, from the cohort's own samples.
    const end = result.samples.at(-1)?.t ?? 0;
    const at = (t: number) => result.samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
    const parts = [0, 1, 2, 3].map(
      (i) =>
        intervalFigures(at(end - window + (i * window) / 4), at(end - window + ((i + 1) * window) / 4)).offloadPercent,
    );
    const known = parts.filter((p): p is number => p !== null);
    const spread = known.length ? Math.max(...known) - Math.min(...known) : Number.POSITIVE_INFINITY;
    ctx.figure('offload %', Number(offloadPercent(result.viewers).toFixed(0)));
    ctx.figure('offload spread', Number(spread.toFixed(1)));
    ctx.check(
      'offload steady within ±5 points',
      known.length === 4 && spread <= soakLimits.offloadSpreadPoints,
      `by quarter of the last ${window / 60} min: ${parts.map((p) => (p === null ? '—' : `${p.toFixed(1)}%`)).join(', ')}`,
    );
  },
};
