/**
 * LL-HLS end to end with the real publisher, ffmpeg and wrangler dev: `publish` (parts are its default) sends each
 * fragment as a part while it encodes; the edge lists the parts, holds a blocking reload and a request
 * for the hinted part until they exist, and every whole segment is byte for byte its parts, and decodes;
 * Chromium plays it with latency-target=low (hls.js low-latency mode, loading parts) without a stall once playing,
 * and at the live edge loads no P2P (p2p.e2e.test.ts has a low-latency viewer behind live take segments from peers).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MediaPlaylist, parsePlaylist, type StreamStatus } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { startLocalEdge } from './local-edge';
import { probeSegment } from './media-check';
import { spawnOriginCli } from './run-cli';

const secret = 'e2e-ll-secret-0123456789';
const stream = 'e2e-ll';

async function mediaPlaylist(url: string): Promise<MediaPlaylist | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
  if (!response?.ok) return undefined;
  const parsed = parsePlaylist(await response.text());
  return parsed.ok && parsed.value.type === 'media' ? parsed.value : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const bytesOf = async (url: string) =>
  new Uint8Array(await (await fetch(url, { signal: AbortSignal.timeout(15_000) })).arrayBuffer());

describe('LL-HLS end to end', () => {
  it('publishes parts that the edge lists, holds and serves, segments that are exactly their parts, and Chromium plays them in LL mode without a stall once playing', async () => {
    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-ll-'));
    const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
    const publisher = spawnOriginCli(
      ['publish', '--stream', stream, '--edge', edge.url, '--duration', '40', '--size', '320x180'],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    const base = `${edge.url}/v1/streams/${stream}/v0/`;
    try {
      // A complete segment with its parts listed, and the segment after it under way.
      const playlist = await until('a playlist with parts', async () => {
        const p = await mediaPlaylist(`${base}live.m3u8`);
        return p?.partTarget !== undefined && p.segments.some((s) => s.parts) && p.openSegment ? p : undefined;
      });
      expect(playlist.serverControl).toMatchObject({ canBlockReload: true, canSkipUntil: 12, holdBack: 6 });
      expect(playlist.partTarget).toBe(0.534); // 0.5 s fragments at 30 fps, and a frame of margin
      expect(playlist.preloadHints?.[0]?.type).toBe('PART');

      // Blocking reload for the next part, and the hinted part itself: both held until it exists.
      const open = playlist.mediaSequence + playlist.segments.length;
      const nextPart = playlist.openSegment?.parts.length ?? 0;
      const hinted = playlist.preloadHints?.[0]?.uri ?? '';
      const [reloaded, hintedPart] = await Promise.all([
        fetch(`${base}live.m3u8?_HLS_msn=${open}&_HLS_part=${nextPart}`, { signal: AbortSignal.timeout(15_000) }),
        fetch(`${base}${hinted}`, { signal: AbortSignal.timeout(15_000) }),
      ]);
      expect(reloaded.status).toBe(200);
      const after = parsePlaylist(await reloaded.text());
      if (!after.ok || after.value.type !== 'media') throw new Error('the blocking reload did not parse');
      const allParts = [
        ...after.value.segments.flatMap((s) => s.parts ?? []),
        ...(after.value.openSegment?.parts ?? []),
      ];
      expect(allParts.map((p) => p.uri)).toContain(`s0-${open}.p${nextPart}.m4s`);
      expect(hintedPart.status).toBe(200);
      expect((await hintedPart.arrayBuffer()).byteLength).toBeGreaterThan(0);

      // A whole segment is its parts, concatenated; its first part starts with a key frame; it decodes.
      const complete = playlist.segments.find((s) => (s.parts?.length ?? 0) >= 2);
      if (!complete?.parts) throw new Error('no complete segment with parts');
      expect(complete.parts[0]?.independent).toBe(true);
      expect(complete.parts.slice(1).every((p) => !p.independent)).toBe(true);
      const parts = await Promise.all(complete.parts.map((p) => bytesOf(`${base}${p.uri}`)));
      const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
      let at = 0;
      for (const p of parts) {
        joined.set(p, at);
        at += p.byteLength;
      }
      expect(await bytesOf(`${base}${complete.uri}`)).toEqual(joined);
      const probed = await probeSegment(`${base}${playlist.map}`, `${base}${complete.uri}`);
      expect(probed.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);

      // Chromium in low-latency mode: it plays, without a stall, and what it loads near the end is parts.
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${edge.url}/watch/${stream}?ice-servers=none&latency-target=low`);
        // Steady playback is judged from the first latency sample (a second after it started playing) on: a CI run
        // once saw one stall in the start-up second at 2.6 s behind live, then 8 s at a constant latency. That start-up
        // stall is printed, not asserted; #12 keeps it open.
        await page.waitForFunction(() => (window.edgeswarm?.stats.latency.length ?? 0) >= 1, null, { timeout: 40_000 });
        const atFirstSample = await page.evaluate(() => window.edgeswarm.stats.stalls);
        await page.waitForFunction(() => (window.edgeswarm?.stats.latency.length ?? 0) >= 9, null, { timeout: 40_000 });
        const stats = await page.evaluate(() => window.edgeswarm.stats);
        console.log(
          `LL-HLS latency (clock − program date-time), per second: ${stats.latency.map((l) => l.toFixed(2)).join(' ')} s; stalls ${stats.stalls} (${atFirstSample} in the start-up second), ${stats.stalledMs.toFixed(0)} ms stalled`,
        );
        expect(stats.errors).toEqual([]);
        expect(stats.stalls - atFirstSample, 'stalls once playing').toBe(0);
        const status = (await (await fetch(`${edge.url}/v1/streams/${stream}`)).json()) as StreamStatus & {
          coordinator: { partRequests: number };
        };
        expect(status.coordinator.partRequests).toBeGreaterThan(0);
        // At the live edge there is no slack for a peer: no P2P script, no byte from a peer (the policy's lowLatencyP2P).
        const p2p = await page.evaluate(() => ({
          bytes: window.edgeswarm.player?.snapshot().counters.p2pBytes,
          scripts: performance.getEntriesByType('resource').filter((e) => e.name.includes('hybrid-p2p')).length,
        }));
        expect(p2p).toEqual({ bytes: 0, scripts: 0 });
      } finally {
        await browser.close();
      }

      const result = await publisher.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('refused');
      const ended = await mediaPlaylist(`${base}live.m3u8`);
      expect(ended?.endList).toBe(true);
      expect(ended?.partTarget).toBeUndefined();
      expect(ended?.segments.reduce((sum, s) => sum + s.duration, 0)).toBeGreaterThanOrEqual(38);
    } finally {
      publisher.child.kill('SIGINT');
      await publisher.done;
      await edge.stop();
    }
  });
});
