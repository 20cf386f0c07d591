/**
 * Where a viewer's renderer spends its CPU: V8's sampling profiler (DevTools
 * Profiler domain) on each page of a cohort, summed by source file through the
 * player bundle's source map (hls.js, p2p-media-loader, our player code, …)
 * and by function. compare --profile runs it; the raw profiles load in
 * DevTools' Performance panel. The summaries are pure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

export const rendererProfileDefaults = {
  /** V8's sampling interval, µs: 1 ms keeps the profiler's own cost small. */
  samplingIntervalUs: 1000,
  /** Entries kept in each top list. */
  top: 12,
};

/** The parts of a DevTools Profiler.Profile the summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  /** Share of the busy (non-idle) sampled time, percent. */
  percent: number;
}

export interface ProfileSummary {
  /** Profiles summed. */
  profiles: number;
  /** Wall time the profiles covered, ms. */
  sampledMs: number;
  /** Sampled time the renderer's main thread was busy (not idle), ms. */
  busyMs: number;
  /** Busy time by where it ran: a source file (or package), or V8's (program), (garbage collector). */
  bySource: ProfileEntry[];
  /** Busy time by function (name and source:line). */
  byFunction: ProfileEntry[];
  /** CPU seconds of every renderer thread at the end, by thread kind (all the cohort's renderers together). */
  threads?: Record<string, number>;
  /**
   * Per viewer with a browser of its own (viewer: its index in the cohort): its main thread's sampled busy time and
   * its renderer threads by kind, so an uploader's cost can be told from a receiver's.
   */
  viewers?: ViewerProfile[];
}

export interface ViewerProfile {
  viewer: number;
  /** Sampled busy time of its renderer's main thread, ms. */
  busyMs: number;
  /** CPU seconds of its renderer threads at the end, by kind. */
  threads: Record<string, number>;
}

/** Maps a generated position (0-based line and column) to its original source and line, or null. */
export type PositionLookup = (
  url: string,
  line: number,
  column: number,
) => { source: string; line: number; name?: string } | null;

const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Pure: decodes a source map's `mappings` (VLQ) into, per generated line, [column, source, line, name?] sorted. */
export function decodeMappings(mappings: string): [number, number, number, number | undefined][][] {
  const lines: [number, number, number, number | undefined][][] = [];
  let source = 0;
  let line = 0;
  let name = 0;
  for (const text of mappings.split(';')) {
    const segments: [number, number, number, number | undefined][] = [];
    let column = 0;
    for (const segment of text.split(',')) {
      if (segment === '') continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = base64.indexOf(char);
        if (digit < 0) throw new Error(`not a source map VLQ digit: ${JSON.stringify(char)}`);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0] ?? 0;
      if (values.length < 4) continue;
      source += values[1] as number;
      line += values[2] as number;
      let named: number | undefined;
      if (values.length >= 5) {
        name += values[4] as number;
        named = name;
      }
      segments.push([column, source, line, named]);
    }
    lines.push(segments);
  }
  return lines;
}

/** Pure: a lookup into one source map (v3) for one generated file. */
export function sourceMapLookup(map: { sources: string[]; names?: string[]; mappings: string }) {
  const lines = decodeMappings(map.mappings);
  return (line: number, column: number): { source: string; line: number; name?: string } | null => {
    const segments = lines[line];
    if (!segments || segments.length === 0) return null;
    let lo = 0;
    let hi = segments.length - 1;
    if ((segments[0] as [number, number, number, number | undefined])[0] > column) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((segments[mid] as [number, number, number, number | undefined])[0] <= column) lo = mid;
      else hi = mid - 1;
    }
    const [, source, original, name] = segments[lo] as [number, number, number, number | undefined];
    const found = { source: map.sources[source] ?? '?', line: original + 1 };
    const named = name === undefined ? undefined : map.names?.[name];
    return named ? { ...found, name: named } : found;
  };
}

/** Pure: a source path as a short name: a package for node_modules, else the path from the workspace folder on. */
export function shortSource(source: string): string {
  const modules = source.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = source.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? source);
  }
  const workspace = source.match(/(?:^|\/)((?:player|protocol|policy)\/src\/.*)$/);
  return workspace?.[1] ?? source.replace(/^(\.\.\/)+/, '');
}

const idle = new Set(['(idle)']);

/** Pure: self time per node of one profile, ms. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the gap to the next one (the last sample's gap is unknown: none).
  for (let i = 0; i < samples.length - 1; i++) {
    const id = samples[i] as number;
    const ms = (deltas[i + 1] ?? 0) / 1000;
    if (ms > 0) self.set(id, (self.get(id) ?? 0) + ms);
  }
  return self;
}

/** Pure: profiles summed by source and by function, the top `top` of each. */
export function summariseProfiles(
  profiles: readonly CpuProfile[],
  lookup: PositionLookup,
  top = rendererProfileDefaults.top,
): ProfileSummary {
  const bySource = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampledMs = 0;
  let busyMs = 0;
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const profile of profiles) {
    sampledMs += (profile.endTime - profile.startTime) / 1000;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    for (const [id, ms] of selfTimes(profile)) {
      const frame = nodes.get(id);
      if (!frame || idle.has(frame.functionName)) continue;
      busyMs += ms;
      if (frame.url === '') {
        // V8's own: (program), (garbage collector), or a native function.
        const name = frame.functionName.startsWith('(') ? frame.functionName : `(native) ${frame.functionName}`;
        add(bySource, frame.functionName.startsWith('(') ? frame.functionName : '(native)', ms);
        add(byFunction, name, ms);
        continue;
      }
      const original = lookup(frame.url, frame.lineNumber, frame.columnNumber);
      const file = frame.url.split('?')[0]?.split('/').at(-1) ?? frame.url;
      const source = original ? shortSource(original.source) : file;
      add(bySource, source, ms);
      const name = original?.name ?? (frame.functionName || '(anonymous)');
      add(byFunction, `${name} ${source}:${original ? original.line : frame.lineNumber + 1}`, ms);
    }
  }
  const ranked = (map: Map<string, number>): ProfileEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: busyMs > 0 ? (100 * ms) / busyMs : 0 }));
  return {
    profiles: profiles.length,
    sampledMs: Math.round(sampledMs),
    busyMs: Math.round(busyMs),
    bySource: ranked(bySource),
    byFunction: ranked(byFunction),
  };
}

/** Pure: a summary as log lines. */
export function profileLines(prefix: string, summary: ProfileSummary): string[] {
  const entry = (e: ProfileEntry) => `${e.name} ${e.percent.toFixed(1)}%`;
  const perViewer = summary.profiles > 0 ? summary.busyMs / summary.profiles / 1000 : 0;
  return [
    `${prefix} profile: ${summary.profiles} renderers, main thread busy ${perViewer.toFixed(1)} s each of ${(summary.sampledMs / Math.max(1, summary.profiles) / 1000).toFixed(0)} s`,
    `${prefix}   by source: ${summary.bySource.map(entry).join(' · ')}`,
    `${prefix}   by function: ${summary.byFunction.map(entry).join(' · ')}`,
    ...(summary.viewers ?? []).map(
      (v) =>
        `${prefix}   viewer ${v.viewer + 1}: main thread busy ${(v.busyMs / 1000).toFixed(2)} s; threads, CPU s: ${Object.entries(
          v.threads,
        )
          .slice(0, 6)
          .map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`)
          .join(' · ')}`,
    ),
    ...(summary.threads
      ? [
          `${prefix}   renderer threads, CPU s: ${Object.entries(summary.threads)
            .slice(0, rendererProfileDefaults.top)
            .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
            .join(' · ')}`,
        ]
      : []),
  ];
}

export interface RendererProfiler {
  stop(): Promise<CpuProfile | null>;
}

/** Starts V8's sampling profiler on a page's renderer; stop() gives the profile, or null if the page is gone. */
export async function startRendererProfile(page: Page): Promise<RendererProfiler> {
  const session = await page.context().newCDPSession(page);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: rendererProfileDefaults.samplingIntervalUs });
  await session.send('Profiler.start');
  return {
    async stop() {
      try {
        const { profile } = (await session.send('Profiler.stop')) as { profile: CpuProfile };
        return profile;
      } catch {
        return null;
      } finally {
        await session.detach().catch(() => {});
      }
    },
  };
}

/**
 * Pure: the URL to fetch a page's script from here. The pages name the edge by a `.localhost` alias that only the
 * browsers resolve (browser.ts secureAliasFor, through Chromium's host-resolver rules); Node's resolver does not know
 * it, so a script under the alias is fetched from the address it stands for.
 */
export function fetchableUrl(url: string, alias?: { host: string; address: string }): string {
  if (!alias) return url;
  const parsed = new URL(url);
  if (parsed.hostname !== alias.host) return url;
  parsed.hostname = alias.address;
  return parsed.toString();
}

/**
 * A lookup that fetches each script's source map (`<url>.map`) once; scripts without one map to nothing. `alias`: the
 * pages' name for the edge and the address it stands for (fetchableUrl).
 */
export async function fetchLookup(
  urls: Iterable<string>,
  alias?: { host: string; address: string },
): Promise<PositionLookup> {
  const maps = new Map<string, ReturnType<typeof sourceMapLookup>>();
  for (const url of new Set(urls)) {
    if (!/^https?:\/\/.*\.js(\?|$)/.test(url)) continue;
    try {
      const response = await fetch(`${fetchableUrl(url, alias).split('?')[0]}.map`);
      if (response.ok) maps.set(url, sourceMapLookup((await response.json()) as Parameters<typeof sourceMapLookup>[0]));
    } catch {
      // No map: the file's name stands in.
    }
  }
  return (url, line, column) => maps.get(url)?.(line, column) ?? null;
}

/** Pure: a thread's name as a kind, its number dropped (`ThreadPoolForeg` threads, `WebRTC_W…` and the like). */
export function threadKind(comm: string): string {
  const name = comm.trim();
  return name.replace(/[\s_-]*\d+$/, '') || name || '?';
}

/** Pure: CPU seconds by thread kind from (name, seconds) pairs, largest first. */
export function cpuByThreadKind(threads: readonly { name: string; seconds: number }[]): Record<string, number> {
  const sums = new Map<string, number>();
  for (const t of threads) {
    if (!Number.isFinite(t.seconds) || t.seconds < 0) continue;
    const kind = threadKind(t.name);
    sums.set(kind, (sums.get(kind) ?? 0) + t.seconds);
  }
  return Object.fromEntries([...sums].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

/** Pure: a thread's CPU seconds from its /proc/<pid>/task/<tid>/stat line (utime + stime, in clock ticks). */
export function threadSecondsFromStat(stat: string, ticksPerSecond = 100): number {
  // The name (field 2) may hold spaces and parentheses: the fields after it start after the last ") ".
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * Every renderer thread of a browser, by name, with its CPU seconds so far: V8's profiler sees only the page's main
 * thread, while WebRTC's network and worker threads, the compositor and media threads run beside it. Reads
 * /proc, so it works where the browser's pids are this process's (the harness's PID namespace); null if not.
 */
export async function readRendererThreads(browser: Browser): Promise<{ name: string; seconds: number }[] | null> {
  try {
    const session = await browser.newBrowserCDPSession();
    try {
      const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
        processInfo: { type: string; id: number }[];
      };
      return processInfo
        .filter((p) => p.type === 'renderer')
        .flatMap((p) => {
          try {
            return readdirSync(`/proc/${p.id}/task`).map((tid) => ({
              name: readFileSync(`/proc/${p.id}/task/${tid}/comm`, 'utf8'),
              seconds: threadSecondsFromStat(readFileSync(`/proc/${p.id}/task/${tid}/stat`, 'utf8')),
            }));
          } catch {
            return [];
          }
        });
    } finally {
      await session.detach().catch(() => {});
    }
  } catch {
    return null;
  }
}
