/**
 * The JS heap of the edge's own isolate (the Worker and every Durable Object class of ours run in one isolate in
 * workerd), read through the inspector wrangler dev opens for it: after a full garbage collection, what our code
 * still holds. Beside workerd's resident memory, it tells growth in our code from growth in workerd and the local
 * simulators miniflare runs in it (R2, the Cache API, Durable Object storage), which production does not have.
 * The drill runs in a PID namespace of its own, so the one wrangler seen in /proc is the drill's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { openInspector } from './inspector-session';

export const isolateHeapDefaults = {
  /** Each inspector call (the target list, the socket, each command) gives up after this long. */
  timeoutMs: 5000,
};

/** Pure: the inspector port on a `wrangler dev` command line (NUL-separated, as /proc has it). */
export function inspectorPortOf(cmdline: string): number | undefined {
  const args = cmdline.split('\0');
  if (!args.some((a) => /wrangler/.test(a)) || !args.includes('dev')) return undefined;
  const i = args.indexOf('--inspector-port');
  const port = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** The inspector port of the wrangler dev running in this PID namespace, if any. */
export function findInspectorPort(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const port = inspectorPortOf(readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
      if (port) return port;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The edge's workerd (the one wrangler dev gives an inspector, `--inspector-addr`) in this PID namespace, if any. */
export function findEdgeWorkerd(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'workerd') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('--inspector-addr')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Whether a process is running: in /proc and not a zombie (exited, not yet reaped by its parent). */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export class ProcessExitedError extends Error {
  override name = 'ProcessExitedError';
}

/**
 * `work`, unless process `pid` exits first: then a ProcessExitedError within `pollMs`. An inspector whose process
 * died mid-call is otherwise waited on until the call's own timeout (wrangler's inspector proxy outlives the workerd
 * behind it), and a drill until its own.
 */
export async function whileRunning<T>(pid: number, what: string, work: Promise<T>, pollMs = 500): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<never>((_, reject) => {
    const check = () => {
      if (!processRunning(pid)) reject(new ProcessExitedError(`${what} (pid ${pid}) exited`));
    };
    check();
    timer = setInterval(check, pollMs);
  });
  try {
    return await Promise.race([work, exited]);
  } finally {
    clearInterval(timer);
  }
}

/** The DevTools WebSocket of our isolate, from the inspector's target list; undefined when it does not answer. */
export async function isolateInspectorUrl(
  port: number,
  timeoutMs = isolateHeapDefaults.timeoutMs,
): Promise<string | undefined> {
  try {
    const targets = (await (
      await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(timeoutMs) })
    ).json()) as { webSocketDebuggerUrl?: string }[];
    return targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  } catch {
    return undefined;
  }
}

/** MB of JS heap the isolate holds after a full collection; undefined when the inspector does not answer. */
export async function isolateHeapMb(
  port: number,
  timeoutMs = isolateHeapDefaults.timeoutMs,
): Promise<number | undefined> {
  try {
    const url = await isolateInspectorUrl(port, timeoutMs);
    if (!url) return undefined;
    const session = await openInspector(url, timeoutMs);
    try {
      await session.call('HeapProfiler.collectGarbage');
      const usage = await session.call('Runtime.getHeapUsage');
      return typeof usage.usedSize === 'number' ? Number((usage.usedSize / 1e6).toFixed(2)) : undefined;
    } finally {
      session.close();
    }
  } catch {
    return undefined;
  }
}
