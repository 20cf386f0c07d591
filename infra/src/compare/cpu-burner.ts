/**
 * Burns CPU beside a cohort: a stand-in for viewers on slower devices. The
 * same setting is applied to every cohort of a run. Two kinds:
 *
 * - a share (`--burn-cpu`): one worker thread per core, each busy for
 *   `percent` of every short period and asleep for the rest, so the load is
 *   steady rather than bursty. It takes CPU time but never queues: the load
 *   average barely rises, and the browsers still get the cores when they wake.
 * - a load (`--burn-load`): that many processes that never sleep, at the
 *   priority they inherit (the browsers'), so they queue for the cores like as
 *   many more browsers and the load average rises by about that much. This is
 *   what eight browsers on two cores do to each other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

export const cpuBurnerDefaults = {
  /** One busy-then-sleep cycle, ms: short, so the scheduler sees a steady load. */
  periodMs: 50,
};

export interface CpuBurner {
  /** Busy threads running. */
  readonly threads: number;
  stop(): Promise<void>;
}

/** The worker's loop: busy `busyMs`, idle for the rest of each period, until told to stop. */
const loop = `
const { workerData, parentPort } = require('node:worker_threads');
let running = true;
parentPort.on('message', () => { running = false; });
const { busyMs, periodMs } = workerData;
const cycle = () => {
  if (!running) return process.exit(0);
  const start = performance.now();
  while (performance.now() - start < busyMs) {}
  setTimeout(cycle, Math.max(0, periodMs - (performance.now() - start)));
};
cycle();
`;

/** Pure: the busy part of each period for a share of one core. */
export function busyMsPerPeriod(percent: number, periodMs = cpuBurnerDefaults.periodMs): number {
  return (Math.min(100, Math.max(0, percent)) / 100) * periodMs;
}

/** Starts burning `percent` of every core (or of `threads` cores); 0 starts nothing. */
export function startCpuBurner(percent: number, threads = availableParallelism()): CpuBurner {
  const busyMs = busyMsPerPeriod(percent);
  const workers =
    busyMs > 0
      ? Array.from(
          { length: threads },
          () => new Worker(loop, { eval: true, workerData: { busyMs, periodMs: cpuBurnerDefaults.periodMs } }),
        )
      : [];
  return {
    threads: workers.length,
    async stop() {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              worker.once('exit', () => resolve());
              worker.postMessage('stop');
              // A worker stuck in its busy part still ends within a period; terminate is the backstop.
              setTimeout(() => void worker.terminate(), 1000).unref();
            }),
        ),
      );
    },
  };
}

/** A busy loop that never sleeps; it exits when its parent goes (stdin closes) or on a signal. */
const spin = `process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
setImmediate(function spin() { const end = Date.now() + 50; while (Date.now() < end) {} setImmediate(spin); });`;

export interface LoadBurner {
  /** Busy processes running. */
  readonly processes: number;
  /** Their pids, to stop each by its own. */
  readonly pids: number[];
  stop(): Promise<void>;
}

/**
 * Starts `processes` busy processes at this process's priority (which the browsers inherit too), or `niceDelta`
 * nice levels from it (negative: ahead of the browsers, as other work at a higher priority would be; needs root);
 * 0 processes starts nothing.
 */
export function startLoadBurner(processes: number, niceDelta = 0): LoadBurner {
  const nice = Math.max(-20, Math.min(19, getPriority() + niceDelta));
  const children: ChildProcess[] = Array.from({ length: Math.max(0, Math.floor(processes)) }, () => {
    const child = spawn(process.execPath, ['-e', spin], { stdio: ['pipe', 'ignore', 'ignore'] });
    if (niceDelta !== 0 && child.pid !== undefined) setPriority(child.pid, nice);
    return child;
  });
  return {
    processes: children.length,
    pids: children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
