/**
 * bench:live: what a live stream's pollers cost, with blocking playlist reload
 * vs naive polling every half target duration, in the same run against the
 * same local edge (wrangler dev / workerd).
 *
 *   npm run bench:live -- [--pollers 200] [--segments 15] [--target-duration 1]
 *   npm run bench:live -- --parts [--part-seconds 0.5] [--pollers 1000] [--segments 6] [--target-duration 2]
 *
 * Per new segment: HTTP requests, requests reaching the stream's coordinator
 * (after the Cache API and per-isolate coalescing), coordinator wake-ups and
 * renders, storage reads. And publish-to-playable lag: from the commit's
 * answer to each poller holding a playlist that lists the segment.
 * Writes bench-results/live.json.
 *
 * --parts: the same for LL-HLS parts (live-parts-run.ts drives it, live-parts.ts sums it up): per part,
 * coordinator calls (the blocking playlist and the part's bytes apart), wake-ups, renders, storage reads
 * and part lag, blocking vs naive in the same run. Writes bench-results/live-parts.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { createEdgeClient } from '@edgeswarm/origin/edge-client';
import { derivePublishKey, liveNames, type SegmentCommit, sha256Hex } from '@edgeswarm/protocol';
import { repoRoot, startLocalEdge } from '../src/local-edge';
import { liveBenchUsage, parseLiveBenchArgs } from './bench-args';
import { type PartsCounters, partsFigures, partsRatios, partsReportLines, partsVerdict } from './live-parts';
import { runPartsMode } from './live-parts-run';

const settings = valueOrExit(parseLiveBenchArgs(process.argv.slice(2)), liveBenchUsage);
const { pollers, segments, targetDuration } = settings;

interface Counters {
  coordinatorCalls: number;
  r2Gets: number;
  playlistRequests: number;
  renders: number;
  wakeups: number;
  storageReads: number;
}

interface Scenario {
  mode: 'blocking' | 'naive';
  segments: number;
  httpRequests: number;
  perSegment: Counters & { httpRequests: number };
  lagMs: { p50: number; p99: number; max: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-bench-live-'));
  const secret = randomBytes(24).toString('base64url');
  const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });

  async function counters(stream: string): Promise<Counters> {
    const metrics = (await (await fetch(`${edge.url}/v1/metrics`)).json()) as {
      storage: { coordinatorCalls: number; r2Gets: number };
    };
    const status = (await (await fetch(`${edge.url}/v1/streams/${stream}`)).json()) as {
      coordinator: { playlistRequests: number; renders: number; wakeups: number; storageReads: number };
    };
    return { ...metrics.storage, ...status.coordinator };
  }

  async function run(mode: Scenario['mode']): Promise<Scenario> {
    const stream = `bench-${mode}`;
    const client = createEdgeClient({
      edgeUrl: edge.url,
      streamId: stream,
      publishKey: await derivePublishKey(secret, stream),
    });
    const { session } = await client.openSession({ targetDuration });
    await client.putObject(liveNames.init('v0', session), randomBytes(800));
    const commitAt = new Map<number, number>();
    const publishOne = async (msn: number) => {
      const bytes = randomBytes(40_000);
      const commit: SegmentCommit = {
        rendition: 'v0',
        msn,
        name: liveNames.segment('v0', session, msn),
        init: liveNames.init('v0', session),
        duration: targetDuration,
        sha256: await sha256Hex(bytes),
        programDateTime: new Date().toISOString(),
        discontinuity: false,
      };
      await client.putObject(commit.name, bytes);
      await client.commit(commit);
      commitAt.set(msn, performance.now());
    };
    await publishOne(0);
    const url = `${edge.url}/v1/streams/${stream}/v0/live.m3u8`;
    const before = await counters(stream);
    const lags: number[] = [];
    let httpRequests = 0;
    let running = true;
    const lastListed = (text: string) => {
      const match = /s\d+-(\d+)\.m4s\s*$/.exec(text);
      return match ? Number(match[1]) : -1;
    };

    const poller = async () => {
      let known = 0;
      while (running) {
        const query = mode === 'blocking' ? `?_HLS_msn=${known + 1}` : '';
        httpRequests++;
        const text = await (await fetch(`${url}${query}`)).text();
        const received = performance.now();
        const last = lastListed(text);
        for (let msn = known + 1; msn <= last; msn++) {
          const committed = commitAt.get(msn);
          if (committed !== undefined) lags.push(Math.max(0, received - committed));
        }
        known = Math.max(known, last);
        if (mode === 'naive') await sleep((targetDuration * 1000) / 2);
      }
    };
    const polling = Array.from({ length: pollers }, poller);
    await sleep(500);
    for (let msn = 1; msn <= segments; msn++) {
      await sleep(targetDuration * 1000);
      await publishOne(msn);
      process.stderr.write(`\r${mode}: ${msn}/${segments} segments, ${httpRequests} requests`);
    }
    await sleep(targetDuration * 1000);
    running = false;
    await publishOne(segments + 1); // releases blocked pollers
    await Promise.all(polling);
    process.stderr.write('\n');
    const after = await counters(stream);
    const sorted = lags.sort((a, b) => a - b);
    const per = (key: keyof Counters) => (after[key] - before[key]) / segments;
    return {
      mode,
      segments,
      httpRequests,
      perSegment: {
        httpRequests: httpRequests / segments,
        coordinatorCalls: per('coordinatorCalls'),
        r2Gets: per('r2Gets'),
        playlistRequests: per('playlistRequests'),
        renders: per('renders'),
        wakeups: per('wakeups'),
        storageReads: per('storageReads'),
      },
      lagMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    };
  }

  try {
    const blocking = await run('blocking');
    const naive = await run('naive');
    const report = {
      benchmark: 'live',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: { pollers, segments, targetDuration },
      blocking,
      naive,
      ratio: {
        httpRequests: blocking.perSegment.httpRequests / naive.perSegment.httpRequests,
        coordinatorCalls: blocking.perSegment.coordinatorCalls / naive.perSegment.coordinatorCalls,
        lagP50: blocking.lagMs.p50 / naive.lagMs.p50,
      },
    };
    mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench-results/live.json'), `${JSON.stringify(report, null, 2)}\n`);
    const row = (s: Scenario) =>
      `${s.mode.padEnd(9)} ${s.perSegment.httpRequests.toFixed(0).padStart(9)} ${s.perSegment.coordinatorCalls.toFixed(2).padStart(12)} ${s.perSegment.wakeups.toFixed(2).padStart(8)} ${s.perSegment.renders.toFixed(2).padStart(8)} ${(s.perSegment.storageReads + s.perSegment.r2Gets).toFixed(2).padStart(9)} ${s.lagMs.p50.toFixed(0).padStart(8)} ${s.lagMs.p99.toFixed(0).padStart(8)}`;
    console.log(`\n${pollers} pollers, ${segments} segments of ${targetDuration} s; figures per new segment`);
    console.log('mode       requests  coordinator  wakeups  renders  storage   lag p50  lag p99 (ms)');
    console.log(row(blocking));
    console.log(row(naive));
    console.log(
      `ratio blocking/naive: requests ${report.ratio.httpRequests.toFixed(2)}x, coordinator calls ${report.ratio.coordinatorCalls.toFixed(2)}x, lag p50 ${report.ratio.lagP50.toFixed(2)}x`,
    );
    console.log('wrote bench-results/live.json');
  } finally {
    await edge.stop();
  }
}

async function mainParts(partSeconds: number): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-bench-live-parts-'));
  const secret = randomBytes(24).toString('base64url');
  const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
  const counters = async (stream: string): Promise<PartsCounters> => {
    const metrics = (await (await fetch(`${edge.url}/v1/metrics`)).json()) as {
      storage: { coordinatorCalls: number; r2Gets: number; cacheHits: number };
    };
    const status = (await (await fetch(`${edge.url}/v1/streams/${stream}`)).json()) as {
      coordinator: Omit<PartsCounters, 'coordinatorCalls' | 'r2Gets' | 'cacheHits'>;
    };
    const { coordinatorCalls, r2Gets, cacheHits } = metrics.storage;
    const { playlistRequests, partRequests, renders, wakeups, storageReads } = status.coordinator;
    return { coordinatorCalls, r2Gets, cacheHits, playlistRequests, partRequests, renders, wakeups, storageReads };
  };
  try {
    const run = { pollers, segments, targetDuration, partSeconds };
    const progress = (line: string) => process.stderr.write(line);
    const blockingRun = await runPartsMode(edge.url, secret, 'blocking', run, counters, progress);
    const naiveRun = await runPartsMode(edge.url, secret, 'naive', run, counters, progress);
    const blocking = partsFigures(blockingRun);
    const naive = partsFigures(naiveRun);
    const report = {
      benchmark: 'live-parts',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: run,
      blocking,
      naive,
      ratio: partsRatios(blocking, naive),
      target: partsVerdict(blocking),
      counters: {
        blocking: { before: blockingRun.before, after: blockingRun.after },
        naive: { before: naiveRun.before, after: naiveRun.after },
      },
    };
    mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench-results/live-parts.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('');
    for (const line of partsReportLines(run, blocking, naive)) console.log(line);
    console.log('wrote bench-results/live-parts.json');
  } finally {
    await edge.stop();
  }
}

await (settings.parts ? mainParts(settings.partSeconds) : main());
