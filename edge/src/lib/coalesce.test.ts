import { describe, expect, it } from 'vitest';
import { createCoalescer } from './coalesce';

describe('createCoalescer', () => {
  it('runs one load for concurrent callers and tells the leader apart', async () => {
    const coalescer = createCoalescer<number>();
    let loads = 0;
    let release: (value: number) => void = () => {};
    const load = () => {
      loads++;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    };
    const calls = Array.from({ length: 5 }, () => coalescer.run('k', load));
    release(42);
    expect(await Promise.all(calls.map((c) => c.promise))).toEqual([42, 42, 42, 42, 42]);
    expect(calls.map((c) => c.leader)).toEqual([true, false, false, false, false]);
    expect(loads).toBe(1);
    expect(coalescer.size).toBe(0);
  });

  it('keeps the entry until hold settles, then loads afresh', async () => {
    const coalescer = createCoalescer<string>();
    let settle: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      settle = resolve;
    });
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await coalescer.run('k', load, () => held).promise).toBe('v1');
    expect(coalescer.run('k', load).leader).toBe(false);
    settle();
    await held;
    await Promise.resolve();
    expect(await coalescer.run('k', load).promise).toBe('v2');
  });

  it('forgets a failed load so the next caller retries', async () => {
    const coalescer = createCoalescer<string>();
    await expect(coalescer.run('k', () => Promise.reject(new Error('boom'))).promise).rejects.toThrow('boom');
    expect(await coalescer.run('k', async () => 'ok').promise).toBe('ok');
  });
});
