/**
 * A process and everything it started, found and stopped by pid.
 *
 * wrangler may put workerd in a session or process group of its own, so
 * signalling wrangler's group does not reach it, and once wrangler is gone
 * workerd is reparented and nothing links it to us any more. So the tree is
 * read from /proc by parent pid while it is whole, each process is named by
 * pid and start time (pids are reused), and each is stopped by pid.
 */

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ProcessInfo, parseStat, processTable } from './tracker-proc';

/** One process, named so that a reused pid is not mistaken for it. */
export interface ProcessId {
  pid: number;
  startTicks: number;
  command: string;
}

export const treeStopDefaults = {
  /** After SIGTERM, how long every process gets before SIGKILL. */
  graceMs: 5000,
  /** After SIGKILL, how long to wait for the kernel to take them away. */
  killWaitMs: 2000,
  pollMs: 100,
};
export type TreeStopOptions = typeof treeStopDefaults;

/** Pure: the processes descended from `root` (not root itself), parents before their children. */
export function descendantsIn(table: readonly ProcessInfo[], root: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const info of table) {
    if (info.pid === info.parentPid) continue;
    const list = children.get(info.parentPid) ?? [];
    list.push(info);
    children.set(info.parentPid, list);
  }
  const found: ProcessInfo[] = [];
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** Pure: does this table entry still name that process (same pid, same start), alive (not a zombie)? */
export function stillRunning(table: readonly ProcessInfo[], id: ProcessId): boolean {
  const now = table.find((info) => info.pid === id.pid);
  return now !== undefined && now.startTicks === id.startTicks && now.state !== 'Z';
}

const idOf = ({ pid, startTicks, command }: ProcessInfo): ProcessId => ({ pid, startTicks, command });

/** The process `pid` itself, or undefined once it is gone. */
export function processId(pid: number): ProcessId | undefined {
  try {
    return idOf({ pid, ...parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) });
  } catch {
    return undefined;
  }
}

/** Everything `root` has started, as it stands now. */
export function descendants(root: number): ProcessId[] {
  return descendantsIn(processTable(), root).map(idOf);
}

/** Those of `ids` still running. */
export function running(ids: readonly ProcessId[]): ProcessId[] {
  const table = processTable();
  return ids.filter((id) => stillRunning(table, id));
}

function signal(ids: readonly ProcessId[], sig: NodeJS.Signals): void {
  for (const { pid } of running(ids)) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}

async function waitGone(ids: readonly ProcessId[], ms: number, pollMs: number): Promise<ProcessId[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = running(ids);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(pollMs);
  }
}

/**
 * SIGTERM to each of `ids` by pid, SIGKILL to any still running after the grace period.
 * Returns those that survived even that (none, unless a process is stuck in the kernel).
 */
export async function stopProcesses(
  ids: readonly ProcessId[],
  options: Partial<TreeStopOptions> = {},
): Promise<ProcessId[]> {
  const { graceMs, killWaitMs, pollMs } = { ...treeStopDefaults, ...options };
  signal(ids, 'SIGTERM');
  const stubborn = await waitGone(ids, graceMs, pollMs);
  if (stubborn.length === 0) return [];
  signal(stubborn, 'SIGKILL');
  return waitGone(stubborn, killWaitMs, pollMs);
}

/** `root` and everything it started: the whole tree is read first, then every process is stopped by pid. */
export async function stopTree(root: number, options: Partial<TreeStopOptions> = {}): Promise<ProcessId[]> {
  const self = processId(root);
  return stopProcesses([...(self ? [self] : []), ...descendants(root)], options);
}
