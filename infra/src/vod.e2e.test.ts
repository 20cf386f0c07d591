/**
 * The VOD path end to end, every component real: ffmpeg packages a 10 s clip,
 * the `vod` CLI uploads it into wrangler dev (workerd, local R2), ffprobe reads
 * a segment of every rendition, and headless Chromium plays it through hls.js
 * to the end.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { locate } from '@edgeswarm/origin/ffmpeg/locate';
import { type MediaPlaylist, parsePlaylist, resolveRelative } from '@edgeswarm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { freePort, type LocalEdge, repoRoot, startLocalEdge } from './local-edge';
import { probeSegment } from './media-check';
import { labelledLines, runOriginCli } from './run-cli';
import { makeTestClip } from './test-media';

const secret = 'e2e-publish-secret-0123456789';
const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-vod-'));
let edge: LocalEdge;

beforeAll(async () => {
  edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
});
afterAll(async () => {
  await edge?.stop();
});

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.text();
}

describe('vod end to end', () => {
  let playlistUrl = '';
  let watchUrl = '';

  it('packages a 10 s clip and uploads it with the vod command', async () => {
    const clip = await makeTestClip(join(work, 'clip.mp4'), { seconds: 10, width: 320, height: 180 });
    const result = await runOriginCli(['vod', clip, '--stream', 'e2e-vod', '--edge', edge.url], {
      PUBLISH_SECRET: secret,
    });
    expect(result.stderr).toContain('ladder: 320x180');
    expect(result.code, result.stderr).toBe(0);
    const urls = labelledLines(result.stdout);
    expect(urls.playlist).toBe(`${edge.url}/v1/streams/e2e-vod/master.m3u8`);
    expect(urls.watch).toBe(`${edge.url}/watch/e2e-vod`);
    playlistUrl = urls.playlist ?? '';
    watchUrl = urls.watch ?? '';
  });

  it('lists at least 3 renditions, and ffprobe reads a segment of each', async () => {
    const master = parsePlaylist(await text(playlistUrl));
    if (!master.ok || master.value.type !== 'multivariant') throw new Error('master did not parse');
    expect(master.value.variants.length).toBeGreaterThanOrEqual(3);
    const base = playlistUrl.replace(/master\.m3u8$/, '');
    for (const variant of master.value.variants) {
      const media = parsePlaylist(await text(`${base}${variant.uri}`));
      if (!media.ok || media.value.type !== 'media') throw new Error(`${variant.uri} did not parse`);
      const playlist = media.value as MediaPlaylist;
      expect(playlist.endList).toBe(true);
      expect(playlist.segments.length).toBe(5);
      for (const segment of playlist.segments) expect(segment.duration).toBeCloseTo(2, 1);
      const streams = await probeSegment(
        `${base}${resolveRelative(variant.uri, playlist.map ?? '')}`,
        `${base}${resolveRelative(variant.uri, playlist.segments[1]?.uri ?? '')}`,
      );
      const video = streams.find((s) => s.codec_type === 'video');
      expect(video, variant.uri).toMatchObject({
        width: variant.resolution?.width,
        height: variant.resolution?.height,
      });
      expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
    }
  });

  it('plays to the end in headless Chromium through hls.js with no stall', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 640, height: 480 } });
      await page.goto(`${watchUrl}?ice-servers=none`);
      await page.waitForFunction(() => window.edgeswarm?.stats.ended || window.edgeswarm?.stats.errors.length, null, {
        timeout: 60_000,
      });
      const stats = await page.evaluate(() => window.edgeswarm.stats);
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts/vod-watch.png') });
      console.log(
        `playback: started after ${Math.round((stats.startedAt ?? 0) - stats.requestedAt)} ms, ${stats.stalls} stalls`,
      );
      expect(stats.errors).toEqual([]);
      expect(stats.ended).toBe(true);
      expect(stats.startedAt).not.toBeNull();
      expect(stats.stalls).toBe(0);
      const duration = await page.evaluate(
        () =>
          (document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video') as HTMLVideoElement | null)
            ?.duration,
      );
      expect(duration).toBeCloseTo(10, 0);
    } finally {
      await browser.close();
    }
  });
});

describe('vod refuses bad input clearly, publishing nothing', () => {
  it('fails on an unreadable input', async () => {
    const result = await runOriginCli(['vod', join(work, 'missing.mp4'), '--stream', 'e2e-bad', '--edge', edge.url], {
      PUBLISH_SECRET: secret,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: cannot read ${join(work, 'missing.mp4')}: ENOENT`);
  });

  it('fails on a file that is not media', async () => {
    const junk = join(work, 'junk.mp4');
    writeFileSync(junk, 'this is not a video');
    const result = await runOriginCli(['vod', junk, '--stream', 'e2e-bad', '--edge', edge.url], {
      PUBLISH_SECRET: secret,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: cannot read .*junk\.mp4: .*Invalid data/);
  });

  it('fails on a file with no video', async () => {
    const audio = join(work, 'audio.m4a');
    await promisify(execFile)(locate('ffmpeg'), [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=300', '-t', '2', audio],
    ]);
    const result = await runOriginCli(['vod', audio, '--stream', 'e2e-bad', '--edge', edge.url], {
      PUBLISH_SECRET: secret,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${audio} has no video stream`);
  });

  it('checks the edge and the key before any encoding: a wrong key or an unreachable edge fails at once', async () => {
    const clip = await makeTestClip(join(work, 'short.mp4'), { seconds: 2 });
    // ffmpeg and ffprobe stand-ins that only record that they were started.
    const started = join(work, 'tools-started');
    const tool = join(work, 'fake-tool.sh');
    writeFileSync(tool, `#!/bin/sh\necho "$0 $*" >> ${started}\nexit 1\n`, { mode: 0o755 });
    const tools = { FFMPEG_PATH: tool, FFPROBE_PATH: tool };
    const closedPort = `http://127.0.0.1:${await freePort()}`;
    const runs = [
      {
        args: ['vod', clip, '--stream', 'e2e-bad', '--edge', edge.url, '--key', 'nope'],
        refused:
          /refused the publish key: 403 the publish key is not valid for stream e2e-bad; pass stream e2e-bad's key with --key \(or PUBLISH_KEY\)/,
      },
      {
        args: ['vod', clip, '--stream', 'e2e-bad', '--edge', closedPort, '--key', 'nope'],
        refused:
          /cannot reach the edge at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start one with `npm start`, or point --edge \(or EDGE_URL\) at yours/,
      },
      {
        args: ['publish', '--stream', 'e2e-bad', '--edge', edge.url, '--key', 'nope', '--duration', '4'],
        refused: /refused the publish key: 403/,
      },
    ];
    for (const { args, refused } of runs) {
      const began = Date.now();
      const result = await runOriginCli(args, { ...tools, EDGESWARM_QUEUE_DIR: join(work, 'queue') });
      const seconds = (Date.now() - began) / 1000;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(refused);
      expect(result.stderr).not.toContain('retry');
      expect(
        existsSync(started),
        `a tool was started: ${existsSync(started) ? readFileSync(started, 'utf8') : ''}`,
      ).toBe(false);
      // Generous: the check itself gives up within 2.5 s; the rest is starting Node and tsx.
      expect(seconds, args.join(' ')).toBeLessThan(10);
    }
    expect((await fetch(`${edge.url}/v1/streams/e2e-bad/master.m3u8`)).status).toBe(404);
  });

  it('answers a mistyped option with the one meant, and the usage', async () => {
    const result = await runOriginCli(['vod', 'clip.mp4', '--sream', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: unknown option --sream; did you mean --stream?');
    expect(result.stderr).toContain('usage:');
  });
});
