/**
 * Real viewers behind real links: four headless Chromium viewers, each in a
 * network namespace of its own behind a veth pair shaped with tbf (one on a
 * 1 Mbit/s uplink, three on 10 Mbit/s), on a live test pattern (320x180, 2 s
 * segments) from our edge, for about a minute. The slow viewer joins first,
 * so tenure alone would make it the swarm's first fetcher.
 *
 * Checks that every viewer plays without a stall, and that the shaping held:
 * what crossed each viewer's link (its veth counters, read every second) never
 * exceeded its cap by more than 10% over any 3 s. Each viewer's first-fetcher
 * verdict, sampled every second, is in the result
 * (test-artifacts/shaped-swarm.json). Also checks that every viewer hears the
 * tracker's count of its swarm from its first announce reply, that a viewer
 * joining the playing swarm does not take its first segment after P2P's start
 * from the edge at once, and that the last to join makes no offers once
 * connected to every other member.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyDefaults } from '@edgeswarm/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import { trackerDefaults } from '../../edge/src/tracker/limits';
import { runInNamespace } from './cohort/in-namespace';
import { firstFetcherTimeline } from './cohort/records';
import { madeAfterHolding } from './cohort/transport-count';
import { linkShaping } from './cohort/viewer-links';
import type { ViewerLink } from './link-profiles';
import { repoRoot } from './local-edge';
import { formatSwarm, type SwarmResult } from './swarm';

const slow: ViewerLink = { profile: 'slow-up', downMbps: 20, upMbps: 1 };
const fast: ViewerLink = { profile: 'fast-up', downMbps: 50, upMbps: 10 };
/** The policy's first epoch: after it, first fetchers are chosen by what their uplink can feed. */
const firstEpochSeconds = 30;

describe('viewers behind shaped links', () => {
  let result: SwarmResult;

  beforeAll(async () => {
    result = await runInNamespace(
      {
        task: 'swarm',
        options: {
          viewers: 4,
          staggerSeconds: 3,
          // The last viewer joins at 9 s: about a minute in all.
          seconds: 51,
          stream: 'shaped',
          links: [slow, fast, fast, fast],
          sampleSeconds: 1,
        },
      },
      { timeoutMs: 220_000 },
    );
    console.log(formatSwarm(result));
    const timelines = result.viewers.map((v) => ({
      viewer: v.viewer,
      link: v.link,
      linkUse: v.linkUse,
      firstFetcher: firstFetcherTimeline(result.samples, v.viewer),
    }));
    for (const t of timelines) {
      console.log(
        `viewer ${t.viewer} (${t.link?.profile}): measured up ${t.linkUse?.upMbps.toFixed(2)} Mbit/s mean, ${t.linkUse?.peakUpMbps.toFixed(2)} peak (cap ${t.link?.upMbps}); down ${t.linkUse?.downMbps.toFixed(2)} mean, ${t.linkUse?.peakDownMbps.toFixed(2)} peak (cap ${t.link?.downMbps}); first fetcher ${t.firstFetcher.map(([, yes]) => (yes ? '*' : '.')).join('')}`,
      );
    }
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'test-artifacts/shaped-swarm.json'),
      `${JSON.stringify({ viewers: result.viewers, firstFetcher: timelines, samples: result.samples }, null, 2)}\n`,
    );
  }, 240_000);

  // Read in every run, not only with --profile: what P2P costs a renderer can be placed by thread without the profiler.
  it("reads each viewer's renderer threads at the end, WebRTC's network thread among them", () => {
    for (const viewer of result.viewers) {
      const threads = viewer.cpu?.rendererThreads ?? {};
      const webrtc = Object.entries(threads).filter(([kind]) => kind.startsWith('WebRTC'));
      expect(webrtc.length, `viewer ${viewer.viewer} WebRTC threads: ${JSON.stringify(threads)}`).toBeGreaterThan(0);
      const all = Object.values(threads).reduce((a, b) => a + b, 0);
      expect(all, `viewer ${viewer.viewer} renderer threads`).toBeGreaterThan(0);
      expect(all, `viewer ${viewer.viewer} threads within the renderer's own count`).toBeLessThanOrEqual(
        (viewer.cpu?.rendererSeconds ?? 0) + 0.5,
      );
    }
  });

  // Counted in the page by the harness: what bench:transport prices (connections held, messages, bytes).
  it("counts each viewer's connections, time held and data-channel messages, and they agree with its P2P bytes", () => {
    for (const viewer of result.viewers) {
      const t = viewer.transport;
      expect(t, `viewer ${viewer.viewer} transport count`).toBeDefined();
      if (!t) continue;
      expect(t.connected, `viewer ${viewer.viewer} connected`).toBeGreaterThan(0);
      expect(t.connections).toBeGreaterThanOrEqual(t.connected);
      // Connected for some of its watch, to at most its 3 peers.
      expect(t.connectionSeconds).toBeGreaterThan(0);
      expect(t.connectionSeconds).toBeLessThanOrEqual(3 * viewer.watchedSeconds + 1);
      // Every connected viewer hears segment announcements; whoever took segments from peers got chunks for them.
      expect(t.received.announcement ?? 0, `viewer ${viewer.viewer} announcements heard`).toBeGreaterThan(0);
      if (viewer.p2pBytes > 0) {
        expect(t.received.chunk ?? 0, `viewer ${viewer.viewer} chunks`).toBeGreaterThan(0);
        expect(t.bytesReceived, `viewer ${viewer.viewer} bytes over data channels`).toBeGreaterThanOrEqual(
          viewer.p2pBytes,
        );
      }
    }
  });

  // Our tracker's replies say it forwards no offers here (one sub-shard), so a viewer connected to the 3 others offers
  // none (policy/src/offers.ts). The last to join (at 9 s, watching 51 s: a second announce 30 s after its first) once
  // it first held 3 connections at once makes none at its second announce; it made 5 there when a small swarm kept 5
  // offers at every announce. Timed in the page, so a slow first connection (not yet connected to all at the second
  // announce, so offering again, as it should) is not read as offers made while connected to all. Two allow for others'
  // offers it answers, and for a second connection to one peer counted among the 3.
  it('the last viewer to join makes no offers once connected to every other member', () => {
    const last = result.viewers.at(-1);
    const transport = last?.transport;
    expect(last?.watchedSeconds).toBeGreaterThanOrEqual(45);
    expect(transport, 'its transport count').toBeDefined();
    if (!transport) return;
    const after = madeAfterHolding(transport, 3);
    const seen = `made at ${JSON.stringify(transport.madeAtMs?.map(Math.round))}, held 1, 2, 3… at once from ${JSON.stringify(transport.heldAtOnceMs?.map(Math.round))} ms`;
    expect(after, `it held 3 connections at once (${seen})`).not.toBeNull();
    expect(after, `connections made after it held 3 (${seen})`).toBeLessThanOrEqual(2);
  });

  it('every viewer plays, and none stalls', () => {
    expect(result.viewers).toHaveLength(4);
    for (const viewer of result.viewers) {
      expect(viewer.errors, `viewer ${viewer.viewer}`).toEqual([]);
      expect(viewer.startupMs, `viewer ${viewer.viewer} started`).not.toBeNull();
      expect(viewer.stalls, `viewer ${viewer.viewer} stalls`).toBe(0);
      expect(viewer.httpBytes + viewer.p2pBytes, `viewer ${viewer.viewer} bytes`).toBeGreaterThan(0);
    }
  });

  it('every page is a secure context, as an https page is: the integrity check has Web Crypto', () => {
    for (const viewer of result.viewers) expect(viewer.secureContext, `viewer ${viewer.viewer}`).toBe(true);
  });

  it('the shaping held: no viewer sent or received more than its cap + 10% over any 3 s', () => {
    for (const viewer of result.viewers) {
      const { link, linkUse } = viewer;
      expect(link, `viewer ${viewer.viewer} link`).not.toBeNull();
      expect(linkUse, `viewer ${viewer.viewer} measured`).not.toBeNull();
      if (!link || !linkUse || link.upMbps === null || link.downMbps === null) continue;
      expect(linkUse.windowSeconds).toBe(linkShaping.verifyWindowSeconds);
      expect(linkUse.peakUpMbps, `viewer ${viewer.viewer} peak upload`).toBeLessThanOrEqual(1.1 * link.upMbps);
      expect(linkUse.peakDownMbps, `viewer ${viewer.viewer} peak download`).toBeLessThanOrEqual(1.1 * link.downMbps);
      expect(linkUse.upWithinCap).toBe(true);
      // The counters are the link's own: what the viewer received crossed it (plus a little overhead).
      expect(linkUse.downBytes, `viewer ${viewer.viewer} link vs player`).toBeGreaterThanOrEqual(
        0.9 * (viewer.httpBytes + viewer.p2pBytes),
      );
    }
    // The samples carry the counters, every second, for every viewer after it joined.
    const last = result.samples.at(-1);
    expect(last?.links?.every((c) => c !== null)).toBe(true);
  });

  // The shim steers each tracker client as p2p-media-loader builds it (steerOffersAsLoadersAppear), in time for the
  // count in the first announce reply; steered at the first peer's connect instead, it heard the second reply, an
  // announce interval (30 s) after P2P started, and led by its connections alone until then.
  it("every viewer knows its swarm's size from its first announce reply, well before its second", () => {
    for (const viewer of result.viewers) {
      const started = viewer.timeline?.p2pStartedMs;
      const counted = viewer.timeline?.swarmCountedMs;
      expect(started, `viewer ${viewer.viewer} started P2P`).toEqual(expect.any(Number));
      expect(counted, `viewer ${viewer.viewer} heard the swarm's count`).toEqual(expect.any(Number));
      expect(
        Number(counted) - Number(started),
        `viewer ${viewer.viewer}: ms from P2P's start to the count`,
      ).toBeLessThan((trackerDefaults.intervalSeconds * 1000) / 2);
    }
  });

  // p2p-media-loader builds its stream loader at the first segment hls.js asks it for, positioned at that segment: for
  // an engine attached to a playing hls.js, the newest one, a live window ahead of the playhead. Its next playback
  // update read as a seek and fetched that segment from the edge at once, while the tracker connection opened for it
  // was still finding peers: each of the 3 viewers that joined a playing swarm in a scratch N = 4 compare run before the
  // fix had that segment from the edge 0.1-0.2 s before its first peer connected. Started at the playhead
  // (startLoadersAtPlayhead), the segment waits for peers up to the deadline margin like every later one: it comes
  // from a peer, or from the edge once the margin is reached, seconds after the first peer connected. A viewer whose
  // first connection is slow leads itself once it is no longer a newcomer (policy newcomerSeconds after P2P's start,
  // policy/src/roles.ts), and a leader fetches from the edge at once: so an edge fetch before the first peer is right
  // from then on. One CI run saw that: a first peer 7.6 s after P2P's start, the edge fetch at 5.5 s.
  it('a viewer joining a playing swarm does not fetch its first segment after P2P starts from the edge at once: not before its first peer, unless the newcomer period (after which a viewer still alone leads itself) has passed', () => {
    const newcomerMs = policyDefaults.newcomerSeconds * 1000;
    for (const viewer of result.viewers.slice(1)) {
      const segments = viewer.timeline?.segments ?? [];
      const first = segments.find((s) => s.from !== 'hls.js');
      const firstPeerMs = viewer.timeline?.firstPeerMs;
      const startedMs = viewer.timeline?.p2pStartedMs;
      const seen = `${JSON.stringify(segments)}, P2P started at ${startedMs} ms, first peer at ${firstPeerMs} ms`;
      expect(first, `viewer ${viewer.viewer}: a segment through p2p-media-loader (${seen})`).toBeDefined();
      expect(firstPeerMs, `viewer ${viewer.viewer}: a peer`).toEqual(expect.any(Number));
      expect(startedMs, `viewer ${viewer.viewer}: P2P started`).toEqual(expect.any(Number));
      if (first?.from === 'edge' && first.atMs <= Number(firstPeerMs)) {
        expect(
          first.atMs - Number(startedMs),
          `viewer ${viewer.viewer}: an edge fetch before its first peer came once it led itself (${seen})`,
        ).toBeGreaterThanOrEqual(newcomerMs);
      }
    }
  });

  // The slow viewer learns its uplink from the probe as P2P starts (about 1 Mbit/s against the ~1.2 Mbit/s that feeding
  // three peers 68 kB segments with headroom needs), declines the role and goes quiet, and the others rank without it.
  it('the slow viewer is never a first fetcher after the first epoch (30 s, plus the 6 s it takes to stand down)', () => {
    const settled = firstEpochSeconds + policyDefaults.activePeerTargetDurations * 2;
    const late = firstFetcherTimeline(result.samples, 0).filter(([t]) => t > settled);
    expect(late.length, 'samples of the slow viewer after the first epoch').toBeGreaterThan(15);
    expect(
      late.filter(([, yes]) => yes).map(([t]) => Math.round(t)),
      'seconds at which the slow viewer was a first fetcher',
    ).toEqual([]);
    // Someone still leads: a faster viewer fetches each new segment first.
    const others = [1, 2, 3].flatMap((v) =>
      firstFetcherTimeline(result.samples, v).filter(([t, yes]) => t > settled && yes),
    );
    expect(others.length, 'first-fetcher samples of the fast viewers after the first epoch').toBeGreaterThan(0);
  });
});
