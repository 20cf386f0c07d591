/**
 * The VOD path end to end, every component real: ffmpeg packages a 10 s clip,
 * the `vod` CLI uploads it into wrangler dev (workerd, local R2), ffprobe reads
 * a segment of every rendition, and headless Chromium plays it through hls.js
 * to the end. Then `vod --replace`: a new player gets the new version while a
 * player that started on the old one finishes it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { locate } from '@edgeswarm/origin/ffmpeg/locate';
import { type MediaPlaylist, parsePlaylist, resolveRelative } from '@edgeswarm/protocol';
import type { Page } from 'playwright-core';
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
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: unknown option --sream; did you mean --stream?');
    expect(result.stderr).toContain('usage:');
  });
});

describe('vod --replace end to end', () => {
  const stream = 'e2e-replace';
  const env = { PUBLISH_SECRET: secret };
  const versionOf = (stderr: string) => /^version (\S+)/m.exec(stderr)?.[1] ?? '';
  const videoOf = () =>
    (document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video') as HTMLVideoElement | null) ?? null;

  /** Every request a page makes into the stream, with its answer and whether the replace had finished by then. */
  function recordStreamTraffic(page: Page, replaced: () => boolean) {
    const seen: { path: string; status: number; afterReplace: boolean }[] = [];
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.startsWith(`/v1/streams/${stream}/`))
        seen.push({ path, status: response.status(), afterReplace: replaced() });
    });
    return seen;
  }

  it('refuses an existing id without --replace; with it, new players get the new version and an old player finishes the old one', async () => {
    const first = await makeTestClip(join(work, 'first.mp4'), { seconds: 20, width: 320, height: 180 });
    const second = await makeTestClip(join(work, 'second.mp4'), { seconds: 6, width: 320, height: 180 });
    const uploaded = await runOriginCli(['vod', first, '--stream', stream, '--edge', edge.url], env);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    const oldVersion = versionOf(uploaded.stderr);
    expect(oldVersion).toMatch(/^\d{8}T\d{6}Z-[0-9a-z]{4}$/);

    // The same id again, without --replace: refused before anything is encoded (the tools only record a start).
    const started = join(work, 'replace-tools-started');
    const tool = join(work, 'replace-fake-tool.sh');
    writeFileSync(tool, `#!/bin/sh\necho "$0 $*" >> ${started}\nexit 1\n`, { mode: 0o755 });
    const refused = await runOriginCli(['vod', second, '--stream', stream, '--edge', edge.url], {
      ...env,
      FFMPEG_PATH: tool,
      FFPROBE_PATH: tool,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error: stream ${stream} already exists: run again with --replace to publish this file as its new version`,
    );
    expect(existsSync(started)).toBe(false);

    const browser = await launchChromium();
    try {
      // An old player starts on the first version. A short buffer keeps it fetching that version's segments all
      // the way through (hls.js would otherwise load a clip this small at once); it is held still during the replace.
      let replaced = false;
      const oldPage = await browser.newPage({ viewport: { width: 640, height: 480 } });
      const oldTraffic = recordStreamTraffic(oldPage, () => replaced);
      await oldPage.goto(`${edge.url}/watch/${stream}?ice-servers=none`);
      await oldPage.waitForFunction(() => window.edgeswarm?.player?.hls, null, { timeout: 30_000 });
      await oldPage.evaluate(() => {
        const hls = window.edgeswarm.player?.hls;
        if (hls) Object.assign(hls.config, { maxBufferLength: 4, maxMaxBufferLength: 4 });
      });
      await oldPage.waitForFunction(
        () => window.edgeswarm?.stats.startedAt != null || window.edgeswarm?.stats.errors.length,
        null,
        { timeout: 30_000 },
      );
      await oldPage.evaluate(`(${videoOf})()?.pause()`);

      const replacing = await runOriginCli(['vod', second, '--stream', stream, '--edge', edge.url, '--replace'], env);
      expect(replacing.code, replacing.stderr).toBe(0);
      const newVersion = versionOf(replacing.stderr);
      expect(newVersion).toMatch(/^\d{8}T\d{6}Z-[0-9a-z]{4}$/);
      expect(newVersion).not.toBe(oldVersion);
      expect(replacing.stderr).toContain('replaced the previous one');
      replaced = true;

      // The old player goes on, on a rendition whose playlist it has not loaded yet if there is one (a level switch
      // is when a player would find a replaced playlist naming other segments).
      const switched = await oldPage.evaluate(`(() => {
        const hls = window.edgeswarm.player.hls;
        const unloaded = hls.levels.findIndex((level) => !level.details);
        const next = unloaded >= 0 ? unloaded : (hls.currentLevel + 1) % hls.levels.length;
        hls.nextLevel = next;
        (${videoOf})().play();
        return { unloaded: unloaded >= 0, level: next };
      })()`);

      // A new player gets the new version.
      const newPage = await browser.newPage({ viewport: { width: 640, height: 480 } });
      const newTraffic = recordStreamTraffic(newPage, () => replaced);
      await newPage.goto(`${edge.url}/watch/${stream}?ice-servers=none`);
      await newPage.waitForFunction(
        () => window.edgeswarm?.stats.ended || window.edgeswarm?.stats.errors.length,
        null,
        {
          timeout: 60_000,
        },
      );
      const fresh = await newPage.evaluate(`({ stats: window.edgeswarm.stats, duration: (${videoOf})().duration })`);
      expect((fresh as { stats: { errors: string[] } }).stats.errors).toEqual([]);
      expect(fresh).toMatchObject({ stats: { ended: true }, duration: expect.closeTo(6, 0) });
      const newSegments = newTraffic.filter((r) => r.path.endsWith('.m4s'));
      expect(newSegments.length).toBeGreaterThan(0);
      expect(newSegments.filter((r) => !r.path.includes(`/${newVersion}/`))).toEqual([]);

      // The old player finishes the old version, every request answered.
      await oldPage.waitForFunction(
        () => window.edgeswarm?.stats.ended || window.edgeswarm?.stats.errors.length,
        null,
        {
          timeout: 90_000,
        },
      );
      const finished = await oldPage.evaluate(`({ stats: window.edgeswarm.stats, duration: (${videoOf})().duration })`);
      console.log(`old player after the replace: ${JSON.stringify({ ...(finished as object), switched })}`);
      expect((finished as { stats: { errors: string[] } }).stats.errors).toEqual([]);
      expect(finished).toMatchObject({ stats: { ended: true }, duration: expect.closeTo(20, 0) });
      expect(oldTraffic.filter((r) => r.status >= 400)).toEqual([]);
      expect(oldTraffic.filter((r) => r.path.includes(`/${newVersion}/`))).toEqual([]);
      const afterReplace = oldTraffic.filter((r) => r.afterReplace);
      expect(
        afterReplace.filter((r) => r.path.endsWith('.m4s') && r.path.includes(`/${oldVersion}/`)).length,
      ).toBeGreaterThan(0);
      if ((switched as { unloaded: boolean }).unloaded) {
        expect(afterReplace.some((r) => new RegExp(`/${oldVersion}/v\\d+/index\\.m3u8$`).test(r.path))).toBe(true);
      }
    } finally {
      await browser.close();
    }
  });
});
