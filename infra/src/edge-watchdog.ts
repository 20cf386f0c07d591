/**
 * Outlives its parent by one poll: if the process that started `wrangler dev`
 * (npm start) dies without stopping it (SIGKILL, a crash), this stops every
 * process the parent had started, by pid: wrangler, each workerd, ffmpeg.
 *
 * Why a process of its own: an orphaned workerd does not stop by itself. Its
 * entry worker reconnects to the loopback server that lived in wrangler's node
 * process, in a tight loop with no backoff (thousands of connect() calls a
 * second, ECONNREFUSED each), at most of a core, for as long as nobody kills it.
 *
 *   node --import tsx edge-watchdog.ts <parent pid>
 *
 * Started detached (a session of its own), so a terminal's SIGHUP to the
 * parent's group does not take it down with the parent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { descendants, type ProcessId, running, stopProcesses } from './process-tree';

export const watchdogDefaults = { pollMs: 500 };

async function watch(parent: number): Promise<void> {
  const known = new Map<string, ProcessId>();
  for (;;) {
    // Reparented: the parent is gone without stopping what it started.
    if (process.ppid !== parent) {
      await stopProcesses(running([...known.values()]));
      return;
    }
    for (const id of descendants(parent)) {
      if (id.pid !== process.pid) known.set(`${id.pid}:${id.startTicks}`, id);
    }
    await sleep(watchdogDefaults.pollMs);
  }
}

const parent = Number(process.argv[2]);
// Its owner stops it with SIGTERM once the edge is stopped; a terminal's hang-up or Ctrl-C is not for it.
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
if (parent > 1) await watch(parent);
process.exit(0);
