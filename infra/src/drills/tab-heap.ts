/**
 * A tab's JS heap after a full collection, through the DevTools protocol playwright already speaks to Chromium
 * (a CDP session per page, opened by the harness; nothing a page or a URL can reach). Beside the renderer's resident
 * memory it tells what a page's scripts hold (ours, hls.js, p2p-media-loader) from what the renderer holds natively
 * (media buffers, WebRTC's send and receive queues, the compositor).
 */
import type { Browser, CDPSession, Page } from 'playwright-core';

export interface TabHeap {
  /** JS heap in use after a full collection, MB. */
  usedMb: number;
  /** ArrayBuffer backing stores (media segments held by scripts), MB, where V8 reports them. */
  arrayBuffersMb?: number;
}

/** Pure: MB from a Runtime.getHeapUsage answer; undefined when it has no heap figure. */
export function tabHeapOf(usage: Record<string, unknown>): TabHeap | undefined {
  if (typeof usage.usedSize !== 'number') return undefined;
  const mb = (bytes: number) => Number((bytes / 1e6).toFixed(2));
  return {
    usedMb: mb(usage.usedSize),
    ...(typeof usage.backingStorageSize === 'number' ? { arrayBuffersMb: mb(usage.backingStorageSize) } : {}),
  };
}

const sessions = new WeakMap<Page, CDPSession>();

async function sessionOf(page: Page): Promise<CDPSession> {
  let session = sessions.get(page);
  if (!session) {
    session = await page.context().newCDPSession(page);
    sessions.set(page, session);
  }
  return session;
}

/** The page's heap after a collection; undefined when the page is gone or does not answer. */
export async function tabHeap(page: Page): Promise<TabHeap | undefined> {
  try {
    const session = await sessionOf(page);
    await session.send('HeapProfiler.collectGarbage');
    return tabHeapOf((await session.send('Runtime.getHeapUsage')) as unknown as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/**
 * Empties the HTTP cache of the page's browser context (`Network.clearBrowserCache`); false when the page does not
 * answer. Each page playwright opens has an incognito context of its own, whose HTTP cache Chromium keeps in memory,
 * in the network service, up to 2% of the machine's memory and at most 50 MB per context (a profile on disk caches on
 * disk): it fills with every body the viewer fetches over HTTP (media segments are immutable, so all are stored), a
 * cache at its bound, not a leak (BENCHMARKS.md, #13). The soak empties it before judging Chromium's browser
 * processes, as it collects garbage before judging a heap.
 */
export async function clearHttpCache(page: Page): Promise<boolean> {
  try {
    await (await sessionOf(page)).send('Network.clearBrowserCache');
    return true;
  } catch {
    return false;
  }
}

/** One Chromium process in a memory dump: what it holds privately, and what of it is Blink's buffer partition, MB. */
export interface ProcessDump {
  /** Private footprint (anonymous resident memory and swap): what the process alone holds. */
  footprintMb: number;
  /**
   * Blink's buffer partition (`partition_alloc/partitions/buffer`): byte buffers, among them the response bodies the
   * DevTools network agent keeps for every session that enabled the Network domain (playwright's does, to report
   * requests), up to its limits, so an automated page's renderer grows with what it fetched (BENCHMARKS.md, #13).
   */
  bufferPartitionMb?: number;
}

const mbOfHex = (hex: unknown) =>
  typeof hex === 'string' ? Number((Number.parseInt(hex, 16) / 1e6).toFixed(2)) : undefined;

/**
 * Pure: the processes of a Chromium memory-infra trace (`Tracing.requestMemoryDump`'s events, `ph: 'v'`), by pid.
 * A process with no footprint figure is left out.
 */
export function processDumpsOf(events: readonly Record<string, unknown>[]): Map<number, ProcessDump> {
  // A process's dump may come in more than one event (its totals in one, its allocators in another): merged by pid.
  const footprints = new Map<number, number>();
  const buffers = new Map<number, number>();
  for (const event of events) {
    if (event.ph !== 'v' || typeof event.pid !== 'number') continue;
    const args = event.args as { dumps?: Record<string, Record<string, unknown>> } | undefined;
    const footprintMb = mbOfHex(args?.dumps?.process_totals?.private_footprint_bytes);
    if (footprintMb !== undefined) footprints.set(event.pid, footprintMb);
    const allocators = (args?.dumps?.allocators ?? {}) as Record<string, { attrs?: { size?: { value?: unknown } } }>;
    const bufferPartitionMb = mbOfHex(allocators['partition_alloc/partitions/buffer']?.attrs?.size?.value);
    if (bufferPartitionMb !== undefined) buffers.set(event.pid, bufferPartitionMb);
  }
  const dumps = new Map<number, ProcessDump>();
  for (const [pid, footprintMb] of footprints) {
    const bufferPartitionMb = buffers.get(pid);
    dumps.set(pid, { footprintMb, ...(bufferPartitionMb !== undefined ? { bufferPartitionMb } : {}) });
  }
  return dumps;
}

const browserSessions = new WeakMap<Browser, CDPSession>();

/**
 * The events of one trace of the whole browser, with these categories, through a browser-level DevTools session the
 * harness opens: tracing starts, `during` runs, tracing ends. Undefined when the browser does not answer.
 */
async function traceOf(
  browser: Browser,
  includedCategories: string[],
  during: (session: CDPSession) => Promise<unknown>,
): Promise<Record<string, unknown>[] | undefined> {
  let session = browserSessions.get(browser);
  try {
    if (!session) {
      session = await browser.newBrowserCDPSession();
      browserSessions.set(browser, session);
    }
    const s = session;
    const events: Record<string, unknown>[] = [];
    const onData = (e: { value: Record<string, unknown>[] }) => events.push(...e.value);
    s.on('Tracing.dataCollected', onData);
    try {
      const complete = new Promise<void>((resolve) => s.once('Tracing.tracingComplete', () => resolve()));
      await s.send('Tracing.start', {
        transferMode: 'ReportEvents',
        traceConfig: { includedCategories, excludedCategories: ['*'], memoryDumpConfig: { triggers: [] } },
      } as never);
      await during(s);
      await s.send('Tracing.end');
      await complete;
    } finally {
      s.off('Tracing.dataCollected', onData);
    }
    return events;
  } catch {
    return undefined;
  }
}

/**
 * Every process of the browser, dumped by Chromium's memory-infra at its light level of detail (totals per allocator,
 * the buffer partition among them); undefined when the browser does not answer. The dump's tracing buffer is a
 * shared-memory region in each process, not part of its footprint. Not `deterministic` and not `detailed`: on these
 * two cores that dump held every renderer for 15-18 s, long enough to stall all eight of the soak's viewers, where the
 * light one takes about 3 s with the same readings (BENCHMARKS.md, #13); the soak collects each tab's garbage just
 * before it (tabHeap).
 */
export async function chromiumMemoryDump(browser: Browser): Promise<Map<number, ProcessDump> | undefined> {
  const events = await traceOf(browser, ['disabled-by-default-memory-infra'], (s) =>
    s.send('Tracing.requestMemoryDump', { deterministic: false, levelOfDetail: 'light' } as never),
  );
  return events && processDumpsOf(events);
}

/** The user-timing mark each page makes while the harness traces it, by the page's index. */
export const tabMark = (index: number) => `edgeswarm-harness-tab-${index}`;

/**
 * Pure: the process each page's mark came from (a trace's `blink.user_timing` events, which carry the renderer's pid),
 * by the page's index. A memory dump names its processes only "Renderer", and the headless shell's trace lists no
 * frames with their processes, so this is what tells whose tab a renderer is.
 */
export function markedProcessesOf(events: readonly Record<string, unknown>[], pages: number): (number | undefined)[] {
  const byName = new Map<string, number>();
  for (const event of events) {
    if (typeof event.name === 'string' && typeof event.pid === 'number') byName.set(event.name, event.pid);
  }
  return Array.from({ length: pages }, (_, i) => byName.get(tabMark(i)));
}

/**
 * The renderer pid of each page, by the page's index (absent: the page is gone or did not answer): each page makes a
 * user-timing mark (and clears it at once) while the browser traces `blink.user_timing` alone, which our pages and
 * their libraries do not otherwise use.
 */
export async function rendererPids(
  browser: Browser,
  pages: readonly (Page | undefined)[],
): Promise<(number | undefined)[]> {
  const events = await traceOf(browser, ['blink.user_timing'], () =>
    Promise.all(
      pages.map((page, i) =>
        page
          ?.evaluate((name) => {
            performance.mark(name);
            performance.clearMarks(name);
          }, tabMark(i))
          .catch(() => undefined),
      ),
    ),
  );
  return events ? markedProcessesOf(events, pages.length) : pages.map(() => undefined);
}
