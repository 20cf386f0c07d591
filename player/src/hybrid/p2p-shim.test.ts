import { offerDefaults } from '@edgeswarm/policy';
import { describe, expect, it, vi } from 'vitest';
import {
  abandonTransfers,
  announcedSince,
  attachEngine,
  capReceivers,
  closePeer,
  gateUploads,
  onLoaderBuilt,
  peerAnnouncements,
  retimeTrackerReconnects,
  spaceAnnouncements,
  startLoadersAtPlayhead,
  steerOffers,
  steerOffersAsLoadersAppear,
  swarmMembers,
  syncLivePlaylist,
  uploadQueuedBytes,
  withoutDeliveryDirectives,
} from './p2p-shim';
import { UploadQueue } from './upload-queue';

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
  it('strips LL-HLS delivery directives and a playback token, nothing else', () => {
    expect(withoutDeliveryDirectives('https://e/v1/streams/s/v0/live.m3u8?_HLS_msn=12&_HLS_part=1')).toBe(
      'https://e/v1/streams/s/v0/live.m3u8',
    );
    // hls.js names a playlist by its response URL, so a player's ?token= is there; p2p-media-loader knows it without.
    expect(withoutDeliveryDirectives('https://e/live.m3u8?token=abc&_HLS_msn=3')).toBe('https://e/live.m3u8');
    expect(withoutDeliveryDirectives('https://e/live.m3u8?v=2&_HLS_msn=3')).toBe('https://e/live.m3u8?v=2');
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

  it('retimes a connection the moment it closes, once it has been seen: bittorrent-tracker’s own schedule never waits for the next call', () => {
    vi.useFakeTimers();
    try {
      let opened = 0;
      const tracker = {
        destroyed: false,
        reconnecting: false,
        retries: 0,
        reconnectTimer: undefined as ReturnType<typeof setTimeout> | undefined,
        _openSocket() {
          opened++;
        },
        // As bittorrent-tracker's websocket-tracker.js: 10 s and up to five minutes more.
        _startReconnectTimer() {
          this.reconnecting = true;
          clearTimeout(this.reconnectTimer);
          this.reconnectTimer = setTimeout(() => {
            this.retries++;
            this._openSocket();
          }, 10_000);
        },
      };
      const engine = {
        core: {
          mainStreamLoader: {
            p2pLoaders: {
              loaders: new Map([[1, { loader: { trackerClient: { client: { _trackers: [tracker] } } } }]]),
            },
          },
        },
      };
      // Connected: nothing to retime, but the connection is hooked.
      expect(retimeTrackerReconnects(engine, () => 0.5)).toBe(0);
      // The socket closes (the tracker restarted): bittorrent-tracker destroys the connection and schedules.
      tracker.destroyed = true;
      tracker._startReconnectTimer();
      // First retry within a second (0.5 of it here), without another call.
      vi.advanceTimersByTime(499);
      expect(opened).toBe(0);
      vi.advanceTimersByTime(1);
      expect(opened).toBe(1);
      expect(tracker.retries).toBe(1);
      // Already on our schedule: a later call leaves it be.
      tracker._startReconnectTimer();
      expect(retimeTrackerReconnects(engine, () => 0.5)).toBe(0);
      vi.advanceTimersByTime(1500);
      expect(opened).toBe(2);
    } finally {
      vi.useRealTimers();
    }
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

describe('giving up a slow peer transfer', () => {
  /** A request as p2p-media-loader 2.3.x has it (private fields included); aborting keeps its bytes. */
  function fakeRequest(over: Record<string, unknown> = {}) {
    const request = {
      status: 'loading',
      downloadSource: 'p2p',
      loadedBytes: 150_000,
      totalBytes: 500_000 as number | undefined,
      segment: { url: 'http://e/seg-12.ts', startTime: 24 },
      progress: { startTimestamp: 10_000, loadedBytes: 100_000 },
      currentAttempt: { downloadSource: 'p2p', peerId: 'pA' },
      abortFromProcessQueue() {
        request.status = 'aborted';
      },
      ...over,
    };
    return request;
  }
  function engineWith(requests: ReturnType<typeof fakeRequest>[], httpLoading = 0) {
    const loadedThroughHttp: unknown[] = [];
    const loader = {
      requests: { items: () => requests.values(), executingHttpCount: httpLoading },
      playback: { position: 20, rate: 1 },
      config: { simultaneousHttpDownloads: 2 },
      loadThroughHttp(segment: unknown) {
        loadedThroughHttp.push(segment);
      },
    };
    return { engine: { core: { mainStreamLoader: loader } }, loadedThroughHttp };
  }

  it('reads each running peer transfer as plain data, and finishes the ones it gives up from the edge', () => {
    const slow = fakeRequest();
    const fine = fakeRequest({
      segment: { url: 'http://e/seg-13.ts', startTime: 26 },
      currentAttempt: { peerId: 'pB' },
    });
    const { engine, loadedThroughHttp } = engineWith([slow, fine]);
    const seen: unknown[] = [];
    const given = abandonTransfers(engine, 11, (t) => {
      seen.push(t);
      return t.peerId === 'pA';
    });
    const slowTransfer = {
      segment: 'http://e/seg-12.ts',
      peerId: 'pA',
      slackSeconds: 4, // starts at 24 s, the playhead at 20 s
      startedAt: 10, // performance.now() in seconds
      receivedBytes: 100_000, // this attempt's bytes: an earlier one brought 50 kB
      bytesLeft: 350_000,
    };
    expect(seen[0]).toEqual(slowTransfer);
    expect(seen[1]).toMatchObject({ peerId: 'pB', slackSeconds: 6 });
    expect(given).toEqual([slowTransfer]);
    // Aborted, so the peer stops sending, then loaded through HTTP: p2p-media-loader resumes it with a Range request.
    expect(slow.status).toBe('aborted');
    expect(loadedThroughHttp).toEqual([slow.segment]);
    expect(fine.status).toBe('loading');
  });

  it('passes the last look at the same attempt, so a transfer that sped up is judged on its recent rate', () => {
    const request = fakeRequest();
    const { engine } = engineWith([request]);
    const seen: { previous?: unknown }[] = [];
    abandonTransfers(engine, 11, (t) => seen.push(t) < 0);
    request.progress = { startTimestamp: 10_000, loadedBytes: 300_000 };
    abandonTransfers(engine, 12, (t) => seen.push(t) < 0);
    expect(seen[0]?.previous).toBeUndefined();
    expect(seen[1]?.previous).toEqual({ at: 11, receivedBytes: 100_000 });
    // A new attempt at the same request (another peer, later) starts without one.
    request.progress = { startTimestamp: 13_000, loadedBytes: 20_000 };
    abandonTransfers(engine, 14, (t) => seen.push(t) < 0);
    expect(seen[2]?.previous).toBeUndefined();
  });

  it('leaves edge fetches, finished or aborted requests alone, and a size not known yet unknown', () => {
    const http = fakeRequest({ downloadSource: 'http' });
    const done = fakeRequest({ status: 'succeed' });
    const sizeless = fakeRequest({ totalBytes: undefined });
    const { engine } = engineWith([http, done, sizeless]);
    const seen: { bytesLeft: number | undefined }[] = [];
    expect(abandonTransfers(engine, 11, (t) => seen.push(t) < 0)).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.bytesLeft).toBeUndefined();
  });

  it('waits while every edge connection is busy (p2p-media-loader’s limit): the margin switch still guards it', () => {
    const request = fakeRequest();
    const { engine, loadedThroughHttp } = engineWith([request], 2);
    expect(abandonTransfers(engine, 11, () => true)).toEqual([]);
    expect(request.status).toBe('loading');
    expect(loadedThroughHttp).toEqual([]);
  });

  it('does nothing where p2p-media-loader lacks what it reaches for (a changed version), or without an engine', () => {
    const { engine } = engineWith([fakeRequest()]);
    const changed = { core: { mainStreamLoader: { ...engine.core.mainStreamLoader, loadThroughHttp: undefined } } };
    expect(abandonTransfers(changed, 11, () => true)).toEqual([]);
    expect(abandonTransfers(undefined, 11, () => true)).toEqual([]);
    expect(abandonTransfers({ core: {} }, 11, () => true)).toEqual([]);
  });
});

describe('upload gate', () => {
  /** A peer as p2p-media-loader has it: uploads take a while, "absent" answers are recorded. */
  function fakePeer() {
    const log: string[] = [];
    let finish: () => void = () => {};
    const peer = {
      destroy() {},
      uploadSegmentData(segment: { externalId: number; runtimeId?: string }, _requestId: number, data: ArrayBuffer) {
        log.push(`upload ${segment.externalId} ${data.byteLength}`);
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      sendSegmentAbsentCommand(id: number, requestId: number) {
        log.push(`absent ${id} r${requestId}`);
      },
    };
    return { peer, log, finish: () => finish() };
  }
  const engineWith = (...peers: object[]) => ({
    core: {
      mainStreamLoader: {
        p2pLoaders: {
          loaders: new Map([
            ['v0', { loader: { trackerClient: { _peers: new Map(peers.map((peer, i) => [`p${i}`, { peer }])) } } }],
          ]),
        },
      },
    },
  });

  it('asks the gate with the segment’s runtime id, or its external id when it has none, and the requester’s id', async () => {
    const a = fakePeer();
    const b = fakePeer();
    const asked: string[] = [];
    const gate = {
      activeBytes: 0,
      refused: 0,
      admit: (_bytes: number, segment: string, peerId: string) => asked.push(`${segment} from ${peerId}`) < 0,
    };
    gateUploads(engineWith(a.peer, b.peer), gate);
    await a.peer.uploadSegmentData({ externalId: 7, runtimeId: 'v720-7' }, 1, new ArrayBuffer(10));
    await a.peer.uploadSegmentData({ externalId: 8 }, 2, new ArrayBuffer(10));
    await b.peer.uploadSegmentData({ externalId: 8 }, 3, new ArrayBuffer(10));
    expect(asked).toEqual(['v720-7 from p0', '8 from p0', '8 from p1']);
    expect(a.log).toEqual(['absent 7 r1', 'absent 8 r2']);
  });

  it('answers "absent" to a request the gate refuses, and counts what it takes while it is under way', async () => {
    const a = fakePeer();
    const b = fakePeer();
    // Room for 100 kB at a time.
    const gate = { activeBytes: 0, refused: 0, admit: (bytes: number) => gate.activeBytes + bytes <= 100_000 };
    const engine = engineWith(a.peer, b.peer);
    expect(gateUploads(engine, gate)).toBe(2);
    expect(gateUploads(engine, gate)).toBe(0); // each peer once
    const first = a.peer.uploadSegmentData({ externalId: 7 }, 1, new ArrayBuffer(68_000));
    expect(gate.activeBytes).toBe(68_000);
    await b.peer.uploadSegmentData({ externalId: 7 }, 2, new ArrayBuffer(68_000));
    expect(b.log).toEqual(['absent 7 r2']);
    expect(gate.refused).toBe(1);
    a.finish();
    await first;
    expect(gate.activeBytes).toBe(0);
    const again = b.peer.uploadSegmentData({ externalId: 8 }, 3, new ArrayBuffer(68_000));
    expect(b.log).toEqual(['absent 7 r2', 'upload 8 68000']);
    b.finish();
    await again;
    expect(a.log).toEqual(['upload 7 68000']);
  });

  it('with a queue, sends one upload at a time in the order accepted, and a cancel drops a waiting one unsent', async () => {
    /** A peer whose wire protocol knows the upload under way, as p2p-media-loader's does. */
    const protocolPeer = () => {
      const p = fakePeer();
      let uploading: number | undefined;
      const upload = p.peer.uploadSegmentData;
      const peer = {
        ...p.peer,
        uploadSegmentData(segment: { externalId: number }, requestId: number, data: ArrayBuffer) {
          uploading = requestId;
          return upload(segment, requestId, data).finally(() => {
            uploading = undefined;
          });
        },
        peerProtocol: {
          getUploadingRequestId: () => uploading,
          stopUploadingSegmentData: () => {
            p.log.push(`stop ${uploading}`);
            uploading = undefined;
          },
        },
      };
      /** p2p-media-loader's CancelSegmentRequest: it stops only the upload it knows to be under way for that request. */
      const cancel = (requestId: number) => {
        if (peer.peerProtocol.getUploadingRequestId() !== requestId) return;
        peer.peerProtocol.stopUploadingSegmentData();
      };
      return { ...p, peer, cancel };
    };
    const a = protocolPeer();
    const b = protocolPeer();
    const c = protocolPeer();
    const buffered = 0;
    const queue = new UploadQueue(() => buffered, 32_000);
    const gate = { activeBytes: 0, refused: 0, admit: () => true, queue };
    gateUploads(engineWith(a.peer, b.peer, c.peer), gate);
    const first = a.peer.uploadSegmentData({ externalId: 7 }, 1, new ArrayBuffer(68_000));
    const second = b.peer.uploadSegmentData({ externalId: 7 }, 2, new ArrayBuffer(68_000));
    const third = c.peer.uploadSegmentData({ externalId: 7 }, 3, new ArrayBuffer(68_000));
    await Promise.resolve();
    // Only the first is written; all three count as queued behind the uplink.
    expect([a.log, b.log, c.log]).toEqual([['upload 7 68000'], [], []]);
    expect(gate.activeBytes).toBe(3 * 68_000);
    expect(queue.waitingBytes).toBe(2 * 68_000);
    // b's requester gives up before b's turn: the cancel reaches the waiting upload, which is never sent.
    b.cancel(2);
    await second;
    expect(b.log).toEqual(['stop undefined']);
    expect(gate.activeBytes).toBe(2 * 68_000);
    // a written and drained: c's turn.
    a.finish();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(c.log).toEqual(['upload 7 68000']);
    c.finish();
    await third;
    expect(gate.activeBytes).toBe(0);
    expect(queue.length).toBe(0);
    expect(b.log).toEqual(['stop undefined']);
  });

  it('gates nothing where peers lack those methods (a changed p2p-media-loader)', () => {
    const gate = { activeBytes: 0, refused: 0, admit: () => false };
    expect(gateUploads(engineWith({ destroy() {} }), gate)).toBe(0);
    expect(gateUploads(undefined, gate)).toBe(0);
  });
});

describe('attaching the engine to a playing hls.js', () => {
  /** The engine's private hls.js hooks as p2p-media-loader-hlsjs 2.3 has them, recording what they were given. */
  const fakeEngine = () => {
    const calls: string[] = [];
    const engine = {
      bindHls: (hls: unknown) => calls.push(`bind ${String(hls)}`),
      initHlsEvents: () => calls.push('init'),
      handleManifestLoaded: (_event: string, data: unknown) => calls.push(`manifest ${String(data)}`),
      handleLevelSwitching: (_event: string, data: unknown) => calls.push(`switching ${String(data)}`),
      handleLevelUpdated: (_event: string, data: { details: { url: string } }) =>
        calls.push(`updated ${data.details.url}`),
      segmentManager: {
        updatePlaylist: (data: { details: { url: string } }) => calls.push(`canonical ${data.details.url}`),
      },
    };
    return { engine, calls };
  };
  const update = (url: string, fragments: unknown[] = [{}]) => ({ details: { url, fragments, live: true } });

  it('hooks hls.js, then replays the manifest, the rendition and each playlist (under its canonical URL too)', () => {
    const { engine, calls } = fakeEngine();
    const history = {
      manifest: 'M',
      switching: 'S',
      playlists: new Map([
        ['https://e/v1/streams/a/720p.m3u8', update('https://e/v1/streams/a/720p.m3u8?_HLS_msn=9&token=t')],
        ['https://e/v1/streams/a/audio.m3u8', update('https://e/v1/streams/a/audio.m3u8')],
        ['https://e/v1/streams/a/empty.m3u8', update('https://e/v1/streams/a/empty.m3u8', [])],
      ]),
    };
    expect(attachEngine(engine, 'hls', history)).toBe(true);
    expect(calls).toEqual([
      'bind hls',
      'init',
      'manifest M',
      'switching S',
      'updated https://e/v1/streams/a/720p.m3u8?_HLS_msn=9&token=t',
      'canonical https://e/v1/streams/a/720p.m3u8',
      'updated https://e/v1/streams/a/audio.m3u8',
    ]);
  });

  it('replays nothing hls.js has not reported yet', () => {
    const { engine, calls } = fakeEngine();
    expect(attachEngine(engine, 'hls', { playlists: new Map() })).toBe(true);
    expect(calls).toEqual(['bind hls', 'init']);
  });

  it('touches nothing and says so where a hook is missing (a changed p2p-media-loader)', () => {
    for (const missing of [
      'bindHls',
      'initHlsEvents',
      'handleManifestLoaded',
      'handleLevelSwitching',
      'handleLevelUpdated',
    ]) {
      const { engine, calls } = fakeEngine();
      const changed = { ...engine, [missing]: undefined };
      expect(attachEngine(changed, 'hls', { manifest: 'M', playlists: new Map([['u', update('u')]]) }), missing).toBe(
        false,
      );
      expect(calls, missing).toEqual([]);
    }
  });
});

describe('offers per announce', () => {
  const setup = (connected: number, potential = 0, previous?: () => Record<string, unknown>) => {
    type Update = {
      complete?: number;
      incomplete?: number;
      forwards_offers?: unknown;
      named_members?: unknown;
      named?: unknown;
    };
    const listeners: ((data: Update) => void)[] = [];
    const handled: unknown[] = [];
    const tracker = {
      _onAnnounceResponse(data: { offer?: unknown; answer?: unknown; peer_id?: unknown }) {
        handled.push(data);
      },
    };
    const client = {
      _getAnnounceOpts: previous,
      on: (_event: 'update', listener: (data: Update) => void) => listeners.push(listener),
      _trackers: [tracker],
    };
    const peers = new Map<string, { peer?: { destroy(): void } }>();
    for (let i = 0; i < connected; i++) peers.set(`p${i}`, { peer: { destroy() {} } });
    for (let i = 0; i < potential; i++) peers.set(`q${i}`, {});
    const engine = {
      core: {
        mainStreamLoader: {
          p2pLoaders: { loaders: new Map([[1, { loader: { trackerClient: { _peers: peers, client } } }]]) },
        },
      },
    };
    const update = (complete: number, incomplete: number, forwards?: unknown, more: Partial<Update> = {}) => {
      const data =
        forwards === undefined ? { complete, incomplete } : { complete, incomplete, forwards_offers: forwards };
      for (const listener of listeners) listener({ ...data, ...more });
    };
    return { client, peers, engine, update, tracker, handled };
  };

  it("gives each tracker client a numwant from the swarm's count and the peers held, once", () => {
    const { client, peers, engine, update } = setup(7, 2);
    expect(steerOffers(engine)).toBe(1);
    expect(steerOffers(engine)).toBe(0); // already steered
    // Not counted yet: the full number.
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    update(3, 5); // 8 members: connected to the 7 others (potential connections do not count)
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
    peers.delete('p0');
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    update(0, 0); // a count of nobody is not taken
    peers.set('p0', { peer: { destroy() {} } });
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
  });

  it('keeps what another getAnnounceOpts gives, and asks the decision given', () => {
    const { client, engine, update } = setup(1, 0, () => ({ uploaded: 10, numwant: 50 }));
    const asked: unknown[] = [];
    steerOffers(engine, (view) => {
      asked.push(view);
      return 2;
    });
    update(1, 1);
    expect(client._getAnnounceOpts?.()).toEqual({ uploaded: 10, numwant: 2 });
    update(1, 1, false);
    client._getAnnounceOpts?.();
    expect(asked).toEqual([
      { members: 2, forwards: undefined, connected: 1, opening: 0 },
      { members: 2, forwards: false, connected: 1, opening: 0 },
    ]);
  });

  it("takes whether the tracker forwards a small swarm's surplus offers from its last reply (ours says, a stock one does not)", () => {
    const { client, peers, engine, update } = setup(3);
    steerOffers(engine);
    // Four members, connected to the three others.
    update(0, 4); // a stock tracker: it might forward, so the full number
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    update(0, 4, true);
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    update(0, 4, false); // ours, with no neighbour to forward to: an offer would meet nobody
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
    peers.delete('p2');
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 3 }); // one per other member
    update(0, 4, 'no'); // not a boolean: not taken as said
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    update(0, 4, false);
    update(0, 4); // the next reply says nothing: unknown again
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
  });

  it("says the swarm's size as the tracker last counted it, once steered", () => {
    const { engine, update } = setup(7, 1);
    expect(swarmMembers(engine)).toBeUndefined();
    steerOffers(engine);
    expect(swarmMembers(engine)).toBeUndefined(); // not counted yet
    update(3, 5);
    expect(swarmMembers(engine)).toBe(8);
    update(0, 0); // a count of nobody is not taken
    expect(swarmMembers(engine)).toBe(8);
    update(2, 4);
    expect(swarmMembers(engine)).toBe(6);
  });

  it('leaves an offer from a peer already held unanswered, and handles the rest of the message', () => {
    const { engine, tracker, handled } = setup(2, 1);
    steerOffers(engine);
    const offer = { type: 'offer', sdp: 'v=0' };
    tracker._onAnnounceResponse({ offer, peer_id: 'p1', offer_id: 'o1', interval: 30 } as never);
    // An offer from a peer p2p-media-loader only tries to reach (no connection yet), or from one it has never met.
    tracker._onAnnounceResponse({ offer, peer_id: 'q0', offer_id: 'o2' } as never);
    tracker._onAnnounceResponse({ offer, peer_id: 'new', offer_id: 'o3' } as never);
    // A peer id is relayed as a binary string: its bytes, read as UTF-8, are p2p-media-loader's id.
    const engineHeld = setup(0);
    engineHeld.peers.set('-ES01-é', { peer: { destroy() {} } });
    steerOffers(engineHeld.engine);
    const binary = String.fromCharCode(...new TextEncoder().encode('-ES01-é'));
    engineHeld.tracker._onAnnounceResponse({ offer, peer_id: binary } as never);
    expect(handled).toEqual([
      { peer_id: 'p1', offer_id: 'o1', interval: 30 },
      { offer, peer_id: 'q0', offer_id: 'o2' },
      { offer, peer_id: 'new', offer_id: 'o3' },
    ]);
    expect(engineHeld.handled).toEqual([{ peer_id: binary }]);
  });

  it('holds at most maxPeers: offers only the room left, counting connections opening, and answers none once full', () => {
    const { maxPeers } = offerDefaults;
    const { client, peers, engine, update, tracker, handled } = setup(maxPeers - 3, 1);
    steerOffers(engine);
    update(500, 500); // a large swarm, most of it unconnected
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 2 });
    const offer = { type: 'offer', sdp: 'v=0' };
    // Room for one more: answered; it opens (p2p-media-loader adds it to its peers before it connects).
    tracker._onAnnounceResponse({ offer, peer_id: 'a', offer_id: 'o1' } as never);
    peers.set('a', {});
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 1 });
    tracker._onAnnounceResponse({ offer, peer_id: 'b', offer_id: 'o2' } as never);
    peers.set('b', {});
    // Full (maxPeers - 3 connected, 3 opening): the next offer goes unanswered, and no offers are made.
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
    tracker._onAnnounceResponse({ offer, peer_id: 'c', offer_id: 'o3', interval: 30 } as never);
    // One closes: room again.
    peers.delete('q0');
    tracker._onAnnounceResponse({ offer, peer_id: 'd', offer_id: 'o4' } as never);
    expect(handled).toEqual([
      { offer, peer_id: 'a', offer_id: 'o1' },
      { offer, peer_id: 'b', offer_id: 'o2' },
      { peer_id: 'c', offer_id: 'o3', interval: 30 },
      { offer, peer_id: 'd', offer_id: 'o4' },
    ]);
  });

  it("steers each tracker client at its stream's first segment start, so the first announce reply is counted", () => {
    const { client, engine, update } = setup(7);
    const listeners = new Map<string, (() => void)[]>();
    const events = {
      ...engine,
      addEventListener: (event: string, listener: () => void) =>
        listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    };
    const dispatch = (event: string) => {
      for (const listener of listeners.get(event) ?? []) listener();
    };
    steerOffersAsLoadersAppear(events);
    expect(swarmMembers(events)).toBeUndefined();
    // p2p-media-loader builds the client with the stream's first request and starts that request in the same task:
    // the start event comes before any reply from the tracker can.
    dispatch('onSegmentStart');
    update(3, 5);
    expect(swarmMembers(events)).toBe(8);
    // So the second announce offers by the count: connected to all 7 others, it makes none.
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
    // A client built while nothing starts is steered at its first peer's connect, as before.
    const late = setup(1);
    const lateListeners: (() => void)[] = [];
    steerOffersAsLoadersAppear({
      ...late.engine,
      addEventListener: (event: string, listener: () => void) => {
        if (event === 'onPeerConnect') lateListeners.push(listener);
      },
    });
    for (const listener of lateListeners) listener();
    late.update(2, 0);
    expect(swarmMembers(late.engine)).toBe(2);
  });

  it('steers a tracker client as its loader is built, before any segment starts: a newcomer waiting for peers', () => {
    const { client, engine, update } = setup(7);
    const built = engine.core.mainStreamLoader;
    // The core builds the loader (and its tracker client) at the first segment asked for; until then it has none.
    const core: Record<string, unknown> = {
      getStreamHybridLoader(this: Record<string, unknown>) {
        this.mainStreamLoader ??= built;
        return this.mainStreamLoader;
      },
    };
    const events = { core, addEventListener: () => {} };
    steerOffersAsLoadersAppear(events);
    expect(client._getAnnounceOpts).toBeUndefined();
    (core.getStreamHybridLoader as (segment: unknown) => unknown).call(core, {});
    update(3, 5);
    expect(swarmMembers(events)).toBe(8);
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
  });

  it("holds a receiver to the policy's receiverMaxPeers while the tracker names others, a named member to maxPeers", () => {
    const { maxPeers } = offerDefaults;
    const { client, peers, engine, update, tracker, handled } = setup(1);
    capReceivers(engine, 2);
    steerOffers(engine);
    const name = (count: unknown, self: unknown) => update(3, 5, false, { named_members: count, named: self });
    // Before any reply: the full number, as ever.
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    name(2, false); // 8 members, 2 named, not this viewer: a receiver, held to 2
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 1 });
    const offer = { type: 'offer', sdp: 'v=0' };
    const answer = { type: 'answer', sdp: 'v=0' };
    // Room for one: an answer to its own offer is taken; then it is full, and neither offers nor answers are taken.
    tracker._onAnnounceResponse({ answer, peer_id: 'a', offer_id: 'o1' } as never);
    peers.set('a', {});
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 0 });
    tracker._onAnnounceResponse({ answer, peer_id: 'b', offer_id: 'o2' } as never);
    tracker._onAnnounceResponse({ offer, peer_id: 'c', offer_id: 'o3' } as never);
    expect(handled).toEqual([
      { answer, peer_id: 'a', offer_id: 'o1' },
      { peer_id: 'b', offer_id: 'o2' },
      { peer_id: 'c', offer_id: 'o3' },
    ]);
    // Three named: room for every one of them.
    name(3, false);
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 1 });
    // Named itself, or a reply naming nobody (a stock tracker, or ours with naming off): maxPeers.
    for (const [count, self] of [
      [2, true],
      [undefined, undefined],
      [0, false],
      [2, 'no'],
      [1.5, false],
    ]) {
      name(count, self);
      expect(client._getAnnounceOpts?.(), `${count} ${self}`).toEqual({ numwant: 5 });
    }
    // A swarm larger than a named member can hold whole: uncapped.
    name(2, false);
    update(10, maxPeers, false, { named_members: 2, named: false });
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
  });

  it('caps no receiver unless the policy asks: a named reply alone changes nothing', () => {
    const { client, engine, update, tracker, handled } = setup(2);
    steerOffers(engine);
    update(3, 5, false, { named_members: 2, named: false });
    expect(client._getAnnounceOpts?.()).toEqual({ numwant: 5 });
    const answer = { type: 'answer', sdp: 'v=0' };
    tracker._onAnnounceResponse({ answer, peer_id: 'a', offer_id: 'o1' } as never);
    expect(handled).toEqual([{ answer, peer_id: 'a', offer_id: 'o1' }]);
  });

  it('touches nothing where the engine has no tracker client', () => {
    expect(steerOffers(undefined)).toBe(0);
    expect(steerOffers({ core: { mainStreamLoader: { p2pLoaders: { loaders: new Map([[1, {}]]) } } } })).toBe(0);
  });
});

describe('spaced segment announcements', () => {
  /** A P2PLoader as p2p-media-loader builds it: broadcastAnnouncement goes through sendSegmentsAnnouncement. */
  const setup = () => {
    const sent: string[] = [];
    const loader = {
      config: { isP2PUploadDisabled: false },
      held: 1,
      sendSegmentsAnnouncement(empty = false) {
        sent.push(empty ? 'empty' : `held ${this.held}`);
      },
      broadcastAnnouncement(empty = false) {
        this.sendSegmentsAnnouncement(empty);
      },
    };
    const engine = { core: { mainStreamLoader: { p2pLoaders: { loaders: new Map([[1, { loader }]]) } } } };
    let now = 0;
    const timers: { at: number; run: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimeout: (run: () => void, ms: number) => timers.push({ at: now + ms, run }),
    };
    const advance = (ms: number) => {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      const later = timers.filter((t) => t.at > now);
      timers.splice(0, timers.length, ...later);
      for (const timer of due) timer.run();
    };
    return { sent, loader, engine, clock, advance, timers };
  };

  it('sends each change at once with an interval of 0, and hooks each loader once', () => {
    const { sent, loader, engine, clock } = setup();
    expect(spaceAnnouncements(engine, () => 0, clock)).toBe(1);
    expect(spaceAnnouncements(engine, () => 0, clock)).toBe(0);
    loader.broadcastAnnouncement();
    loader.broadcastAnnouncement();
    expect(sent).toEqual(['held 1', 'held 1']);
  });

  it('holds changes within the interval back, then sends the latest state once', () => {
    const { sent, loader, engine, clock, advance, timers } = setup();
    spaceAnnouncements(engine, () => 4000, clock);
    loader.broadcastAnnouncement(); // the first goes at once
    advance(2000);
    loader.held = 2;
    loader.broadcastAnnouncement();
    loader.held = 3;
    loader.broadcastAnnouncement();
    expect(sent).toEqual(['held 1']);
    expect(timers).toHaveLength(1);
    advance(1999);
    expect(sent).toEqual(['held 1']);
    advance(1);
    expect(sent).toEqual(['held 1', 'held 3']);
    advance(10_000);
    expect(sent).toEqual(['held 1', 'held 3']); // nothing new: nothing sent
  });

  it('never holds back an empty announcement, and sends nothing held once upload is off', () => {
    const { sent, loader, engine, clock, advance } = setup();
    spaceAnnouncements(engine, () => 4000, clock);
    loader.broadcastAnnouncement();
    advance(1000);
    loader.broadcastAnnouncement(); // held back
    loader.config.isP2PUploadDisabled = true;
    loader.broadcastAnnouncement(true);
    expect(sent).toEqual(['held 1', 'empty']);
    advance(5000);
    expect(sent).toEqual(['held 1', 'empty']);
  });

  it('sends a held change at the next one once the interval drops to 0 (the viewer became a first fetcher)', () => {
    const { sent, loader, engine, clock, advance } = setup();
    let interval = 4000;
    spaceAnnouncements(engine, () => interval, clock);
    loader.broadcastAnnouncement();
    advance(1000);
    loader.broadcastAnnouncement(); // held back
    interval = 0;
    loader.held = 2;
    loader.broadcastAnnouncement();
    expect(sent).toEqual(['held 1', 'held 2']);
    advance(5000);
    expect(sent).toEqual(['held 1', 'held 2']); // the held one went with it
  });
});

describe('stream loaders built for a playing video', () => {
  /** p2p-media-loader's core: a loader per stream type, built at the first segment asked for, at that segment's start. */
  const engineWith = (media: { currentTime: number; playbackRate: number } | null) => {
    const core = {
      mainStreamLoader: undefined as { playback: { position: number; rate: number } } | undefined,
      secondaryStreamLoader: undefined as { playback: { position: number; rate: number } } | undefined,
      getStreamHybridLoader(segment: { type: 'main' | 'secondary'; startTime: number }) {
        const key = segment.type === 'main' ? 'mainStreamLoader' : 'secondaryStreamLoader';
        this[key] ??= { playback: { position: segment.startTime, rate: 1 } };
        return this[key];
      },
    };
    return { core, currentHlsInstance: { media } };
  };

  it("starts each loader at the video's playhead, not at the newest segment asked for, and moves it only once", () => {
    const media = { currentTime: 30.4, playbackRate: 1.05 };
    const engine = engineWith(media);
    expect(startLoadersAtPlayhead(engine)).toBe(true);
    // The first segment hls.js asks the engine for is the newest, a live window (6 s) ahead of the playhead.
    const loader = engine.core.getStreamHybridLoader({ type: 'main', startTime: 36 });
    const shared = loader.playback;
    expect(loader.playback).toEqual({ position: 30.4, rate: 1.05 });
    expect(loader.playback).toBe(shared); // moved in place: the loader's request queue holds the same object
    // The same loader for the next segment: p2p-media-loader's own playback updates move it from here.
    media.currentTime = 32;
    loader.playback.position = 31.9;
    expect(engine.core.getStreamHybridLoader({ type: 'main', startTime: 38 }).playback.position).toBe(31.9);
    // The secondary stream's loader, built later, starts at the playhead then; a paused video's rate 0 is not taken.
    media.playbackRate = 0;
    expect(engine.core.getStreamHybridLoader({ type: 'secondary', startTime: 40 }).playback).toEqual({
      position: 32,
      rate: 1,
    });
  });

  it('leaves a loader as built when there is no video yet, and hooks the core once for every listener', () => {
    const engine = engineWith(null);
    const seen: unknown[] = [];
    startLoadersAtPlayhead(engine);
    onLoaderBuilt(engine, (loader) => seen.push(loader));
    const loader = engine.core.getStreamHybridLoader({ type: 'main', startTime: 36 });
    expect(loader.playback.position).toBe(36);
    engine.core.getStreamHybridLoader({ type: 'main', startTime: 38 });
    expect(seen).toEqual([loader]);
  });

  it('does nothing where the core lacks the method (a changed p2p-media-loader), or without an engine', () => {
    expect(startLoadersAtPlayhead(undefined)).toBe(false);
    expect(startLoadersAtPlayhead({ core: {} })).toBe(false);
  });
});
