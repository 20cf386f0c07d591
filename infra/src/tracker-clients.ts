/**
 * Clients for exercising the tracker from Node: the stock bittorrent-tracker
 * Client (with real WebRTC through node-datachannel), p2p-media-loader's way of
 * naming swarms and peers, and a raw WebSocket for what no stock client sends
 * (abuse, load). Shared by the e2e tests and bench:tracker.
 *
 * WebRTC: bittorrent-tracker's simple-peer imports `webrtc-polyfill`, which is
 * node-datachannel underneath (0.33.4 through the root package.json override),
 * so no `wrtc` option is needed. ICE stays local: no STUN/TURN servers, so only
 * host candidates on this machine's own addresses are ever tried.
 */
import { randomBytes } from 'node:crypto';
import { playlistIngestDefaults } from '@edgeswarm/protocol';
import { type AnnounceUpdate, Client, type TrackerPeer } from 'bittorrent-tracker';
import WebSocket from 'ws';
import { playerSwarmId, streamShortId, swarmInfoHash, type VariantAttributes } from '../../edge/src/tracker/swarm-ids';

/** The WebSocket tracker URL for a stream on a local edge, with a region override. */
export function trackerUrl(edgeUrl: string, stream: string, region: Record<string, string | number> = {}): string {
  const url = new URL(`/v1/tracker/${stream}`, edgeUrl.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(region)) url.searchParams.set(key, String(value));
  return url.toString();
}

/**
 * Publishes a multivariant playlist of `count` variants for `stream` through the edge's ingest
 * API, and returns each variant's swarm info_hash under our player's swarm id, as bytes for the
 * stock client (the tracker admits no other info_hash: edge/src/tracker/swarm-ids.ts). Ingest
 * takes at most `playlistIngestDefaults.maxVariants` variants, so that is the most swarms a
 * stream (and this) can have.
 */
export async function publishSwarms(edgeUrl: string, secret: string, stream: string, count = 1): Promise<Uint8Array[]> {
  const variants: VariantAttributes[] = Array.from(
    { length: Math.min(count, playlistIngestDefaults.maxVariants) },
    (_, i) => ({ bitrate: 100_000 * (i + 1) }),
  );
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7'];
  for (const [i, v] of variants.entries()) lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${v.bitrate}`, `r${i}/index.m3u8`);
  const response = await fetch(`${edgeUrl}/v1/streams/${stream}/master.m3u8`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${secret}` },
    body: `${lines.join('\n')}\n`,
  });
  if (!response.ok) throw new Error(`publishing ${stream}'s playlist: ${response.status} ${await response.text()}`);
  const hashes = await Promise.all(
    variants.map(async (v) => swarmInfoHash(playerSwarmId(stream), await streamShortId(v))),
  );
  return hashes.map((hash) => new TextEncoder().encode(hash));
}

export function stockClient(announce: string, infoHash: string | Uint8Array, peerId: string | Uint8Array): Client {
  return new Client({ infoHash, peerId, announce: [announce], port: 6881, rtcConfig: { iceServers: [] } });
}

/** p2p-media-loader-core 2.3's peer id: "-PM0203-" and 12 characters from its alphabet. */
export function p2pmlPeerId(): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const tail = Array.from(randomBytes(12), (byte) => alphabet[byte % alphabet.length]).join('');
  return new TextEncoder().encode(`-PM0203-${tail}`);
}

export function nextUpdate(client: Client): Promise<AnnounceUpdate> {
  return new Promise((resolve) => client.once('update', resolve));
}

/**
 * Resolves once `a` and `b` have found each other through the tracker, opened a
 * WebRTC data channel, and each has received the other's greeting over it.
 */
export function exchangeOverDataChannel(a: Client, b: Client): Promise<{ aHeard: string; bHeard: string }> {
  const heard = (client: Client, greeting: string) =>
    new Promise<string>((resolve) => {
      client.on('peer', (peer: TrackerPeer) => {
        peer.on('error', () => peer.destroy()); // e.g. the duplicate of a pair that connected both ways
        peer.on('connect', () => peer.send(greeting));
        peer.on('data', (data: Uint8Array) => resolve(new TextDecoder().decode(data)));
      });
    });
  return Promise.all([heard(a, 'hello from a'), heard(b, 'hello from b')]).then(([aHeard, bHeard]) => ({
    aHeard,
    bHeard,
  }));
}

export function destroyClient(client: Client): Promise<void> {
  return new Promise((resolve) => client.destroy(() => resolve()));
}

/** A bare WebSocket speaking the tracker wire format by hand. */
export class RawTrackerSocket {
  readonly messages: Record<string, unknown>[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private listeners: ((message: Record<string, unknown>) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      this.messages.push(message);
      for (const listener of this.listeners) listener(message);
    });
    ws.on('error', () => {}); // surfaces as 'close'
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(url: string): Promise<RawTrackerSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawTrackerSocket(ws)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message matching, already received or still to come. */
  next(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const found = this.messages.find(match);
    if (found) {
      this.messages.splice(this.messages.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve) => {
      const listener = (message: Record<string, unknown>) => {
        if (!match(message)) return;
        this.listeners = this.listeners.filter((l) => l !== listener);
        this.messages.splice(this.messages.indexOf(message), 1);
        resolve(message);
      };
      this.listeners.push(listener);
    });
  }

  onMessage(listener: (message: Record<string, unknown>) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.ws.close(1000, 'done');
  }
}
