/**
 * What a viewer's WebRTC transport did, counted in its page by the harness (an init script the cohort runner adds;
 * the player never counts this): connections made and how long they were held open, and data-channel messages each
 * way by p2p-media-loader command. bench:transport prices each of these in renderer CPU; together they say which part
 * of what P2P costs a renderer is transport, and which is JavaScript.
 */
import type { Page } from 'playwright-core';

export interface TransportCount {
  /** RTCPeerConnections the page made (offers, and answers to others' offers). */
  connections: number;
  /** Of those, the ones that connected. */
  connected: number;
  /** Seconds connections were held connected, summed over connections (7 held for a minute: 420). */
  connectionSeconds: number;
  /** Data-channel messages by kind: p2p-media-loader's commands by name, `chunk` for segment bytes. */
  sent: Record<string, number>;
  received: Record<string, number>;
  bytesSent: number;
  bytesReceived: number;
  /** When each connection was made, ms on the page's clock (the first `timesKept`; absent from runs before aac7f08). */
  madeAtMs?: number[];
  /** When the page first held k connections connected at once, at index k − 1, ms on the page's clock (as madeAtMs). */
  heldAtOnceMs?: number[];
}

/** Times kept per list: far more connections than a viewer makes in a run, bounded for a page left open. */
const timesKept = 200;

/** p2p-media-loader 2.x's command types in the order of its PeerCommandType enum (p2p/commands/types.ts). */
export const commandKinds = ['announcement', 'request', 'data', 'done', 'absent', 'cancel'] as const;

/**
 * The init script (a string: it runs in the page before anything else). It wraps RTCPeerConnection (a subclass, so
 * instanceof and its statics hold) and RTCDataChannel's send and message handlers; a message is classified by
 * p2p-media-loader's binary framing (`cstr`, then the command type byte; `dstr` for one split in parts).
 */
export const transportCountScript = `(() => {
  if (window.edgeswarmTransport) return;
  const kinds = ${JSON.stringify(commandKinds)};
  const t = { connections: 0, connected: 0, heldMs: 0, open: new Map(), sent: {}, received: {}, bytesSent: 0, bytesReceived: 0,
    madeAtMs: [], heldAtOnceMs: [] };
  const framed = (u, a, b, c, d) => u[0] === a && u[1] === b && u[2] === c && u[3] === d;
  const kind = (data) => {
    if (typeof data === 'string') return 'text';
    const u = data instanceof ArrayBuffer ? new Uint8Array(data, 0, Math.min(5, data.byteLength))
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, Math.min(5, data.byteLength)) : null;
    if (!u) return 'other';
    if (u.length === 5 && framed(u, 99, 115, 116, 114)) return kinds[u[4]] || 'command';
    if (u.length === 5 && framed(u, 100, 115, 116, 114)) return 'command-part';
    return 'chunk';
  };
  const size = (data) => (typeof data === 'string' ? data.length : data.byteLength ?? data.size ?? 0);
  const count = (into, data) => { const k = kind(data); into[k] = (into[k] || 0) + 1; };
  const Base = window.RTCPeerConnection;
  if (Base) {
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        t.connections++;
        if (t.madeAtMs.length < ${timesKept}) t.madeAtMs.push(performance.now());
        this.addEventListener('connectionstatechange', () => {
          const state = this.connectionState;
          if (state === 'connected' && !t.open.has(this)) {
            const at = performance.now();
            t.connected++;
            t.open.set(this, at);
            if (t.open.size > t.heldAtOnceMs.length && t.heldAtOnceMs.length < ${timesKept}) t.heldAtOnceMs.push(at);
          }
          else if (state !== 'connected' && t.open.has(this)) { t.heldMs += performance.now() - t.open.get(this); t.open.delete(this); }
        });
        const close = this.close;
        this.close = (...a) => {
          if (t.open.has(this)) { t.heldMs += performance.now() - t.open.get(this); t.open.delete(this); }
          return close.apply(this, a);
        };
      }
    };
  }
  const Channel = window.RTCDataChannel;
  if (Channel) {
    const send = Channel.prototype.send;
    Channel.prototype.send = function (data) { count(t.sent, data); t.bytesSent += size(data); return send.call(this, data); };
    const counted = (handler) => function (event) { count(t.received, event.data); t.bytesReceived += size(event.data); return handler.call(this, event); };
    const onmessage = Object.getOwnPropertyDescriptor(Channel.prototype, 'onmessage');
    Object.defineProperty(Channel.prototype, 'onmessage', {
      configurable: true,
      get() { return onmessage.get.call(this); },
      set(handler) { onmessage.set.call(this, typeof handler === 'function' ? counted(handler) : handler); },
    });
    const listen = Channel.prototype.addEventListener;
    Channel.prototype.addEventListener = function (type, handler, options) {
      return listen.call(this, type, type === 'message' && typeof handler === 'function' ? counted(handler) : handler, options);
    };
  }
  window.edgeswarmTransport = () => {
    let heldMs = t.heldMs;
    const now = performance.now();
    for (const since of t.open.values()) heldMs += now - since;
    return { connections: t.connections, connected: t.connected, connectionSeconds: heldMs / 1000, sent: { ...t.sent },
      received: { ...t.received }, bytesSent: t.bytesSent, bytesReceived: t.bytesReceived, madeAtMs: [...t.madeAtMs],
      heldAtOnceMs: [...t.heldAtOnceMs] };
  };
})();`;

const isCounts = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(value).every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0);

const isCount = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

const isTimes = (value: unknown): value is number[] => Array.isArray(value) && value.every(isCount);

/** Pure: a page's count as read, or null if it is not one (no script, or something else under the name). */
export function toTransportCount(value: unknown): TransportCount | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const numbers = ['connections', 'connected', 'connectionSeconds', 'bytesSent', 'bytesReceived'];
  if (!numbers.every((key) => isCount(v[key])) || !isCounts(v.sent) || !isCounts(v.received)) return null;
  if (!isTimes(v.madeAtMs) || !isTimes(v.heldAtOnceMs)) return null;
  return {
    connections: v.connections as number,
    connected: v.connected as number,
    connectionSeconds: v.connectionSeconds as number,
    sent: v.sent,
    received: v.received,
    bytesSent: v.bytesSent as number,
    bytesReceived: v.bytesReceived as number,
    madeAtMs: v.madeAtMs,
    heldAtOnceMs: v.heldAtOnceMs,
  };
}

/**
 * Pure: the connections a page made after it first held `held` connected at once; null if it never did. Connections,
 * not peers: two to one peer (an offer answered while its own was opening) count twice.
 */
export function madeAfterHolding(
  count: Pick<TransportCount, 'madeAtMs' | 'heldAtOnceMs'>,
  held: number,
): number | null {
  const since = count.heldAtOnceMs?.[held - 1];
  if (since === undefined) return null;
  return (count.madeAtMs ?? []).filter((at) => at > since).length;
}

/** Pure: every message of a count, one way. */
export function messageTotal(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** The page's count so far, or null (no script, or the page is gone). */
export async function readTransportCount(page: Page): Promise<TransportCount | null> {
  try {
    const raw = await page.evaluate(() => {
      const read = (window as unknown as { edgeswarmTransport?: () => unknown }).edgeswarmTransport;
      return typeof read === 'function' ? read() : null;
    });
    return toTransportCount(raw);
  } catch {
    return null;
  }
}

export interface TransportSummary {
  /** Connections made per viewer (mean). */
  made: number;
  /** Connections held open at a time per viewer: its connection-seconds over its watched seconds (mean). */
  held: number;
  /** Data-channel messages per viewer besides segment chunks, each way (mean). */
  messagesSent: number;
  messagesReceived: number;
}

/** Pure: a cohort's transport per viewer, over the viewers that have a count; null if none has. */
export function summariseTransport(
  viewers: readonly { transport?: TransportCount; watchedSeconds: number }[],
): TransportSummary | null {
  const counted = viewers.filter((v): v is { transport: TransportCount; watchedSeconds: number } =>
    Boolean(v.transport),
  );
  if (counted.length === 0) return null;
  const mean = (f: (t: TransportCount, watched: number) => number) =>
    counted.reduce((sum, v) => sum + f(v.transport, v.watchedSeconds), 0) / counted.length;
  return {
    made: mean((t) => t.connections),
    held: mean((t, watched) => (watched > 0 ? t.connectionSeconds / watched : 0)),
    messagesSent: mean((t) => messageTotal(t.sent) - (t.sent.chunk ?? 0)),
    messagesReceived: mean((t) => messageTotal(t.received) - (t.received.chunk ?? 0)),
  };
}
