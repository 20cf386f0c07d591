/**
 * Live, end to end with every component real: `publish` runs ffmpeg on a test
 * pattern and pushes segments into wrangler dev; headless Chromium plays the
 * stream through hls.js; the edge is taken down mid-publish and brought back.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { policyDefaults } from '@edgeswarm/policy';
import { type MediaPlaylist, parsePlaylist, type StreamStatus, sha256Hex } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { freePort, repoRoot, startLocalEdge } from './local-edge';
import { probeSegment } from './media-check';
import { spawnOriginCli } from './run-cli';

const secret = 'e2e-live-secret-0123456789';
const targetDuration = 2;
/** The player's latency target, seconds: the policy's default in target durations (4.5 × 2 s). */
const latencyTarget = policyDefaults.latencyTargetDurations * targetDuration;

async function status(edgeUrl: string, stream: string): Promise<StreamStatus | undefined> {
  try {
    const response = await fetch(`${edgeUrl}/v1/streams/${stream}`);
    return response.ok ? ((await response.json()) as StreamStatus) : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function mediaPlaylist(url: string): Promise<MediaPlaylist> {
  const parsed = parsePlaylist(await (await fetch(url)).text());
  if (!parsed.ok || parsed.value.type !== 'media') throw new Error(`${url} did not parse`);
  return parsed.value;
}

describe('live end to end', () => {
  it('plays a live test pattern in Chromium within its latency target of live, without stalls', async () => {
    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-live-'));
    const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
    const publisher = spawnOriginCli(
      ['publish', '--stream', 'e2e-live', '--edge', edge.url, '--duration', '26', '--size', '320x180'],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    const browser = await launchChromium();
    try {
      await until('the first segments', async () => {
        const s = await status(edge.url, 'e2e-live');
        return s && s.renditions.length >= 3 && s.renditions.every((r) => r.lastMsn >= 1) ? s : undefined;
      });
      const page = await browser.newPage();
      await page.goto(`${edge.url}/watch/e2e-live?ice-servers=none`);
      await page.waitForFunction(() => (window.edgeswarm?.stats.latency.length ?? 0) >= 10, null, { timeout: 40_000 });
      const stats = await page.evaluate(() => window.edgeswarm.stats);
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts/live-watch.png') });
      const latency = stats.latency;
      console.log(
        `live latency (clock − program date-time), per second: ${latency.map((l) => l.toFixed(1)).join(' ')} s; stalls ${stats.stalls}`,
      );
      expect(stats.errors).toEqual([]);
      expect(stats.startedAt).not.toBeNull();
      expect(latency[0]).toBeLessThanOrEqual(latencyTarget);
      expect(Math.max(...latency)).toBeLessThanOrEqual(latencyTarget);
      expect(stats.stalls).toBe(0);
    } finally {
      await browser.close();
      publisher.child.kill('SIGINT');
      await publisher.done;
      await edge.stop();
    }
  });

  it('survives the edge going away mid-publish: every segment arrives once, in order, with its hash', async () => {
    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-fault-'));
    const persistDir = join(work, 'state');
    const port = await freePort();
    const vars = { PUBLISH_SECRET: secret };
    let edge = await startLocalEdge({ port, persistDir, vars });
    const publisher = spawnOriginCli(
      ['publish', '--stream', 'e2e-fault', '--edge', edge.url, '--duration', '24', '--size', '320x180'],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    try {
      await until('two committed segments', async () => {
        const s = await status(edge.url, 'e2e-fault');
        return s?.renditions.some((r) => r.lastMsn >= 1) ? s : undefined;
      });
      await edge.stop();
      await sleep(4 * targetDuration * 1000); // four segments' worth of outage
      expect(publisher.output().stderr).toMatch(/edge: .*retrying/);
      edge = await startLocalEdge({ port, persistDir, vars });
      const result = await publisher.done;
      expect(result.code, result.stderr).toBe(0);
      console.log(
        result.stderr
          .split('\n')
          .filter((l) => /queue [1-9]|ended:/.test(l))
          .slice(-3)
          .join('\n'),
      );

      const final = (await status(edge.url, 'e2e-fault')) as StreamStatus;
      expect(final.state).toBe('ended');
      for (const rendition of final.renditions) {
        const playlist = await mediaPlaylist(`${edge.url}/v1/streams/e2e-fault/${rendition.name}/live.m3u8`);
        expect(playlist.endList).toBe(true);
        expect(playlist.mediaSequence).toBe(0);
        // 24 s of media in 2 s segments: 12, give or take the last partial one.
        expect(playlist.segments.length).toBeGreaterThanOrEqual(11);
        expect(playlist.segments.length).toBe(rendition.segments);
        expect(playlist.segments.map((s) => s.uri)).toEqual(playlist.segments.map((_, msn) => `s0-${msn}.m4s`));
        const base = `${edge.url}/v1/streams/e2e-fault/${rendition.name}`;
        const streams = await probeSegment(`${base}/${playlist.map}`, `${base}/${playlist.segments[2]?.uri}`);
        expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
        for (const segment of playlist.segments) {
          const bytes = await (
            await fetch(`${edge.url}/v1/streams/e2e-fault/${rendition.name}/${segment.uri}`)
          ).arrayBuffer();
          expect(segment.sha256).toBe(await sha256Hex(bytes));
        }
      }
    } finally {
      publisher.child.kill('SIGINT');
      await publisher.done;
      await edge.stop();
    }
  });
});
