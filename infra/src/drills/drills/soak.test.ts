import { describe, expect, it } from 'vitest';
import { isTabJsHeap, judgedMemory } from './soak';

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
