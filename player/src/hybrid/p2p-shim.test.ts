import { describe, expect, it } from 'vitest';
import {
  announcedSince,
  closePeer,
  gateUploads,
  peerAnnouncements,
  retimeTrackerReconnects,
  syncLivePlaylist,
  uploadQueuedBytes,
  withoutDeliveryDirectives,
} from './p2p-shim';

describe('peer announcements', () => {
  const engineWith = (peers: Record<string, number[] | undefined>) => ({
    core: {
      mainStreamLoader: {
        p2pLoaders: {
          loaders: new Map([
            [
              1,
              {
                loader: {
                  trackerClient: {
                    _peers: new Map(
                      Object.entries(peers).map(([id, segments]) => [
                        id,
                        segments ? { peer: { destroy() {}, loadedSegments: new Set(segments) } } : {},
                      ]),
                    ),
                  },
                },
              },
            ],
          ]),
        },
      },
    },
  });

  it('reads the newest segment each connected peer announced', () => {
    const seen = peerAnnouncements(engineWith({ a: [7, 9, 8], b: [], c: undefined }));
    // c is a potential connection only (no peer yet): not listed.
    expect([...seen]).toEqual([
      ['a', 9],
      ['b', -1],
    ]);
    expect(peerAnnouncements(undefined).size).toBe(0);
    expect(peerAnnouncements({ core: {} }).size).toBe(0);
  });

  it('hears from a peer only when its announcement moved on', () => {
    const before = new Map([
      ['a', 9],
      ['b', 4],
      ['quiet', 3],
    ]);
    const now = new Map([
      ['a', 10], // announced a new segment
      ['b', 4], // nothing new: a closed tab, or upload stopped
      ['quiet', -1], // an empty announcement (upload disabled)
      ['new', 2], // first announcement from a new peer
      ['empty', -1],
    ]);
    expect(announcedSince(before, now)).toEqual(['a', 'new']);
  });
});

describe('p2p-media-loader shim', () => {
  it('strips only LL-HLS delivery directives', () => {
    expect(withoutDeliveryDirectives('https://e/v1/streams/s/v0/live.m3u8?_HLS_msn=12&_HLS_part=1')).toBe(
      'https://e/v1/streams/s/v0/live.m3u8',
    );
    expect(withoutDeliveryDirectives('https://e/live.m3u8?token=abc&_HLS_msn=3')).toBe('https://e/live.m3u8?token=abc');
  });

  it('replays a blocking-reload playlist under its canonical URL', () => {
    const calls: unknown[] = [];
    const engine = { segmentManager: { updatePlaylist: (data: unknown) => calls.push(data) } };
    const fragments = [{ sn: 4 }];
    expect(syncLivePlaylist(engine, { url: 'https://e/v0/live.m3u8?_HLS_msn=5', fragments, live: true })).toBe(true);
    expect(calls).toEqual([{ details: { url: 'https://e/v0/live.m3u8', fragments, live: true } }]);
    expect(syncLivePlaylist(engine, { url: 'https://e/v0/live.m3u8', fragments, live: true })).toBe(false);
  });

  it('closes every connection to a peer, across stream loaders', () => {
    const destroyed: string[] = [];
    const peer = (id: string) => ({ peer: { destroy: () => destroyed.push(id) } });
    const loader = (ids: string[]) => ({
      loader: { trackerClient: { _peers: new Map(ids.map((id) => [id, peer(id)])) } },
    });
    const engine = {
      core: {
        mainStreamLoader: {
          p2pLoaders: {
            loaders: new Map([
              [1, loader(['a', 'b'])],
              [2, loader(['a'])],
            ]),
          },
        },
      },
    };
    expect(closePeer(engine, 'a')).toBe(2);
    expect(closePeer(engine, 'zz')).toBe(0);
    expect(closePeer({}, 'a')).toBe(0);
    expect(destroyed).toEqual(['a', 'a']);
  });
});

describe('tracker reconnects', () => {
  it('retime a waiting tracker connection once, and reconnect it on our schedule', async () => {
    let opened = 0;
    const tracker = {
      destroyed: true,
      reconnecting: true,
      retries: 0,
      reconnectTimer: setTimeout(() => {}, 300_000),
      _openSocket: () => {
        opened++;
      },
    };
    const engine = {
      core: {
        mainStreamLoader: {
          p2pLoaders: { loaders: new Map([[1, { loader: { trackerClient: { client: { _trackers: [tracker] } } } }]]) },
        },
      },
    };
    expect(retimeTrackerReconnects(engine, () => 0)).toBe(1);
    expect(retimeTrackerReconnects(engine, () => 0)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(opened).toBe(1);
    expect(tracker.retries).toBe(1);
  });
});

describe('upload queue', () => {
  const loader = (peers: Record<string, { bufferSize?: number; writableLength?: number } | undefined>) => ({
    loader: {
      trackerClient: {
        _peers: new Map(
          Object.entries(peers).map(([id, connection]) => [
            id,
            connection ? { peer: { destroy() {}, connection } } : {},
          ]),
        ),
      },
    },
  });
  it('adds what waits in each connection, once per connection across renditions', () => {
    const shared = { bufferSize: 65_536, writableLength: 16_384 };
    const engine = {
      core: {
        mainStreamLoader: {
          p2pLoaders: {
            loaders: new Map<number, unknown>([
              [1, loader({ a: shared, b: { bufferSize: 1000 }, c: undefined })],
              [2, loader({ a: shared })],
            ]),
          },
        },
        secondaryStreamLoader: { p2pLoaders: { loaders: new Map([[1, loader({ d: { writableLength: 5 } })]]) } },
      },
    };
    expect(uploadQueuedBytes(engine)).toBe(65_536 + 16_384 + 1000 + 5);
    expect(uploadQueuedBytes(undefined)).toBe(0);
    expect(uploadQueuedBytes({ core: {} })).toBe(0);
  });
});

describe('upload gate', () => {
  it('answers the tick’s setting or the per-request check, and keeps what applyDynamicConfig writes', () => {
    const main = { isP2PUploadDisabled: false, other: 1 };
    const secondary = { isP2PUploadDisabled: false };
    let busy = false;
    expect(gateUploads({ core: { mainStreamConfig: main, secondaryStreamConfig: secondary } }, () => busy)).toBe(2);
    expect(main.isP2PUploadDisabled).toBe(false);
    busy = true;
    expect(main.isP2PUploadDisabled).toBe(true);
    expect(secondary.isP2PUploadDisabled).toBe(true);
    busy = false;
    // The tick closes upload (applyDynamicConfig assigns the field): closed whatever the check says.
    Object.assign(main, { isP2PUploadDisabled: true });
    expect(main.isP2PUploadDisabled).toBe(true);
    Object.assign(main, { isP2PUploadDisabled: false });
    expect(main.isP2PUploadDisabled).toBe(false);
    // A deep copy (p2p-media-loader copies configs to compare them) sees a plain value.
    expect(JSON.parse(JSON.stringify(main))).toEqual({ isP2PUploadDisabled: false, other: 1 });
  });

  it('gates nothing where the engine has no such config (a changed p2p-media-loader)', () => {
    expect(gateUploads({ core: {} }, () => true)).toBe(0);
    expect(gateUploads(undefined, () => true)).toBe(0);
  });
});
