// Types for the two untyped packages the tracker tests and benchmark drive: only
// what they use. Checked against bittorrent-tracker 11.2 (client.js, server.js)
// and ws 8.18.

declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events';

  export interface ClientOptions {
    /** 40 hex digits, or the 20 bytes. */
    infoHash: string | Uint8Array;
    peerId: string | Uint8Array;
    announce: string | string[];
    /** Required in Node (an HTTP/UDP concept; unused by WebSocket trackers). */
    port: number;
    rtcConfig?: { iceServers?: unknown[] };
    getAnnounceOpts?: () => Record<string, unknown>;
  }

  export interface AnnounceUpdate {
    announce: string;
    infoHash: string;
    complete: number;
    incomplete: number;
    interval?: number;
  }

  /** A simple-peer instance: a duplex stream over an RTCDataChannel. */
  export interface TrackerPeer extends EventEmitter {
    id: string;
    connected: boolean;
    send(data: string | Uint8Array): void;
    destroy(error?: Error): void;
  }

  export interface AnnounceOptions {
    numwant?: number;
    uploaded?: number;
    downloaded?: number;
    left?: number;
  }

  export class Client extends EventEmitter {
    constructor(options: ClientOptions);
    readonly infoHash: string;
    readonly peerId: string;
    start(options?: AnnounceOptions): void;
    stop(options?: AnnounceOptions): void;
    complete(options?: AnnounceOptions): void;
    update(options?: AnnounceOptions): void;
    scrape(options?: { infoHash?: string | string[] }): void;
    destroy(callback?: (error?: Error | null) => void): void;
    on(event: 'update', listener: (data: AnnounceUpdate) => void): this;
    on(event: 'peer', listener: (peer: TrackerPeer) => void): this;
    on(event: 'warning' | 'error', listener: (error: Error) => void): this;
    on(event: 'scrape', listener: (data: AnnounceUpdate) => void): this;
  }

  export interface ServerOptions {
    /** Announce interval in ms (WebSocket clients are told a fifth of it). */
    interval?: number;
    http?: boolean;
    udp?: boolean;
    ws?: boolean | Record<string, unknown>;
    stats?: boolean;
    peersCacheLength?: number;
  }

  export class Server extends EventEmitter {
    constructor(options?: ServerOptions);
    /** The HTTP server the WebSocket server is attached to (it is created even with http: false). */
    readonly http: import('node:http').Server | null;
    readonly torrents: Record<string, { complete: number; incomplete: number }>;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(callback?: (error?: Error | null) => void): void;
  }

  export default Client;
}

declare module 'ws' {
  import type { EventEmitter } from 'node:events';

  export default class WebSocket extends EventEmitter {
    constructor(
      url: string,
      options?: { maxPayload?: number; perMessageDeflate?: boolean; headers?: Record<string, string> },
    );
    static readonly OPEN: number;
    readonly readyState: number;
    send(data: string | Uint8Array, callback?: (error?: Error) => void): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    on(event: 'open', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    /** The server answered the upgrade with something other than 101 (the flood drill reads its status). */
    on(
      event: 'unexpected-response',
      listener: (request: import('node:http').ClientRequest, response: import('node:http').IncomingMessage) => void,
    ): this;
    once(event: 'open', listener: () => void): this;
    once(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
  }

  /** The server side, for loopback tests that capture what a stock client sends. */
  export class WebSocketServer extends EventEmitter {
    constructor(options: { host: string; port: number });
    address(): import('node:net').AddressInfo | string;
    close(): void;
    on(event: 'connection', listener: (socket: WebSocket, request: import('node:http').IncomingMessage) => void): this;
    once(event: 'listening', listener: () => void): this;
  }
}
