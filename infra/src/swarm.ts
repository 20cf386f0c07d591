/**
 * A swarm of real viewers: headless Chromium pages playing one live stream
 * published through `origin publish` into a local edge, joining a few seconds
 * apart. For P2P it must run inside a private network namespace (netns.ts);
 * CDN-only cohorts run anywhere. Used by the P2P end-to-end tests and by the
 * offload benchmark.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CounterKey, type Counters, counterKeys, type StreamStatus } from '@edgeswarm/protocol';
import type { Page } from 'playwright-core';
import { launchChromium } from './browser';
import { type LocalEdge, startLocalEdge } from './local-edge';
import { type RunningCli, spawnOriginCli } from './run-cli';

export interface SwarmOptions {
  viewers: number;
  /** Seconds to keep watching after the last viewer joined. */
  seconds: number;
  staggerSeconds: number;
  p2p: boolean;
  stream: string;
  segmentSeconds: number;
  size: string;
  /** Viewers (by index) that corrupt everything they upload. */
  corrupt: number[];
  /** Viewer (by index) that leaves this many seconds after the last join. */
  leave?: { viewer: number; afterSeconds: number };
  /** The tracker goes down this many seconds after the last join, for `seconds`; one more viewer joins during it. */
  outage?: { afterSeconds: number; seconds: number };
  /** Reuse a running edge instead of starting one. */
  edgeUrl?: string;
  log: (line: string) => void;
}

export const swarmDefaults: SwarmOptions = {
  viewers: 4,
  seconds: 20,
  staggerSeconds: 3,
  p2p: true,
  stream: 'swarm',
  segmentSeconds: 2,
  size: '320x180',
  corrupt: [],
  log: (line) => process.stderr.write(`${line}\n`),
};

/**
 * The player's counters a viewer result copies. Stalls are left out: they come
 * from the playback record instead, which also counts a stall still under way.
 */
export type ViewerFlowKey = Exclude<CounterKey, 'stalls' | 'stallMs'>;
export type ViewerFlow = Record<ViewerFlowKey, number>;

const viewerFlowKeys = counterKeys.filter((key): key is ViewerFlowKey => key !== 'stalls' && key !== 'stallMs');

/** A viewer's counters as its result keeps them; all 0 when its page did not answer. */
export function viewerFlow(counters: Counters | null | undefined): ViewerFlow {
  const flow = {} as ViewerFlow;
  for (const key of viewerFlowKeys) flow[key] = counters?.[key] ?? 0;
  return flow;
}

export interface ViewerResult extends ViewerFlow {
  viewer: number;
  mode: string;
  blockedPeersClosed: number;
  stalls: number;
  stalledMs: number;
  startupMs: number | null;
  latencyP50: number | null;
  latencyMax: number | null;
  peerId: string;
  peersAtEnd: string[];
  firstFetcherAtEnd: boolean;
  errors: string[];
  left: boolean;
}

export interface SwarmResult {
  options: Omit<SwarmOptions, 'log'>;
  targetDuration: number;
  viewers: ViewerResult[];
  edgeSegmentsCommitted: number;
}

const secret = 'swarm-harness-secret-0123456789';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor(sorted.length / 2)] ?? null) : null;
};

async function snapshot(page: Page) {
  return page.evaluate(() => {
    const player = window.edgeswarm?.player;
    if (!player) return null;
    const s = player.snapshot();
    return {
      counters: s.counters,
      playback: s.playback,
      peers: s.peers,
      blocked: s.blockedPeersClosed,
      mode: s.mode,
      self: s.selfPeerId,
      firstFetcher: s.firstFetcher,
    };
  });
}

export async function runSwarm(partial: Partial<SwarmOptions> = {}): Promise<SwarmResult> {
  const o = { ...swarmDefaults, ...partial };
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-swarm-'));
  let edge: LocalEdge | undefined;
  let publisher: RunningCli | undefined;
  const browser = await launchChromium();
  try {
    if (!o.edgeUrl) {
      edge = await startLocalEdge({
        persistDir: join(work, 'state'),
        vars: { PUBLISH_SECRET: secret, TRACKER_REGION_OVERRIDE: '1' },
      });
    }
    const edgeUrl = o.edgeUrl ?? (edge as LocalEdge).url;
    const joinSeconds = (o.viewers - 1) * o.staggerSeconds;
    const mediaSeconds = joinSeconds + o.seconds + 20;
    publisher = spawnOriginCli(
      [
        ...['publish', '--stream', o.stream, '--edge', edgeUrl, '--duration', String(mediaSeconds)],
        ...['--size', o.size, '--segment-seconds', String(o.segmentSeconds)],
      ],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    o.log(
      `swarm: ${o.viewers} ${o.p2p ? 'hybrid' : 'CDN-only'} viewers on ${edgeUrl}, ${o.staggerSeconds} s apart, then ${o.seconds} s`,
    );
    let status: StreamStatus | undefined;
    for (
      let i = 0;
      i < 240 && !(status?.renditions.every((r) => r.lastMsn >= 2) && status.renditions.length > 0);
      i++
    ) {
      await sleep(250);
      const response = await fetch(`${edgeUrl}/v1/streams/${o.stream}`).catch(() => undefined);
      if (response?.ok) status = (await response.json()) as StreamStatus;
    }
    if (!status) throw new Error(`the publisher never went live:\n${publisher.output().stderr}`);

    const query = new URLSearchParams({ region: 'eu', 'ice-servers': 'none', beacon: 'off' });
    if (!o.p2p) query.set('p2p', 'off');
    const pages: Page[] = [];
    for (let viewer = 0; viewer < o.viewers; viewer++) {
      if (viewer > 0) await sleep(o.staggerSeconds * 1000);
      const page = await browser.newPage();
      const params = new URLSearchParams(query);
      if (o.corrupt.includes(viewer)) params.set('corrupt-uploads', '');
      await page.goto(`${edgeUrl}/watch/${o.stream}?${params}`);
      pages.push(page);
      o.log(`swarm: viewer ${viewer} joined${o.corrupt.includes(viewer) ? ' (corrupts uploads)' : ''}`);
    }
    const left = new Set<number>();
    const finals = new Map<number, Awaited<ReturnType<typeof snapshot>>>();
    for (let second = 1; second <= o.seconds; second++) {
      await sleep(1000);
      if (o.outage && second === o.outage.afterSeconds) {
        const response = await fetch(`${edgeUrl}/v1/tracker/${o.stream}/outage?seconds=${o.outage.seconds}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${secret}` },
        });
        o.log(`swarm: tracker outage for ${o.outage.seconds} s: ${await response.text()}`);
        const page = await browser.newPage();
        await page.goto(`${edgeUrl}/watch/${o.stream}?${query}`);
        pages.push(page);
        o.log(`swarm: viewer ${pages.length - 1} joined during the outage`);
      }
      if (o.leave && second === o.leave.afterSeconds) {
        finals.set(o.leave.viewer, await snapshot(pages[o.leave.viewer] as Page));
        await pages[o.leave.viewer]?.close();
        left.add(o.leave.viewer);
        o.log(`swarm: viewer ${o.leave.viewer} left`);
      }
      if (second % 5 === 0) {
        const shots = await Promise.all(pages.map((p, i) => (left.has(i) ? null : snapshot(p))));
        const line = shots
          .map((s, i) =>
            s
              ? `v${i}${s.firstFetcher ? '*' : ''} http ${(s.counters.httpBytes / 1e3).toFixed(0)}k p2p ${(s.counters.p2pBytes / 1e3).toFixed(0)}k peers ${s.peers.length}`
              : `v${i} gone`,
          )
          .join(' | ');
        o.log(`swarm: ${second}/${o.seconds} s · ${line}`);
      }
    }
    const viewers: ViewerResult[] = [];
    for (const [index, page] of pages.entries()) {
      const s = left.has(index) ? finals.get(index) : await snapshot(page);
      const latency = s?.playback.latency ?? [];
      viewers.push({
        viewer: index,
        mode: s?.mode ?? 'unknown',
        ...viewerFlow(s?.counters),
        blockedPeersClosed: s?.blocked ?? 0,
        stalls: s?.playback.stalls ?? 0,
        stalledMs: s?.playback.stalledMs ?? 0,
        startupMs: s?.playback.startedAt != null ? s.playback.startedAt - s.playback.requestedAt : null,
        latencyP50: median(latency),
        latencyMax: latency.length ? Math.max(...latency) : null,
        peerId: s?.self ?? '',
        peersAtEnd: s?.peers ?? [],
        firstFetcherAtEnd: s?.firstFetcher ?? false,
        errors: s?.playback.errors ?? ['no player'],
        left: left.has(index),
      });
    }
    const final = (await (await fetch(`${edgeUrl}/v1/streams/${o.stream}`)).json()) as StreamStatus;
    const { log: _log, ...options } = o;
    return {
      options,
      targetDuration: final.targetDuration,
      viewers,
      edgeSegmentsCommitted: final.renditions.reduce((sum, r) => sum + r.segments, 0),
    };
  } finally {
    await browser.close();
    publisher?.child.kill('SIGINT');
    await publisher?.done;
    await edge?.stop();
  }
}

export function formatSwarm(result: SwarmResult): string {
  const rows = result.viewers.map((v) => {
    const total = v.httpBytes + v.p2pBytes;
    const offload = total ? ((100 * v.p2pBytes) / total).toFixed(0) : '0';
    return `${String(v.viewer).padStart(6)} ${(v.httpBytes / 1e3).toFixed(0).padStart(8)} ${(v.p2pBytes / 1e3).toFixed(0).padStart(8)} ${offload.padStart(7)}% ${String(v.p2pSegments).padStart(7)} ${String(v.stalls).padStart(6)} ${v.latencyP50?.toFixed(1).padStart(8) ?? '       —'} ${String(v.integrityFailures).padStart(8)}`;
  });
  return ['viewer  HTTP kB   P2P kB  offload  P2P seg stalls latency rejected', ...rows].join('\n');
}
