/**
 * The JS heap of every isolate a workerd runs, through workerd's own inspector (the `--inspector-addr` wrangler dev
 * gives the edge's workerd): under `wrangler dev` that is our Worker (`core:user:<name>`, every Durable Object class
 * of ours in it) and miniflare's own workers, which simulate locally what production runs elsewhere (`cache:*` the
 * Cache API, `r2:*` R2, `assets:*`, ...). Read without a collection first: `HeapProfiler.collectGarbage` sent
 * straight to workerd's inspector is never answered (workerd 1.20260426.1), and one left pending when the socket
 * closed took workerd down in a scratch run; so a figure includes garbage not yet collected, and only its trend over
 * many readings says anything. Our own isolate is not read here: wrangler's inspector proxy holds its session (a
 * direct read is never answered), so it is read through that proxy, after a collection (isolate-heap.ts).
 */
import { type InspectorSession, openInspector } from './inspector-session';

export const workerdIsolatesDefaults = {
  timeoutMs: 5000,
};

export interface IsolateHeap {
  /** JS heap in use after a full collection, MB. */
  usedMb: number;
  /** ArrayBuffer backing stores and embedder memory, MB, where V8 reports them. */
  externalMb?: number;
}

/** Pure: the isolates a workerd inspector's /json/list names, by id. */
export function isolateTargets(list: unknown): { id: string; url: string }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((t: { id?: unknown; webSocketDebuggerUrl?: unknown }) =>
    typeof t.id === 'string' && typeof t.webSocketDebuggerUrl === 'string'
      ? [{ id: t.id, url: t.webSocketDebuggerUrl }]
      : [],
  );
}

async function heapOf(url: string, timeoutMs: number): Promise<IsolateHeap | undefined> {
  let session: InspectorSession | undefined;
  try {
    session = await openInspector(url, timeoutMs);
    const usage = await session.call('Runtime.getHeapUsage');
    if (typeof usage.usedSize !== 'number') return undefined;
    const external =
      (typeof usage.backingStorageSize === 'number' ? usage.backingStorageSize : 0) +
      (typeof usage.embedderHeapUsedSize === 'number' ? usage.embedderHeapUsedSize : 0);
    return {
      usedMb: Number((usage.usedSize / 1e6).toFixed(2)),
      ...('backingStorageSize' in usage ? { externalMb: Number((external / 1e6).toFixed(2)) } : {}),
    };
  } catch {
    return undefined;
  } finally {
    session?.close();
  }
}

/** Every isolate's heap, by id; an isolate whose inspector does not answer is left out. */
export async function inspectorHeaps(
  port: number,
  timeoutMs = workerdIsolatesDefaults.timeoutMs,
): Promise<Map<string, IsolateHeap>> {
  const heaps = new Map<string, IsolateHeap>();
  try {
    const list = await (
      await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(timeoutMs) })
    ).json();
    for (const target of isolateTargets(list).filter((t) => !t.id.startsWith('core:user:'))) {
      const heap = await heapOf(target.url, timeoutMs);
      if (heap) heaps.set(target.id, heap);
    }
  } catch {
    // the inspector is gone (workerd restarting or stopped)
  }
  return heaps;
}
