/**
 * The watch page of a live stream in Chromium, every component real (ffmpeg, publish, wrangler dev, hls.js): a
 * publisher streams, stops, and starts again (a new session after a discontinuity); a viewer who joins just after
 * the restart plays only the new session's segments, sees the LIVE badge and the latency in the top corners, can
 * fall behind and go back to live, and the page logs no 404 (the favicon). Leaves test-artifacts/watch-live.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamStatus } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { repoRoot, startLocalEdge } from './local-edge';
import { spawnOriginCli } from './run-cli';

const secret = 'e2e-watch-secret-0123456789';
const stream = 'e2e-watch';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function status(edgeUrl: string): Promise<StreamStatus | undefined> {
  const response = await fetch(`${edgeUrl}/v1/streams/${stream}`);
  return response.ok ? ((await response.json()) as StreamStatus) : undefined;
}

describe('the watch page of a live stream', () => {
  it('starts a new viewer in the current session after a restart, with the LIVE badge and the latency shown', async () => {
    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-watch-'));
    const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
    const publish = (duration: string, queue: string) =>
      spawnOriginCli(['publish', '--stream', stream, '--edge', edge.url, '--duration', duration, '--size', '320x180'], {
        PUBLISH_SECRET: secret,
        EDGESWARM_QUEUE_DIR: join(work, queue),
      });
    const first = publish('8', 'queue-1');
    let second: ReturnType<typeof publish> | undefined;
    const browser = await launchChromium();
    try {
      // Session 0: four segments, then the publisher ends the stream.
      const ended = await first.done;
      expect(ended.code, ended.stderr).toBe(0);
      const before = (await status(edge.url)) as StreamStatus;
      expect(before.state).toBe('ended');
      const lastOld = Math.min(...before.renditions.map((r) => r.lastMsn));
      expect(lastOld).toBeGreaterThanOrEqual(2);

      // Session 1: a viewer joins as soon as every rendition has the restart's first segment, when a player
      // starting its usual distance behind the end would land in session 0.
      second = publish('40', 'queue-2');
      await until('the new session’s first segment', async () => {
        const s = await status(edge.url);
        return s?.state === 'live' && s.renditions.every((r) => r.lastMsn > lastOld) ? s : undefined;
      });
      const page = await browser.newPage({ viewport: { width: 960, height: 720 } });
      const segments: string[] = [];
      const missing: string[] = [];
      page.on('response', (response) => {
        if (/\.m4s(\?|$)/.test(response.url())) segments.push(new URL(response.url()).pathname);
        if (response.status() === 404) missing.push(response.url());
      });
      await page.goto(`${edge.url}/watch/${stream}?ice-servers=none`);
      await page.waitForFunction(() => (window.edgeswarm?.stats.latency.length ?? 0) >= 4, null, { timeout: 30_000 });

      const badge = page.locator('hybrid-player .live');
      const latency = page.locator('hybrid-player .latency');
      await until('the badge at live', async () =>
        (await badge.getAttribute('class'))?.includes('at-live') ? true : undefined,
      );
      await page.hover('hybrid-player video'); // the native controls show: the corners must cover none of them
      await sleep(300);
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts/watch-live.png') });

      expect(await badge.isVisible()).toBe(true);
      expect(await badge.textContent()).toBe('LIVE');
      expect(await latency.isVisible()).toBe(true);
      const latencyText = (await latency.textContent()) ?? '';
      expect(latencyText).toMatch(/^latency \d+\.\d s$/);
      const player = await page.locator('hybrid-player').boundingBox();
      for (const corner of [await badge.boundingBox(), await latency.boundingBox()]) {
        // In the top 40 px of the player, far from the controls along its bottom.
        expect(corner && player && corner.y + corner.height - player.y).toBeLessThanOrEqual(40);
      }

      const stats = await page.evaluate(() => window.edgeswarm.stats);
      console.log(
        `restart: session 0 ended at msn ${lastOld}; the new viewer fetched ${segments.join(' ')}; ${latencyText}; latency per second ${stats.latency.map((l) => l.toFixed(1)).join(' ')} s`,
      );
      expect(segments.length).toBeGreaterThan(0);
      // Every segment the viewer fetched, the first one played included, is from the new session.
      expect(segments.filter((path) => !/\/s1-\d+\.m4s$/.test(path))).toEqual([]);
      expect(Math.max(...stats.latency)).toBeLessThan(15);
      expect(stats.errors).toEqual([]);
      expect(missing).toEqual([]);

      // Paused, it is behind live; the badge takes it back.
      await page.evaluate(() => document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video')?.pause());
      await until('the badge offering "go to live"', async () =>
        (await badge.getAttribute('class'))?.includes('at-live') ? undefined : true,
      );
      expect(await badge.getAttribute('title')).toMatch(/^Go to live/);
      await badge.click();
      await until('playing at live again', async () =>
        (await badge.getAttribute('class'))?.includes('at-live') &&
        !(await page.evaluate(
          () => document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video')?.paused,
        ))
          ? true
          : undefined,
      );

      // The watch page names its oEmbed, and it answers.
      const discovery = await page.locator('link[type="application/json+oembed"]').getAttribute('href');
      const oembed = (await (await fetch(discovery ?? '')).json()) as { type: string; html: string };
      expect(oembed.type).toBe('video');
      expect(oembed.html).toContain(`src="${edge.url}/embed/${stream}"`);
    } finally {
      await browser.close();
      second?.child.kill('SIGINT');
      await second?.done;
      first.child.kill('SIGINT');
      await edge.stop();
    }
  });
});
