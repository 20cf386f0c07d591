/**
 * bench:chromium: what a viewer page costs in each Chromium build the harnesses can run, in the same run.
 *
 *   npm run bench:chromium -- [--pages 4] [--seconds 20] [--rounds 2]
 *
 * Debian's headless shell (what infra/src/browser.ts picks first) against the full browser (its fallback, the
 * baseline). Each round launches each build in turn, the order swapped every round, with the harnesses' own
 * switches; opens --pages pages one after the other, each playing a 320x180 30 fps clip in a <video> from a
 * loopback server; then lets them play --seconds. Chromium's own per-process CPU times (browser-cpu.ts) are read
 * when the browser is up, when every page plays, and at the end. Prints the medians and the shell ÷ full ratios,
 * with the machine's load and CPU busy; writes bench-results/chromium.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { type Browser, chromium } from 'playwright-core';
import { chromiumArgs } from '../src/browser';
import { readProcessInfo, sumProcessCpu } from '../src/cohort/browser-cpu';
import { cpuBusyPercent } from '../src/compare/summary';
import { repoRoot } from '../src/local-edge';
import { makeTestClip } from '../src/test-media';
import { chromiumBenchUsage, parseChromiumBenchArgs } from './bench-args';
import { type ChromiumBuild, type ChromiumRound, formatChromiumSummary, summariseChromium } from './chromium-stats';

const settings = valueOrExit(parseChromiumBenchArgs(process.argv.slice(2)), chromiumBenchUsage);
const log = (line: string) => process.stderr.write(`${line}\n`);

export const chromiumBenchDefaults = {
  executables: { shell: '/usr/bin/chromium-headless-shell', full: '/usr/bin/chromium' } as Record<
    ChromiumBuild,
    string
  >,
  clipSeconds: 30,
  /** A page counts as playing once its video is this far in. */
  playingAtSeconds: 1,
  pageTimeoutMs: 60_000,
};

const page = `<!doctype html><meta charset="utf-8"><title>bench:chromium</title>
<video src="/clip.mp4" autoplay muted loop playsinline width="320" height="180"></video>`;

async function serve(clip: string): Promise<{ url: string; close: () => Promise<void> }> {
  const bytes = readFileSync(clip);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://loopback').pathname;
    if (path === '/') return response.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
    if (path === '/clip.mp4') {
      return response.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': bytes.length }).end(bytes);
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function cpuSeconds(browser: Browser): Promise<{ total: number; renderers: number }> {
  const processInfo = await readProcessInfo(browser);
  return {
    total: sumProcessCpu(processInfo).totalSeconds,
    renderers: processInfo.filter((p) => p.type === 'renderer').length,
  };
}

async function measure(build: ChromiumBuild, round: number, url: string): Promise<ChromiumRound> {
  const browser = await chromium.launch({
    executablePath: chromiumBenchDefaults.executables[build],
    args: chromiumArgs,
  });
  try {
    const launched = await cpuSeconds(browser);
    const pages = [];
    for (let i = 0; i < settings.pages; i++) {
      const p = await browser.newPage({ viewport: { width: 480, height: 270 } });
      await p.goto(`${url}?page=${i}`);
      await p.waitForFunction(
        (at) => (document.querySelector('video')?.currentTime ?? 0) >= at,
        chromiumBenchDefaults.playingAtSeconds,
        {
          timeout: chromiumBenchDefaults.pageTimeoutMs,
        },
      );
      pages.push(p);
    }
    const opened = await cpuSeconds(browser);
    const start = Date.now();
    await new Promise((resolve) => setTimeout(resolve, settings.seconds * 1000));
    const played = await cpuSeconds(browser);
    const playedWallSeconds = (Date.now() - start) / 1000;
    const dropped = await Promise.all(
      pages.map((p) =>
        p.evaluate(() => {
          const q = document.querySelector('video')?.getVideoPlaybackQuality();
          return q && q.totalVideoFrames > 0 ? (100 * q.droppedVideoFrames) / q.totalVideoFrames : 0;
        }),
      ),
    );
    return {
      build,
      round,
      pages: settings.pages,
      launchedSeconds: launched.total,
      openedSeconds: opened.total,
      playedSeconds: played.total,
      playedWallSeconds,
      renderers: opened.renderers,
      droppedPercent: Math.max(0, ...dropped),
    };
  } finally {
    await browser.close();
  }
}

const builds = (['full', 'shell'] as const).filter((b) => existsSync(chromiumBenchDefaults.executables[b]));
for (const b of ['full', 'shell'] as const) {
  if (!builds.includes(b)) log(`bench:chromium: no ${b} build at ${chromiumBenchDefaults.executables[b]}: skipped`);
}
if (builds.length === 0) {
  log('bench:chromium: no Chromium build found: apt-get install chromium-headless-shell chromium');
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'edgeswarm-bench-chromium-'));
const loadBefore = loadavg()[0] ?? 0;
const cpusBefore = cpus();
const rounds: ChromiumRound[] = [];
try {
  const clip = await makeTestClip(join(work, 'clip.mp4'), { seconds: chromiumBenchDefaults.clipSeconds });
  log(`bench:chromium: clip ${(statSync(clip).size / 1e3).toFixed(0)} kB; load ${loadBefore.toFixed(2)} before`);
  const server = await serve(clip);
  try {
    for (let r = 1; r <= settings.rounds; r++) {
      const order = r % 2 ? builds : [...builds].reverse();
      for (const build of order) {
        log(
          `bench:chromium: round ${r}/${settings.rounds}, ${build}: ${settings.pages} pages, then ${settings.seconds} s`,
        );
        const result = await measure(build, r, server.url);
        log(
          `bench:chromium:   launch ${result.launchedSeconds.toFixed(2)} s, open ${((result.openedSeconds - result.launchedSeconds) / result.pages).toFixed(2)} s/page, playing ${((100 * (result.playedSeconds - result.openedSeconds)) / result.playedWallSeconds / result.pages).toFixed(1)}%/page, ${result.renderers} renderers`,
        );
        rounds.push(result);
      }
    }
  } finally {
    await server.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const busyPercent = cpuBusyPercent(cpusBefore, cpus());
const summary = summariseChromium(rounds);
console.log(formatChromiumSummary(summary));
console.log(
  `load ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after; machine ${busyPercent.toFixed(0)}% busy over the run (${cpus().length} CPUs)`,
);
const out = join(repoRoot, 'bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'chromium.json'),
  `${JSON.stringify({ settings, loadBefore, busyPercent, cpu: cpus()[0]?.model, summary, rounds }, null, 2)}\n`,
);
console.log('wrote bench-results/chromium.json');
