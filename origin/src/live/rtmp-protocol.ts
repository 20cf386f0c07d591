/**
 * Just enough RTMP to take a push from OBS (or ffmpeg) and check its stream key before anything
 * is published. Pure: bytes in, messages and bytes out; no sockets, no clocks.
 *
 *   - the chunk stream, read into whole messages (every header form, extended timestamps,
 *     the peer's chunk size);
 *   - AMF0 values, read and written (commands are AMF0 arrays of values);
 *   - the server's answers (connect, createStream, publish) as chunked messages;
 *   - audio, video and metadata messages as FLV tags, which ffmpeg reads from a pipe.
 */

export const rtmpDefaults = {
  /** The chunk size we announce and write with. */
  chunkSize: 4096,
  /** The window we ask the encoder to acknowledge, and tell it we use. */
  windowAckSize: 2_500_000,
  /** A message larger than this is not an encoder's: the connection is dropped. */
  maxMessageBytes: 16 * 1024 * 1024,
} as const;

export const messageTypes = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  commandAmf3: 17,
  dataAmf0: 18,
  commandAmf0: 20,
} as const;

export interface RtmpMessage {
  type: number;
  streamId: number;
  /** Absolute, in milliseconds. */
  timestamp: number;
  payload: Uint8Array;
}

interface ChunkStreamState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  /** The message being assembled on this chunk stream, if one is part-way. */
  partial: Uint8Array[] | undefined;
  received: number;
}

/** Reads the client's chunk stream into messages. Feed it bytes as they arrive. */
export class ChunkReader {
  private buffer = new Uint8Array(0);
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStreamState>();
  bytesRead = 0;

  constructor(private readonly maxMessageBytes: number = rtmpDefaults.maxMessageBytes) {}

  /** Appends bytes and returns every message they complete. Throws on a stream that is not RTMP. */
  push(bytes: Uint8Array): RtmpMessage[] {
    this.bytesRead += bytes.byteLength;
    const joined = new Uint8Array(this.buffer.byteLength + bytes.byteLength);
    joined.set(this.buffer);
    joined.set(bytes, this.buffer.byteLength);
    this.buffer = joined;
    const messages: RtmpMessage[] = [];
    for (;;) {
      const consumed = this.readChunk(messages);
      if (consumed === 0) break;
      this.buffer = this.buffer.subarray(consumed);
    }
    return messages;
  }

  /** One chunk from the front of the buffer: the bytes it took, or 0 if it has not all arrived. */
  private readChunk(out: RtmpMessage[]): number {
    const b = this.buffer;
    if (b.byteLength < 1) return 0;
    const first = b[0] as number;
    const fmt = first >> 6;
    let csid = first & 0x3f;
    let at = 1;
    if (csid === 0) {
      if (b.byteLength < 2) return 0;
      csid = (b[1] as number) + 64;
      at = 2;
    } else if (csid === 1) {
      if (b.byteLength < 3) return 0;
      csid = (b[1] as number) + (b[2] as number) * 256 + 64;
      at = 3;
    }
    const headerBytes = [11, 7, 3, 0][fmt] as number;
    if (b.byteLength < at + headerBytes) return 0;
    const previous = this.streams.get(csid);
    if (fmt !== 0 && !previous) throw new Error(`chunk stream ${csid} starts without a full header`);
    const state: ChunkStreamState = previous ?? {
      timestamp: 0,
      delta: 0,
      length: 0,
      type: 0,
      streamId: 0,
      extended: false,
      partial: undefined,
      received: 0,
    };
    const u24 = (i: number) => ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
    let timeField = 0;
    let length = state.length;
    let type = state.type;
    let streamId = state.streamId;
    if (fmt <= 2) timeField = u24(at);
    if (fmt <= 1) {
      length = u24(at + 3);
      type = b[at + 6] as number;
    }
    if (fmt === 0) {
      streamId = new DataView(b.buffer, b.byteOffset + at + 7, 4).getUint32(0, true);
    }
    at += headerBytes;
    const extended = fmt <= 2 ? timeField === 0xffffff : state.extended;
    if (extended) {
      if (b.byteLength < at + 4) return 0;
      const value = new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0);
      if (fmt <= 2) timeField = value;
      at += 4;
    }
    const starting = state.partial === undefined;
    if (starting && length > this.maxMessageBytes) throw new Error(`message of ${length} bytes is too large`);
    const remaining = starting ? length : state.length - state.received;
    const take = Math.min(this.chunkSize, remaining);
    if (b.byteLength < at + take) return 0;

    // Every byte of this chunk is here: commit the header.
    if (starting) {
      if (fmt === 0) {
        state.timestamp = timeField;
        state.delta = 0;
      } else if (fmt === 1 || fmt === 2) {
        state.delta = timeField;
        state.timestamp += timeField;
      } else {
        state.timestamp += state.delta; // a new message with the previous one's header and delta
      }
      state.length = length;
      state.type = type;
      state.streamId = streamId;
      state.partial = [];
      state.received = 0;
    }
    state.extended = extended;
    (state.partial as Uint8Array[]).push(b.slice(at, at + take));
    state.received += take;
    this.streams.set(csid, state);
    if (state.received >= state.length) {
      const payload = concat(state.partial as Uint8Array[]);
      state.partial = undefined;
      const message = { type: state.type, streamId: state.streamId, timestamp: state.timestamp, payload };
      if (message.type === messageTypes.setChunkSize && payload.byteLength >= 4) {
        this.chunkSize = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) & 0x7fffffff;
        if (this.chunkSize < 1) throw new Error('chunk size 0');
      }
      out.push(message);
    }
    return at + take;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Writes one message as chunks of `chunkSize` (a full header first, then continuation headers). */
export function writeMessage(
  message: { csid: number; type: number; streamId: number; timestamp?: number; payload: Uint8Array },
  chunkSize: number = rtmpDefaults.chunkSize,
): Uint8Array {
  const { csid, type, streamId, payload } = message;
  if (csid < 2 || csid > 63) throw new Error('only one-byte chunk stream ids are written');
  const timestamp = Math.min(message.timestamp ?? 0, 0xfffffe);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset === 0 || offset < payload.byteLength; offset += chunkSize) {
    if (offset === 0) {
      const header = new Uint8Array(12);
      const view = new DataView(header.buffer);
      header[0] = csid; // fmt 0
      header[1] = (timestamp >> 16) & 0xff;
      header[2] = (timestamp >> 8) & 0xff;
      header[3] = timestamp & 0xff;
      header[4] = (payload.byteLength >> 16) & 0xff;
      header[5] = (payload.byteLength >> 8) & 0xff;
      header[6] = payload.byteLength & 0xff;
      header[7] = type;
      view.setUint32(8, streamId, true);
      parts.push(header);
    } else {
      parts.push(Uint8Array.of(0xc0 | csid)); // fmt 3
    }
    parts.push(payload.subarray(offset, offset + chunkSize));
  }
  return concat(parts);
}

// ---- AMF0 ----

export type AmfValue = number | boolean | string | null | undefined | { [key: string]: AmfValue } | AmfValue[];

/** Reads consecutive AMF0 values (a command: name, transaction id, then arguments). */
export function readAmf0(bytes: Uint8Array): AmfValue[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  let at = 0;
  const string = (long: boolean) => {
    const length = long ? view.getUint32(at) : view.getUint16(at);
    at += long ? 4 : 2;
    if (at + length > bytes.byteLength) throw new Error('AMF0 string past the end');
    const value = text.decode(bytes.subarray(at, at + length));
    at += length;
    return value;
  };
  const properties = (target: Record<string, AmfValue>) => {
    for (;;) {
      const key = string(false);
      if (bytes[at] === 0x09) {
        at++;
        return target;
      }
      target[key] = value();
    }
  };
  const value = (): AmfValue => {
    const marker = bytes[at++];
    switch (marker) {
      case 0x00: {
        const n = view.getFloat64(at);
        at += 8;
        return n;
      }
      case 0x01:
        return bytes[at++] !== 0;
      case 0x02:
        return string(false);
      case 0x03:
        return properties({});
      case 0x05:
        return null;
      case 0x06:
        return undefined;
      case 0x08: // ECMA array: a count, then properties as an object
        at += 4;
        return properties({});
      case 0x0a: {
        const count = view.getUint32(at);
        at += 4;
        return Array.from({ length: count }, () => value());
      }
      case 0x0b: // date: 8 bytes of time, 2 of time zone
        at += 10;
        return undefined;
      case 0x0c:
        return string(true);
      default:
        throw new Error(`AMF0 marker ${marker} is not read here`);
    }
  };
  const values: AmfValue[] = [];
  while (at < bytes.byteLength) values.push(value());
  return values;
}

export function writeAmf0(...values: AmfValue[]): Uint8Array {
  const parts: number[] = [];
  const bytes = (data: Uint8Array) => {
    for (const byte of data) parts.push(byte);
  };
  const string = (s: string) => {
    const data = new TextEncoder().encode(s);
    parts.push((data.byteLength >> 8) & 0xff, data.byteLength & 0xff);
    bytes(data);
  };
  const value = (v: AmfValue) => {
    if (typeof v === 'number') {
      const data = new Uint8Array(8);
      new DataView(data.buffer).setFloat64(0, v);
      parts.push(0x00);
      bytes(data);
    } else if (typeof v === 'boolean') parts.push(0x01, v ? 1 : 0);
    else if (typeof v === 'string') {
      parts.push(0x02);
      string(v);
    } else if (v === null) parts.push(0x05);
    else if (v === undefined) parts.push(0x06);
    else if (Array.isArray(v)) throw new Error('strict arrays are not written here');
    else {
      parts.push(0x03);
      for (const [key, inner] of Object.entries(v)) {
        string(key);
        value(inner);
      }
      parts.push(0x00, 0x00, 0x09);
    }
  };
  for (const v of values) value(v);
  return Uint8Array.from(parts);
}

// ---- What the server says ----

const u32 = (n: number) => {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, n);
  return data;
};

/** Window size, peer bandwidth and our chunk size: sent once the encoder asks to connect. */
export function serverPreamble(): Uint8Array {
  return concat([
    writeMessage(
      { csid: 2, type: messageTypes.windowAckSize, streamId: 0, payload: u32(rtmpDefaults.windowAckSize) },
      128,
    ),
    writeMessage(
      {
        csid: 2,
        type: messageTypes.setPeerBandwidth,
        streamId: 0,
        payload: Uint8Array.of(...u32(rtmpDefaults.windowAckSize), 2),
      },
      128,
    ),
    writeMessage({ csid: 2, type: messageTypes.setChunkSize, streamId: 0, payload: u32(rtmpDefaults.chunkSize) }, 128),
  ]);
}

export const command = (streamId: number, ...values: AmfValue[]) =>
  writeMessage({ csid: 3, type: messageTypes.commandAmf0, streamId, payload: writeAmf0(...values) });

export function acknowledgement(bytesRead: number): Uint8Array {
  return writeMessage({ csid: 2, type: messageTypes.acknowledgement, streamId: 0, payload: u32(bytesRead >>> 0) });
}

/** The stream id createStream hands out: one publisher per connection. */
export const publishStreamId = 1;

export type CommandOutcome =
  | { kind: 'reply'; bytes: Uint8Array }
  | { kind: 'publish'; key: string; bytes: Uint8Array }
  | { kind: 'refuse'; key: string; bytes: Uint8Array }
  | { kind: 'unpublish' }
  | { kind: 'ignore' };

/** Pure: a publish's stream key (its name without a query string) against the keys that may publish. */
export function keyAccepted(key: string, accepted: readonly string[]): boolean {
  const bare = key.split('?')[0] ?? '';
  return bare.length > 0 && accepted.includes(bare);
}

/** Pure: one AMF0 command from the encoder → what to answer and do. */
export function answerCommand(values: readonly AmfValue[], accepted: readonly string[]): CommandOutcome {
  const [name, transaction] = values;
  const txn = typeof transaction === 'number' ? transaction : 0;
  switch (name) {
    case 'connect':
      return {
        kind: 'reply',
        bytes: concat([
          serverPreamble(),
          command(
            0,
            '_result',
            txn,
            { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
            {
              level: 'status',
              code: 'NetConnection.Connect.Success',
              description: 'Connection succeeded.',
              objectEncoding: 0,
            },
          ),
        ]),
      };
    case 'releaseStream':
    case 'FCPublish':
      return { kind: 'reply', bytes: command(0, '_result', txn, null) };
    case 'createStream':
      return { kind: 'reply', bytes: command(0, '_result', txn, null, publishStreamId) };
    case 'publish': {
      const key = typeof values[3] === 'string' ? values[3] : '';
      if (!keyAccepted(key, accepted)) {
        return {
          kind: 'refuse',
          key,
          bytes: command(publishStreamId, 'onStatus', 0, null, {
            level: 'error',
            code: 'NetStream.Publish.BadName',
            description: 'stream key refused',
          }),
        };
      }
      return {
        kind: 'publish',
        key,
        bytes: command(publishStreamId, 'onStatus', 0, null, {
          level: 'status',
          code: 'NetStream.Publish.Start',
          description: 'publishing',
        }),
      };
    }
    case 'FCUnpublish':
    case 'deleteStream':
    case 'closeStream':
      return { kind: 'unpublish' };
    default:
      return { kind: 'ignore' };
  }
}

// ---- FLV, for ffmpeg ----

/** The FLV file header (audio and video) and the first PreviousTagSize. */
export function flvHeader(): Uint8Array {
  return Uint8Array.of(0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 0x09, 0, 0, 0, 0);
}

/**
 * Pure: an audio, video or metadata message as an FLV tag (with its PreviousTagSize), or
 * undefined for anything else. `@setDataFrame` is dropped from metadata, as FLV stores onMetaData.
 */
export function flvTag(message: RtmpMessage): Uint8Array | undefined {
  let payload = message.payload;
  if (message.type === messageTypes.dataAmf0) {
    const setDataFrame = writeAmf0('@setDataFrame');
    const prefixed =
      payload.byteLength > setDataFrame.byteLength && setDataFrame.every((byte, i) => payload[i] === byte);
    if (prefixed) payload = payload.subarray(setDataFrame.byteLength);
  } else if (message.type !== messageTypes.audio && message.type !== messageTypes.video) {
    return undefined;
  }
  const size = payload.byteLength;
  const ts = message.timestamp >>> 0;
  const tag = new Uint8Array(11 + size + 4);
  tag[0] = message.type;
  tag[1] = (size >> 16) & 0xff;
  tag[2] = (size >> 8) & 0xff;
  tag[3] = size & 0xff;
  tag[4] = (ts >> 16) & 0xff;
  tag[5] = (ts >> 8) & 0xff;
  tag[6] = ts & 0xff;
  tag[7] = (ts >>> 24) & 0xff;
  tag.set(payload, 11);
  new DataView(tag.buffer).setUint32(11 + size, 11 + size);
  return tag;
}

// ---- Who may publish now ----

/**
 * Pure: a push with a good key while another connection is publishing. The same OBS coming back
 * over a link that dropped without a close finds its old connection still open: a publisher silent
 * for `takeOverAfterMs` is taken for gone and replaced. A live one keeps the stream (two encoders
 * with one key would otherwise take turns).
 */
export function admitPublisher(
  current: { lastDataAt: number } | undefined,
  now: number,
  takeOverAfterMs: number,
): 'accept' | 'replace' | 'refuse' {
  if (!current) return 'accept';
  return now - current.lastDataAt >= takeOverAfterMs ? 'replace' : 'refuse';
}
