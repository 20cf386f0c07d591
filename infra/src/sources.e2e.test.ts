/**
 * The live sources that need a sender: an RTMP encoder (what OBS does, played
 * here by a second ffmpeg pushing FLV) and MPEG-TS on stdin. Each publishes a
 * few segments of every rendition. stdin ends the stream when its input ends;
 * RTMP waits --grace seconds for the encoder to come back (and resumes after a
 * discontinuity when it does), then ends it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locate } from '@edgeswarm/origin/ffmpeg/locate';
import { derivePublishKey, type MediaPlaylist, parsePlaylist, type StreamStatus } from '@edgeswarm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalEdge, repoRoot, startLocalEdge } from './local-edge';
import { probeSegment } from './media-check';
import { spawnOriginCli } from './run-cli';

const secret = 'e2e-sources-secret-0123456789';
const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-sources-'));
let edge: LocalEdge;

beforeAll(async () => {
  edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
});
afterAll(async () => {
  await edge?.stop();
});

/** 8 s of test pattern with a tone, encoded in real time, to an output of the caller's choosing. */
const encoderArgs = (output: string[], size = '640x360') => [
  ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`],
  ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=300', '-t', '8'],
  ...['-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-c:a', 'aac'],
  ...output,
];

/** OBS played by ffmpeg: 8 s pushed in real time to our listener; resolves when the encoder exits. */
async function pushRtmp(port: number, key: string, size = '640x360'): Promise<{ code: number | null; stderr: string }> {
  const encoder = spawn(locate('ffmpeg'), encoderArgs(['-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`], size), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  encoder.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => encoder.on('exit', resolve));
  return { code, stderr };
}

async function mediaPlaylist(url: string): Promise<MediaPlaylist> {
  const parsed = parsePlaylist(await (await fetch(url)).text());
  if (!parsed.ok || parsed.value.type !== 'media') throw new Error(`${url} did not parse`);
  return parsed.value;
}

async function expectEnded(stream: string): Promise<void> {
  const status = (await (await fetch(`${edge.url}/v1/streams/${stream}`)).json()) as StreamStatus;
  expect(status.state).toBe('ended');
  expect(status.renditions).toHaveLength(3);
  for (const rendition of status.renditions) expect(rendition.segments).toBeGreaterThanOrEqual(3);
}

describe('live sources', () => {
  it('takes an RTMP push, as from OBS, only with the stream key: a wrong key is refused before anything is published', async () => {
    const port = await freePort();
    // --grace 2: the stream ends 2 s after the encoder leaves, by itself (the next test has it come back).
    const publisher = spawnOriginCli(
      ['publish', '--stream', 'e2e-rtmp', '--edge', edge.url, '--source', 'rtmp', '--rtmp-port', String(port)].concat([
        '--grace',
        '2',
      ]),
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    while (!publisher.output().stderr.includes('waiting for an RTMP encoder')) {
      expect(publisher.output().code, publisher.output().stderr).toBeNull();
      await sleep(100);
    }
    expect(publisher.output().stderr).toContain(
      `server rtmp://127.0.0.1:${port}/live, stream key: the publish key of stream e2e-rtmp`,
    );
    const push = (key: string) => pushRtmp(port, key);

    // The stream id was the key before keys were checked: it is refused now, and so is anything else.
    for (const wrong of ['e2e-rtmp', 'not-the-key']) {
      const refused = await push(wrong);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('stream key refused');
    }
    expect(
      publisher.output().stderr.match(/rtmp: refused a push from .*: wrong stream key; nothing was published/g),
    ).toHaveLength(2);
    expect(publisher.output().code).toBeNull(); // still waiting for the right encoder
    const before = (await (await fetch(`${edge.url}/v1/streams/e2e-rtmp`)).json()) as StreamStatus;
    expect(before.renditions.every((r) => r.segments === 0)).toBe(true);
    expect((await fetch(`${edge.url}/v1/streams/e2e-rtmp/master.m3u8`)).status).toBe(404);

    const accepted = await push(await derivePublishKey(secret, 'e2e-rtmp'));
    expect(accepted.code, accepted.stderr).toBe(0);
    const result = await publisher.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('rtmp: publishing the push from');
    expect(result.stderr).toContain('rtmp: no encoder came back within 2 s; ending the stream');
    await expectEnded('e2e-rtmp');
  });

  it('keeps the stream open while OBS is away: push, 10 s gone, push again → one stream, a discontinuity, no ENDLIST between', async () => {
    const stream = 'e2e-obs';
    const base = `${edge.url}/v1/streams/${stream}`;
    const port = await freePort();
    const publisher = spawnOriginCli(
      ['publish', '--stream', stream, '--edge', edge.url, '--source', 'rtmp', '--rtmp-port', String(port)].concat([
        '--grace',
        '30',
      ]),
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    const key = await derivePublishKey(secret, stream);
    const endListSeen: string[] = [];
    const watchForEndList = async (what: string) => {
      const text = await (await fetch(`${base}/v0/live.m3u8`)).text();
      if (text.includes('#EXT-X-ENDLIST')) endListSeen.push(what);
      return text;
    };
    try {
      while (!publisher.output().stderr.includes('waiting for an RTMP encoder')) {
        expect(publisher.output().code, publisher.output().stderr).toBeNull();
        await sleep(100);
      }
      // First take: a 240p feed. The ladder follows it (not --size, 640x360 by default).
      const first = await pushRtmp(port, key, '426x240');
      expect(first.code, first.stderr).toBe(0);
      while (!publisher.output().stderr.includes('rtmp: the encoder went away')) {
        expect(publisher.output().code, publisher.output().stderr).toBeNull();
        await sleep(100);
      }
      let master = '';
      for (let tries = 0; !master.includes('RESOLUTION') && tries < 50; tries++) {
        const response = await fetch(`${base}/master.m3u8`);
        master = await response.text();
        if (!response.ok) master = '';
        if (!master.includes('RESOLUTION')) await sleep(200);
      }
      expect(master).toContain('RESOLUTION=426x240');
      expect(master).not.toContain('RESOLUTION=640x360');

      // 10 s without an encoder: the stream stays live, its playlists never end.
      const gapEnds = Date.now() + 10_000;
      while (Date.now() < gapEnds) {
        await watchForEndList('during the gap');
        const during = (await (await fetch(base)).json()) as StreamStatus;
        expect(during.state).toBe('live');
        await sleep(1000);
      }
      expect(publisher.output().code).toBeNull();

      // Second take, at 360p: a new session after a discontinuity, the same number of renditions.
      let bothSessions: string | undefined;
      const second = pushRtmp(port, key, '640x360');
      while (!bothSessions) {
        const text = await watchForEndList('during the second take');
        const sessions = new Set([...text.matchAll(/^s(\d+)-\d+\.m4s$/gm)].map((m) => m[1]));
        if (sessions.size >= 2) bothSessions = text;
        else await sleep(500);
      }
      expect(bothSessions).toContain('#EXT-X-DISCONTINUITY\n');
      const pushed = await second;
      expect(pushed.code, pushed.stderr).toBe(0);
      while (publisher.output().stderr.split('rtmp: the encoder went away').length < 3) {
        expect(publisher.output().code, publisher.output().stderr).toBeNull();
        await sleep(100);
      }
      await watchForEndList('after the second take, within the grace period');
      expect(endListSeen).toEqual([]);

      // Ctrl-C: now the stream ends.
      publisher.child.kill('SIGINT');
      const result = await publisher.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/rtmp: the encoder is back: session \d+, after a discontinuity/);
      expect(result.stderr).not.toMatch(/lag -/);
      console.log(
        result.stderr
          .split('\n')
          .filter((l) => /^(session \d|rtmp: the encoder|ended:)|lag \d/.test(l))
          .join('\n'),
      );
      const ended = (await (await fetch(base)).json()) as StreamStatus;
      expect(ended.state).toBe('ended');
      expect(ended.renditions).toHaveLength(3);
      for (const rendition of ended.renditions) {
        const playlist = await mediaPlaylist(`${base}/${rendition.name}/live.m3u8`);
        expect(playlist.endList).toBe(true);
        const sessionOf = (uri: string) => /^s(\d+)-/.exec(uri)?.[1];
        const sessions = [...new Set(playlist.segments.map((s) => sessionOf(s.uri)))];
        expect(sessions).toHaveLength(2);
        // exactly one discontinuity, at the first segment of the second session, with its own init segment
        const breaks = playlist.segments.flatMap((s, i) => (s.discontinuity ? [i] : []));
        const firstOfSecond = playlist.segments.findIndex((s) => sessionOf(s.uri) === sessions[1]);
        expect(breaks).toEqual([firstOfSecond]);
        expect(playlist.segments[firstOfSecond]?.map).toMatch(new RegExp(`init-s${sessions[1]}\\.mp4$`));
        expect(firstOfSecond).toBeGreaterThanOrEqual(2);
        expect(playlist.segments.length - firstOfSecond).toBeGreaterThanOrEqual(2);
        // The second take's clock starts after the gap, not where the first take's left off.
        const gap =
          Date.parse(playlist.segments[firstOfSecond]?.programDateTime ?? '') -
          Date.parse(playlist.segments[firstOfSecond - 1]?.programDateTime ?? '');
        expect(gap).toBeGreaterThan(8_000);
      }
      // Playable on both sides of the gap: each session's init + segment, fetched from the edge, decode.
      const v0 = await mediaPlaylist(`${base}/v0/live.m3u8`);
      const firstOfSecond = v0.segments.findIndex((s) => s.discontinuity);
      const sizes: string[] = [];
      for (const index of [1, firstOfSecond + 1]) {
        const segment = v0.segments[index];
        const map = v0.segments.slice(0, index + 1).findLast((s) => s.map)?.map ?? v0.map;
        const streams = await probeSegment(`${base}/v0/${map}`, `${base}/v0/${segment?.uri}`);
        expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
        const video = streams.find((s) => s.codec_type === 'video');
        sizes.push(`${video?.width}x${video?.height}`);
      }
      expect(sizes).toEqual(['426x240', '640x360']);
    } finally {
      if (publisher.output().code === null) publisher.child.kill('SIGINT');
      await publisher.done;
    }
  });

  it('takes MPEG-TS on stdin', async () => {
    const encoder = spawn(locate('ffmpeg'), encoderArgs(['-f', 'mpegts', 'pipe:1']), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const publisher = spawn(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [join(repoRoot, 'origin/src/cli.ts'), 'publish', '--stream', 'e2e-stdin', '--edge', edge.url, '--source', '-'],
      {
        cwd: repoRoot,
        env: { ...process.env, PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    encoder.stdout.pipe(publisher.stdin);
    let stderr = '';
    publisher.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => publisher.on('exit', resolve));
    expect(code, stderr).toBe(0);
    await expectEnded('e2e-stdin');
  });
});
