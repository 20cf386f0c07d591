/**
 * The tracker's allowlist against the stock client: hls.js (unmodified, in Node)
 * parses a multivariant playlist from a loopback server, p2p-media-loader-core
 * 2.3 (unmodified) derives each rendition's swarm and announces it to a
 * loopback WebSocket, and the info_hash it sends must be one the edge derives
 * from the same playlist (edge/src/tracker/swarm-ids.ts), for our player's
 * swarm id and for the stock default (the playlist's URL). The captured
 * announce is then handed to the tracker engine: admitted; a foreign one is not.
 *
 * The one piece not run stock is p2p-media-loader-hlsjs's level → stream
 * mapping (its SegmentManager is not exported), mirrored in `adapterIndex`.
 * Nothing leaves the machine: no ICE servers, loopback only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { trackerDefaults } from '../../edge/src/tracker/limits';
import { stockAnnounceFixture } from '../../edge/src/tracker/stock-announce-fixture';
import { deriveInfoHashes, manifestSwarmId, playerSwarmId, variantsOf } from '../../edge/src/tracker/swarm-ids';
import { TrackerEngine } from '../../edge/src/tracker/tracker-engine';

type Any = Record<string, unknown>;

interface StockCore {
  setManifestResponseUrl(url: string): void;
  addStreamIfNoneExists(stream: { runtimeId: string; type: 'main' | 'secondary'; index: string }): void;
  updateStream(runtimeId: string, add: Any[], remove: string[]): void;
  loadSegment(runtimeId: string, callbacks: { onSuccess(): void; onError(): void }): void;
  destroy(): void;
}
interface CoreModule {
  Core: new (config: Any) => StockCore;
  generateStreamShortId(stream: Any): string;
}

const { stream, master } = stockAnnounceFixture;
let http: Server;
let tracker: WebSocketServer;
let origin = '';
/** Announces received, by the path of the connection they came on (one path per Core: no pooled socket). */
const announces = new Map<string, Any[]>();
let pml: CoreModule;
/** The browser globals this file installed. */
const installed: string[] = [];

beforeAll(async () => {
  // Enough of a browser for hls.js and p2p-media-loader's bundle; WebRTC from webrtc-polyfill (node-datachannel).
  // Taken away again after this file: unit test files share a worker (vitest.config.ts, isolate: false).
  const rtc = (await import('webrtc-polyfill')) as Any;
  const browser: Any = {
    self: globalThis,
    window: globalThis,
    location: { href: 'http://127.0.0.1/', protocol: 'http:' },
    navigator: { userAgent: 'node' },
    WebSocket,
    ...Object.fromEntries(['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate'].map((n) => [n, rtc[n]])),
  };
  const g = globalThis as Any;
  for (const [name, value] of Object.entries(browser)) {
    if (g[name] !== undefined) continue;
    g[name] = value;
    installed.push(name);
  }

  http = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
    res.end(master);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  tracker = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => tracker.once('listening', resolve));
  tracker.on('connection', (ws, request) => {
    const path = request.url ?? '';
    ws.on('message', (data) => announces.set(path, [...(announces.get(path) ?? []), JSON.parse(String(data)) as Any]));
  });
  // The package's "exports" point Node at its TypeScript sources; the published bundle is what browsers run.
  const bundle = '../../node_modules/p2p-media-loader-core/dist/p2p-media-loader-core.es.js';
  pml = (await import(/* @vite-ignore */ bundle)) as CoreModule;
});

afterAll(async () => {
  tracker?.close();
  await new Promise((resolve) => http?.close(resolve));
  for (const name of installed.splice(0)) delete (globalThis as Any)[name];
});

/** hls.js's own parse of the playlist, as p2p-media-loader's adapter receives it (MANIFEST_LOADED). */
async function hlsjsLevels(url: string): Promise<{ levels: Any[]; responseUrl: string }> {
  const { default: Hls, FetchLoader } = (await import('hls.js')) as unknown as {
    default: (new (config: Any) => Any) & { Events: Record<string, string> };
    FetchLoader: unknown;
  };
  const hls = new Hls({ loader: FetchLoader }) as {
    on(event: string, fn: (e: unknown, data: Any) => void): void;
    loadSource(url: string): void;
    destroy(): void;
  };
  return new Promise((resolve, reject) => {
    hls.on(Hls.Events.MANIFEST_LOADED as string, (_e, data) => {
      resolve({ levels: data.levels as Any[], responseUrl: (data.networkDetails as Response).url });
      hls.destroy();
    });
    hls.on(Hls.Events.ERROR as string, (_e, data) => reject(new Error(String(data.details))));
    hls.loadSource(url);
  });
}

/** p2p-media-loader-hlsjs 2.3's SegmentManager.processMainManifest, for one level. */
function adapterIndex(level: Any): string {
  const attrs = level.attrs as Any;
  const b = (level.maxBitrate ?? level.bitrate) as number;
  const missing = b === 0;
  return pml.generateStreamShortId({
    bitrate: b,
    codecs: missing ? undefined : level.videoCodec,
    width: missing ? undefined : level.width,
    height: missing ? undefined : level.height,
    frameRate: missing ? undefined : attrs['FRAME-RATE'],
    videoRange: missing ? undefined : attrs['VIDEO-RANGE'],
  });
}

/**
 * Runs stock Cores over hls.js's levels, one per rendition and all at once (each announce waits
 * about 5 s for its offers' ICE gathering), and returns each rendition's first announce.
 */
async function stockAnnounces(label: string, swarmId: string | undefined): Promise<Any[]> {
  const { levels, responseUrl } = await hlsjsLevels(`${origin}/v1/streams/${stream}/master.m3u8?token=ignored`);
  const port = (tracker.address() as AddressInfo).port;
  return Promise.all(
    levels.map(async (level, i) => {
      const path = `/${label}/${i}`;
      const core = new pml.Core({
        announceTrackers: [`ws://127.0.0.1:${port}${path}`],
        rtcConfig: { iceServers: [] },
        ...(swarmId ? { swarmId } : {}),
      });
      try {
        core.setManifestResponseUrl(responseUrl);
        core.addStreamIfNoneExists({ runtimeId: 'level', type: 'main', index: adapterIndex(level) });
        const segment = { runtimeId: 'level/s0', externalId: 0, url: 'http://127.0.0.1:9/none.m4s' };
        core.updateStream('level', [{ ...segment, startTime: 0, endTime: 2 }], []);
        core.loadSegment(segment.runtimeId, { onSuccess() {}, onError() {} });
        const deadline = Date.now() + 30_000;
        while (!announces.has(path)) {
          if (Date.now() > deadline) throw new Error(`no announce on ${path}`);
          await sleep(50);
        }
        return announces.get(path)?.[0] as Any;
      } finally {
        core.destroy();
      }
    }),
  );
}

let player: Any[] = [];
let byManifest: Any[] = [];
beforeAll(async () => {
  [player, byManifest] = await Promise.all([
    stockAnnounces('player', playerSwarmId(stream)),
    stockAnnounces('manifest', undefined),
  ]);
}, 60_000);

describe('the swarm allowlist against stock hls.js + p2p-media-loader-core', () => {
  it('our player’s swarm id: every rendition’s announce carries an info_hash the edge derives', async () => {
    const sent = player.map((a) => a.info_hash as string);
    expect(sent).toHaveLength(variantsOf(master).length);
    const derived = await deriveInfoHashes([playerSwarmId(stream)], variantsOf(master));
    expect(new Set(sent)).toEqual(derived);
    // The edge tests on workerd replay these exact info_hashes.
    expect(sent).toEqual(stockAnnounceFixture.playerInfoHashes);

    // The captured announce, as the stock client sent it, goes through the tracker's rules.
    const engine = new TrackerEngine<object>(trackerDefaults, 1, true);
    engine.allowlist = { stream, published: true, infoHashes: derived, derivedAt: 0 };
    const viewer = {};
    engine.connect(viewer, { shard: 'eu', asn: 0, colo: '', country: '' }, 0);
    const stock = player[0] as Any;
    expect(stock).toMatchObject({ action: 'announce', event: 'started', peer_id: expect.stringMatching(/^-PM0203-/) });
    const reply = (frame: unknown, now: number) =>
      JSON.parse(engine.receive(viewer, JSON.stringify(frame), now).send[0]?.frame ?? 'null');
    expect(reply(stock, 1)).toMatchObject({
      action: 'announce',
      info_hash: sent[0],
      interval: trackerDefaults.intervalSeconds,
    });
    const foreign = { ...stock, info_hash: 'c12fe1c06bba254a9dc9', offers: [] };
    expect(reply(foreign, 2)).toMatchObject({
      'failure reason': expect.stringMatching(/^unknown swarm/),
    });
  });

  it('the stock default swarm id (the playlist’s URL, query stripped) is derived too', async () => {
    const sent = byManifest.map((a) => a.info_hash as string);
    const derived = await deriveInfoHashes([manifestSwarmId(origin, stream)], variantsOf(master));
    expect(new Set(sent)).toEqual(derived);
  });
});
