import { describe, expect, it } from 'vitest';
import { heapGrowthLine, isTabJsHeap, judgedMemory } from './soak';

describe('judgedMemory', () => {
  it("judges every process's memory, our isolate's heap and each tab's renderer", () => {
    for (const label of [
      'workerd: our isolate JS heap',
      'chromium tab 230',
      'chromium (browser, gpu, network)',
      'publisher',
      'ffmpeg',
    ]) {
      expect(judgedMemory(label), label).toBe(true);
    }
  });

  it("reports, not judges, wrangler dev's own processes, the edge's workerd process and the tabs' JS heaps", () => {
    for (const label of ['wrangler', 'workerd (wrangler proxy)', 'workerd', 'v1 JS heap', 'v12 JS heap']) {
      expect(judgedMemory(label), label).toBe(false);
    }
  });
});

describe('isTabJsHeap', () => {
  it("is a viewer's tab, not our isolate's heap", () => {
    expect(isTabJsHeap('v3 JS heap')).toBe(true);
    expect(isTabJsHeap('workerd: our isolate JS heap')).toBe(false);
  });
});

describe('heapGrowthLine', () => {
  const kinds = (code: number, map: number) =>
    new Map([
      ['code', { count: code / 100, bytes: code }],
      ['object Map', { count: map / 50, bytes: map }],
      ['string', { count: 10, bytes: 5000 }],
    ]);

  it('names the kinds that grew most, first to last, with their size at every snapshot', () => {
    const line = heapGrowthLine(
      [
        { t: 621, kinds: kinds(800_000, 10_000) },
        { t: 921, kinds: kinds(900_000, 20_000) },
        { t: 1819, kinds: kinds(910_000, 40_000) },
      ],
      2,
    );
    expect(line).toBe(
      "our heap's largest growth by kind over the window (snapshots at 621, 921, 1819 s): " +
        'code +110 kB (+1100; 800 → 900 → 910 kB); object Map +30 kB (+600; 10 → 20 → 40 kB)',
    );
  });

  it('says nothing with fewer than two snapshots', () => {
    expect(heapGrowthLine([])).toBe('');
    expect(heapGrowthLine([{ t: 1, kinds: kinds(1, 1) }])).toBe('');
  });
});
