/**
 * bench:chromium's figures (chromium.ts), from Chromium's own per-process CPU times. Pure: the rounds in, the
 * medians per build and the shell ÷ full ratios out.
 */

/** The builds bench:chromium compares; `full` is the baseline. */
export type ChromiumBuild = 'shell' | 'full';

/** One build in one round: CPU seconds of every process of the browser, read at three points. */
export interface ChromiumRound {
  build: ChromiumBuild;
  round: number;
  pages: number;
  /** Once the browser was up, before any page. */
  launchedSeconds: number;
  /** Once every page was playing. */
  openedSeconds: number;
  /** After the pages played on for `playedWallSeconds`. */
  playedSeconds: number;
  playedWallSeconds: number;
  /** Renderer processes when every page was playing, and the most any page's video dropped, %. */
  renderers: number;
  droppedPercent: number;
}

export interface ChromiumBuildSummary {
  build: ChromiumBuild;
  rounds: number;
  /** Medians over the rounds. */
  launchSeconds: number;
  /** CPU seconds per page, from its open to its video playing. */
  openSecondsPerPage: number;
  /** % of a core per playing page. */
  playingPercentPerPage: number;
  renderersPerPage: number;
}

export interface ChromiumSummary {
  builds: ChromiumBuildSummary[];
  /** shell ÷ full per figure; null without both builds. */
  ratios: { openPerPage: number; playingPerPage: number } | null;
}

/** Pure: the median; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summariseChromium(rounds: readonly ChromiumRound[]): ChromiumSummary {
  const builds: ChromiumBuildSummary[] = [];
  for (const build of ['shell', 'full'] as const) {
    const mine = rounds.filter((r) => r.build === build && r.pages > 0 && r.playedWallSeconds > 0);
    if (mine.length === 0) continue;
    builds.push({
      build,
      rounds: mine.length,
      launchSeconds: median(mine.map((r) => r.launchedSeconds)),
      openSecondsPerPage: median(mine.map((r) => (r.openedSeconds - r.launchedSeconds) / r.pages)),
      playingPercentPerPage: median(
        mine.map((r) => (100 * (r.playedSeconds - r.openedSeconds)) / r.playedWallSeconds / r.pages),
      ),
      renderersPerPage: median(mine.map((r) => r.renderers / r.pages)),
    });
  }
  const shell = builds.find((b) => b.build === 'shell');
  const full = builds.find((b) => b.build === 'full');
  const ratios =
    shell && full
      ? {
          openPerPage: shell.openSecondsPerPage / full.openSecondsPerPage,
          playingPerPage: shell.playingPercentPerPage / full.playingPercentPerPage,
        }
      : null;
  return { builds, ratios };
}

export function formatChromiumSummary(summary: ChromiumSummary): string {
  const rows = summary.builds.map(
    (b) =>
      `${b.build.padEnd(6)} ${String(b.rounds).padStart(6)} ${b.launchSeconds.toFixed(2).padStart(9)} ${b.openSecondsPerPage.toFixed(2).padStart(13)} ${b.playingPercentPerPage.toFixed(1).padStart(17)} ${b.renderersPerPage.toFixed(1).padStart(15)}`,
  );
  const ratio = summary.ratios
    ? `shell ÷ full: ${summary.ratios.openPerPage.toFixed(2)}× CPU per page opened, ${summary.ratios.playingPerPage.toFixed(2)}× per playing page`
    : 'shell ÷ full: — (one build only)';
  return ['build  rounds launch s  open s / page  playing % / page  renderers / page', ...rows, ratio].join('\n');
}
