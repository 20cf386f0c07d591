/**
 * What the player counts, and the beacons it sends: cumulative counters here,
 * deltas on the wire (see protocol/src/beacon.ts). Pure except `sendBeacons`.
 */
import {
  type Beacon,
  type CounterKey,
  type Counters,
  countersFrom,
  type PlaybackMode,
  zeroCounters,
} from '@edgeswarm/protocol';

/** The player's running totals are the beacon's counters (protocol/src/counters.ts), cumulative. */

export interface Gauges {
  peers: number;
  bufferSeconds: number;
  latencySeconds?: number;
  startupMs?: number;
  region?: string;
}

/**
 * Which media segments p2p-media-loader fetched (from the edge or a peer),
 * so hls.js's own loads can be counted too: before P2P starts, and whenever
 * the engine does not know a segment yet, hls.js fetches it from the edge
 * itself and p2p-media-loader's byte events never see it. Keeps the newest
 * `limit` URLs.
 */
export class EngineLoads {
  private readonly urls = new Set<string>();

  constructor(private readonly limit = 500) {}

  loaded(url: string): void {
    this.urls.delete(url);
    this.urls.add(url);
    for (const oldest of this.urls) {
      if (this.urls.size <= this.limit) break;
      this.urls.delete(oldest);
    }
  }

  /** Whether hls.js got this segment from p2p-media-loader (whose events counted its bytes already). */
  served(url: string): boolean {
    return this.urls.has(url);
  }
}

export function offloadPercent(c: Pick<Counters, 'httpBytes' | 'p2pBytes'>): number {
  const total = c.httpBytes + c.p2pBytes;
  return total === 0 ? 0 : (100 * c.p2pBytes) / total;
}

export interface BeaconContext {
  stream: string;
  viewer: string;
  mode: PlaybackMode;
}

/** Pure: the beacon for the counters since `previous`. */
export function buildBeacon(
  context: BeaconContext,
  seq: number,
  intervalMs: number,
  now: Counters,
  previous: Counters,
  gauges: Gauges,
  final = false,
): Beacon {
  const delta = (key: CounterKey) => Math.max(0, Math.round(now[key] - previous[key]));
  const deltas = countersFrom(delta);
  // No more stall time than the interval it was measured in.
  deltas.stallMs = Math.min(deltas.stallMs, Math.round(intervalMs));
  const beacon: Beacon = {
    v: 1,
    ...context,
    seq,
    intervalMs: Math.round(intervalMs),
    ...deltas,
    peers: gauges.peers,
    bufferSeconds: Math.round(Math.max(0, gauges.bufferSeconds) * 100) / 100,
  };
  if (gauges.latencySeconds !== undefined && gauges.latencySeconds >= 0) {
    beacon.latencySeconds = Math.round(gauges.latencySeconds * 100) / 100;
  }
  if (gauges.startupMs !== undefined) beacon.startupMs = Math.round(gauges.startupMs);
  if (gauges.region) beacon.region = gauges.region;
  if (final) beacon.final = true;
  return beacon;
}

export interface BeaconSender {
  /** Sends the beacon for everything since the last one. */
  flush(final?: boolean): void;
  stop(): void;
}

/** Sends a beacon every `intervalMs` and a final one when the page is hidden or closed. */
export function sendBeacons(
  url: string,
  context: BeaconContext,
  read: () => { counters: Counters; gauges: Gauges },
  intervalMs: number,
): BeaconSender {
  let seq = 0;
  let previous = zeroCounters();
  let last = performance.now();
  let startupSent = false;
  const flush = (final = false) => {
    const { counters, gauges } = read();
    const now = performance.now();
    const g = { ...gauges };
    if (startupSent) delete g.startupMs;
    else if (g.startupMs !== undefined) startupSent = true;
    const beacon = buildBeacon(context, seq++, now - last, counters, previous, g, final);
    previous = { ...counters };
    last = now;
    const body = JSON.stringify(beacon);
    if (!navigator.sendBeacon?.(url, body)) {
      void fetch(url, { method: 'POST', body, keepalive: true }).catch(() => {});
    }
  };
  const timer = setInterval(() => flush(), intervalMs);
  const onHide = () => {
    if (document.visibilityState === 'hidden') flush(true);
  };
  const onPageHide = () => flush(true);
  document.addEventListener('visibilitychange', onHide);
  window.addEventListener('pagehide', onPageHide);
  return {
    flush,
    stop() {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onHide);
      window.removeEventListener('pagehide', onPageHide);
    },
  };
}
