/**
 * The RTMP listener OBS pushes to. ffmpeg's own listener takes any stream key
 * (it only warns), so we take the push ourselves: the handshake, connect and
 * createStream, then the publish with its key. A key that is neither the
 * stream's publish key nor one given on the command line is refused
 * (NetStream.Publish.BadName) and the connection closed, before a byte of media
 * reaches ffmpeg.
 *
 * The listener outlives a push: OBS that stops and starts streaming, or that
 * reconnects after a network blip, pushes again to the same listener. Each
 * accepted push is handed out once its picture is known (the encoder's
 * onMetaData, or its first video frame); the publisher pipes its FLV (header,
 * metadata, audio, video) into an ffmpeg of its own, which sees its input end
 * when the encoder stops.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { type IncomingStream, readOnMetaData } from './incoming-stream';
import {
  acknowledgement,
  admitPublisher,
  answerCommand,
  ChunkReader,
  flvHeader,
  flvTag,
  messageTypes,
  type RtmpMessage,
  readAmf0,
} from './rtmp-protocol';

export interface RtmpGateLimits {
  /** A connection silent this long is dropped: a link that died may never close its socket. */
  idleTimeoutMs: number;
  /** A new push with a good key replaces a publisher silent this long (OBS reconnecting over a dead link). */
  takeOverAfterMs: number;
  /** Media held for a push nobody has piped yet, before its socket is paused (the encoder then buffers). */
  maxBufferedBytes: number;
}

export const rtmpGateDefaults: RtmpGateLimits = {
  idleTimeoutMs: 10_000,
  takeOverAfterMs: 2_000,
  maxBufferedBytes: 8 * 1024 * 1024,
};

export interface RtmpGateOptions {
  host: string;
  port: number;
  /** The stream keys that may publish: the stream's publish key, and --rtmp-key if given. */
  keys: readonly string[];
  log: (line: string) => void;
  limits?: Partial<RtmpGateLimits>;
}

/** One accepted push, from publish to the encoder's stop or drop. */
export interface RtmpPush {
  peer: string;
  /** What the encoder said about its picture (onMetaData), if anything. */
  metadata: IncomingStream | undefined;
  /** Wall-clock ms when its first audio or video arrived: the capture time of its first frame, near enough. */
  firstMediaAt: number;
  /** Sends the push's FLV, from its header, to `output`, and ends `output` when the push ends. Once. */
  pipe(output: Writable): void;
  /** Drops the encoder's connection (its FLV output ends). */
  drop(): void;
  /** Settles when the push ends: the encoder stopped, dropped, or was dropped. */
  ended: Promise<void>;
}

export interface RtmpGate {
  /** The port it listens on (the one asked for, or the one given for port 0). */
  port: number;
  /** The next accepted push whose picture is known; undefined if `signal` aborts first. */
  nextPush(signal?: AbortSignal): Promise<RtmpPush | undefined>;
  close(): Promise<void>;
}

const handshakeSize = 1536;

/** A push's FLV: held until the publisher pipes it, then streamed with backpressure. */
class PushStream {
  metadata: IncomingStream | undefined;
  firstMediaAt = 0;
  ready = false;
  endedFlag = false;
  private held: Uint8Array[] = [flvHeader()];
  private heldBytes = 0;
  private output: Writable | undefined;
  private draining = false;
  private resolveEnded: () => void = () => {};
  readonly ended = new Promise<void>((resolve) => {
    this.resolveEnded = resolve;
  });

  constructor(
    readonly socket: Socket,
    readonly peer: string,
    private readonly maxBufferedBytes: number,
  ) {}

  write(bytes: Uint8Array): void {
    if (this.endedFlag) return;
    if (!this.output) {
      this.held.push(bytes);
      this.heldBytes += bytes.byteLength;
      if (this.heldBytes > this.maxBufferedBytes) this.socket.pause();
      return;
    }
    if (!this.output.write(bytes) && !this.draining) {
      this.draining = true;
      this.socket.pause();
      this.output.once('drain', () => {
        this.draining = false;
        this.socket.resume();
      });
    }
  }

  pipe(output: Writable): void {
    if (this.output) throw new Error('a push is piped once');
    this.output = output;
    // ffmpeg may stop reading (it failed, or --duration): nothing more to write then.
    output.on('error', () => this.end());
    for (const bytes of this.held) output.write(bytes);
    this.held = [];
    this.heldBytes = 0;
    this.socket.resume();
    if (this.endedFlag) output.end();
  }

  end(): void {
    if (this.endedFlag) return;
    this.endedFlag = true;
    if (this.output && !this.output.writableEnded) this.output.end();
    this.resolveEnded();
  }

  handle(): RtmpPush {
    return {
      peer: this.peer,
      metadata: this.metadata,
      firstMediaAt: this.firstMediaAt,
      pipe: (output) => this.pipe(output),
      drop: () => this.socket.destroy(),
      ended: this.ended,
    };
  }
}

export async function startRtmpGate(options: RtmpGateOptions): Promise<RtmpGate> {
  const limits = { ...rtmpGateDefaults, ...options.limits };
  let current: { socket: Socket; push: PushStream; lastDataAt: number } | undefined;
  let closed = false;
  const ready: PushStream[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();

  const markReady = (push: PushStream) => {
    if (push.ready) return;
    push.ready = true;
    ready.push(push);
    for (const wake of waiters) wake();
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    let stage: 'c0c1' | 'c2' | 'chunks' = 'c0c1';
    let pending = Buffer.alloc(0);
    const reader = new ChunkReader();
    let windowAckSize = 0;
    let acked = 0;
    let push: PushStream | undefined;

    const refuse = (why: string, bytes?: Uint8Array) => {
      options.log(`rtmp: refused a push from ${peer}: ${why}; nothing was published`);
      if (bytes) socket.write(bytes);
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    };

    const endPush = () => {
      if (!push) return;
      const ending = push;
      push = undefined;
      if (current?.push === ending) current = undefined;
      ending.end();
      // Ended before its picture was known: nothing to hand out.
      if (!ending.ready) return;
      if (ending.firstMediaAt) options.log(`rtmp: the encoder at ${peer} stopped`);
    };

    const handle = (message: RtmpMessage) => {
      if (message.type === messageTypes.windowAckSize && message.payload.byteLength >= 4) {
        windowAckSize = Buffer.from(message.payload).readUInt32BE(0);
        return;
      }
      if (message.type === messageTypes.commandAmf0 || message.type === messageTypes.commandAmf3) {
        const body = message.type === messageTypes.commandAmf3 ? message.payload.subarray(1) : message.payload;
        const outcome = answerCommand(readAmf0(body), options.keys);
        if (outcome.kind === 'reply') socket.write(outcome.bytes);
        else if (outcome.kind === 'refuse') refuse('wrong stream key', outcome.bytes);
        else if (outcome.kind === 'publish') {
          if (push) return; // a second publish on one connection: the first stands
          if (closed) return refuse('the publisher is stopping');
          const now = Date.now();
          const admitted = admitPublisher(current, now, limits.takeOverAfterMs);
          if (admitted === 'refuse') return refuse('another encoder is publishing');
          if (admitted === 'replace' && current) {
            options.log(`rtmp: the encoder at ${peer} replaces a silent one`);
            current.socket.destroy();
            current = undefined;
          }
          socket.write(outcome.bytes);
          push = new PushStream(socket, peer, limits.maxBufferedBytes);
          current = { socket, push, lastDataAt: now };
          options.log(`rtmp: publishing the push from ${peer}`);
        } else if (outcome.kind === 'unpublish' && push) {
          endPush();
        }
        return;
      }
      if (!push || push.endedFlag) return; // media before an accepted publish goes nowhere
      if (message.type === messageTypes.dataAmf0 && !push.ready) {
        try {
          const described = readOnMetaData(readAmf0(message.payload));
          if (described) push.metadata = described;
        } catch {
          // unreadable metadata: the first video frame decides instead
        }
      }
      if ((message.type === messageTypes.audio || message.type === messageTypes.video) && !push.firstMediaAt) {
        push.firstMediaAt = Date.now();
      }
      const tag = flvTag(message);
      if (tag) push.write(tag);
      // The picture is known: from onMetaData, or (without one) once video starts.
      if (push.metadata || message.type === messageTypes.video) {
        if (!push.firstMediaAt) push.firstMediaAt = Date.now();
        markReady(push);
      }
    };

    socket.on('data', (data: Buffer) => {
      if (current?.socket === socket) current.lastDataAt = Date.now();
      try {
        if (stage !== 'chunks') {
          pending = Buffer.concat([pending, data]);
          if (stage === 'c0c1') {
            if (pending.byteLength < 1 + handshakeSize) return;
            if (pending[0] !== 3) return refuse(`not RTMP (version byte ${pending[0]})`);
            const c1 = pending.subarray(1, 1 + handshakeSize);
            // S1: time, four zero bytes (the plain handshake, no digest), random; S2 echoes C1.
            const s1 = Buffer.concat([Buffer.alloc(8), randomBytes(handshakeSize - 8)]);
            socket.write(Buffer.concat([Buffer.of(3), s1, c1]));
            pending = pending.subarray(1 + handshakeSize);
            stage = 'c2';
          }
          if (pending.byteLength < handshakeSize) return;
          data = pending.subarray(handshakeSize);
          pending = Buffer.alloc(0);
          stage = 'chunks';
        }
        for (const message of reader.push(data)) handle(message);
        if (windowAckSize > 0 && reader.bytesRead - acked >= windowAckSize) {
          acked = reader.bytesRead;
          socket.write(acknowledgement(acked));
        }
      } catch (error) {
        refuse(`unreadable RTMP (${(error as Error).message})`);
      }
    });
    socket.on('timeout', () => {
      if (push)
        options.log(`rtmp: nothing from the encoder at ${peer} for ${limits.idleTimeoutMs / 1000} s; dropping it`);
      socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      endPush();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    async nextPush(signal) {
      for (;;) {
        const next = ready.shift();
        if (next) return next.handle();
        if (closed || signal?.aborted) return undefined;
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            signal?.removeEventListener('abort', wake);
            resolve();
          };
          waiters.add(wake);
          signal?.addEventListener('abort', wake, { once: true });
        });
      }
    },
    close: async () => {
      closed = true;
      for (const wake of waiters) wake();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
