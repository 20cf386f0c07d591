/**
 * The live sources that need a sender: an RTMP encoder (what OBS does, played
 * here by a second ffmpeg pushing FLV) and MPEG-TS on stdin. Each publishes a
 * few segments of every rendition and ends the stream when its input ends.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locate } from '@edgeswarm/origin/ffmpeg/locate';
import { derivePublishKey, type StreamStatus } from '@edgeswarm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalEdge, repoRoot, startLocalEdge } from './local-edge';
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
const encoderArgs = (output: string[]) => [
  ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
  ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=300', '-t', '8'],
  ...['-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-c:a', 'aac'],
  ...output,
];

async function expectEnded(stream: string): Promise<void> {
  const status = (await (await fetch(`${edge.url}/v1/streams/${stream}`)).json()) as StreamStatus;
  expect(status.state).toBe('ended');
  expect(status.renditions).toHaveLength(3);
  for (const rendition of status.renditions) expect(rendition.segments).toBeGreaterThanOrEqual(3);
}

describe('live sources', () => {
  it('takes an RTMP push, as from OBS, only with the stream key: a wrong key is refused before anything is published', async () => {
    const port = await freePort();
    const publisher = spawnOriginCli(
      ['publish', '--stream', 'e2e-rtmp', '--edge', edge.url, '--source', 'rtmp', '--rtmp-port', String(port)],
      { PUBLISH_SECRET: secret, EDGESWARM_QUEUE_DIR: join(work, 'queue') },
    );
    while (!publisher.output().stderr.includes('waiting for an RTMP encoder')) {
      expect(publisher.output().code, publisher.output().stderr).toBeNull();
      await sleep(100);
    }
    expect(publisher.output().stderr).toContain(
      `server rtmp://127.0.0.1:${port}/live, stream key: the publish key of stream e2e-rtmp`,
    );
    const push = async (key: string) => {
      const encoder = spawn(locate('ffmpeg'), encoderArgs(['-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`]), {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      encoder.stderr?.on('data', (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise<number | null>((resolve) => encoder.on('exit', resolve));
      return { code, stderr };
    };

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
    await expectEnded('e2e-rtmp');
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
