/**
 * What a viewer's page holds open, counted from inside the page: live timers (setTimeout not yet fired or cleared,
 * setInterval not cleared), RTCPeerConnections and data channels not closed, WebSockets not closed, and a short
 * timeline of its WebSockets (opened, first message, closed) for the tracker drills.
 *
 * The counters are an init script the drill harness installs through the browser automation (playwright's
 * addInitScript, cohort/runner.ts `initScripts`) before any of the page's own scripts run. No URL, attribute or
 * production page can install them. They wrap the page's globals, so they see the player, hls.js and
 * p2p-media-loader alike; a Web Worker's timers (hls.js's transmuxer) are not counted.
 */

/** One reading of a page's counters. */
export interface PageCounts {
  timeouts: number;
  intervals: number;
  peerConnections: number;
  dataChannels: number;
  webSockets: number;
  /** Ever created, for the record. */
  created: { timers: number; peerConnections: number; dataChannels: number; webSockets: number };
}

/** A WebSocket's life, by page clock (Date.now(), the machine's clock: the harness reads the same). */
export interface SocketEvent {
  socket: number;
  url: string;
  kind: 'open' | 'message' | 'close';
  at: number;
}

/** The counters' global; non-enumerable, and only there when the harness installed the script. */
export const pageCountersGlobal = '__edgeswarmDrillCounters';

/** Socket events kept per page (the oldest dropped first), so the counters cannot grow without bound themselves. */
export const maxSocketEvents = 400;

/**
 * The init script. Timers are wrapped by id (browsers share one id pool for timeouts and intervals, and either clear
 * clears both); objects are held through WeakRefs, so counting never keeps one alive, and are pruned once closed.
 */
export const pageCountersScript = `(() => {
  if (window[${JSON.stringify(pageCountersGlobal)}]) return;
  const live = new Map();
  const created = { timers: 0, peerConnections: 0, dataChannels: 0, webSockets: 0 };
  const setT = window.setTimeout, setI = window.setInterval, clearT = window.clearTimeout, clearI = window.clearInterval;
  window.setTimeout = function (fn, ms, ...args) {
    created.timers++;
    if (typeof fn !== 'function') return setT.call(window, fn, ms, ...args);
    const id = setT.call(window, function (...a) { live.delete(id); return fn.apply(this, a); }, ms, ...args);
    live.set(id, 'timeout');
    return id;
  };
  window.setInterval = function (fn, ms, ...args) {
    created.timers++;
    const id = setI.call(window, fn, ms, ...args);
    live.set(id, 'interval');
    return id;
  };
  window.clearTimeout = function (id) { live.delete(id); return clearT.call(window, id); };
  window.clearInterval = function (id) { live.delete(id); return clearI.call(window, id); };

  const pcs = new Set(), channels = new Set(), sockets = new Set(), events = [];
  const keep = (set, object) => set.add(new WeakRef(object));
  const Pc = window.RTCPeerConnection;
  if (Pc) {
    const track = (channel) => { created.dataChannels++; keep(channels, channel); return channel; };
    class CountedPeerConnection extends Pc {
      constructor(...args) {
        super(...args);
        created.peerConnections++;
        keep(pcs, this);
        this.addEventListener('datachannel', (event) => track(event.channel));
      }
      createDataChannel(...args) { return track(super.createDataChannel(...args)); }
    }
    window.RTCPeerConnection = CountedPeerConnection;
  }
  const Ws = window.WebSocket;
  if (Ws) {
    let next = 0;
    const note = (socket, url, kind) => {
      events.push({ socket, url, kind, at: Date.now() });
      if (events.length > ${maxSocketEvents}) events.shift();
    };
    class CountedWebSocket extends Ws {
      constructor(...args) {
        super(...args);
        const socket = ++next, url = String(args[0]);
        created.webSockets++;
        keep(sockets, this);
        this.addEventListener('open', () => note(socket, url, 'open'));
        this.addEventListener('message', () => note(socket, url, 'message'), { once: true });
        this.addEventListener('close', () => note(socket, url, 'close'));
      }
    }
    window.WebSocket = CountedWebSocket;
  }
  const open = (set, isOpen) => {
    let n = 0;
    for (const ref of set) {
      const object = ref.deref();
      if (object && isOpen(object)) n++;
      else set.delete(ref);
    }
    return n;
  };
  Object.defineProperty(window, ${JSON.stringify(pageCountersGlobal)}, {
    enumerable: false,
    value: {
      read() {
        let timeouts = 0, intervals = 0;
        for (const kind of live.values()) kind === 'timeout' ? timeouts++ : intervals++;
        return {
          timeouts,
          intervals,
          peerConnections: open(pcs, (pc) => pc.connectionState !== 'closed' && pc.signalingState !== 'closed'),
          dataChannels: open(channels, (c) => c.readyState !== 'closed'),
          webSockets: open(sockets, (s) => s.readyState !== 3),
          created: { ...created },
        };
      },
      socketEvents: () => events.slice(),
    },
  });
})();`;

/** Evaluated in a page: its counters, or null without them. */
export function readPageCounts(name: string): PageCounts | null {
  const counters = (window as unknown as Record<string, { read(): PageCounts } | undefined>)[name];
  return counters ? counters.read() : null;
}

/** Evaluated in a page: its WebSocket timeline, or null without the counters. */
export function readSocketEvents(name: string): SocketEvent[] | null {
  const counters = (window as unknown as Record<string, { socketEvents(): SocketEvent[] } | undefined>)[name];
  return counters ? counters.socketEvents() : null;
}

/** The counts a soak judges, in the order its figures show them. */
export const pageCountKinds = ['timeouts', 'intervals', 'peerConnections', 'dataChannels', 'webSockets'] as const;
export type PageCountKind = (typeof pageCountKinds)[number];
