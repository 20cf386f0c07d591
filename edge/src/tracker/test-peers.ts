/**
 * Tracker clients for the workerd tests, speaking the wire format by hand in
 * the shapes bittorrent-tracker and p2p-media-loader send, and the stream's
 * real swarms published into R2 (the tracker admits no others).
 */
import { env, exports } from 'cloudflare:workers';
import { multivariantName, storageKey } from '@edgeswarm/protocol';
import { expect } from 'vitest';
import { playerSwarmId, streamShortId, swarmInfoHash, type VariantAttributes } from './swarm-ids';

export type Message = Record<string, unknown>;

let streamCounter = 0;
export const newStream = () => `trk${Date.now().toString(36)}${streamCounter++}`;
export const id = (name: string) => name.padEnd(20, '.').slice(0, 20);
export const offers = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    offer_id: id(`${from}~${i}`),
    offer: { type: 'offer', sdp: `v=0 ${from} ${i}` },
  }));

export class TestPeer {
  private readonly inbox: Message[] = [];
  private readonly waiting: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      const waiter = this.waiting.findIndex((w) => w.match(message));
      if (waiter >= 0) this.waiting.splice(waiter, 1)[0]?.resolve(message);
      else this.inbox.push(message);
    });
    this.closed = new Promise((resolve) =>
      ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
    );
  }

  static async open(stream: string, query = ''): Promise<TestPeer> {
    const response = await exports.default.fetch(
      new Request(`https://edge.test/v1/tracker/${stream}?${query}`, { headers: { Upgrade: 'websocket' } }),
    );
    expect(response.status).toBe(101);
    const ws = response.webSocket;
    if (!ws) throw new Error('no WebSocket in the 101 response');
    ws.accept();
    return new TestPeer(ws);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (already received or still to come) that matches. */
  next(match: (m: Message) => boolean = () => true): Promise<Message> {
    const index = this.inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0] as Message);
    return new Promise((resolve) => this.waiting.push({ match, resolve }));
  }

  /** Everything received so far that matches, after a round trip proving earlier relays have arrived. */
  async drain(match: (m: Message) => boolean): Promise<Message[]> {
    this.send({ action: 'scrape', info_hash: id('barrier') });
    await this.next((m) => m.action === 'scrape');
    const found = this.inbox.filter(match);
    for (const m of found) this.inbox.splice(this.inbox.indexOf(m), 1);
    return found;
  }

  async announce(infoHash: string, peerId: string, fields: Message = {}): Promise<Message> {
    this.send({
      numwant: 5,
      uploaded: 0,
      downloaded: 0,
      action: 'announce',
      info_hash: infoHash,
      peer_id: peerId,
      ...fields,
    });
    return this.next((m) => m.info_hash === infoHash && ('interval' in m || 'failure reason' in m));
  }
}

/**
 * Publishes a multivariant playlist of `count` variants for the stream (straight into R2) and
 * returns their swarms' info_hashes under our player's swarm id: the tracker admits only those.
 */
export async function realSwarms(stream: string, count = 1): Promise<string[]> {
  const variants: VariantAttributes[] = Array.from({ length: count }, (_, i) => ({
    bitrate: 100_000 * (i + 1),
    videoCodec: 'avc1.64001f',
    width: 640,
    height: 360,
    frameRate: '30.000',
  }));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7'];
  for (const [i, v] of variants.entries()) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.bitrate},RESOLUTION=640x360,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000`,
    );
    lines.push(`r${i}/index.m3u8`);
  }
  await env.MEDIA.put(storageKey(stream, multivariantName), `${lines.join('\n')}\n`);
  return Promise.all(variants.map(async (v) => swarmInfoHash(playerSwarmId(stream), await streamShortId(v))));
}

export const isOffer = (m: Message) => 'offer' in m;
