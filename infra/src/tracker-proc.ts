/**
 * Linux /proc readings for bench:tracker: a process's resident memory, and the
 * workerd process that actually runs our Worker under `wrangler dev`.
 *
 * `wrangler dev` starts two workerd processes: a small proxy on the public port
 * and the runtime that runs the Worker and its Durable Objects on a port of its
 * own. The benchmark measures the runtime directly (production has no dev
 * proxy in front of it), and reads that process's memory.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** VmRSS of a process, in bytes. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** Clock ticks per second for /proc/<pid>/stat times: 100 on every Linux build these scripts run on. */
const clockTicks = 100;

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3 of stat(5), so utime (14) and stime (15) sit at offsets 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

export interface ProcessInfo {
  pid: number;
  command: string;
  /** R, S, Z, …: a zombie (Z) has exited and only waits to be reaped. */
  state: string;
  parentPid: number;
  processGroup: number;
  session: number;
  /** When it started, in clock ticks since boot: with the pid, it names one process even after pid reuse. */
  startTicks: number;
}

/** Pure: one /proc/<pid>/stat line → command, state, parent, process group, session and start time. */
export function parseStat(stat: string): Omit<ProcessInfo, 'pid'> {
  // The command is in parentheses and may itself contain spaces or parentheses.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // After the command, stat(5) field 3 (state) is at offset 0: ppid 1, pgrp 2, session 3, starttime (22) 19.
  return {
    command: stat.slice(open + 1, close),
    state: fields[0] ?? '',
    parentPid: Number(fields[1]),
    processGroup: Number(fields[2]),
    session: Number(fields[3]),
    startTicks: Number(fields[19]),
  };
}

/** Every process now running (zombies included), from /proc. */
export function processTable(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      found.push({ pid: Number(entry), ...parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8')) });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Pure: /proc/net/tcp → listening local ports, keyed by socket inode. */
export function listeningPorts(netTcp: string): Map<string, number> {
  const ports = new Map<string, number>();
  for (const line of netTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (state !== '0A' || !local || !inode) continue; // 0A = LISTEN
    ports.set(inode, Number.parseInt(local.split(':')[1] ?? '', 16));
  }
  return ports;
}

function processesInGroup(group: number): ProcessInfo[] {
  return processTable().filter((info) => info.processGroup === group);
}

/** The TCP ports (IPv4 and IPv6) a process listens on. */
export function portsOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const tables = ['tcp', 'tcp6'].map((file) => {
    try {
      return readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      return ''; // no IPv6 here
    }
  });
  const listening = new Map([...listeningPorts(tables[0] ?? ''), ...listeningPorts(tables[1] ?? '')]);
  return [...listening].filter(([inode]) => inodes.has(inode)).map(([, port]) => port);
}

export interface WorkerRuntime {
  pid: number;
  /** http://127.0.0.1:<port> of the runtime itself, bypassing the dev proxy. */
  url: string;
}

/**
 * The workerd process (in `wrangler dev`'s process group) that serves our
 * Worker on a port other than the public one: the one answering /healthz.
 * Waits up to `timeoutMs` for it, since wrangler restarts it after source changes.
 */
export async function findWorkerRuntime(
  processGroup: number,
  publicPort: number,
  timeoutMs = 30_000,
): Promise<WorkerRuntime> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runtime = await probeWorkerRuntime(processGroup, publicPort);
    if (runtime) return runtime;
    if (Date.now() > deadline) throw new Error(`no workerd runtime found in process group ${processGroup}`);
    await sleep(1000);
  }
}

async function probeWorkerRuntime(processGroup: number, publicPort: number): Promise<WorkerRuntime | undefined> {
  for (const { pid, command } of processesInGroup(processGroup)) {
    if (command !== 'workerd') continue;
    let ports: number[] = [];
    try {
      ports = portsOf(pid);
    } catch {
      continue; // exited meanwhile
    }
    for (const port of ports) {
      if (port === publicPort) continue;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (response.ok && ((await response.json()) as { ok?: boolean }).ok === true) {
          return { pid, url: `http://127.0.0.1:${port}` };
        }
      } catch {
        // not an HTTP port of ours (inspector, proxy control), or it exited meanwhile
      }
    }
  }
  return undefined;
}
