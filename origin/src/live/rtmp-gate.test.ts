import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type RtmpGate, startRtmpGate } from './rtmp-gate';
import { command, messageTypes, writeAmf0, writeMessage } from './rtmp-protocol';

const key = 'the-publish-key';
let gate: RtmpGate | undefined;
const lines: string[] = [];

afterEach(async () => {
  await gate?.close();
  gate = undefined;
  lines.length = 0;
});

async function open(limits = {}): Promise<{ port: number; gate: RtmpGate }> {
  gate = await startRtmpGate({ host: '127.0.0.1', port: 0, keys: [key], log: (l) => lines.push(l), limits });
  return { port: gate.port, gate };
}

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

/** A minimal RTMP encoder: handshake, chunk size, connect, createStream, publish. */
async function encoder(port: number, publishKey = key): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let received = 0;
  const handshaken = new Promise<void>((resolve) => {
    const onData = (data: Buffer) => {
      received += data.byteLength;
      if (received >= 1 + 2 * 1536) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.write(Buffer.concat([Buffer.of(3), Buffer.alloc(1536)]));
  await handshaken;
  socket.on('data', () => {}); // answers are not read here
  socket.write(Buffer.alloc(1536)); // C2
  socket.write(writeMessage({ csid: 2, type: messageTypes.setChunkSize, streamId: 0, payload: u32(4096) }, 128));
  socket.write(command(0, 'connect', 1, { app: 'live' }));
  socket.write(command(0, 'createStream', 2, null));
  socket.write(command(1, 'publish', 3, null, publishKey, 'live'));
  return socket;
}

const metadata = (width: number, height: number) =>
  writeMessage({
    csid: 4,
    type: messageTypes.dataAmf0,
    streamId: 1,
    payload: writeAmf0('@setDataFrame', 'onMetaData', {
      width,
      height,
      framerate: 30,
      videocodecid: 7,
      audiocodecid: 10,
    }),
  });
const video = (timestamp: number) =>
  writeMessage({ csid: 6, type: messageTypes.video, streamId: 1, timestamp, payload: Uint8Array.of(0x17, 0, 1, 2) });

const collect = (stream: PassThrough) => {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<Buffer>((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
  return { ended, bytes: () => Buffer.concat(chunks) };
};

describe('the RTMP gate', () => {
  it("hands out a push with the encoder's picture, pipes its FLV, and takes the encoder back after it leaves", async () => {
    const { port, gate } = await open();
    const first = await encoder(port);
    first.write(metadata(1280, 720));
    first.write(video(0));
    const push = await gate.nextPush(AbortSignal.timeout(5000));
    expect(push?.metadata).toEqual({ width: 1280, height: 720, frameRate: 30, hasAudio: true });
    expect(push?.firstMediaAt).toBeGreaterThan(Date.now() - 5000);
    const output = new PassThrough();
    const flv = collect(output);
    push?.pipe(output);
    first.write(video(33));
    await sleep(50);
    first.end();
    const bytes = await flv.ended;
    expect(bytes.subarray(0, 3).toString()).toBe('FLV');
    expect(bytes.filter((b) => b === 0x17).length).toBeGreaterThanOrEqual(2); // both frames, after the metadata
    await push?.ended;

    // OBS stops and starts streaming: the same listener takes it again.
    const second = await encoder(port);
    second.write(metadata(854, 480));
    const again = await gate.nextPush(AbortSignal.timeout(5000));
    expect(again?.metadata?.height).toBe(480);
    second.destroy();
    await again?.ended;
  });

  it('without metadata, hands a push out at its first video frame', async () => {
    const { port, gate } = await open();
    const socket = await encoder(port);
    await sleep(100);
    socket.write(video(0));
    const push = await gate.nextPush(AbortSignal.timeout(5000));
    expect(push?.metadata).toBeUndefined();
    socket.destroy();
  });

  it('refuses a second encoder while the first sends, replaces a silent one, and refuses a wrong key', async () => {
    const { port, gate } = await open({ takeOverAfterMs: 300 });
    const first = await encoder(port);
    first.write(metadata(640, 360));
    const push = await gate.nextPush(AbortSignal.timeout(5000));
    await encoder(port, 'wrong');
    const rival = await encoder(port);
    await sleep(100);
    expect(lines.some((l) => l.includes('wrong stream key'))).toBe(true);
    expect(lines.some((l) => l.includes('another encoder is publishing'))).toBe(true);
    rival.destroy();
    // The first goes silent (a dead link that never closed): a reconnect takes over.
    await sleep(400);
    const back = await encoder(port);
    back.write(metadata(640, 360));
    const replaced = await gate.nextPush(AbortSignal.timeout(5000));
    await push?.ended;
    expect(lines.some((l) => l.includes('replaces a silent one'))).toBe(true);
    expect(replaced?.peer).not.toBe(push?.peer);
    back.destroy();
    first.destroy();
  });

  it('stops waiting when told to', async () => {
    const { gate } = await open();
    const started = Date.now();
    expect(await gate.nextPush(AbortSignal.timeout(200))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('drops a connection that stays silent', async () => {
    const { port, gate } = await open({ idleTimeoutMs: 300 });
    const socket = await encoder(port);
    socket.write(metadata(640, 360));
    const push = await gate.nextPush(AbortSignal.timeout(5000));
    await push?.ended;
    expect(lines.some((l) => l.includes('dropping it'))).toBe(true);
    socket.destroy();
  });
});
