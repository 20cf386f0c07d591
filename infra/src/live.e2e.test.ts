/**
 * Live, end to end with every component real: `publish` runs ffmpeg on a test
 * pattern and pushes segments into wrangler dev; headless Chromium plays the
 * stream through hls.js.
 *
 * The edge going away mid-publish is `npm run drills -- --quick` (drills.e2e.test.ts): edge-outage (unreachable,
 * the publisher queueing and retrying) and workerd-restart (the edge's processes stopped and started again on their
 * state); their stream check wants every segment once, in order, with its hash, and ENDLIST in every rendition's
 * playlist once the stream has ended.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { policyDefaults } from '@edgeswarm/policy';
import type { StreamStatus } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { repoRoot, startLocalEdge } from './local-edge';
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
});
