import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendants, descendantsIn, processId, running, stillRunning, stopTree } from './process-tree';
import type { ProcessInfo } from './tracker-proc';

const proc = (pid: number, parentPid: number, extra: Partial<ProcessInfo> = {}): ProcessInfo => ({
  pid,
  parentPid,
  command: `p${pid}`,
  state: 'S',
  processGroup: pid,
  session: pid,
  startTicks: 1000 + pid,
  ...extra,
});

describe('descendantsIn', () => {
  // 10 (wrangler) → 11 (node) → 12 (workerd, a session of its own) → 13; 20 is someone else's.
  const table = [proc(1, 0), proc(10, 1), proc(11, 10), proc(12, 11, { session: 12 }), proc(13, 12), proc(20, 1)];

  it('finds every generation, whatever their session or group, parents first', () => {
    expect(descendantsIn(table, 10).map((p) => p.pid)).toEqual([11, 12, 13]);
  });
  it('leaves out the root, its siblings and unrelated processes', () => {
    expect(descendantsIn(table, 11).map((p) => p.pid)).toEqual([12, 13]);
    expect(descendantsIn(table, 13)).toEqual([]);
  });
});

describe('stillRunning', () => {
  const table = [proc(5, 1), proc(6, 1, { state: 'Z' })];
  it('is the same process only with the same start time', () => {
    expect(stillRunning(table, { pid: 5, startTicks: 1005, command: 'p5' })).toBe(true);
    expect(stillRunning(table, { pid: 5, startTicks: 77, command: 'p5' })).toBe(false); // pid reused
    expect(stillRunning(table, { pid: 7, startTicks: 1007, command: 'p7' })).toBe(false);
  });
  it('counts a zombie as gone', () => {
    expect(stillRunning(table, { pid: 6, startTicks: 1006, command: 'p6' })).toBe(false);
  });
});

describe('stopTree', () => {
  it('stops a process and a grandchild that ignores SIGTERM and left its session', async () => {
    // sh → setsid sh (a session of its own, ignoring TERM) → sleep
    const child = spawn('sh', ['-c', 'setsid sh -c \'trap "" TERM; sleep 60\' & wait'], { stdio: 'ignore' });
    let tree = descendants(child.pid ?? 0);
    for (let i = 0; i < 50 && !tree.some((p) => p.command === 'sleep'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      tree = descendants(child.pid ?? 0);
    }
    expect(tree.map((p) => p.command)).toContain('sleep');
    const all = [processId(child.pid ?? 0), ...tree].filter((p) => p !== undefined);
    expect(await stopTree(child.pid ?? 0, { graceMs: 300 })).toEqual([]);
    expect(running(all)).toEqual([]);
  });
});
