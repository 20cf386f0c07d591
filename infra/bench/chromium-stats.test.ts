import { describe, expect, it } from 'vitest';
import { type ChromiumRound, formatChromiumSummary, median, summariseChromium } from './chromium-stats';

const round = (build: ChromiumRound['build'], n: number, over: Partial<ChromiumRound> = {}): ChromiumRound => ({
  build,
  round: n,
  pages: 4,
  launchedSeconds: 0.5,
  openedSeconds: 0.5 + 4 * (build === 'full' ? 2 : 0.4),
  playedSeconds: 0.5 + 4 * (build === 'full' ? 2 : 0.4) + 20 * 4 * (build === 'full' ? 0.1 : 0.08),
  playedWallSeconds: 20,
  renderers: build === 'full' ? 8 : 4,
  droppedPercent: 0,
  ...over,
});

describe('bench:chromium figures', () => {
  it('takes medians per build: CPU per page opened, % of a core per playing page, renderers per page', () => {
    const summary = summariseChromium([round('shell', 1), round('full', 1), round('shell', 2), round('full', 2)]);
    const [shell, full] = summary.builds;
    expect(shell).toMatchObject({ build: 'shell', rounds: 2, launchSeconds: 0.5, renderersPerPage: 1 });
    expect(shell?.openSecondsPerPage).toBeCloseTo(0.4);
    expect(shell?.playingPercentPerPage).toBeCloseTo(8);
    expect(full?.openSecondsPerPage).toBeCloseTo(2);
    expect(full?.playingPercentPerPage).toBeCloseTo(10);
    expect(full?.renderersPerPage).toBe(2);
    expect(summary.ratios?.openPerPage).toBeCloseTo(0.2);
    expect(summary.ratios?.playingPerPage).toBeCloseTo(0.8);
  });

  it('a median is the middle round, not the mean: one slow round does not move it', () => {
    expect(median([1, 2, 30])).toBe(2);
    expect(median([1, 3])).toBe(2);
    expect(median([])).toBeNaN();
    const summary = summariseChromium([
      round('full', 1),
      round('full', 2),
      round('full', 3, { openedSeconds: 0.5 + 4 * 9, playedSeconds: 0.5 + 4 * 9 + 8 }),
    ]);
    expect(summary.builds[0]?.openSecondsPerPage).toBeCloseTo(2);
  });

  it('gives no ratio with one build only, and skips rounds that opened or played nothing', () => {
    const summary = summariseChromium([
      round('full', 1),
      round('shell', 1, { pages: 0 }),
      round('shell', 2, { playedWallSeconds: 0 }),
    ]);
    expect(summary.builds.map((b) => b.build)).toEqual(['full']);
    expect(summary.ratios).toBeNull();
    expect(formatChromiumSummary(summary)).toContain('shell ÷ full: — (one build only)');
  });

  it('prints one row per build and the ratios', () => {
    const text = formatChromiumSummary(summariseChromium([round('shell', 1), round('full', 1)]));
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('shell ÷ full: 0.20× CPU per page opened, 0.80× per playing page');
  });
});
