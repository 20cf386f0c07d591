/**
 * The tracker against stock clients: `wrangler dev` (workerd, local Durable
 * Objects) and the unmodified bittorrent-tracker Client from npm, with real
 * WebRTC data channels between Node peers (node-datachannel). Loopback only;
 * no STUN servers. The region override is on, so each client picks its shard
 * and ASN through its announce URL. Two stock clients meet and exchange data
 * twice: as p2p-media-loader drives them, and while abusers misbehave in
 * their swarm (where the relayed offers and answers are counted).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEdge, startLocalEdge } from './local-edge';
import {
  destroyClient,
  exchangeOverDataChannel,
  nextUpdate,
  p2pmlPeerId,
  publishSwarms,
  RawTrackerSocket,
  stockClient,
  trackerUrl,
} from './tracker-clients';

const work = mkdtempSync(join(tmpdir(), 'edgeswarm-e2e-tracker-'));
let edge: LocalEdge;
const secret = 'e2e-tracker-secret-0123456789';
const cleanup: (() => Promise<void> | void)[] = [];
/** wrangler's recent output, shown when a test fails (e.g. a reload after a source change). */
let wranglerTail = '';
/** A liveness bound for tests that wait on WebRTC: a pair normally connects in about 15 s here. */
const webrtcTimeout = 90_000;

beforeAll(async () => {
  edge = await startLocalEdge({
    persistDir: join(work, 'state'),
    vars: { PUBLISH_SECRET: secret, TRACKER_REGION_OVERRIDE: '1' },
    onOutput: (text) => {
      wranglerTail = (wranglerTail + text).slice(-4000);
    },
  });
});
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(`wrangler dev output (tail):\n${wranglerTail}`);
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await edge?.stop();
});

function client(url: string, infoHash: string | Uint8Array, peerId: string | Uint8Array) {
  const c = stockClient(url, infoHash, peerId);
  c.on('error', () => {}); // asserted through outcomes, not event noise
  c.on('warning', () => {});
  cleanup.push(() => destroyClient(c));
  return c;
}

async function stats(stream: string) {
  const response = await fetch(`${edge.url}/v1/tracker/${stream}/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    shards: Record<string, { sockets: number; peers: number; totals: Record<string, number> }>;
  };
}

/** The tracker admits only swarms of a published stream: publish one rendition, return its info_hash as hex. */
async function realSwarm(stream: string): Promise<string> {
  const [hash] = await publishSwarms(edge.url, secret, stream);
  return Buffer.from(hash as Uint8Array).toString('hex');
}

describe('stock bittorrent-tracker clients', () => {
  it('announces and receives the swarm counts', async () => {
    const infoHash = await realSwarm('e2e-counts');
    const a = client(
      trackerUrl(edge.url, 'e2e-counts', { region: 'eu' }),
      infoHash,
      `2d5757303030302d${'11'.repeat(12)}`,
    );
    const update = nextUpdate(a);
    a.start();
    expect(await update).toMatchObject({ infoHash, complete: 0, incomplete: 1 });
    expect((await stats('e2e-counts')).shards.eu).toMatchObject({ sockets: 1, peers: 1 });
  });

  it('as p2p-media-loader drives it: one socket, one swarm per rendition, peers meet in the rendition they share', {
    timeout: webrtcTimeout,
  }, async () => {
    const stream = 'e2e-pml';
    // p2p-media-loader's swarms: one per rendition of the published stream.
    const renditions = await publishSwarms(edge.url, secret, stream, 3);
    // Viewer one: three clients on one announce URL share one pooled socket, as p2p-media-loader's do.
    const viewerUrl = trackerUrl(edge.url, stream, { region: 'sa', asn: 28573 });
    const viewer = renditions.map((hash) => client(viewerUrl, hash, p2pmlPeerId()));
    // Viewer two watches rendition main-1 only.
    const other = client(
      trackerUrl(edge.url, stream, { region: 'sa', asn: 28573, colo: 'GRU' }),
      renditions[1] as Uint8Array,
      p2pmlPeerId(),
    );

    const updates = viewer.map(nextUpdate);
    for (const c of viewer) c.start();
    for (const update of await Promise.all(updates)) expect(update).toMatchObject({ incomplete: 1 });
    const exchanged = exchangeOverDataChannel(viewer[1] as (typeof viewer)[number], other);
    const met = nextUpdate(other);
    other.start();
    // The swarm they share now counts both.
    expect(await met).toMatchObject({ incomplete: 2 });
    expect(await exchanged).toEqual({ aHeard: 'hello from b', bHeard: 'hello from a' });
    // Two sockets; four swarm memberships (three for the first viewer).
    expect((await stats(stream)).shards.sa).toMatchObject({ sockets: 2, peers: 4 });
  });
});

describe('abuse', () => {
  it('garbage, oversize frames and an announce flood close the abusive sockets; a stock pair still connects', {
    timeout: webrtcTimeout,
  }, async () => {
    const stream = 'e2e-abuse';
    const infoHash = await realSwarm(stream);
    const binaryInfoHash = Buffer.from(infoHash, 'hex').toString('latin1');
    const url = (asn: number) => trackerUrl(edge.url, stream, { region: 'eu', asn });

    // Two abusers join the pair's swarm first, then misbehave while the pair is connecting.
    const garbage = await RawTrackerSocket.open(url(1));
    const flood = await RawTrackerSocket.open(url(2));
    cleanup.push(
      () => garbage.close(),
      () => flood.close(),
    );
    for (const [socket, peer] of [
      [garbage, 'garbage-peer-0000000'],
      [flood, 'flood-peer-000000000'],
    ] as const) {
      socket.send({ action: 'announce', info_hash: binaryInfoHash, peer_id: peer, event: 'started', numwant: 0 });
      await socket.next((m) => 'interval' in m);
    }

    const a = client(url(64500), infoHash, 'a1'.repeat(20));
    const b = client(url(64501), infoHash, 'b1'.repeat(20));
    const exchanged = exchangeOverDataChannel(a, b);
    a.start();
    b.start();

    garbage.send('\u0000\u0001 not json');
    garbage.send('x'.repeat(100 * 1024));
    for (let i = 0; i < 10; i++) garbage.send({ action: 'announce', info_hash: binaryInfoHash, peer_id: i });
    const announce = { action: 'announce', info_hash: binaryInfoHash, peer_id: 'flood-peer-000000000', numwant: 0 };
    for (let i = 0; i < 500; i++) flood.send(announce);

    expect(await garbage.closed).toEqual({ code: 4001, reason: 'too many invalid messages' });
    expect((await flood.closed).code).toBe(4029);
    expect(garbage.messages.some((m) => /larger than/.test(String(m['failure reason'])))).toBe(true);
    expect(await exchanged).toEqual({ aHeard: 'hello from b', bHeard: 'hello from a' });
    const shard = (await stats(stream)).shards.eu;
    expect(shard).toMatchObject({ sockets: 2, peers: 2 });
    expect(shard?.totals.socketsClosed).toBe(2);
    // The pair met through the tracker: their offer and answer were relayed.
    expect(shard?.totals.offersRelayed).toBeGreaterThan(0);
    expect(shard?.totals.answersRelayed).toBeGreaterThan(0);
  });
});
