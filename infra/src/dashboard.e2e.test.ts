/**
 * The stats pipeline and the dashboard end to end, every component real:
 * `publish` pushes a live test pattern into wrangler dev, two headless Chromium
 * viewers play it (so the edge serves and counts real segment bytes), and the
 * dashboard, open in a third page, draws it. Leaves test-artifacts/dashboard.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Beacon, type StatsSnapshot, type StreamStatus, zeroCounters } from '@edgeswarm/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { repoRoot, startLocalEdge } from './local-edge';
import { spawnOriginCli } from './run-cli';

const secret = 'e2e-dashboard-secret-0123456789';
const stream = 'e2e-dash';

/** What the dashboard page exposes; uPlot instances reduced to what the test reads. */
interface DashboardGlobal {
  charts: Record<string, { data: (number | null)[][]; series: { stroke?: unknown }[] } | undefined>;
  lastStats: StatsSnapshot | null;
  polls: number;
  errors: string[];
}

async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

async function fetchJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url);
  return response.ok ? ((await response.json()) as T) : undefined;
}

/**
 * A viewer page and the beacons it would send. The watch page's hybrid player
 * runs here with P2P and its own beacons off (no WebRTC may leave the machine,
 * and its CDN mode does not count HTTP bytes yet), so this stands in until the
 * hybrid player's beacons are used here: the same schema and cadence, with the
 * media-segment bytes the page really fetched (from its responses) and the
 * playback figures the page itself measured (window.edgeswarm.stats).
 */
class StandInViewer {
  readonly viewer: string;
  private fetchedBytes = 0;
  private fetchedSegments = 0;
  private sent = { bytes: 0, segments: 0, stalls: 0, stallMs: 0 };
  private seq = 0;
  private last = Date.now();
  private startupSent = false;

  constructor(
    readonly page: Page,
    index: number,
    private readonly edgeUrl: string,
  ) {
    this.viewer = `e2e-viewer-${index}-${Date.now().toString(36)}`;
    page.on('response', (response) => {
      if (!/\.m4s(\?|$)/.test(response.url())) return;
      if (response.status() !== 200 && response.status() !== 206) return;
      this.fetchedBytes += Number(response.headers()['content-length'] ?? 0);
      this.fetchedSegments++;
    });
  }

  /** Sends the beacon for everything since the previous one; resolves to the edge's status code. */
  async beacon(final = false): Promise<number> {
    const playback = await this.page.evaluate(() => {
      const stats = window.edgeswarm?.stats;
      const video = document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video');
      let buffer = 0;
      if (video) {
        for (let i = 0; i < video.buffered.length; i++) {
          if (video.buffered.start(i) <= video.currentTime + 0.1) buffer = video.buffered.end(i) - video.currentTime;
        }
      }
      return stats
        ? {
            startupMs: stats.startedAt === null ? null : stats.startedAt - stats.requestedAt,
            stalls: stats.stalls,
            stallMs: stats.stalledMs,
            latency: stats.latency.at(-1) ?? null,
            buffer: Math.max(0, buffer),
          }
        : null;
    });
    const now = Date.now();
    const intervalMs = now - this.last;
    const beacon: Beacon = {
      v: 1,
      stream,
      viewer: this.viewer,
      seq: this.seq++,
      mode: 'cdn',
      intervalMs,
      ...zeroCounters(),
      httpBytes: this.fetchedBytes - this.sent.bytes,
      httpSegments: this.fetchedSegments - this.sent.segments,
      stalls: Math.max(0, (playback?.stalls ?? 0) - this.sent.stalls),
      stallMs: Math.min(intervalMs, Math.max(0, Math.round((playback?.stallMs ?? 0) - this.sent.stallMs))),
      peers: 0,
      bufferSeconds: Math.round((playback?.buffer ?? 0) * 100) / 100,
      region: 'loopback',
    };
    if (playback?.latency !== null && playback?.latency !== undefined && playback.latency >= 0) {
      beacon.latencySeconds = Math.round(playback.latency * 100) / 100;
    }
    if (!this.startupSent && playback?.startupMs !== null && playback?.startupMs !== undefined) {
      beacon.startupMs = Math.round(playback.startupMs);
      this.startupSent = true;
    }
    if (final) beacon.final = true;
    this.sent = {
      bytes: this.fetchedBytes,
      segments: this.fetchedSegments,
      stalls: playback?.stalls ?? this.sent.stalls,
      stallMs: playback?.stallMs ?? this.sent.stallMs,
    };
    this.last = now;
    // sendBeacon's way: a text/plain body, no custom headers.
    const response = await fetch(`${this.edgeUrl}/v1/streams/${stream}/beacons`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(beacon),
    });
    return response.status;
  }

  get bytes(): number {
    return this.fetchedBytes;
  }
}

describe('dashboard end to end', () => {
  it('charts a short live run with real viewers, the edge’s own byte count beside theirs', async () => {
    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-dash-'));
    const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
    const publisher = spawnOriginCli(
      ['publish', '--stream', stream, '--edge', edge.url, '--duration', '24', '--size', '320x180'],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    const browser = await launchChromium();
    let beaconing = true;
    try {
      await until('the first segments', async () => {
        const s = await fetchJson<StreamStatus>(`${edge.url}/v1/streams/${stream}`);
        return s && s.renditions.length > 0 && s.renditions.every((r) => r.lastMsn >= 1) ? s : undefined;
      });
      const viewers = await Promise.all(
        [1, 2].map(async (index) => {
          const page = await browser.newPage({ viewport: { width: 640, height: 400 } });
          const viewer = new StandInViewer(page, index, edge.url);
          await page.goto(`${edge.url}/watch/${stream}?p2p=off&beacon=off`);
          return viewer;
        }),
      );
      const statuses: number[] = [];
      // Every 2 s, like a player (whose default is 5 s; 2 s gives a 24 s run more points).
      const beaconLoop = (async () => {
        while (beaconing) {
          await sleep(2000);
          if (beaconing) statuses.push(...(await Promise.all(viewers.map((v) => v.beacon()))));
        }
      })();

      const dashboard = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      await dashboard.goto(`${edge.url}/dashboard/${stream}`);

      // The stream ends by itself after 24 s; the viewers play to its end. A viewer that starts late
      // under load still fetches live for more than one 10 s bucket, so every series is a line, not a dot.
      const published = await publisher.done;
      expect(published.code, published.stderr).toBe(0);
      for (const { page } of viewers) {
        await page.waitForFunction(() => window.edgeswarm?.stats?.ended, null, { timeout: 60_000 });
      }
      // p2p=off never loads the P2P stack (hybrid-p2p.js follows the first frame only where P2P may run).
      for (const { page } of viewers) {
        const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
        expect(loaded.some((name) => name.endsWith('/player/hybrid-player.js'))).toBe(true);
        expect(loaded.filter((name) => name.includes('hybrid-p2p'))).toEqual([]);
      }
      beaconing = false;
      await beaconLoop;
      statuses.push(...(await Promise.all(viewers.map((v) => v.beacon(true)))));
      expect(statuses.length).toBeGreaterThan(0);
      expect(
        statuses.filter((s) => s !== 204),
        'beacons the edge did not take (status codes)',
      ).toEqual([]);
      const fetched = viewers.reduce((sum, v) => sum + v.bytes, 0);
      expect(fetched).toBeGreaterThan(0);

      // The edge's batches arrive a couple of seconds after the bytes went out.
      let edgeCount = 'nothing yet';
      const settled = await until(
        () => `the edge count to reach what the pages fetched (${fetched} B; the edge: ${edgeCount})`,
        async () => {
          const s = await fetchJson<StatsSnapshot>(`${edge.url}/v1/streams/${stream}/stats`);
          if (s) edgeCount = `served ${s.edge.servedBytes} B in ${s.edge.servedRequests} requests`;
          return s && s.edge.servedBytes >= fetched ? s : undefined;
        },
      );
      console.log(
        `pages fetched ${fetched} B; edge served ${settled.edge.servedBytes} B in ${settled.edge.servedRequests} requests; ` +
          `viewers reported ${settled.edge.reportedHttpBytes} B (${settled.edge.differencePercent}%); ` +
          `${settled.totals.beacons} beacons, start-up p50 ${settled.totals.startupP50Ms} ms, ` +
          `latency p50 ${settled.totals.latencyP50Seconds} s`,
      );
      expect(settled.edge.servedBytes).toBe(fetched);
      expect(settled.edge.reportedHttpBytes).toBe(fetched);
      expect(settled.edge.agrees).toBe(true);
      expect(settled.totals.beacons).toBe(statuses.length);
      expect(settled.totals.startups).toBe(2);
      expect(settled.rejections.total).toBe(0);

      // The dashboard has drawn series with points from the run, and caught up with the final figures.
      await dashboard.waitForFunction(
        (served) => {
          const d = (window as unknown as { edgeswarmDashboard?: DashboardGlobal }).edgeswarmDashboard;
          const http = d?.charts.throughput?.data[1] ?? [];
          const ended = document.getElementById('state')?.textContent === 'ended';
          const stats = d?.lastStats;
          const caughtUp = stats?.edge.servedBytes === served.bytes && stats.totals.beacons === served.beacons;
          return ended && caughtUp && http.some((v) => (v ?? 0) > 0);
        },
        { bytes: settled.edge.servedBytes, beacons: settled.totals.beacons },
        { timeout: 30_000 },
      );
      const drawn = await dashboard.evaluate(() => {
        const d = (window as unknown as { edgeswarmDashboard: DashboardGlobal }).edgeswarmDashboard;
        const charts = Object.fromEntries(
          Object.entries(d.charts).map(([id, chart]) => [
            id,
            chart ? chart.data.map((column) => column.filter((v) => v !== null).length) : [],
          ]),
        );
        /** Pixels of a chart's canvas painted in (about) a series' stroke colour. */
        const painted = (id: string, hex: string) => {
          const canvas = document.querySelector(`#chart-${id} canvas`) as HTMLCanvasElement | null;
          const context = canvas?.getContext('2d');
          if (!canvas || !context) return 0;
          const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
          const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
          let count = 0;
          for (let i = 0; i < pixels.length; i += 4) {
            const near =
              Math.abs((pixels[i] ?? 0) - (r ?? 0)) < 24 &&
              Math.abs((pixels[i + 1] ?? 0) - (g ?? 0)) < 24 &&
              Math.abs((pixels[i + 2] ?? 0) - (b ?? 0)) < 24;
            if (near && (pixels[i + 3] ?? 0) > 200) count++;
          }
          return count;
        };
        const text = (selector: string) => document.querySelector(selector)?.textContent ?? '';
        return {
          charts,
          httpPixels: painted('throughput', '#f0a03c'),
          servedPixels: painted('throughput', '#d0d4dc'),
          viewerPixels: painted('audience', '#5aa9ff'),
          offload: text('#card-offload .value'),
          viewers: text('#card-viewers .value'),
          served: text('#edge-check .served b'),
          check: document.getElementById('edge-check')?.className ?? '',
          state: text('#state'),
          errors: d.errors,
        };
      });
      console.log(`dashboard: ${JSON.stringify(drawn)}`);
      for (const id of ['throughput', 'offload', 'audience', 'stalls', 'timing']) {
        const counts = drawn.charts[id] ?? [];
        expect(counts[0], `${id}: x values`).toBeGreaterThan(0);
        expect(Math.max(...counts.slice(1)), `${id}: points`).toBeGreaterThan(0);
      }
      const series = JSON.stringify(settled.series);
      expect(drawn.httpPixels, series).toBeGreaterThan(50);
      expect(drawn.servedPixels, series).toBeGreaterThan(50);
      expect(drawn.viewerPixels, series).toBeGreaterThan(50);
      // CDN-only viewers: offload is shown, and it is honestly 0.
      expect(drawn.offload).toBe('0.0%');
      expect(drawn.served).not.toBe('—');
      expect(drawn.check).toContain('ok');
      expect(drawn.state).toBe('ended');
      expect(drawn.errors).toEqual([]);

      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await dashboard.screenshot({ path: join(repoRoot, 'test-artifacts/dashboard.png'), fullPage: true });
    } finally {
      beaconing = false;
      await browser.close();
      publisher.child.kill('SIGINT');
      await publisher.done;
      await edge.stop();
    }
  });
});
