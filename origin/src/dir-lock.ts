/**
 * One owner per folder: a lock file naming the process that holds it. Two
 * `npm start`s on one state folder, or two publishers draining one disk queue,
 * undo each other's work (the second's build, 409s from both); the second is
 * refused at once instead.
 *
 * The file is written whole under another name and hard-linked into place, so
 * it either exists complete or not at all. A holder that died without removing
 * it (SIGKILL, a crash) leaves a stale lock: its pid is gone, or names another
 * process now (a different start time), and the next owner takes it over.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockedError } from './errors';

export const lockFileName = '.edgeswarm.lock';

export interface LockHolder {
  pid: number;
  /** The holder's start time (Linux clock ticks since boot), so a reused pid is not mistaken for it. */
  startTicks?: number;
  /** ISO time it took the lock. */
  since: string;
  /** What holds it, for the refusal: "npm start on http://127.0.0.1:8787". */
  what: string;
}

export type LockDecision =
  | { action: 'take' }
  | { action: 'take-over'; stale: LockHolder | undefined }
  | { action: 'refuse'; holder: LockHolder };

/** Pure: the lock file as found (absent, unreadable, or its holder and whether that process still runs) → what to do. */
export function decideLock(
  found: { kind: 'absent' } | { kind: 'unreadable' } | { kind: 'held'; holder: LockHolder; running: boolean },
): LockDecision {
  if (found.kind === 'absent') return { action: 'take' };
  if (found.kind === 'unreadable') return { action: 'take-over', stale: undefined };
  return found.running ? { action: 'refuse', holder: found.holder } : { action: 'take-over', stale: found.holder };
}

/** Pure: the holder as written in the lock file, or undefined if it is not one. */
export function parseLockHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || (value.pid ?? 0) <= 0) return undefined;
    if (typeof value.since !== 'string' || typeof value.what !== 'string') return undefined;
    return {
      pid: value.pid as number,
      since: value.since,
      what: value.what,
      ...(Number.isInteger(value.startTicks) ? { startTicks: value.startTicks as number } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Pure: the refusal a user reads. */
export function lockRefusal(holder: LockHolder, dir: string, hint: string): string {
  return `${holder.what} (pid ${holder.pid}, since ${holder.since}) is already using ${dir}; stop it first, or ${hint}`;
}

/** Linux: a process's state (stat(5) field 3) and start time in clock ticks since boot (field 22); undefined elsewhere. */
function procStat(pid: number): { state: string; startTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    return Number.isFinite(startTicks) ? { state: fields[0] ?? '', startTicks } : undefined;
  } catch {
    return undefined;
  }
}

export function startTicksOf(pid: number): number | undefined {
  return procStat(pid)?.startTicks;
}

function isRunning(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(holder.pid);
  if (stat?.state === 'Z') return false; // exited, not yet reaped by its parent
  return holder.startTicks === undefined || stat === undefined || stat.startTicks === holder.startTicks;
}

function inspect(file: string): Parameters<typeof decideLock>[0] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  const holder = parseLockHolder(text);
  return holder ? { kind: 'held', holder, running: isRunning(holder) } : { kind: 'unreadable' };
}

export interface DirLock {
  file: string;
  /** A stale lock taken over, to mention. */
  tookOver: LockHolder | undefined;
  release(): void;
}

/**
 * Locks `dir` (created if missing) for this process, or throws LockedError naming the holder.
 * The lock goes when `release()` is called or the process exits.
 */
export function acquireDirLock(dir: string, what: string, hint: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, lockFileName);
  const ticks = startTicksOf(process.pid);
  const mine: LockHolder = {
    pid: process.pid,
    since: new Date().toISOString(),
    what,
    ...(ticks === undefined ? {} : { startTicks: ticks }),
  };
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, `${JSON.stringify(mine)}\n`);
  let tookOver: LockHolder | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
      }
      const decision = decideLock(inspect(file));
      if (decision.action === 'refuse') throw new LockedError(lockRefusal(decision.holder, dir, hint), file);
      if (decision.action === 'take-over') {
        tookOver = decision.stale;
        try {
          unlinkSync(file);
        } catch {}
      }
    }
  } finally {
    try {
      unlinkSync(draft);
    } catch {}
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own lock: never one a later owner took over.
    if (parseLockHolder(readFileSafe(file))?.pid === process.pid) {
      try {
        unlinkSync(file);
      } catch {}
    }
  };
  process.on('exit', release);
  return { file, tookOver, release };
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
