import { describe, expect, it } from 'vitest';
import {
  admitPublisher,
  answerCommand,
  ChunkReader,
  command,
  flvHeader,
  flvTag,
  keyAccepted,
  messageTypes,
  readAmf0,
  writeAmf0,
  writeMessage,
} from './rtmp-protocol';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * seed + 7) & 0xff);

describe('ChunkReader', () => {
  it('reads back messages written in chunks, across any split of the bytes', () => {
    const video = bytes(300, 3);
    const stream = new Uint8Array([
      ...writeMessage({ csid: 6, type: messageTypes.video, streamId: 1, timestamp: 40, payload: video }, 128),
      ...writeMessage({ csid: 3, type: messageTypes.commandAmf0, streamId: 0, payload: writeAmf0('publish', 5) }, 128),
    ]);
    for (const split of [1, 7, 128, 200, stream.length]) {
      const reader = new ChunkReader();
      const messages = [];
      for (let at = 0; at < stream.length; at += split) messages.push(...reader.push(stream.subarray(at, at + split)));
      expect(messages.map((m) => [m.type, m.streamId, m.timestamp, m.payload.byteLength])).toEqual([
        [messageTypes.video, 1, 40, 300],
        [messageTypes.commandAmf0, 0, 0, writeAmf0('publish', 5).byteLength],
      ]);
      expect(messages[0]?.payload).toEqual(video);
    }
  });

  it("follows the peer's chunk size and adds timestamp deltas (type 1, 2 and 3 headers)", () => {
    const reader = new ChunkReader();
    const setChunkSize = writeMessage(
      { csid: 2, type: messageTypes.setChunkSize, streamId: 0, payload: Uint8Array.of(0, 0, 0x10, 0) },
      128,
    );
    const first = writeMessage(
      { csid: 4, type: messageTypes.audio, streamId: 1, timestamp: 1000, payload: bytes(500) },
      4096,
    );
    // fmt 1: delta 20, new length 10, audio; fmt 2: delta 30 (same length and type); fmt 3: same delta again.
    const fmt1 = Uint8Array.of(0x44, 0, 0, 20, 0, 0, 10, messageTypes.audio, ...bytes(10));
    const fmt2 = Uint8Array.of(0x84, 0, 0, 30, ...bytes(10));
    const fmt3 = Uint8Array.of(0xc4, ...bytes(10));
    const messages = reader.push(Uint8Array.from([...setChunkSize, ...first, ...fmt1, ...fmt2, ...fmt3]));
    expect(messages.map((m) => [m.type, m.timestamp, m.payload.byteLength])).toEqual([
      [messageTypes.setChunkSize, 0, 4],
      [messageTypes.audio, 1000, 500],
      [messageTypes.audio, 1020, 10],
      [messageTypes.audio, 1050, 10],
      [messageTypes.audio, 1080, 10],
    ]);
  });

  it('reads extended timestamps, on the first chunk and on its continuations', () => {
    const payload = bytes(200);
    const header = Uint8Array.of(0x05, 0xff, 0xff, 0xff, 0, 0, 200, messageTypes.video, 1, 0, 0, 0, 0x01, 0, 0, 0);
    const stream = Uint8Array.from([
      ...header,
      ...payload.subarray(0, 128),
      0xc5,
      0x01,
      0,
      0,
      0, // the continuation repeats the extended timestamp
      ...payload.subarray(128),
    ]);
    const [message] = new ChunkReader().push(stream);
    expect(message?.timestamp).toBe(0x01000000);
    expect(message?.payload).toEqual(payload);
  });

  it('refuses a chunk stream that starts without a full header, and an absurd message', () => {
    expect(() => new ChunkReader().push(Uint8Array.of(0xc3))).toThrow(/without a full header/);
    expect(() => new ChunkReader(100).push(Uint8Array.of(0x03, 0, 0, 0, 0, 1, 0, 9, 0, 0, 0, 0))).toThrow(/too large/);
  });
});

describe('AMF0', () => {
  it('round-trips the values commands carry', () => {
    const values = [
      'connect',
      1,
      { app: 'live', tcUrl: 'rtmp://h/live', fpad: false, n: { deep: null } },
      null,
      undefined,
    ];
    expect(readAmf0(writeAmf0(...values))).toEqual(values);
  });
  it('reads ECMA arrays (onMetaData) as objects, and long strings', () => {
    const ecma = Uint8Array.of(
      0x08,
      0,
      0,
      0,
      1,
      0,
      1,
      0x77,
      0x00,
      ...new Uint8Array(new Float64Array([640]).buffer).reverse(),
      0,
      0,
      9,
    );
    expect(readAmf0(ecma)).toEqual([{ w: 640 }]);
    expect(readAmf0(Uint8Array.of(0x0c, 0, 0, 0, 2, 0x68, 0x69))).toEqual(['hi']);
  });
});

describe('keyAccepted', () => {
  it('takes only a key on the list, ignoring a query string', () => {
    expect(keyAccepted('k1', ['k1', 'k2'])).toBe(true);
    expect(keyAccepted('k2?obs=1', ['k1', 'k2'])).toBe(true);
    expect(keyAccepted('k3', ['k1', 'k2'])).toBe(false);
    expect(keyAccepted('', [''])).toBe(false);
  });
});

describe('answerCommand', () => {
  const accepted = ['right'];
  const decode = (data: Uint8Array) => new ChunkReader().push(data).map((m) => ({ ...m, values: readAmf0(m.payload) }));

  it('accepts connect (window, bandwidth and chunk size first) and createStream', () => {
    const connect = answerCommand(['connect', 1, { app: 'live' }], accepted);
    expect(connect.kind).toBe('reply');
    const messages = new ChunkReader().push(connect.kind === 'reply' ? connect.bytes : new Uint8Array());
    expect(messages.map((m) => m.type)).toEqual([
      messageTypes.windowAckSize,
      messageTypes.setPeerBandwidth,
      messageTypes.setChunkSize,
      messageTypes.commandAmf0,
    ]);
    expect(readAmf0(messages[3]?.payload ?? new Uint8Array())).toMatchObject([
      '_result',
      1,
      {},
      { code: 'NetConnection.Connect.Success' },
    ]);
    const created = answerCommand(['createStream', 4, null], accepted);
    expect(created.kind === 'reply' && decode(created.bytes)[0]?.values).toEqual(['_result', 4, null, 1]);
  });

  it('starts a publish with the right key, and refuses any other with BadName', () => {
    const good = answerCommand(['publish', 5, null, 'right', 'live'], accepted);
    expect(good.kind).toBe('publish');
    expect(good.kind === 'publish' && decode(good.bytes)[0]?.values[3]).toMatchObject({
      code: 'NetStream.Publish.Start',
    });
    const bad = answerCommand(['publish', 5, null, 'wrong', 'live'], accepted);
    expect(bad.kind).toBe('refuse');
    expect(bad.kind === 'refuse' && decode(bad.bytes)[0]?.values[3]).toMatchObject({
      level: 'error',
      code: 'NetStream.Publish.BadName',
    });
    expect(answerCommand(['publish', 5, null], accepted).kind).toBe('refuse');
  });

  it('ends on FCUnpublish or deleteStream, and ignores the rest', () => {
    expect(answerCommand(['deleteStream', 6, null, 1], accepted)).toEqual({ kind: 'unpublish' });
    expect(answerCommand(['getStreamLength', 7], accepted)).toEqual({ kind: 'ignore' });
  });
});

describe('flvTag', () => {
  it('wraps audio and video with the timestamp (its top byte last) and the previous tag size', () => {
    const tag = flvTag({ type: messageTypes.video, streamId: 1, timestamp: 0x01020304, payload: Uint8Array.of(9, 9) });
    expect(tag).toEqual(Uint8Array.of(9, 0, 0, 2, 0x02, 0x03, 0x04, 0x01, 0, 0, 0, 9, 9, 0, 0, 0, 13));
  });
  it('drops @setDataFrame from metadata, and skips everything else', () => {
    const meta = writeAmf0('onMetaData', { width: 640 });
    const tag = flvTag({
      type: messageTypes.dataAmf0,
      streamId: 1,
      timestamp: 0,
      payload: Uint8Array.from([...writeAmf0('@setDataFrame'), ...meta]),
    });
    expect(tag?.subarray(11, 11 + meta.byteLength)).toEqual(meta);
    expect(
      flvTag({ type: messageTypes.userControl, streamId: 0, timestamp: 0, payload: new Uint8Array(6) }),
    ).toBeUndefined();
    expect(flvHeader().subarray(0, 3)).toEqual(new TextEncoder().encode('FLV'));
    expect(command(0, 'x').byteLength).toBeGreaterThan(12);
  });
});

describe('admitPublisher', () => {
  it('accepts the first push, refuses a second while the first is live, replaces a silent one', () => {
    expect(admitPublisher(undefined, 10_000, 2000)).toBe('accept');
    expect(admitPublisher({ lastDataAt: 9_500 }, 10_000, 2000)).toBe('refuse');
    expect(admitPublisher({ lastDataAt: 8_000 }, 10_000, 2000)).toBe('replace');
  });
});
