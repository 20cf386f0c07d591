import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDirLock, decideLock, lockFileName, lockRefusal, parseLockHolder } from './dir-lock';
import { LockedError } from './errors';

const holder = {
  pid: 4242,
  startTicks: 99,
  since: '2026-12-01T04:00:00.000Z',
  what: 'npm start on http://127.0.0.1:8787',
};

describe('decideLock', () => {
  it('takes a free folder', () => {
    expect(decideLock({ kind: 'absent' })).toEqual({ action: 'take' });
  });
  it('refuses while the holder runs', () => {
    expect(decideLock({ kind: 'held', holder, running: true })).toEqual({ action: 'refuse', holder });
  });
  it('takes over from a holder that is gone (or whose pid now names another process)', () => {
    expect(decideLock({ kind: 'held', holder, running: false })).toEqual({ action: 'take-over', stale: holder });
  });
  it('takes over a lock file that names no holder', () => {
    expect(decideLock({ kind: 'unreadable' })).toEqual({ action: 'take-over', stale: undefined });
  });
});

describe('parseLockHolder', () => {
  it('reads what acquireDirLock writes', () => {
    expect(parseLockHolder(JSON.stringify(holder))).toEqual(holder);
  });
  it.each(['', '{', '{"pid":0,"since":"x","what":"y"}', '{"pid":12,"what":"y"}', '[]'])('refuses %j', (text) => {
    expect(parseLockHolder(text)).toBeUndefined();
  });
});

describe('lockRefusal', () => {
  it('names the holder, the folder and the way out', () => {
    expect(lockRefusal(holder, '/s', 'set EDGESWARM_STATE_DIR')).toBe(
      'npm start on http://127.0.0.1:8787 (pid 4242, since 2026-12-01T04:00:00.000Z) is already using /s; stop it first, or set EDGESWARM_STATE_DIR',
    );
  });
});

describe('acquireDirLock', () => {
  it('refuses a second owner while the first holds it, and frees the folder on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dir-lock-'));
    const first = acquireDirLock(dir, 'first', 'use another');
    // This process is the holder, and it is running: a second acquire is refused.
    expect(() => acquireDirLock(dir, 'second', 'use another')).toThrow(LockedError);
    expect(() => acquireDirLock(dir, 'second', 'use another')).toThrow(/first \(pid \d+, since .*\) is already using/);
    first.release();
    const second = acquireDirLock(dir, 'second', 'use another');
    expect(parseLockHolder(readFileSync(join(dir, lockFileName), 'utf8'))?.what).toBe('second');
    second.release();
  });

  it('takes over a stale lock left by a process that is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dir-lock-'));
    // pid_max is at most 2^22 on Linux: this pid cannot be running.
    const stale = { ...holder, pid: 2 ** 22 + 7 };
    writeFileSync(join(dir, lockFileName), JSON.stringify(stale));
    const lock = acquireDirLock(dir, 'me', 'use another');
    expect(lock.tookOver).toEqual(stale);
    lock.release();
  });

  it('takes over a lock whose pid now names another process (a different start time)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dir-lock-'));
    const reused = { ...holder, pid: process.pid, startTicks: 1 };
    writeFileSync(join(dir, lockFileName), JSON.stringify(reused));
    const lock = acquireDirLock(dir, 'me', 'use another');
    expect(lock.tookOver).toEqual(reused);
    lock.release();
  });
});
