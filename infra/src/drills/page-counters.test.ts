/**
 * The page counters' timer bookkeeping, run in a bare V8 context standing in for a page (no WebSocket or
 * RTCPeerConnection there: those wrappers run in Chromium, in the soak). What a leak looks like to them: a
 * timeout that fires or is cleared is gone, an interval stays until cleared.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type PageCounts, pageCountersGlobal, pageCountersScript } from './page-counters';

function page() {
  const fired: number[] = [];
  const context: Record<string, unknown> = { setTimeout, setInterval, clearTimeout, clearInterval, fired };
  context.window = context;
  runInNewContext(pageCountersScript, context);
  const read = () => runInNewContext(`window[${JSON.stringify(pageCountersGlobal)}].read()`, context) as PageCounts;
  return { context, read, run: (code: string) => runInNewContext(code, context) };
}

describe('pageCountersScript', () => {
  it('counts live timeouts and intervals, not fired or cleared ones', async () => {
    const p = page();
    p.run(`
      window.a = setTimeout(() => fired.push(1), 1);
      window.b = setTimeout(() => fired.push(2), 60000);
      window.c = setInterval(() => {}, 60000);
      window.d = setInterval(() => {}, 60000);
    `);
    expect(p.read()).toMatchObject({ timeouts: 2, intervals: 2, webSockets: 0, peerConnections: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(p.context.fired).toEqual([1]);
    expect(p.read()).toMatchObject({ timeouts: 1, intervals: 2 });
    // Either clear clears either kind, as in browsers.
    p.run('clearTimeout(window.b); clearTimeout(window.c); clearInterval(window.d);');
    expect(p.read()).toMatchObject({ timeouts: 0, intervals: 0, created: { timers: 4 } });
  });

  it('is not on a page twice, and not enumerable', () => {
    const p = page();
    runInNewContext(pageCountersScript, p.context);
    p.run('setInterval(() => {}, 1000)');
    expect(p.read().intervals).toBe(1);
    p.run('clearInterval(1)');
    expect(Object.keys(p.context)).not.toContain(pageCountersGlobal);
  });
});
