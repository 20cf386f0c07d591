import { describe, expect, it } from 'vitest';
import { uploadSpread } from './upload-spread';

describe('uploadSpread', () => {
  it('a star: one viewer sent everything', () => {
    expect(uploadSpread([0, 900, 0, 0])).toEqual({ topPercentShare: 100, topViewerShare: 100, uploadersPercent: 25 });
  });

  it('a tree: the top 1% of 200 viewers (two of them) and the largest uploader, against everyone who sent anything', () => {
    const uploaded = Array.from({ length: 200 }, (_, i): number => (i < 100 ? 10 : 0));
    uploaded[0] = 60;
    uploaded[1] = 30;
    // 98 × 10 + 60 + 30 = 1070 bytes.
    const spread = uploadSpread(uploaded);
    expect(spread.topPercentShare).toBeCloseTo((100 * 90) / 1070, 9);
    expect(spread.topViewerShare).toBeCloseTo((100 * 60) / 1070, 9);
    expect(spread.uploadersPercent).toBe(50);
  });

  it('nothing uploaded, or nobody: zeros, not NaN', () => {
    expect(uploadSpread([0, 0])).toEqual({ topPercentShare: 0, topViewerShare: 0, uploadersPercent: 0 });
    expect(uploadSpread([])).toEqual({ topPercentShare: 0, topViewerShare: 0, uploadersPercent: 0 });
  });
});
