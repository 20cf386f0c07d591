/**
 * Signed playback in a real browser: a live test pattern on a protected stream
 * plays in Chromium on the edge's own watch page with a token in the
 * edgeswarm_token cookie (playlists, segments, tracker socket and beacons all
 * carry it), and does not play without one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintPlaybackToken, type StreamStatus } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { startLocalEdge } from './local-edge';
import { spawnOriginCli } from './run-cli';

const secret = 'e2e-signed-playback-secret-0123';
const playbackKey = { id: 'k1', secret: 'e2e-signed-playback-key-0123' };
const stream = 'e2e-signed';

describe('signed playback in Chromium', () => {
  it('a protected live stream plays with a token in the cookie, and is refused without one', async () => {
    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-signed-'));
    const edge = await startLocalEdge({
      persistDir: join(work, 'state'),
      vars: { PUBLISH_SECRET: secret, PLAYBACK_KEYS: `${playbackKey.id}:${playbackKey.secret}` },
    });
    const protect = await fetch(`${edge.url}/v1/streams/${stream}/access`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${secret}` },
      body: JSON.stringify({ signed: true }),
    });
    expect(protect.status).toBe(200);
    const publisher = spawnOriginCli(
      ['publish', '--stream', stream, '--edge', edge.url, '--duration', '30', '--size', '320x180'],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    const browser = await launchChromium();
    try {
      for (let waited = 0; ; waited += 250) {
        const status = await fetch(`${edge.url}/v1/streams/${stream}`).then((r) => (r.ok ? r.json() : undefined));
        const renditions = (status as StreamStatus | undefined)?.renditions ?? [];
        if (renditions.length > 0 && renditions.every((r) => r.lastMsn >= 1)) break;
        if (waited > 60_000) throw new Error('no segments published');
        await sleep(250);
      }
      expect((await fetch(`${edge.url}/v1/streams/${stream}/master.m3u8`)).status).toBe(401);

      const watch = `${edge.url}/watch/${stream}?ice-servers=none`;
      const refused = await (await browser.newContext()).newPage();
      await refused.goto(watch);

      const token = await mintPlaybackToken(
        { stream, expiresAt: Math.floor(Date.now() / 1000) + 600, viewer: 'e2e-viewer' },
        playbackKey,
      );
      const allowed = await browser.newContext();
      await allowed.addCookies([{ name: 'edgeswarm_token', value: token, url: edge.url }]);
      const page = await allowed.newPage();
      await page.goto(watch);
      await page.waitForFunction(() => (window.edgeswarm?.stats.latency.length ?? 0) >= 3, null, { timeout: 40_000 });
      const stats = await page.evaluate(() => window.edgeswarm.stats);
      expect(stats.errors).toEqual([]);
      expect(stats.startedAt).not.toBeNull();

      const without = await refused.evaluate(() => window.edgeswarm?.stats ?? null);
      expect(without?.startedAt ?? null).toBeNull();
      expect(without?.errors.join(' ')).toMatch(/manifestLoadError/);
    } finally {
      await browser.close();
      publisher.child.kill('SIGINT');
      await publisher.done;
      await edge.stop();
    }
  });
});
