/** The simulator's small parts: the event queue's order, the PRNG, histograms, the report and --set parsing. */
import { describe, expect, it } from 'vitest';
import { EventQueue, type PoppedEvent } from './event-queue';
import { Histogram } from './histogram';
import { resolveSimConfig, simDefaults } from './model';
import { Rng, sample } from './random';
import { lineChart, renderReport } from './report';
import { SharedLink } from './shared-link';

describe('EventQueue', () => {
  it('pops in time order, ties in insertion order, through growth', () => {
    const q = new EventQueue(2);
    const rng = new Rng(3);
    const pushed: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const time = Math.floor(rng.next() * 50);
      q.push(time, 1, i);
      pushed.push([time, i]);
    }
    const expected = [...pushed].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
    const got: number[] = [];
    const e: PoppedEvent = { time: 0, kind: 0, a: 0, b: 0, c: 0 };
    while (q.pop(e)) got.push(e.a);
    expect(got).toEqual(expected);
    expect(q.peak).toBe(500);
  });
});

describe('SharedLink', () => {
  it('shares its capacity equally, and a transfer that leaves stops taking any', () => {
    const link = new SharedLink(100); // bytes per second
    const done: number[] = [];
    link.add(1, 100, 0);
    link.add(2, 100, 0);
    link.add(3, 200, 0);
    // Three at 33.3 B/s each: the two 100-byte transfers finish together at 3 s.
    expect(link.nextFinish()).toBeCloseTo(3, 9);
    link.popFinished(3, done);
    expect(done).toEqual([1, 2]);
    // The third has 100 bytes left and the link to itself, but a fourth joins at once: 50 B/s each.
    link.add(4, 50, 3);
    expect(link.nextFinish()).toBeCloseTo(4, 9);
    link.popFinished(4, done);
    expect(done).toEqual([1, 2, 4]);
    // Cancelled with 50 bytes to go: nothing is left on the link.
    expect(link.remove(3, 4)).toBe(true);
    expect(link.transfers).toBe(0);
    expect(link.nextFinish()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Rng', () => {
  it('replays the same stream for the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    for (const x of xs) expect(x).toBeGreaterThanOrEqual(0);
    for (const x of xs) expect(x).toBeLessThan(1);
  });

  it('draws log-normal values within their clamp, around the median', () => {
    const rng = new Rng(1);
    const dist = { kind: 'lognormal', median: 10, sigma: 0.5, min: 2, max: 40 } as const;
    const draws = Array.from({ length: 2001 }, () => sample(dist, rng)).sort((a, b) => a - b);
    expect(draws[0]).toBeGreaterThanOrEqual(2);
    expect(draws.at(-1)).toBeLessThanOrEqual(40);
    expect(draws[1000]).toBeGreaterThan(9);
    expect(draws[1000]).toBeLessThan(11);
  });
});

describe('Histogram', () => {
  it('reads quantiles as bin upper edges', () => {
    const h = new Histogram(0.5, 10);
    for (const v of [1, 1.2, 2, 3, 9]) h.add(v);
    expect(h.quantile(0.5)).toBe(2.5);
    expect(h.quantile(1)).toBe(9);
    expect(h.count).toBe(5);
  });
});

describe('model config', () => {
  it('merges overrides section by section over the defaults', () => {
    const c = resolveSimConfig({ network: { iceFailure: 0.2 } }, { audience: { viewers: 7 } });
    expect(c.network.iceFailure).toBe(0.2);
    expect(c.network.access).toBe(simDefaults.network.access);
    expect(c.audience.viewers).toBe(7);
    expect(c.audience.seconds).toBe(simDefaults.audience.seconds);
  });
});

describe('report', () => {
  it('is one self-contained HTML file with SVG charts and no scripts', () => {
    const svg = lineChart({
      title: 'Offload <vs> N',
      xLabel: 'N',
      yLabel: '%',
      logX: true,
      series: [
        {
          name: 'a',
          points: [
            [10, 50],
            [100, 70],
            [1000, 80],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Offload &lt;vs&gt; N');
    const html = renderReport({ title: 't', generatedAt: 'now', command: 'npm run sim', runs: [] });
    expect(html).toContain('<!doctype html>');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
  });
});
