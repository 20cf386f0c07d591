/**
 * A swarm of real viewers with everything they need, inside one private
 * network namespace: the edge (wrangler dev), a live stream published through
 * `origin publish`, and one cohort of headless Chromium viewers
 * (cohort/runner.ts) joining a few seconds apart. Used by the P2P end-to-end
 * tests and by bench:offload; run it through cohort/in-namespace.ts.
 *
 * With links (`network` other than loopback, or explicit `links`), each
 * viewer is behind a shaped link of its own and the edge listens on the
 * namespace's bridge address instead of its loopback.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintPlaybackToken, type StatsSnapshot, type StreamStatus } from '@edgeswarm/protocol';
import type { Page } from 'playwright-core';
import type { CohortSample, ViewerRecord } from './cohort/records';
import { type CohortEvent, runCohort } from './cohort/runner';
import { linksFor, type NetworkName, type ViewerLink } from './link-profiles';
import { type LocalEdge, startLocalEdge } from './local-edge';
import { namespaceAddress } from './netns';
import { interruptCli, type RunningCli, spawnOriginCli } from './run-cli';

export interface SwarmOptions {
  viewers: number;
  /** Seconds to keep watching after the last viewer joined. */
  seconds: number;
  staggerSeconds: number;
  /** When each viewer joins, seconds after the first; absent: `staggerSeconds` apart. */
  joinAtSeconds?: number[];
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
  /** Each viewer's link: a mix or a profile (link-profiles.ts); loopback: one browser, no shaping. */
  network: NetworkName;
  /** Links by viewer, instead of `network`'s (the viewer joining during an outage included). */
  links?: ViewerLink[];
  /** How often every viewer is sampled (the first-fetcher timeline has this resolution). */
  sampleSeconds: number;
  /**
   * Signed playback: the stream is protected and each viewer, by index, gets a token of its own (true) or none
   * (false). Absent: an open stream.
   */
  tokens?: boolean[];
  /** Read the edge's own count of segment bytes served at the end (edgeServedBytes; waits 3 s for its flush). */
  edgeCount?: boolean;
  /** With links: false makes every page a non-secure context (no Web Crypto), as on a plain-http site. */
  secureContext?: boolean;
  /** A viewer (by index) whose page asks for consent before uploading, given this many seconds after the last join. */
  uploadConsent?: { viewer: number; afterSeconds: number };
  /** A viewer's own `latency-target`, by index (`low`: LL-HLS from the edge); null or absent: the player's default. */
  latencyTargets?: ('low' | number | null)[];
  /**
   * A viewer (by index) that pauses this many seconds after it joined, for `seconds`, then plays on from where it was:
   * behind live by about that much.
   */
  pause?: { viewer: number; afterSeconds: number; seconds: number };
  /** Reuse a running edge instead of starting one (started with swarmPublishSecret). */
  edgeUrl?: string;
  /** More things to do during the run (seconds since the first join), e.g. a drill's fault; in-process callers only. */
  events?: CohortEvent[];
  /** The players' stats beacons, for a harness that reads the dashboard's figures (off otherwise). */
  beacons?: boolean;
  /** Scripts every viewer's page runs before its own (a drill's counters); in-process callers only. */
  initScripts?: string[];
  /** More vars for the edge this starts (the soak's shorter stats retention); in-process callers only. */
  edgeVars?: Record<string, string>;
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
  network: 'loopback',
  sampleSeconds: 1,
  log: (line) => process.stderr.write(`${line}\n`),
};

export interface SwarmResult {
  options: Omit<SwarmOptions, 'log'>;
  targetDuration: number;
  viewers: ViewerRecord[];
  /** Every viewer, every `sampleSeconds`, with its link's counters when it has one. */
  samples: CohortSample[];
  edgeSegmentsCommitted: number;
  /** Media-segment bytes the edge served for the stream, by its own count (the stats object's). */
  edgeServedBytes?: number;
}

/** Pure: the links a swarm's viewers get; undefined: no links of their own (loopback). */
export function swarmLinks(
  o: Pick<SwarmOptions, 'viewers' | 'network' | 'links'> & Partial<Pick<SwarmOptions, 'outage'>>,
): ViewerLink[] | undefined {
  if (o.links) return o.links;
  if (o.network === 'loopback') return undefined;
  return linksFor(o.network, o.viewers + (o.outage ? 1 : 0));
}

/** The edge's publish secret in a swarm; a harness that hands runSwarm an edge of its own (edgeUrl) starts it with this. */
export const swarmPublishSecret = 'swarm-harness-secret-0123456789';
const secret = swarmPublishSecret;
const playbackKey = { id: 'swarm', secret: 'swarm-harness-playback-key-0123' };

export async function runSwarm(partial: Partial<SwarmOptions> = {}): Promise<SwarmResult> {
  const o = { ...swarmDefaults, ...partial };
  const links = swarmLinks(o);
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-swarm-'));
  let edge: LocalEdge | undefined;
  let publisher: RunningCli | undefined;
  try {
    if (!o.edgeUrl) {
      edge = await startLocalEdge({
        persistDir: join(work, 'state'),
        vars: {
          PUBLISH_SECRET: secret,
          TRACKER_REGION_OVERRIDE: '1',
          // The tracker outage this harness can inject; a deployed edge has no such route.
          FAULT_INJECTION: '1',
          ...(o.tokens ? { PLAYBACK_KEYS: `${playbackKey.id}:${playbackKey.secret}` } : {}),
          ...o.edgeVars,
        },
        // Viewers in namespaces of their own reach the edge across the bridge, not on this loopback.
        ...(links ? { host: namespaceAddress } : {}),
      });
    }
    const edgeUrl = o.edgeUrl ?? (edge as LocalEdge).url;
    let tokens: (string | null)[] | undefined;
    if (o.tokens) {
      const protect = await fetch(`${edgeUrl}/v1/streams/${o.stream}/access`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${secret}` },
        body: JSON.stringify({ signed: true }),
      });
      if (!protect.ok) throw new Error(`could not protect ${o.stream}: ${protect.status} ${await protect.text()}`);
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      tokens = await Promise.all(
        o.tokens.map((has, i) =>
          has ? mintPlaybackToken({ stream: o.stream, expiresAt, viewer: `swarm-viewer-${i}` }, playbackKey) : null,
        ),
      );
    }
    const joinAtSeconds = Array.from({ length: o.viewers }, (_, i) => o.joinAtSeconds?.[i] ?? i * o.staggerSeconds);
    const lastJoin = Math.max(0, ...joinAtSeconds);
    const mediaSeconds = lastJoin + o.seconds + 20;
    publisher = spawnOriginCli(
      [
        ...['publish', '--stream', o.stream, '--edge', edgeUrl, '--duration', String(mediaSeconds)],
        ...['--size', o.size, '--segment-seconds', String(o.segmentSeconds)],
      ],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    o.log(
      `swarm: ${o.viewers} ${o.p2p ? 'hybrid' : 'CDN-only'} viewers on ${edgeUrl}, ${o.staggerSeconds} s apart, then ${o.seconds} s${links ? `, network ${o.links ? 'as given' : o.network}` : ''}`,
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

    const events: CohortEvent[] = [...(o.events ?? [])];
    if (o.outage) {
      const { afterSeconds, seconds } = o.outage;
      events.push({
        atSeconds: lastJoin + afterSeconds,
        run: async () => {
          const response = await fetch(`${edgeUrl}/v1/tracker/${o.stream}/outage?seconds=${seconds}`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${secret}` },
          });
          o.log(`swarm: tracker outage for ${seconds} s: ${await response.text()}`);
        },
      });
      // One more viewer joins while the tracker is down.
      joinAtSeconds.push(lastJoin + afterSeconds);
    }
    if (o.pause) {
      const { viewer, afterSeconds, seconds } = o.pause;
      const pausedAt = (joinAtSeconds[viewer] ?? 0) + afterSeconds;
      const video = (page: Page | undefined, play: boolean) =>
        page?.evaluate((play) => {
          const element = document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video');
          if (play) return element?.play();
          element?.pause();
        }, play);
      events.push(
        {
          atSeconds: pausedAt,
          run: async (pages) => {
            await video(pages[viewer], false);
            o.log(`swarm: viewer ${viewer + 1} paused for ${seconds} s`);
          },
        },
        {
          atSeconds: pausedAt + seconds,
          run: async (pages) => {
            await video(pages[viewer], true);
            o.log(`swarm: viewer ${viewer + 1} plays on`);
          },
        },
      );
    }
    const run = await runCohort(
      {
        harness: 'swarm',
        name: o.p2p ? 'hybrid' : 'cdn',
        stream: o.stream,
        viewers: joinAtSeconds.length,
        seconds: lastJoin + o.seconds,
        staggerSeconds: o.staggerSeconds,
        joinAtSeconds,
        sampleSeconds: o.sampleSeconds,
        progressSeconds: 5,
        pageBase: edgeUrl,
        beacons: o.beacons ?? false,
        ...(links ? { links } : {}),
        corrupt: o.corrupt,
        ...(tokens ? { tokens } : {}),
        ...(o.secureContext === false ? { secureContext: false } : {}),
        ...(o.uploadConsent
          ? { uploadConsent: { viewer: o.uploadConsent.viewer, atSeconds: lastJoin + o.uploadConsent.afterSeconds } }
          : {}),
        ...(o.leave ? { leave: { viewer: o.leave.viewer, atSeconds: lastJoin + o.leave.afterSeconds } } : {}),
        ...(o.initScripts ? { initScripts: o.initScripts } : {}),
        ...(o.latencyTargets ? { latencyTargets: o.latencyTargets } : {}),
      },
      o.log,
      events,
    );
    const final = (await (await fetch(`${edgeUrl}/v1/streams/${o.stream}`)).json()) as StreamStatus;
    // The edge's own count of segment bytes it served, once its per-isolate counts have been flushed (every 2 s).
    let stats: StatsSnapshot | undefined;
    if (o.edgeCount) {
      await sleep(3000);
      stats = await fetch(`${edgeUrl}/v1/streams/${o.stream}/stats`)
        .then((r) => (r.ok ? (r.json() as Promise<StatsSnapshot>) : undefined))
        .catch(() => undefined);
    }
    const { log: _log, events: _events, initScripts: _initScripts, ...options } = o;
    return {
      options,
      targetDuration: final.targetDuration,
      viewers: run.viewers,
      samples: run.samples,
      edgeSegmentsCommitted: final.renditions.reduce((sum, r) => sum + r.segments, 0),
      ...(stats ? { edgeServedBytes: stats.edge.servedBytes } : {}),
    };
  } finally {
    if (publisher) await interruptCli(publisher);
    await edge?.stop();
  }
}

export function formatSwarm(result: { viewers: ViewerRecord[] }): string {
  const seconds = (ms: number | null | undefined) => (ms == null ? '—' : (ms / 1e3).toFixed(1));
  const shaped = result.viewers.some((v) => v.link);
  const rows = result.viewers.map((v) => {
    const total = v.httpBytes + v.p2pBytes;
    const offload = total ? ((100 * v.p2pBytes) / total).toFixed(0) : '0';
    const link = shaped
      ? ` ${(v.link?.profile ?? '').padEnd(8)} ${v.linkUse ? `${v.linkUse.peakUpMbps.toFixed(2)}/${v.link?.upMbps ?? '∞'}`.padStart(11) : '          —'} ${(v.firstFetcherSeconds ?? 0).toFixed(0).padStart(5)}`
      : '';
    // When it joined, when its P2P started and its first peer came (s after it asked to play), frames it dropped.
    const dropped = v.totalFrames ? `${((100 * (v.droppedFrames ?? 0)) / v.totalFrames).toFixed(1)}%` : '—';
    const when = ` ${v.joinedAtSeconds.toFixed(1).padStart(6)} ${seconds(v.timeline?.p2pStartedMs).padStart(5)} ${seconds(v.timeline?.firstPeerMs).padStart(5)} ${dropped.padStart(7)}`;
    return `${String(v.viewer).padStart(6)} ${(v.httpBytes / 1e3).toFixed(0).padStart(8)} ${(v.p2pBytes / 1e3).toFixed(0).padStart(8)} ${offload.padStart(7)}% ${String(v.p2pSegments).padStart(7)} ${String(v.stalls).padStart(6)} ${v.latencyP50?.toFixed(1).padStart(8) ?? '       —'} ${String(v.integrityFailures).padStart(8)}${when}${link}`;
  });
  const head = `viewer  HTTP kB   P2P kB  offload  P2P seg stalls latency rejected joined   p2p  peer dropped${shaped ? ' link     peak up/cap first-fetcher s' : ''}`;
  return [head, ...rows].join('\n');
}
