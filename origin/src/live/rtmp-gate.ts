/**
 * The RTMP listener OBS pushes to. ffmpeg's own listener takes any stream key
 * (it only warns), so we take the push ourselves: the handshake, connect and
 * createStream, then the publish with its key. A key that is neither the
 * stream's publish key nor one given on the command line is refused
 * (NetStream.Publish.BadName) and the connection closed, before a byte of media
 * reaches ffmpeg. An accepted push's audio, video and metadata go to ffmpeg as
 * FLV on its stdin; when the encoder stops, ffmpeg's input ends.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import {
  acknowledgement,
  answerCommand,
  ChunkReader,
  flvHeader,
  flvTag,
  messageTypes,
  type RtmpMessage,
  readAmf0,
} from './rtmp-protocol';

export interface RtmpGateOptions {
  host: string;
  port: number;
  /** The stream keys that may publish: the stream's publish key, and --rtmp-key if given. */
  keys: readonly string[];
  /** ffmpeg's stdin: receives FLV once a push is accepted, and ends when it stops. */
  output: Writable;
  log: (line: string) => void;
}

export interface RtmpGate {
  /** Resolves when an encoder's push has been accepted. */
  accepted: Promise<void>;
  close(): Promise<void>;
}

const handshakeSize = 1536;

export async function startRtmpGate(options: RtmpGateOptions): Promise<RtmpGate> {
  let publisher: Socket | undefined;
  let published = false;
  let outputEnded = false;
  let onAccepted: () => void = () => {};
  const accepted = new Promise<void>((resolve) => {
    onAccepted = resolve;
  });
  const sockets = new Set<Socket>();

  const endOutput = () => {
    if (outputEnded) return;
    outputEnded = true;
    options.output.end();
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    let stage: 'c0c1' | 'c2' | 'chunks' = 'c0c1';
    let pending = Buffer.alloc(0);
    const reader = new ChunkReader();
    let windowAckSize = 0;
    let acked = 0;

    const refuse = (why: string, bytes?: Uint8Array) => {
      options.log(`rtmp: refused a push from ${peer}: ${why}; nothing was published`);
      if (bytes) socket.write(bytes);
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
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
          if (publisher && publisher !== socket) return refuse('another encoder is publishing');
          if (outputEnded) return refuse('this run has ended; start the publisher again');
          socket.write(outcome.bytes);
          if (!published) options.output.write(flvHeader());
          publisher = socket;
          published = true;
          options.log(`rtmp: publishing the push from ${peer}`);
          onAccepted();
        } else if (outcome.kind === 'unpublish' && publisher === socket) {
          endOutput();
        }
        return;
      }
      if (publisher !== socket || outputEnded) return; // media before an accepted publish goes nowhere
      const tag = flvTag(message);
      if (tag && !options.output.write(tag)) {
        socket.pause();
        options.output.once('drain', () => socket.resume());
      }
    };

    socket.on('data', (data: Buffer) => {
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
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (publisher === socket) endOutput();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // ffmpeg may stop reading (Ctrl-C, or it failed): nothing more to write then.
  options.output.on('error', () => {
    outputEnded = true;
  });

  return {
    accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      endOutput();
    },
  };
}
