/**
 * The one place that reaches inside p2p-media-loader (2.3.x): it has no public
 * way to close a particular peer's connection. We need one to keep a peer that
 * sent a tampered segment away. Nor has it one to refuse a single upload
 * request (the upload gate: an uplink that cannot deliver it, or a choked
 * peer) or to send uploads one at a time (the gate's queue), or to give up a
 * slow peer transfer before the margin (abandonTransfers). The end-to-end fault test fails if this stops working
 * after an upgrade of the pinned version.
 */
import {
  announceOffers,
  answersOffer,
  type CapView,
  type OfferOptions,
  offerDefaults,
  peerCap,
  slack,
  type TransferProgress,
  trackerReconnectDelayMs,
} from '@edgeswarm/policy';
import type { UploadQueue } from './upload-queue';

interface PeerLike {
  destroy(): void;
  /** The peer's connection: a simple-peer Duplex over an RTCDataChannel (a private field). */
  connection?: { bufferSize?: number; writableLength?: number };
  /** The segment ids the peer's latest announcement listed (p2p-media-loader's Peer, a private field). */
  loadedSegments?: Set<number>;
}
interface TrackerClientLike {
  _peers?: Map<string, { peer?: PeerLike }>;
  /** bittorrent-tracker's client under p2p-media-loader's (a private field). */
  client?: AnnouncingClientLike;
}
interface AnnouncingClientLike {
  /** Merged into every announce's options (bittorrent-tracker's getAnnounceOpts, a private field). */
  _getAnnounceOpts?: (() => Record<string, unknown>) | null;
  on?: (event: 'update', listener: (data: AnnounceReplyLike) => void) => void;
  /** Its connection to each tracker (bittorrent-tracker's WebSocketTracker, a private field). */
  _trackers?: AnsweringTrackerLike[];
}
/** An announce reply as bittorrent-tracker's client passes it on: ours adds forwards_offers, named_members, named. */
interface AnnounceReplyLike {
  complete?: number;
  incomplete?: number;
  forwards_offers?: unknown;
  named_members?: unknown;
  named?: unknown;
}
interface AnsweringTrackerLike {
  /**
   * Handles every announce message the tracker relays, another peer's offer or its answer to ours included (a private
   * method).
   */
  _onAnnounceResponse?: (data: { offer?: unknown; answer?: unknown; peer_id?: unknown }) => void;
}
interface StreamLoaderLike {
  p2pLoaders?: { loaders?: Map<unknown, { loader?: { trackerClient?: TrackerClientLike } }> };
}
interface CoreLike {
  mainStreamLoader?: StreamLoaderLike;
  secondaryStreamLoader?: StreamLoaderLike;
  /** The stream configs every loader reads live (private fields; applyDynamicConfig writes into them). */
  mainStreamConfig?: { isP2PUploadDisabled?: boolean };
  secondaryStreamConfig?: { isP2PUploadDisabled?: boolean };
}

/** Closes every connection to `peerId`; returns how many it closed. */
export function closePeer(engine: unknown, peerId: string): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let closed = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      const entry = item.loader?.trackerClient?._peers?.get(peerId);
      if (entry?.peer) {
        entry.peer.destroy();
        closed++;
      }
    }
  }
  return closed;
}

/**
 * The newest segment each connected peer has announced (-1 when none). A live
 * peer announces every segment it gets, so this is how we hear from peers we
 * exchange no bytes with: a first fetcher hears nobody's bytes, and without it
 * would count itself alone and keep fetching from the edge for good. A closed
 * tab, a free-rider and a peer whose upload budget ran dry announce nothing new.
 */
export function peerAnnouncements(engine: unknown): Map<string, number> {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  const newest = new Map<string, number>();
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      for (const [peerId, entry] of item.loader?.trackerClient?._peers ?? []) {
        let max = newest.get(peerId) ?? -1;
        for (const id of entry.peer?.loadedSegments ?? []) if (typeof id === 'number' && id > max) max = id;
        if (entry.peer) newest.set(peerId, max);
      }
    }
  }
  return newest;
}

/**
 * Bytes written for peers that have not left this machine yet: what waits in
 * each connection's stream buffer and in its data channel (bufferedAmount).
 * p2p-media-loader counts an upload when it writes it, so on a full uplink its
 * count runs ahead of what was delivered by about this much.
 */
export function uploadQueuedBytes(engine: unknown): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  const seen = new Set<unknown>();
  let queued = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      for (const entry of item.loader?.trackerClient?._peers?.values() ?? []) {
        const connection = entry.peer?.connection;
        if (!connection || seen.has(connection)) continue;
        seen.add(connection);
        queued += (connection.bufferSize ?? 0) + (connection.writableLength ?? 0);
      }
    }
  }
  return queued;
}

const steered = new WeakSet<object>();
/** The swarm's size as each tracker client's last announce reply counted it (steerOffers listens for it). */
const counted = new WeakMap<object, number>();

/**
 * The swarm's size as the tracker last counted it (this viewer included), for the swarm this viewer holds the most
 * connections in; undefined before any count (or before steerOffers listened).
 */
export function swarmMembers(engine: unknown): number | undefined {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let members: number | undefined;
  let most = -1;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      const trackerClient = item.loader?.trackerClient;
      const count = trackerClient?.client ? counted.get(trackerClient.client) : undefined;
      if (!trackerClient || count === undefined) continue;
      const { connected } = peerCounts(trackerClient);
      if (connected > most) {
        most = connected;
        members = count;
      }
    }
  }
  return members;
}

/** A peer id as bittorrent-tracker relays it (a binary string) in p2p-media-loader's form (its bytes as UTF-8). */
function relayedPeerId(binary: string): string {
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** The peers a tracker client holds a connection to, and those it is still opening one with (p2p-media-loader's). */
function peerCounts(trackerClient: TrackerClientLike): { connected: number; opening: number } {
  let connected = 0;
  let opening = 0;
  for (const entry of trackerClient._peers?.values() ?? []) {
    if (entry.peer) connected++;
    else opening++;
  }
  return { connected, opening };
}

/** Whether an offer relayed from this peer is answered: not one already held, and only while there is room. */
function answers(trackerClient: TrackerClientLike, relayedFrom: string, options: OfferOptions): boolean {
  if (trackerClient._peers?.get(relayedPeerId(relayedFrom))?.peer) return false;
  return hasRoom(trackerClient, options);
}

/** Whether a tracker client holds fewer peers than the cap, those it is opening included. */
function hasRoom(trackerClient: TrackerClientLike, options: OfferOptions): boolean {
  const { connected, opening } = peerCounts(trackerClient);
  return answersOffer(connected, opening, options);
}

/** The policy's receiverMaxPeers each engine's tracker clients hold a receiver to (capReceivers); absent: 0, none. */
const receiverCaps = new WeakMap<object, number>();

/**
 * Sets the peers a receiver holds at most (the policy's receiverMaxPeers; peerCap) for this engine's tracker clients:
 * where the tracker names the swarm's earliest members and not this viewer, it offers, answers and takes answers only
 * up to that many. Call it before the engine starts; 0: no such cap.
 */
export function capReceivers(engine: object, receiverMaxPeers: number): void {
  receiverCaps.set(engine, receiverMaxPeers);
}

/** Pure: what an announce reply says of the swarm's earliest members; nothing when it names none (a stock tracker). */
export function namedIn(data: AnnounceReplyLike): Pick<CapView, 'named' | 'namedCount'> {
  const count = data.named_members;
  if (typeof count !== 'number' || !Number.isInteger(count) || count <= 0 || typeof data.named !== 'boolean') return {};
  return { named: data.named ? 'leader' : 'receiver', namedCount: count };
}

/**
 * Offers only where they can meet someone new. Each tracker client gets announce options whose numwant (the offers
 * bittorrent-tracker makes, at most 5) follows the swarm's size as the tracker last counted it, whether that tracker
 * forwards offers the swarm cannot place (our tracker's `forwards_offers`), and the peers
 * p2p-media-loader holds or is opening, never past the cap (announceOffers); and an offer relayed from a peer
 * p2p-media-loader already holds, or relayed once it holds the cap, is not answered (answersOffer), nor an answer to
 * its own offer taken once full. The cap is maxPeers, or the receiver's (capReceivers) while our tracker names others
 * as the swarm's earliest members (`named_members`, `named`; peerCap). Otherwise
 * every announce (every 30 s) builds 5 RTCPeerConnections that gather ICE candidates, and each peer that receives one
 * builds another to answer it, even when every member is connected already and p2p-media-loader closes both as
 * duplicates; and in a large swarm the connections grow without end. Call it as peers connect; returns how many
 * clients it newly steered.
 */
export function steerOffers(engine: unknown, offers: typeof announceOffers = announceOffers): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let count = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      const trackerClient = item.loader?.trackerClient;
      const client = trackerClient?.client;
      if (!trackerClient || !client || steered.has(client) || typeof client.on !== 'function') continue;
      let members: number | undefined;
      let forwards: boolean | undefined;
      let naming: Pick<CapView, 'named' | 'namedCount'> = {};
      client.on('update', (data) => {
        const count = (data.complete ?? 0) + (data.incomplete ?? 0);
        if (Number.isFinite(count) && count > 0) {
          members = count;
          counted.set(client, count);
        }
        // Our tracker says whether offers this swarm cannot place go to a neighbouring sub-shard; a stock one does not.
        forwards = typeof data.forwards_offers === 'boolean' ? data.forwards_offers : undefined;
        naming = namedIn(data);
      });
      // maxPeers, or a receiver's cap while the tracker names others as the swarm's earliest members (peerCap).
      const capped = (): OfferOptions => {
        const cap = peerCap({ ...naming, members }, offerDefaults.maxPeers, receiverCaps.get(engine as object) ?? 0);
        return cap === offerDefaults.maxPeers ? offerDefaults : { ...offerDefaults, maxPeers: cap };
      };
      const previous = client._getAnnounceOpts;
      client._getAnnounceOpts = () => {
        const { connected, opening } = peerCounts(trackerClient);
        return { ...previous?.(), numwant: offers({ members, forwards, connected, opening }, capped()) };
      };
      for (const tracker of client._trackers ?? []) {
        const respond = tracker._onAnnounceResponse;
        if (typeof respond !== 'function') continue;
        // The rest of the message (counts, interval, warnings) is still handled; only the offer is left unanswered.
        tracker._onAnnounceResponse = function (this: unknown, data) {
          if (data?.offer && typeof data.peer_id === 'string' && !answers(trackerClient, data.peer_id, capped())) {
            const { offer: _held, ...rest } = data;
            respond.call(this, rest);
            return;
          }
          // An answer to one of this viewer's offers, made before the tracker's reply capped it (the first announce
          // offers the full number): not taken once full, and that offer times out as one nobody answered.
          if (data?.answer && !hasRoom(trackerClient, capped())) {
            const { answer: _held, ...rest } = data;
            respond.call(this, rest);
            return;
          }
          respond.call(this, data);
        };
      }
      steered.add(client);
      count++;
    }
  }
  return count;
}

/** What steerOffersAsLoadersAppear needs of the engine: its event listeners (p2p-media-loader's core events). */
interface EngineEventsLike {
  addEventListener(event: 'onSegmentStart' | 'onPeerConnect', listener: () => void): void;
}

/**
 * Steers each tracker client (steerOffers) as p2p-media-loader builds it, before the client's socket can open, so the
 * count in the first announce reply is heard and the second announce already offers by it. A stream loader and its
 * first tracker client are built as the first segment of their stream is asked for (onLoaderBuilt); a rendition's
 * later client, as a segment of that rendition starts; peer connects still steer (a client built while nothing
 * started). Steered only at each peer's connect, a client missed the first reply and its count came with the second,
 * 30 s later: the first fetcher's fan-out went by its connections alone until then. Steered only at segment starts, it
 * missed it too once a newcomer's first segment waited for its peers (startLoadersAtPlayhead).
 */
export function steerOffersAsLoadersAppear(engine: EngineEventsLike): void {
  const steer = () => steerOffers(engine);
  onLoaderBuilt(engine, steer);
  engine.addEventListener('onSegmentStart', steer);
  engine.addEventListener('onPeerConnect', steer);
}

interface LoaderBuildingCoreLike {
  /** Returns the stream type's loader, building it at the first segment asked for (p2p-media-loader's core, private). */
  getStreamHybridLoader?: (segment: unknown) => unknown;
  mainStreamLoader?: unknown;
  secondaryStreamLoader?: unknown;
}
interface PlayheadEngineLike {
  core?: LoaderBuildingCoreLike;
  /** The hls.js the engine is bound to (p2p-media-loader-hlsjs's engine, a private field), and through it the video. */
  currentHlsInstance?: { media?: { currentTime: number; playbackRate: number } | null };
}
/** A stream loader as p2p-media-loader's core builds it (its playback, a private field shared with its queue). */
interface BuiltLoaderLike {
  playback?: { position: number; rate: number };
}

const builtListeners = new WeakMap<object, ((loader: BuiltLoaderLike) => void)[]>();

/**
 * Calls `listener` with each stream loader p2p-media-loader's core builds from here on, in the task that builds it
 * (before its tracker client's socket can open). Returns whether it could hook the engine.
 */
export function onLoaderBuilt(engine: unknown, listener: (loader: BuiltLoaderLike) => void): boolean {
  const core = (engine as PlayheadEngineLike | undefined)?.core;
  const build = core?.getStreamHybridLoader;
  if (!core || typeof build !== 'function') return false;
  const listeners = builtListeners.get(core);
  if (listeners) {
    listeners.push(listener);
    return true;
  }
  const all = [listener];
  builtListeners.set(core, all);
  core.getStreamHybridLoader = function (this: LoaderBuildingCoreLike, segment: unknown) {
    const before = [this.mainStreamLoader, this.secondaryStreamLoader];
    const loader = build.call(this, segment) as BuiltLoaderLike | undefined;
    if (loader && !before.includes(loader)) for (const each of all) each(loader);
    return loader;
  };
  return true;
}

/**
 * p2p-media-loader builds a stream's loader at the first segment hls.js asks its engine for, with the loader's
 * playback position at that segment's start. Attached to a playing hls.js (P2P starts after the first frame), that
 * segment is the newest in the playlist, a live window ahead of the playhead. The engine's next playback update then
 * moves the position back by more than half a segment, which p2p-media-loader takes for a seek: it fetches the
 * segment asked for from the edge at once (hybrid-loader.ts updatePlayback, shouldBeStartedImmediately), before any
 * peer could connect. So every newcomer took its first segment after P2P started from the edge. Each loader built
 * from here on starts at the video's playhead instead, as it would have had the engine been there from the start; the
 * segment asked for then waits for peers up to the deadline margin, as every later one does. Returns whether it could
 * hook the engine.
 */
export function startLoadersAtPlayhead(engine: unknown): boolean {
  return onLoaderBuilt(engine, (loader) => {
    const media = (engine as PlayheadEngineLike).currentHlsInstance?.media;
    if (!loader.playback || !media) return;
    // The object is shared with the loader's request queue: moved in place, not replaced.
    loader.playback.position = media.currentTime;
    if (media.playbackRate > 0) loader.playback.rate = media.playbackRate;
  });
}

interface AnnouncingLoaderLike {
  /** p2p-media-loader's P2PLoader sends one announcement to every peer through this (a private method). */
  sendSegmentsAnnouncement?: (sendEmptyAnnouncement?: boolean) => void;
  /** Its stream config (a private field): nothing is announced while upload is off. */
  config?: { isP2PUploadDisabled?: boolean };
}

const spaced = new WeakSet<object>();

/**
 * Spaces this viewer's segment announcements to its peers at least `intervalMs()` apart (the tick's
 * announceIntervalSeconds): a change within the interval is announced once it has passed, with whatever is held then,
 * so the latest state always goes out. 0 sends each at once, as p2p-media-loader does; an empty announcement (upload
 * turned off) and the one a newly connected peer gets are never held back. Call it as loaders appear; returns how many
 * it newly spaced.
 */
export function spaceAnnouncements(
  engine: unknown,
  intervalMs: () => number,
  clock: { now(): number; setTimeout(run: () => void, ms: number): unknown } = {
    now: () => performance.now(),
    setTimeout: (run, ms) => setTimeout(run, ms),
  },
): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let count = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      const loader = item.loader as AnnouncingLoaderLike | undefined;
      const send = loader?.sendSegmentsAnnouncement;
      if (!loader || spaced.has(loader) || typeof send !== 'function') continue;
      let lastSentAt = Number.NEGATIVE_INFINITY;
      let pending = false;
      const sendNow = () => {
        pending = false;
        lastSentAt = clock.now();
        send.call(loader);
      };
      loader.sendSegmentsAnnouncement = (sendEmptyAnnouncement = false) => {
        if (sendEmptyAnnouncement) {
          send.call(loader, true);
          return;
        }
        const wait = lastSentAt + intervalMs() - clock.now();
        if (wait <= 0) {
          sendNow();
          return;
        }
        if (pending) return;
        pending = true;
        clock.setTimeout(() => {
          // Upload turned off meanwhile: p2p-media-loader has sent its empty announcement, which must stand.
          if (pending && !loader.config?.isP2PUploadDisabled) sendNow();
          else pending = false;
        }, wait);
      };
      spaced.add(loader);
      count++;
    }
  }
  return count;
}

/** Pure: the peers whose newest announced segment moved on since the last look. */
export function announcedSince(previous: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): string[] {
  return [...current].filter(([id, newest]) => newest >= 0 && newest > (previous.get(id) ?? -1)).map(([id]) => id);
}

/**
 * Pure: a playlist URL without LL-HLS delivery directives (`_HLS_msn`, `_HLS_part`, `_HLS_skip`) or a playback
 * token (signed playback: hls.js names a playlist by the URL it was loaded from, token included).
 */
export function withoutDeliveryDirectives(url: string): string {
  const parsed = new URL(url);
  for (const name of ['_HLS_msn', '_HLS_part', '_HLS_skip', 'token']) parsed.searchParams.delete(name);
  return parsed.toString();
}

interface SegmentManagerLike {
  updatePlaylist(data: { details: { url: string; fragments: unknown[]; live: boolean } }): void;
}

/**
 * p2p-media-loader-hlsjs finds a playlist by the URL it was loaded from. With
 * blocking playlist reload that URL carries `?_HLS_msn=N`, the lookup misses,
 * and every new segment silently bypasses P2P (so it does with a `?token=`). Replaying each update under the
 * playlist's canonical URL keeps both: blocking reload and P2P.
 */
export function syncLivePlaylist(
  engine: unknown,
  details: { url: string; fragments: unknown[]; live: boolean },
): boolean {
  const canonical = withoutDeliveryDirectives(details.url);
  if (canonical === details.url) return false; // the engine saw the right URL itself
  const manager = (engine as { segmentManager?: SegmentManagerLike } | undefined)?.segmentManager;
  if (typeof manager?.updatePlaylist !== 'function') return false;
  manager.updatePlaylist({ details: { url: canonical, fragments: details.fragments, live: details.live } });
  return true;
}

interface WebSocketTrackerLike {
  destroyed?: boolean;
  reconnecting?: boolean;
  retries?: number;
  reconnectTimer?: ReturnType<typeof setTimeout>;
  _openSocket?: () => void;
  _startReconnectTimer?: () => void;
}

const retimed = new WeakMap<object, unknown>();
const hooked = new WeakSet<object>();

/** Puts one tracker connection waiting to reconnect on our schedule, unless it is already; answers whether it did. */
function retime(tracker: WebSocketTrackerLike, random: () => number): boolean {
  if (!tracker.reconnecting || !tracker.destroyed || typeof tracker._openSocket !== 'function') return false;
  if (retimed.get(tracker) === tracker.reconnectTimer) return false; // already on our schedule
  clearTimeout(tracker.reconnectTimer);
  tracker.reconnectTimer = setTimeout(
    () => {
      tracker.retries = (tracker.retries ?? 0) + 1;
      tracker._openSocket?.();
    },
    trackerReconnectDelayMs(tracker.retries ?? 0, random()),
  );
  retimed.set(tracker, tracker.reconnectTimer);
  return true;
}

/**
 * Puts every tracker connection that is waiting to reconnect on our schedule; returns how many it retimed. Each
 * connection seen is also hooked where bittorrent-tracker schedules its reconnect (`_startReconnectTimer`, on a
 * close or an error), so from then on a closed socket is retimed the moment it closes, not at the next call (up
 * to a second later): a tracker restart costs the backoff alone.
 */
export function retimeTrackerReconnects(engine: unknown, random: () => number = Math.random): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let count = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      const client = (item.loader?.trackerClient as { client?: { _trackers?: WebSocketTrackerLike[] } } | undefined)
        ?.client;
      for (const tracker of client?._trackers ?? []) {
        const start = tracker._startReconnectTimer;
        if (typeof start === 'function' && !hooked.has(tracker)) {
          hooked.add(tracker);
          tracker._startReconnectTimer = function (this: WebSocketTrackerLike) {
            start.call(this);
            retime(tracker, random);
          };
        }
        if (retime(tracker, random)) count++;
      }
    }
  }
  return count;
}

/** A peer transfer under way, as the shim reads it from p2p-media-loader's request (plain data for projectTransfer). */
export interface RunningTransfer extends TransferProgress {
  /** The segment's URL (what p2p-media-loader's events name it by). */
  segment: string;
  peerId: string | undefined;
  /** Seconds until the playhead reaches the segment, at p2p-media-loader's last playback update. */
  slackSeconds: number;
}

interface TransferRequestLike {
  status?: string;
  downloadSource?: string;
  loadedBytes?: number;
  totalBytes?: number;
  segment?: { url: string; startTime: number };
  /** This attempt: when it started and what it received (ms, performance.now(); a private field). */
  progress?: { startTimestamp: number; loadedBytes: number };
  currentAttempt?: { peerId?: string };
  abortFromProcessQueue?: () => void;
}
interface HybridLoaderLike {
  requests?: { items(): Iterable<TransferRequestLike>; executingHttpCount: number };
  playback?: { position: number; rate: number };
  config?: { simultaneousHttpDownloads?: number };
  loadThroughHttp?: (segment: unknown) => void;
}

/** The last look at each request's attempt, for the rate since then (a transfer that sped up). */
const transferLooks = new WeakMap<object, { startedAt: number; at: number; receivedBytes: number }>();

/**
 * Gives up running peer transfers that `abandon` says will finish too late, and finishes each from the edge at once.
 * p2p-media-loader has no hook for it; it switches a peer transfer to the edge only when its segment enters the
 * high-demand window. This does what that switch does, earlier: the request is aborted (the peer is told to stop
 * sending, and the bytes received stay with the request) and loaded through HTTP, which resumes it with a Range request
 * from the bytes received. A transfer is left alone while every edge connection is busy (p2p-media-loader's own
 * limit); its margin switch still guards it. `now` is performance.now() in seconds. Returns what it gave up.
 */
export function abandonTransfers(
  engine: unknown,
  now: number,
  abandon: (transfer: RunningTransfer) => boolean,
): RunningTransfer[] {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  const given: RunningTransfer[] = [];
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    const loader = streamLoader as HybridLoaderLike | undefined;
    const requests = loader?.requests;
    const playback = loader?.playback;
    if (!requests || !playback || typeof loader?.loadThroughHttp !== 'function') continue;
    const running = [...requests.items()].filter(
      (r) => r.status === 'loading' && r.downloadSource === 'p2p' && r.progress && r.segment,
    );
    for (const request of running) {
      const progress = request.progress as NonNullable<TransferRequestLike['progress']>;
      const segment = request.segment as NonNullable<TransferRequestLike['segment']>;
      const startedAt = progress.startTimestamp / 1000;
      const look = transferLooks.get(request);
      const transfer: RunningTransfer = {
        segment: segment.url,
        peerId: request.currentAttempt?.peerId,
        slackSeconds: slack(segment.startTime, playback.position, playback.rate),
        startedAt,
        receivedBytes: progress.loadedBytes,
        bytesLeft: request.totalBytes === undefined ? undefined : request.totalBytes - (request.loadedBytes ?? 0),
        ...(look && look.startedAt === startedAt
          ? { previous: { at: look.at, receivedBytes: look.receivedBytes } }
          : {}),
      };
      transferLooks.set(request, { startedAt, at: now, receivedBytes: progress.loadedBytes });
      if (!abandon(transfer)) continue;
      const limit = loader.config?.simultaneousHttpDownloads ?? 1;
      if (requests.executingHttpCount >= limit || typeof request.abortFromProcessQueue !== 'function') continue;
      request.abortFromProcessQueue();
      loader.loadThroughHttp(request.segment);
      given.push(transfer);
    }
  }
  return given;
}

/** The per-request upload check, and what it has seen: bytes of uploads under way, requests refused. */
export interface UploadGate {
  /**
   * Whether to take a request for this segment (p2p-media-loader's runtime id, or its external id) of this many bytes
   * from this peer (its peer id; `activeBytes` already counts those under way).
   */
  admit(bytes: number, segment: string, peerId: string): boolean;
  activeBytes: number;
  refused: number;
  /** Uploads one at a time (policy sequentialUploads): each accepted one waits its turn here. Absent: all at once. */
  queue?: UploadQueue;
}

interface UploadingPeerLike {
  uploadSegmentData?: (
    segment: { externalId: number; runtimeId?: string },
    requestId: number,
    data: ArrayBuffer,
  ) => Promise<void>;
  sendSegmentAbsentCommand?: (segmentExternalId: number, requestId: number) => void;
  /** Private: the peer's wire protocol, which tells a cancel's request id from the upload under way. */
  peerProtocol?: {
    getUploadingRequestId?: () => number | undefined;
    stopUploadingSegmentData?: () => void;
  };
}

/**
 * A cancel (or a new request) from the requester stops the upload under way; p2p-media-loader knows only that one, so
 * a cancel of an upload still waiting its turn would be ignored and the segment sent anyway. Taught the waiting
 * one's request id, it stops that too: dropped from the queue, never written.
 */
function cancelWhileWaiting(peer: UploadingPeerLike, queue: UploadQueue): void {
  const protocol = peer.peerProtocol;
  const uploading = protocol?.getUploadingRequestId;
  const stop = protocol?.stopUploadingSegmentData;
  if (!protocol || typeof uploading !== 'function' || typeof stop !== 'function') return;
  protocol.getUploadingRequestId = () => uploading.call(protocol) ?? queue.waitingRequestId(peer);
  protocol.stopUploadingSegmentData = () => {
    queue.drop(peer);
    stop.call(protocol);
  };
}

const gatedPeers = new WeakSet<object>();

/**
 * Puts `gate` in front of every upload to a connected peer. p2p-media-loader has no hook for refusing one request:
 * it answers "absent" only while all upload is off. So each peer's uploadSegmentData is wrapped (on the instance, so
 * another player on the page is untouched): a request the gate refuses is answered "absent", and the requester tries
 * another holder or the edge at once, instead of waiting on a transfer that would miss its margin. Call it as peers
 * connect; returns how many peers it newly gated.
 */
export function gateUploads(engine: unknown, gate: UploadGate): number {
  const core = (engine as { core?: CoreLike } | undefined)?.core;
  let count = 0;
  for (const streamLoader of [core?.mainStreamLoader, core?.secondaryStreamLoader]) {
    for (const item of streamLoader?.p2pLoaders?.loaders?.values() ?? []) {
      for (const [peerId, entry] of item.loader?.trackerClient?._peers ?? []) {
        const peer = entry.peer as (PeerLike & UploadingPeerLike) | undefined;
        if (!peer || gatedPeers.has(peer)) continue;
        const upload = peer.uploadSegmentData;
        const absent = peer.sendSegmentAbsentCommand;
        if (typeof upload !== 'function' || typeof absent !== 'function') continue;
        const queue = gate.queue;
        peer.uploadSegmentData = async (segment, requestId, data) => {
          if (!gate.admit(data.byteLength, segment.runtimeId ?? String(segment.externalId), peerId)) {
            gate.refused++;
            absent.call(peer, segment.externalId, requestId);
            return;
          }
          gate.activeBytes += data.byteLength;
          try {
            if (!queue) await upload.call(peer, segment, requestId, data);
            else if (await queue.turn(peer, requestId, data.byteLength)) {
              try {
                await upload.call(peer, segment, requestId, data);
              } finally {
                queue.written();
              }
            }
          } finally {
            gate.activeBytes -= data.byteLength;
          }
        };
        if (queue) cancelWhileWaiting(peer, queue);
        gatedPeers.add(peer);
        count++;
      }
    }
  }
  return count;
}

/** A playlist update as hls.js reports it (LEVEL_UPDATED, AUDIO_TRACK_LOADED). */
export interface PlaylistUpdate {
  details: { url: string; fragments: unknown[]; live: boolean };
}

/** What hls.js reported before the engine was there, kept to replay to it. */
export interface HlsHistory {
  /** MANIFEST_LOADED's data. */
  manifest?: unknown;
  /** The latest LEVEL_SWITCHING's data (the rendition's bitrate). */
  switching?: unknown;
  /** The latest update of each playlist, by the URL hls.js loaded it from. */
  playlists: Map<string, PlaylistUpdate>;
}

interface LateEngineLike {
  bindHls?: (hls: unknown) => void;
  /** Private: registers the engine's hls.js and media element handlers (its playlist loader calls it). */
  initHlsEvents?: () => void;
  handleManifestLoaded?: (event: string, data: unknown) => void;
  handleLevelSwitching?: (event: string, data: unknown) => void;
  handleLevelUpdated?: (event: string, data: unknown) => void;
}

/**
 * Attaches p2p-media-loader to an hls.js that is already playing. Its injectMixin hooks hls.js as it is constructed,
 * and the engine learns the streams from hls.js events (MANIFEST_LOADED, LEVEL_UPDATED) it registers for when hls.js
 * first builds its playlist loader. Here those handlers are registered now and what they missed is replayed: the
 * manifest, the rendition, each playlist's latest update (under its canonical URL too, as syncLivePlaylist does).
 * The engine's fragment loader (getConfigForHlsJs) must then take hls.js's next fragment loads. Returns false, having
 * touched nothing, where the engine lacks these methods (a changed p2p-media-loader): P2P then stays off.
 */
export function attachEngine(engine: unknown, hls: unknown, history: HlsHistory): boolean {
  const late = engine as LateEngineLike;
  if (
    typeof late.bindHls !== 'function' ||
    typeof late.initHlsEvents !== 'function' ||
    typeof late.handleManifestLoaded !== 'function' ||
    typeof late.handleLevelSwitching !== 'function' ||
    typeof late.handleLevelUpdated !== 'function'
  ) {
    return false;
  }
  late.bindHls(hls);
  late.initHlsEvents();
  if (history.manifest) late.handleManifestLoaded('hlsManifestLoaded', history.manifest);
  if (history.switching) late.handleLevelSwitching('hlsLevelSwitching', history.switching);
  for (const update of history.playlists.values()) {
    if (update.details.fragments.length === 0) continue;
    late.handleLevelUpdated('hlsLevelUpdated', update);
    syncLivePlaylist(engine, update.details);
  }
  return true;
}
