/**
 * A tab's JS heap after a full collection, through the DevTools protocol playwright already speaks to Chromium
 * (a CDP session per page, opened by the harness; nothing a page or a URL can reach). Beside the renderer's resident
 * memory it tells what a page's scripts hold (ours, hls.js, p2p-media-loader) from what the renderer holds natively
 * (media buffers, WebRTC's send and receive queues, the compositor).
 */
import type { CDPSession, Page } from 'playwright-core';

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

/** The page's heap after a collection; undefined when the page is gone or does not answer. */
export async function tabHeap(page: Page): Promise<TabHeap | undefined> {
  try {
    let session = sessions.get(page);
    if (!session) {
      session = await page.context().newCDPSession(page);
      sessions.set(page, session);
    }
    await session.send('HeapProfiler.collectGarbage');
    return tabHeapOf((await session.send('Runtime.getHeapUsage')) as unknown as Record<string, unknown>);
  } catch {
    return undefined;
  }
}
