/**
 * bench:startup's namespace side (startup.ts starts it inside a private network namespace, as compare's cohorts
 * run): the warm swarm, through the cohort runner every harness uses, and the rounds of newcomers, run as one of
 * its events so that the warm viewers play throughout. Prints its result as JSON on the last stdout line; progress
 * goes to stderr.
 *
 * Usage: startup-rounds.ts '<json StartupTask>'
 */
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, secureAliasFor } from '../src/browser';
import type { CohortRun } from '../src/cohort/records';
import { cohortDefaults, runCohort, watchUrl } from '../src/cohort/runner';
import { type PlayerReading, readPlayerInPage } from '../src/cohort/snapshot';
import { ViewerNetwork } from '../src/cohort/viewer-links';
import { cpuBusyPercent } from '../src/compare/summary';
import { startUnixRelay } from '../src/compare/unix-relay';
import { linkLabel, linksFor } from '../src/link-profiles';
import { namespaceAddress } from '../src/netns';
import type { StartupBenchArgs } from './startup-args';
import { firstFrameScript, playingInPage, readStartupInPage } from './startup-page';
import {
  newcomerLink,
  roundOrder,
  type StartupCohort,
  type StartupPage,
  type StartupReading,
  startupPhases,
} from './startup-stats';

/** The bench's arguments, and the stream and edge socket it set up. */
export interface StartupTask extends Omit<StartupBenchArgs, 'out'> {
  stream: string;
  socketPath: string;
}

/** The warm swarm as each round found it. */
export interface WarmReading {
  round: number;
  playing: number;
  peersMean: number;
  p2pBytes: number;
  httpBytes: number;
}

export interface StartupRoundsResult {
  pages: StartupPage[];
  warmReadings: WarmReading[];
  warm: CohortRun | null;
}

export const startupRoundsDefaults = {
  /** A newcomer with no first frame by then has failed. */
  startTimeoutMs: 30_000,
  /** How long to wait, after the first `playing`, for the first presented frame to be reported. */
  presentWaitMs: 1000,
  pollMs: 50,
  /** Warm viewers join this far apart, at most (all of them within the warm-up). */
  warmStaggerSeconds: 2,
  sampleSeconds: 2,
  progressSeconds: 10,
};

const log = (line: string) => process.stderr.write(`${line}\n`);

async function readWarm(round: number, pages: readonly (Page | undefined)[]): Promise<WarmReading> {
  const readings = await Promise.all(
    pages.map((p) => (p ? p.evaluate(readPlayerInPage, false).catch(() => null) : Promise.resolve(null))),
  );
  const live = readings.filter((r): r is PlayerReading => r !== null);
  return {
    round,
    playing: live.filter((r) => r.started && !r.stalling).length,
    peersMean: live.length ? live.reduce((s, r) => s + r.peers.length, 0) / live.length : 0,
    p2pBytes: live.reduce((s, r) => s + r.counters.p2pBytes, 0),
    httpBytes: live.reduce((s, r) => s + r.counters.httpBytes, 0),
  };
}

async function runRounds(
  task: StartupTask,
  pageBase: string,
  warmPages: readonly (Page | undefined)[],
): Promise<Omit<StartupRoundsResult, 'warm'>> {
  const d = startupRoundsDefaults;
  const shaped = task.network !== 'loopback';
  const network = shaped ? new ViewerNetwork() : undefined;
  // On loopback one browser holds every newcomer, each page in a fresh context (its own empty cache).
  const shared = shaped ? undefined : await launchChromium();
  const pages: StartupPage[] = [];
  const warmReadings: WarmReading[] = [];
  // The newcomers' link index comes after the warm viewers' (theirs are 0 … warm − 1).
  const index = task.warm;
  try {
    for (let round = 0; round < task.rounds; round++) {
      if (task.warm > 0) warmReadings.push(await readWarm(round, warmPages));
      const link = newcomerLink(task.network, task.warm, round);
      const order = roundOrder(round);
      for (const position of [0, 1] as const) {
        const cohort: StartupCohort = order[position];
        // The gap before each page: the machine as the newcomer finds it (the warm swarm, the edge, the publisher).
        const idleBefore = cpus();
        await sleep(task.gapSeconds * 1000);
        const backgroundBusyPercent = task.gapSeconds > 0 ? cpuBusyPercent(idleBefore, cpus()) : null;
        let browser: Browser | undefined = shared;
        let base = pageBase;
        if (link && network) {
          const netns = await network.add(index, link);
          const secureAlias = secureAliasFor(pageBase);
          if (secureAlias) base = secureAlias.pageBase;
          browser = await launchChromium({ netns, ...(secureAlias ? { secureAlias } : {}) });
        }
        const page = await (browser as Browser).newPage({ viewport: cohortDefaults.viewport });
        let reading: StartupReading | null = null;
        let error: string | undefined;
        let busyPercent = 0;
        const load1 = loadavg()[0] ?? 0;
        try {
          await page.addInitScript({ content: firstFrameScript });
          const cpuBefore = cpus();
          await page.goto(watchUrl({ pageBase: base, stream: task.stream, name: cohort, beacons: true }), {
            waitUntil: 'domcontentloaded',
            timeout: cohortDefaults.gotoTimeoutMs,
          });
          try {
            await page.waitForFunction(playingInPage, undefined, { polling: d.pollMs, timeout: d.startTimeoutMs });
          } catch {
            error = `no first frame within ${d.startTimeoutMs / 1000} s`;
          }
          busyPercent = cpuBusyPercent(cpuBefore, cpus());
          if (!error) {
            await page
              .waitForFunction(() => (window.__startupBench?.presentedAt ?? null) !== null, undefined, {
                polling: d.pollMs,
                timeout: d.presentWaitMs,
              })
              .catch(() => {});
            await sleep(task.holdSeconds * 1000);
          }
          reading = await page.evaluate(readStartupInPage);
          if (!reading) error ??= 'no player on the page';
        } catch (e) {
          error = `the page failed: ${(e as Error).message.split('\n')[0]}`;
        } finally {
          await page.close().catch(() => {});
          if (browser !== shared) await browser?.close().catch(() => {});
          await network?.remove(index);
        }
        const phases = reading
          ? startupPhases(reading)
          : {
              script: null,
              player: 0,
              mediaPlaylist: null,
              firstSegment: null,
              playing: null,
              presented: null,
              playerToPlaying: null,
            };
        const result: StartupPage = {
          round,
          cohort,
          position,
          link,
          phases,
          busyPercent,
          backgroundBusyPercent,
          load1,
          peersAtClose: reading?.peers ?? 0,
          p2pBytesAtClose: reading?.p2pBytes ?? 0,
          ...(error ? { error } : {}),
        };
        pages.push(result);
        log(
          `startup: round ${round + 1}/${task.rounds} ${cohort === 'cdn' ? 'CDN-only' : 'hybrid'}${link ? ` (${linkLabel(link)})` : ''}: ${
            error ??
            `first playing ${phases.playing?.toFixed(0)} ms (player built at ${phases.player.toFixed(0)} ms, presented ${phases.presented?.toFixed(0) ?? '—'} ms)`
          }, CPU ${busyPercent.toFixed(0)}% busy while it started (${backgroundBusyPercent === null ? '—' : backgroundBusyPercent.toFixed(0)}% before it), load ${load1.toFixed(2)}${cohort === 'hybrid' ? `, ${result.peersAtClose} peers at close` : ''}`,
        );
      }
    }
  } finally {
    await shared?.close().catch(() => {});
    await network?.close();
  }
  return { pages, warmReadings };
}

export async function runStartupTask(task: StartupTask): Promise<StartupRoundsResult> {
  const relay = await startUnixRelay({
    socketPath: task.socketPath,
    host: task.network === 'loopback' ? '127.0.0.1' : namespaceAddress,
  });
  try {
    if (task.warm === 0) return { ...(await runRounds(task, relay.url, [])), warm: null };
    const d = startupRoundsDefaults;
    let rounds: Omit<StartupRoundsResult, 'warm'> | undefined;
    const warm = await runCohort(
      {
        harness: 'startup',
        name: 'hybrid',
        stream: task.stream,
        viewers: task.warm,
        // The rounds run as the event at the end of the warm-up; the cohort ends as soon as they are done.
        seconds: task.warmupSeconds + 0.5,
        staggerSeconds: Math.min(d.warmStaggerSeconds, task.warmupSeconds / task.warm),
        sampleSeconds: d.sampleSeconds,
        progressSeconds: d.progressSeconds,
        pageBase: relay.url,
        beacons: true,
        ...(task.network === 'loopback' ? {} : { links: linksFor(task.network, task.warm) }),
      },
      log,
      [
        {
          atSeconds: task.warmupSeconds,
          run: async (pages) => {
            log(`startup: warm-up over; ${task.rounds} rounds of newcomers`);
            rounds = await runRounds(task, relay.url, pages);
          },
        },
      ],
    );
    if (!rounds) throw new Error('the warm swarm ended before the rounds ran');
    return { ...rounds, warm };
  } finally {
    await relay.close();
  }
}

const arg = process.argv[2];
if (arg) {
  const result = await runStartupTask(JSON.parse(arg) as StartupTask);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
