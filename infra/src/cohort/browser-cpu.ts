/**
 * What a viewer's browser cost in CPU: Chromium's own per-process CPU time
 * (DevTools SystemInfo.getProcessInfo), summed by kind. The renderer is where
 * the page runs (hls.js, p2p-media-loader, WebRTC's data channels, hashing);
 * the rest is the browser, GPU and network processes.
 */
import type { Browser } from 'playwright-core';

export interface BrowserCpu {
  /** CPU seconds of the renderer processes since the browser started. */
  rendererSeconds: number;
  /** CPU seconds of every process of the browser. */
  totalSeconds: number;
  /**
   * The renderer's threads alive at the end, CPU seconds by kind (renderer-profile.ts's cpuByThreadKind: WebRTC's
   * network thread, the main thread, media, IPC…), read from /proc; absent where it cannot be read, and in a sum.
   */
  rendererThreads?: Record<string, number>;
}

/** Pure: sums a process list as DevTools gives it. */
export function sumProcessCpu(processes: readonly { type: string; cpuTime: number }[]): BrowserCpu {
  let rendererSeconds = 0;
  let totalSeconds = 0;
  for (const p of processes) {
    if (!Number.isFinite(p.cpuTime) || p.cpuTime < 0) continue;
    totalSeconds += p.cpuTime;
    if (p.type === 'renderer') rendererSeconds += p.cpuTime;
  }
  return { rendererSeconds, totalSeconds };
}

/** Pure: the CPU of several browsers together. */
export function addBrowserCpu(a: BrowserCpu, b: BrowserCpu): BrowserCpu {
  return { rendererSeconds: a.rendererSeconds + b.rendererSeconds, totalSeconds: a.totalSeconds + b.totalSeconds };
}

/** Every process of the browser with its CPU seconds so far, as DevTools gives them (SystemInfo.getProcessInfo). */
export async function readProcessInfo(browser: Browser): Promise<{ type: string; cpuTime: number }[]> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; cpuTime: number }[];
    };
    return processInfo;
  } finally {
    await session.detach().catch(() => {});
  }
}

/** The browser's CPU so far, or null if it cannot say (closed, or not Chromium). */
export async function readBrowserCpu(browser: Browser): Promise<BrowserCpu | null> {
  try {
    return sumProcessCpu(await readProcessInfo(browser));
  } catch {
    return null;
  }
}
