/**
 * The hybrid player: hls.js with p2p-media-loader, driven by the policy
 * package's tick. The edge is the seeder of last resort: it serves whatever is
 * close to its deadline; peers serve what has slack. Segments from peers are
 * checked against the edge-published hashes before hls.js sees them.
 *
 * This file observes (hls.js and p2p-media-loader events, the shim) and
 * applies the tick's actions; it decides nothing itself.
 *
 * Where MSE is missing it plays native HLS (Safari); where WebRTC is missing,
 * or P2P is off, it plays plain hls.js from the edge.
 */

import {
  admitsUpload,
  advertisedUplinkClass,
  canRelay,
  type DeviceObservation,
  edgeRecoveryDelayMs,
  initialTickState,
  type LoaderWindows,
  longTaskPercent,
  makePeerId,
  type PeerLedger,
  type PeerTransfer,
  type PlaybackPace,
  type PolicyOptions,
  projectTransfer,
  relayProbeWaitSeconds,
  resolvePolicyOptions,
  type StrainSign,
  type TickActions,
  type TickState,
  tick,
  type UplinkProbe,
} from '@edgeswarm/policy';
import { type Counters, type PlaybackMode, zeroCounters } from '@edgeswarm/protocol';
import Hls, { type FragmentLoaderConstructor, type HlsConfig } from 'hls.js';
import type { SegmentStorage } from 'p2p-media-loader-core';
import type { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import { Blocklist, IntegrityChecker } from '../integrity';
import { newPlaybackStats, onPlaybackEvent, type PlaybackEvent, type PlaybackStats } from '../playback-stats';
import { hlsLatencyConfig } from './latency-setting';
import { goToLivePosition, type LiveEdge } from './live-indicator';
import {
  announcedSince,
  type HlsHistory,
  type PlaylistUpdate,
  type RunningTransfer,
  type UploadGate,
  withoutDeliveryDirectives,
} from './p2p-shim';
import { defaultP2PStackUrl, loadP2PStack, type P2PStack, switchableFragmentLoader } from './p2p-stack';
import { withToken } from './playback-token';
import { EngineLoads, type Gauges, sendBeacons } from './stats';
import { type ConnectionInfo, type UploadPermission, type UploadSetting, uploadPermission } from './upload-permission';

export interface RegionHint {
  region?: string;
  asn?: string;
  colo?: string;
  country?: string;
}

export interface HybridPlayerOptions {
  /** Multivariant playlist URL. */
  src: string;
  /** Stream id: names the swarm (never the URL, so tokens in URLs never split a swarm). */
  stream: string;
  /**
   * P2P on (default, the hybrid) or off (plain CDN playback). `'stock'` plays stock p2p-media-loader instead, with its
   * default settings on our tracker and none of our policy: the incumbent, for comparisons on the same links.
   */
  p2p?: boolean | 'stock';
  /** Tracker WebSocket URL; default: the edge's /v1/tracker/:stream. */
  tracker?: string;
  /**
   * Playback token for a protected stream (signed playback): sent as `?token=` on every request the player makes
   * (playlists, segments, tracker, beacons, uplink probe). Never part of the swarm id or a segment's name.
   */
  token?: string;
  /** Region shard override, honoured only by edges that allow it (local runs, tests). */
  region?: RegionHint;
  /** STUN/TURN for WebRTC. */
  rtcConfig?: RTCConfiguration;
  /**
   * `'relay'`: WebRTC goes only through the TURN servers in `rtcConfig` (give them from JavaScript), so no peer learns
   * this viewer's address. Default: all (host, STUN and TURN candidates).
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * Upload to peers: `'on'` (default), `'off'` (take from peers, serve none), `'consent'` (off until the page calls
   * `allowUpload()`). Never on a cellular link or with Save-Data on, whatever this says.
   */
  upload?: UploadSetting;
  policy?: Partial<PolicyOptions>;
  /**
   * `'low'`: LL-HLS from the edge: hls.js low-latency mode at the playlist's PART-HOLD-BACK, loading parts. Peers
   * share whole segments only, so P2P serves such a viewer only where there is slack: on VOD, or once it plays as far
   * behind live as the hybrid does (paused, sought back); at the live edge it never loads the P2P script (the policy's
   * lowLatencyP2P, through the tick).
   */
  latency?: 'low';
  /** Beacon endpoint; false turns beacons off. Default: the edge's /v1/streams/:stream/beacons. */
  beacon?: string | false;
  beaconIntervalMs?: number;
  /**
   * Where p2p-media-loader keeps the segments it shares (its `customSegmentStorageFactory`); default: its own
   * in-memory storage. Set from JavaScript only (no attribute or page parameter reaches it).
   */
  segmentStorageFactory?: (isLive: boolean) => SegmentStorage;
  /**
   * The P2P stack's script (hybrid-p2p.js), loaded once playback keeps pace after the first frame; default: beside the script this player came
   * from, else the edge's /player/hybrid-p2p.js. Never loaded with P2P off.
   */
  p2pScript?: string;
}

export const playerDefaults = {
  p2p: true,
  rtcConfig: { iceServers: [{ urls: 'stun:stun.cloudflare.com:3478' }] } as RTCConfiguration,
  beaconIntervalMs: 5000,
  /** Assumed until the first playlist says otherwise. */
  targetDuration: 2,
};

export interface HybridSnapshot {
  mode: PlaybackMode;
  playback: PlaybackStats;
  counters: Counters;
  peers: string[];
  firstFetcher: boolean;
  /** What the tick made of bandwidth: whether this viewer declined to lead, peers left out as slow, its uplink. */
  bandwidth: {
    declined: boolean;
    slow: string[];
    uplinkBps: number;
    backlogged: boolean;
    /** The device is the bottleneck (late timers, dropped frames, long tasks): backed off from P2P. */
    strained: boolean;
    strainSign: StrainSign | null;
    /** Share of the last tick the page's main thread spent in long tasks, percent; null where not measured. */
    longTaskPercent: number | null;
    /** Upload requests answered "absent" because they could not be delivered within the margin. */
    refusedUploads: number;
    /** Peer transfers given up because their projected finish fell past the deadline less the margin… */
    abandonedTransfers: number;
    /** …and the bytes they still lacked, which the edge then sent (Range requests). */
    abandonedBytes: number;
  };
  windows: LoaderWindows | undefined;
  bufferSeconds: number;
  latencySeconds: number | undefined;
  selfPeerId: string;
  blockedPeersClosed: number;
  /** Whether this viewer may upload, and why not (p2p-upload, consent, cellular, Save-Data). */
  upload: UploadPermission & { setting: UploadSetting };
  warnings: string[];
  /** Whether this is a live stream, and how far the playhead is from its end against the plan (the LIVE badge). */
  liveEdge: LiveEdge;
  /** When P2P was set up against playback's stalls and seeks (a starved device's start-up, read by compare). */
  timeline: PlayerTimeline;
}

/** Milliseconds since the page asked to play; null: not yet (or never: CDN-only). */
export interface PlayerTimeline {
  /** P2P's script was asked for (playback had kept pace), the engine started, the first peer connected. */
  p2pRequestedMs: number | null;
  p2pStartedMs: number | null;
  firstPeerMs: number | null;
  /** The tracker's count of the swarm first reached the tick (its first announce reply, if the shim listened in time). */
  swarmCountedMs: number | null;
  /**
   * Each stall's start, and each seek, before the first frame too (hls.js's jump to the live sync point is one; its
   * seek to the start position another): the first few.
   */
  stallsAtMs: number[];
  seeksAtMs: number[];
  /**
   * Each media segment as it loaded, and from where: hls.js's own edge fetch (before P2P attached, or a segment the
   * engine did not know), or p2p-media-loader's from the edge or a peer: the first few, so a start-up's edge segments
   * can be placed against P2P's start.
   */
  segments: { atMs: number; from: SegmentFrom }[];
}

export type SegmentFrom = 'hls.js' | 'edge' | 'peer';

/** Times kept per list in the timeline: a start-up's worth; a page that stalls more has its counters. */
const timelineEntries = 16;

function noteTime(list: number[], ms: number): void {
  if (list.length < timelineEntries) list.push(ms);
}

export type HybridEvent = 'stats' | 'integrity-failure' | 'error';

export interface HybridPlayer {
  readonly hls: Hls | null;
  snapshot(): HybridSnapshot;
  /** The viewer consented to upload (`upload: 'consent'`): upload may open from the next tick (cellular and Save-Data still keep it off). */
  allowUpload(): void;
  /** Seek to the live edge (where the latency plan sits) and play: the LIVE badge's "go to live". No-op on VOD. */
  goToLive(): void;
  on(event: HybridEvent, listener: (detail: unknown) => void): () => void;
  destroy(): void;
}

/** Segments whose upload copies are remembered: well over a live window's worth (older ones are past their deadline). */
const copiesRemembered = 64;

/** Records a segment's copies as the newest entry, forgetting the oldest past `copiesRemembered`. */
export function rememberCopy<T>(copies: Map<string, T>, segment: string, count: T): void {
  copies.delete(segment);
  copies.set(segment, count);
  if (copies.size > copiesRemembered) {
    const oldest = copies.keys().next().value;
    if (oldest !== undefined) copies.delete(oldest);
  }
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The page's rtcConfig with the relay-only choice applied. */
function rtcConfigOf(options: HybridPlayerOptions): RTCConfiguration {
  const base = options.rtcConfig ?? playerDefaults.rtcConfig;
  return options.iceTransportPolicy ? { ...base, iceTransportPolicy: options.iceTransportPolicy } : base;
}

const isTurn = (server: RTCIceServer): boolean =>
  (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/.test(url));

/** The Network Information API where the browser has it (Chromium, Android). */
function connectionInfo(): ConnectionInfo | undefined {
  if (typeof navigator === 'undefined') return undefined;
  return (navigator as Navigator & { connection?: ConnectionInfo }).connection;
}

function trackerUrl(options: HybridPlayerOptions): string {
  const url = new URL(options.tracker ?? `/v1/tracker/${options.stream}`, new URL(options.src, location.href));
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  for (const [key, value] of Object.entries(options.region ?? {})) if (value) url.searchParams.set(key, value);
  return withToken(url.toString(), options.token);
}

/**
 * What carries the token on requests hls.js and p2p-media-loader make themselves: hls.js opens its XHR on the
 * tokened URL (its fragment URLs, and so hashes and P2P segment ids, stay as the playlist names them), and the
 * engine's edge fetches are built here the way it builds them, with the token added.
 */
function tokenRequestSetup(token: string | undefined) {
  if (!token) return {};
  return {
    hls: {
      xhrSetup: (xhr: XMLHttpRequest, url: string) => xhr.open('GET', withToken(url, token, location.href), true),
    } satisfies Partial<HlsConfig>,
    core: {
      httpRequestSetup: async (
        segmentUrl: string,
        _segmentByteRange: unknown,
        signal: AbortSignal,
        range: { start: number; end?: number } | undefined,
      ) =>
        new Request(withToken(segmentUrl, token, location.href), {
          signal,
          ...(range ? { headers: { Range: `bytes=${range.start}-${range.end ?? ''}` } } : {}),
        }),
    },
  };
}

export function canUseMse(): boolean {
  return Hls.isSupported();
}

export function canUseP2P(): boolean {
  return typeof RTCPeerConnection !== 'undefined' && canUseMse();
}

export function createHybridPlayer(video: HTMLVideoElement, options: HybridPlayerOptions): HybridPlayer {
  const { options: policy, warnings } = resolvePolicyOptions(options.policy);
  for (const warning of warnings) console.warn(`hybrid-player: ${warning}`);
  const listeners = new Map<HybridEvent, Set<(detail: unknown) => void>>();
  const emit = (event: HybridEvent, detail: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(detail);
  };
  const nowSeconds = () => Date.now() / 1000;
  const lowLatency = options.latency === 'low';
  // Low latency keeps P2P for where there is slack (the tick's p2p); stock p2p-media-loader has no low mode.
  const p2pWanted = (options.p2p ?? playerDefaults.p2p) !== false && canUseP2P();
  const stock = p2pWanted && !lowLatency && options.p2p === 'stock';
  const mode: PlaybackMode = stock ? 'p2pml' : p2pWanted ? 'hybrid' : 'cdn';
  // 20 characters, so p2p-media-loader adds nothing random to it; it carries our join time for the first-fetcher rank
  // and, with spreadRelays, the uplink class the probe read (set as the engine is built, after the probe).
  const joinedAt = nowSeconds();
  const idRandom = randomId(7);
  let selfPeerId = makePeerId(joinedAt, idRandom);
  /** With spreadRelays, P2P waits for the uplink probe so that the peer id can carry its class. */
  const advertiseUplink = policy.spreadRelays > 0;
  const counters = zeroCounters();
  const engineLoads = new EngineLoads();
  let playback = newPlaybackStats(performance.now());
  const peers = new Map<string, PeerLedger>();
  /** When each peer last sent us bytes or announced a new segment, seconds. */
  const lastHeard = new Map<string, number>();
  let announced = new Map<string, number>();
  const blocklist = new Blocklist();
  const integrity = new IntegrityChecker();
  if (integrity.digestKind === 'bundled') {
    warnings.push(
      'no Web Crypto here (not a secure context): segments from peers are checked with the bundled SHA-256',
    );
  }
  let blockedPeersClosed = 0;
  /** Peer transfers given up early (projected too late), and the bytes the edge finished them with. */
  const abandoned = { transfers: 0, bytes: 0 };
  const uploadSetting: UploadSetting = options.upload ?? 'on';
  let uploadConsented = false;
  let upload = uploadPermission(uploadSetting, uploadConsented, connectionInfo());
  if (options.iceTransportPolicy === 'relay' && !(rtcConfigOf(options).iceServers ?? []).some(isTurn)) {
    warnings.push('ice-transport-policy="relay" without a TURN server in rtcConfig: no peer can be reached');
  }
  let targetDuration = playerDefaults.targetDuration;
  let live = true;
  /** A media playlist has been loaded, so `live` is known (the badge waits for it). */
  let playlistLoaded = false;
  // What the tick has not seen yet: edge fetch times and segments from peers since the last one.
  let edgeFetches: number[] = [];
  let p2pTransfers: PeerTransfer[] = [];
  /** Mean size of the media segments played lately, bytes (a first fetcher's load is a multiple of it). */
  let segmentBytes = 0;
  /** Bytes that left this machine for peers so far: written, less what still waits in the connections. */
  let deliveredBytes = 0;
  /**
   * Whether the upload queue was seen below full since the last tick: while a tick finds it full, a timer looks again
   * every uplinkDrainSampleSeconds, so an interval full at both ticks but idle between them is not read as the link's
   * speed (policy capacity.ts).
   */
  let uplinkDrained = false;
  let drainWatch: number | undefined;
  let p2pStartedAt: number | undefined;
  /** The device since the last tick: how late the tick's timer fired, and the video's frame counts at the last tick. */
  let timerLateSeconds = 0;
  let frames = { dropped: 0, total: 0 };
  /** Main-thread long tasks since the last tick (ms; undefined where the Long Tasks API is missing), and when that was. */
  let longTaskMs: number | undefined;
  let deviceObservedAt = performance.now();
  /** The last tick's long-task share, percent, for the snapshot. */
  let lastLongTaskPercent: number | null = null;
  /** Media seconds played (video.played) and the time, at the last tick: how playback kept pace, for P2P's start. */
  let playedAtTick = 0;
  let paceObservedAt = performance.now();
  /** When things happened, ms since the page asked to play (the snapshot's timeline). */
  const timeline: PlayerTimeline = {
    p2pRequestedMs: null,
    p2pStartedMs: null,
    firstPeerMs: null,
    swarmCountedMs: null,
    stallsAtMs: [],
    seeksAtMs: [],
    segments: [],
  };
  const sincePlayRequested = () => Math.round(performance.now() - playback.requestedAt);
  const noteSegment = (from: SegmentFrom) => {
    if (timeline.segments.length < timelineEntries) timeline.segments.push({ atMs: sincePlayRequested(), from });
  };
  /**
   * Each upload request is judged as it arrives (the tick judges once a second; requests come in a burst after each
   * segment): taken only if this uplink can deliver it, behind the uploads under way and what waits in the
   * connections, within the deadline margin.
   */
  /**
   * Requests taken per segment, and how many of them came from peers able to relay it, for upload to spread (the
   * newest segments only: the rest are past their deadline).
   */
  const copiesTaken = new Map<string, { served: number; relays: number }>();
  const uploadGate: UploadGate = {
    activeBytes: 0,
    refused: 0,
    admit: (bytes, segment, peerId) => {
      const { served, relays } = copiesTaken.get(segment) ?? { served: 0, relays: 0 };
      const admitted = admitsUpload(
        {
          queuedBytes: uploadGate.activeBytes + bufferedUploadBytes(),
          segmentBytes: bytes,
          servedCopies: served,
          relayCopies: relays,
          // Choked (the budget contended, and it gave too little back): refused until a tick leaves it off the list.
          choked: peerId !== undefined && actions.choke.includes(peerId),
        },
        tickState.uplink,
        actions.marginSeconds,
        policy,
      );
      if (admitted) {
        const relay = peerId !== undefined && canRelay(peerId, bytes, targetDuration, policy);
        rememberCopy(copiesTaken, segment, { served: served + 1, relays: relays + (relay ? 1 : 0) });
      }
      return admitted;
    },
  };
  /** The uplink probe's result, once it has one. */
  let uplinkProbe: UplinkProbe | undefined;
  let probeStarted = false;
  let tickState: TickState = initialTickState(nowSeconds(), policy);
  let windows: LoaderWindows | undefined;
  /** The engine once P2P is wired, with hybrid-p2p.js's shims for it (their code loads with it). */
  let p2p: { engine: HlsJsP2PEngine; shims: P2PStack } | undefined;
  /** hls.js once it runs (declared before the first tick, which reads how far behind live it plays). */
  let hls: Hls | null = null;
  /**
   * The tick with nothing observed yet: the latency plan and a newcomer's windows to start with. It runs here, during
   * construction, so it must come after every binding runTick reads (a binding declared later is in its temporal dead
   * zone, and the page throws before any player exists).
   */
  let actions: TickActions = runTick(nowSeconds());
  const timers: number[] = [];
  const cleanups: (() => void)[] = [];

  const onPlayback = (event: PlaybackEvent) => {
    const before = playback;
    playback = onPlaybackEvent(playback, event, performance.now());
    if (playback.stalls > before.stalls) {
      counters.stalls++;
      noteTime(timeline.stallsAtMs, sincePlayRequested());
    }
    if (event === 'seeking') noteTime(timeline.seeksAtMs, sincePlayRequested());
    if (playback.stalledMs > before.stalledMs) counters.stallMs += playback.stalledMs - before.stalledMs;
  };
  const playbackEvents: PlaybackEvent[] = ['playing', 'waiting', 'ended', 'seeking'];
  const handlers = playbackEvents.map((event) => {
    const handler = () => onPlayback(event);
    video.addEventListener(event, handler);
    return [event, handler] as const;
  });

  let destroyed = false;
  /** p2p-media-loader's fragment loader once the engine is attached (hybrid); hls.js's own until then. */
  let engineFragmentLoader: FragmentLoaderConstructor | undefined;
  /** What hls.js reported before the engine was attached, replayed to it then. */
  const history: HlsHistory = { playlists: new Map() };
  const p2pScript = options.p2pScript ?? defaultP2PStackUrl(options.src);
  /** The first frame is on screen (P2P may start), the P2P script was asked for, P2P is on in the engine. */
  let firstFrame = false;
  let p2pRequested = false;
  let p2pOn = false;
  const tokened = tokenRequestSetup(options.token);
  if (!canUseMse()) {
    if (video.canPlayType('application/vnd.apple.mpegurl')) video.src = options.src;
    else emit('error', 'this browser can play neither MSE nor native HLS');
  } else if (stock) {
    // The incumbent as its README shows it: hls.js and p2p-media-loader defaults, only the tracker and swarm ours.
    // It builds hls.js with the engine inside, so it waits for the P2P script (the incumbent ships one bundle).
    loadP2PStack(p2pScript).then(
      (stack) => {
        if (destroyed) return;
        const HlsWithP2P = stack.HlsJsP2PEngine.injectMixin(Hls);
        const instance = new HlsWithP2P({
          ...tokened.hls,
          p2p: {
            core: {
              announceTrackers: [trackerUrl(options)],
              rtcConfig: rtcConfigOf(options),
              swarmId: `edgeswarm:${options.stream}`,
              ...tokened.core,
            },
          },
        });
        const engine = instance.p2pEngine;
        wireP2P(engine, stack);
        const onPlaying = () => {
          video.removeEventListener('playing', onPlaying);
          p2pStarted(engine);
        };
        video.addEventListener('playing', onPlaying);
        cleanups.push(() => video.removeEventListener('playing', onPlaying));
        startHls(instance as unknown as Hls);
      },
      (error: Error) => {
        warnings.push(`P2P is off: ${error.message}`);
        if (!destroyed) startHls(new Hls(tokened.hls));
      },
    );
  } else {
    const hlsConfig: Partial<HlsConfig> = { ...hlsLatencyConfig(lowLatency, actions.hls), ...tokened.hls };
    if (p2pWanted) {
      windows = actions.windows;
      // hls.js starts alone; p2p-media-loader takes its fragment loads once P2P starts (attachP2P).
      hlsConfig.fLoader = switchableFragmentLoader(() => engineFragmentLoader);
    }
    startHls(new Hls(hlsConfig));
    if (p2pWanted) {
      // A newcomer has no peers for its first segments anyway, and opening the tracker socket and a handful of
      // peer connections while the first segment loads cost start-up time (1.2× CDN-only at N = 8, measured).
      // So P2P starts with playback: its script loads once the first frame is on screen and playback has kept pace
      // for p2pStartSteadySeconds (the tick's p2p: on a starved device, after the seconds in which its playhead barely
      // moves), and the engine attaches with the role and windows of a newcomer already in place.
      const onFirstFrame = () => {
        video.removeEventListener('playing', onFirstFrame);
        firstFrame = true;
        // The start gate adds up kept pace from the first frame on: the wall time before it, when nothing could play,
        // is not held against the tick in which it came (which made the gate wait for a third tick, not a second).
        playedAtTick = playedSeconds() ?? 0;
        paceObservedAt = performance.now();
        maybeStartP2P();
      };
      video.addEventListener('playing', onFirstFrame);
      cleanups.push(() => video.removeEventListener('playing', onFirstFrame));
    }
  }
  video.play().catch(() => {});

  /** Listens to hls.js, then loads the stream into the video. */
  function startHls(instance: Hls): void {
    hls = instance;
    if (p2pWanted && !stock) {
      instance.on(Hls.Events.MANIFEST_LOADED, (_event, data) => {
        history.manifest = data;
      });
      instance.on(Hls.Events.LEVEL_SWITCHING, (_event, data) => {
        history.switching = data;
      });
      const updated = (_event: string, data: PlaylistUpdate) => {
        history.playlists.set(withoutDeliveryDirectives(data.details.url), data);
      };
      instance.on(Hls.Events.LEVEL_UPDATED, updated);
      instance.on(Hls.Events.AUDIO_TRACK_LOADED, updated);
      instance.on(Hls.Events.LEVEL_UPDATED, (_event, data) => {
        if (p2p) p2p.shims.syncLivePlaylist(p2p.engine, data.details);
      });
    }
    instance.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
      const details = data.details;
      integrity.record(details.fragments.map((f) => ({ url: f.url, tagList: f.tagList })));
      playlistLoaded = true;
      if (details.targetduration !== targetDuration || details.live !== live) {
        targetDuration = details.targetduration;
        live = details.live;
        // A new plan must reach hls.js before it picks its start position: tick now, not at the next second.
        decide();
      }
    });
    instance.on(Hls.Events.FRAG_LOADED, (_event, data) => {
      if (data.frag.type === 'main' && data.frag.sn !== 'initSegment') {
        const bytes = data.payload.byteLength;
        segmentBytes = segmentBytes === 0 ? bytes : 0.8 * segmentBytes + 0.2 * bytes;
      }
      // p2p-media-loader's events count every byte it fetched, by source; the rest hls.js fetched from the edge itself
      // (CDN-only, or hybrid before P2P starts or for a segment the engine did not know yet).
      if (data.frag.type === 'main' && data.frag.sn !== 'initSegment' && !engineLoads.served(data.frag.url)) {
        counters.httpBytes += data.payload.byteLength;
        counters.httpSegments++;
        noteSegment('hls.js');
        // An edge fetch hls.js made itself: its time feeds the deadline margin (the engine's are timed below).
        const stats = data.frag.stats;
        edgeFetches.push((stats.loading.end - stats.loading.start) / 1000);
      }
    });
    // hls.js stops loading for good after a fatal network error (its retries ran out: the edge restarting, a blip):
    // load again on the policy's backoff until the edge answers, so playback resumes once it is back.
    let recoveries = 0;
    const recovered = () => {
      recoveries = 0;
    };
    instance.on(Hls.Events.LEVEL_LOADED, recovered);
    instance.on(Hls.Events.FRAG_LOADED, recovered);
    instance.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      playback.errors.push(`${data.type}: ${data.details}`);
      emit('error', data.details);
      if (data.type !== Hls.ErrorTypes.NETWORK_ERROR) return;
      const timer = window.setTimeout(
        () => {
          // Fired: forget its id, or an edge that keeps failing grows `timers` by one per fatal error for good.
          timers.splice(timers.indexOf(timer), 1);
          if (hls === instance) instance.startLoad();
        },
        edgeRecoveryDelayMs(recoveries++, Math.random()),
      );
      timers.push(timer);
    });
    instance.loadSource(options.src);
    instance.attachMedia(video);
  }

  /**
   * Loads the P2P script once the first frame is on screen and the tick wants P2P: in the hybrid once playback has kept
   * pace (p2p-start.ts); a low-latency viewer only once it also has slack (VOD, or far enough behind live), so one at
   * the live edge never loads it.
   */
  function maybeStartP2P(): void {
    if (!p2pWanted || stock || !firstFrame || !actions.p2p || p2pRequested) return;
    p2pRequested = true;
    timeline.p2pRequestedMs = sincePlayRequested();
    // With spreadRelays the probe runs first, for as long as a relay would take to send it: the peer id carries its
    // class. A probe still running by then shows an uplink too slow to relay, and P2P starts without a class.
    const probed =
      advertiseUplink && upload.allowed
        ? Promise.race([
            probeUplink(),
            new Promise<void>((resolve) =>
              window.setTimeout(resolve, 1000 * relayProbeWaitSeconds(segmentBytes, targetDuration, policy)),
            ),
          ])
        : Promise.resolve();
    Promise.all([loadP2PStack(p2pScript), probed]).then(
      ([stack]) => attachP2P(stack),
      (error: Error) => warnings.push(`P2P is off: ${error.message}`),
    );
  }

  /**
   * The hybrid's P2P, once the tick wants it and the P2P script has loaded: the engine, built with the
   * tick's current windows and P2P off, is attached to the playing hls.js, observed, then started.
   */
  function attachP2P(stack: P2PStack): void {
    const instance = hls;
    if (destroyed || !instance) return;
    windows = actions.windows;
    if (advertiseUplink) {
      const uplinkClass = advertisedUplinkClass(uplinkProbe, upload.allowed, policy);
      selfPeerId = makePeerId(joinedAt, idRandom, uplinkClass);
    }
    const engine = new stack.HlsJsP2PEngine({
      core: {
        announceTrackers: [trackerUrl(options)],
        rtcConfig: rtcConfigOf(options),
        swarmId: `edgeswarm:${options.stream}`,
        trackerClientVersionPrefix: selfPeerId,
        validateP2PSegment: (url: string, _range: unknown, data: ArrayBuffer) => integrity.validate(url, data),
        simultaneousHttpDownloads: policy.httpConcurrency,
        simultaneousP2PDownloads: policy.p2pConcurrency,
        httpErrorRetries: 5,
        isP2PDisabled: true,
        ...windows,
        ...tokened.core,
        ...(options.segmentStorageFactory ? { customSegmentStorageFactory: options.segmentStorageFactory } : {}),
      },
    });
    // Before it starts: a receiver's cap where our tracker names the swarm's earliest members (0, the default: none).
    stack.capReceivers(engine, policy.receiverMaxPeers);
    if (!stack.attachEngine(engine, instance, history)) {
      warnings.push('P2P is off: this p2p-media-loader cannot be attached to a playing hls.js');
      engine.destroy();
      return;
    }
    engineFragmentLoader = engine.getConfigForHlsJs().fLoader as FragmentLoaderConstructor;
    wireP2P(engine, stack);
    p2pStarted(engine);
  }

  /** Observes the engine: its events feed the counters, the peer ledger and the tick. */
  function wireP2P(engine: HlsJsP2PEngine, stack: P2PStack): void {
    integrity.useBundled(stack.bundledDigest);
    const ledger = (peerId: string) => {
      let entry = peers.get(peerId);
      if (!entry) {
        entry = { id: peerId, received: 0, sent: 0, connectedAt: nowSeconds() };
        peers.set(peerId, entry);
      }
      return entry;
    };
    /**
     * Bytes from each peer for the segment it is sending (p2p-media-loader takes one segment at a time from a peer):
     * they count as P2P only once the segment passed its integrity check, and as rejected when it failed. Bytes of a
     * segment that never completed were used for nothing and count as neither.
     */
    const unchecked = new Map<string, number>();
    engine.addEventListener('onChunkDownloaded', (bytes, source, peerId) => {
      if (source === 'p2p') {
        if (peerId) {
          unchecked.set(peerId, (unchecked.get(peerId) ?? 0) + bytes);
          ledger(peerId).received += bytes;
          lastHeard.set(peerId, nowSeconds());
        }
      } else counters.httpBytes += bytes;
    });
    engine.addEventListener('onChunkUploaded', (bytes, peerId) => {
      counters.uploadedBytes += bytes;
      ledger(peerId).sent += bytes;
    });
    // The engine's own edge fetches, timed from start to load, feed the deadline margin too.
    const edgeStarts = new Map<string, number>();
    engine.addEventListener('onSegmentStart', ({ segment, downloadSource, peerId }) => {
      if (downloadSource === 'http') edgeStarts.set(segment.url, performance.now());
      // A segment from a peer is timed too: how fast each peer delivers decides who may lead.
      else if (peerId) peerStarts.set(segment.url, { at: performance.now(), peerId });
    });
    const peerStarts = new Map<string, { at: number; peerId: string }>();
    /**
     * What peers sent of segments whose transfer was switched to the edge (given up early, or at the margin): the
     * request keeps those bytes and the edge sends only the rest (a Range request), so they count as P2P bytes when
     * the segment loads. Bounded: a request dropped from the queue takes its bytes with it and never loads.
     */
    const fromPeerBeforeSwitch = new Map<string, number>();
    engine.addEventListener('onSegmentAbort', ({ segment, downloadSource, peerId }) => {
      edgeStarts.delete(segment.url);
      peerStarts.delete(segment.url);
      if (downloadSource === 'p2p' && peerId) {
        const received = unchecked.get(peerId) ?? 0;
        if (received > 0) fromPeerBeforeSwitch.set(segment.url, received);
        if (fromPeerBeforeSwitch.size > copiesRemembered)
          fromPeerBeforeSwitch.delete(fromPeerBeforeSwitch.keys().next().value as string);
        unchecked.delete(peerId);
      }
    });
    engine.addEventListener('onSegmentLoaded', ({ downloadSource, segmentUrl, bytesLength, peerId }) => {
      engineLoads.loaded(segmentUrl);
      noteSegment(downloadSource === 'p2p' ? 'peer' : 'edge');
      if (downloadSource === 'http') counters.p2pBytes += fromPeerBeforeSwitch.get(segmentUrl) ?? 0;
      fromPeerBeforeSwitch.delete(segmentUrl);
      if (downloadSource === 'p2p') {
        counters.p2pSegments++;
        if (peerId) {
          counters.p2pBytes += unchecked.get(peerId) ?? 0;
          unchecked.delete(peerId);
        }
      } else counters.httpSegments++;
      const started = edgeStarts.get(segmentUrl);
      const fromPeer = peerStarts.get(segmentUrl);
      edgeStarts.delete(segmentUrl);
      peerStarts.delete(segmentUrl);
      if (downloadSource === 'http' && started !== undefined) edgeFetches.push((performance.now() - started) / 1000);
      if (downloadSource === 'p2p' && fromPeer && fromPeer.peerId === peerId) {
        p2pTransfers.push({ peerId, bytes: bytesLength, seconds: (performance.now() - fromPeer.at) / 1000 });
      }
    });
    engine.addEventListener('onSegmentError', ({ error, peerId, downloadSource, segment }) => {
      edgeStarts.delete(segment.url);
      peerStarts.delete(segment.url);
      const received = peerId ? (unchecked.get(peerId) ?? 0) : 0;
      if (peerId) unchecked.delete(peerId);
      if (downloadSource !== 'p2p' || error.type !== 'p2p-segment-validation-failed') return;
      counters.integrityFailures++;
      counters.rejectedP2pBytes += received;
      if (peerId) {
        blocklist.block(peerId, nowSeconds(), policy.blockSeconds);
        peers.delete(peerId);
      }
      emit('integrity-failure', { peerId });
    });
    engine.addEventListener('onPeerConnect', ({ peerId }) => {
      timeline.firstPeerMs ??= sincePlayRequested();
      if (blocklist.isBlocked(peerId, nowSeconds())) {
        blockedPeersClosed += stack.closePeer(engine, peerId);
        return;
      }
      ledger(peerId);
      if (!stock) stack.gateUploads(engine, uploadGate);
    });
    engine.addEventListener('onPeerClose', ({ peerId }) => {
      peers.delete(peerId);
    });

    // One upload at a time (policy sequentialUploads): the next goes when the one before has nearly left, never so
    // late that the tick would read a queue that never ran dry as drained (uplinkFullBytes).
    if (!stock && policy.sequentialUploads >= 1) {
      const queue = new stack.UploadQueue(() => stack.uploadQueuedBytes(engine), 2 * policy.uplinkFullBytes);
      uploadGate.queue = queue;
      cleanups.push(() => queue.close());
    }
    p2p = { engine, shims: stack };
  }

  /** P2P starts (the tracker is asked for peers): with playback, never before. */
  function p2pStarted(engine: HlsJsP2PEngine): void {
    p2pStartedAt = nowSeconds();
    timeline.p2pStartedMs = sincePlayRequested();
    // The probe uploads 256 kB: not for a viewer that may not upload (a metered link, Save-Data, no consent).
    if (!stock && upload.allowed && !probeStarted) probeUplink();
    // A low-latency viewer's P2P follows the tick from here on (decide turns it on when there is slack).
    decide();
    if (!lowLatency) {
      p2pOn = true;
      engine.applyDynamicConfig({ core: { isP2PDisabled: false } });
    }
  }

  /**
   * Times an upload of uplinkProbeBytes to the edge, once, as P2P starts: the uplink is then known before any peer
   * asks this viewer to lead (a newcomer waits newcomerSeconds first). A probe that times out reads as what it could
   * have sent by then, at most. With spreadRelays it runs before P2P starts instead, and P2P waits for it (the peer id
   * carries its class); it settles, never rejects, by uplinkProbeTimeoutSeconds.
   */
  function probeUplink(): Promise<void> {
    probeStarted = true;
    const bytes = policy.uplinkProbeBytes;
    if (bytes <= 0) return Promise.resolve();
    const url = withToken(new URL('/v1/probe/uplink', new URL(options.src, location.href)).toString(), options.token);
    const started = performance.now();
    const timeoutMs = policy.uplinkProbeTimeoutSeconds * 1000;
    const abort = new AbortController();
    const timer = window.setTimeout(() => abort.abort(), timeoutMs);
    return fetch(url, { method: 'POST', body: new Uint8Array(bytes), signal: abort.signal, cache: 'no-store' })
      .then((response) => {
        if (response.ok) uplinkProbe = { bytes, seconds: (performance.now() - started) / 1000 };
      })
      .catch(() => {
        if (abort.signal.aborted) uplinkProbe = { bytes, seconds: policy.uplinkProbeTimeoutSeconds };
      })
      .finally(() => clearTimeout(timer));
  }

  /** How the device kept up since the last tick: the tick timer's lateness, and frames dropped and decoded. */
  function deviceSince(): DeviceObservation {
    const quality = typeof video.getVideoPlaybackQuality === 'function' ? video.getVideoPlaybackQuality() : undefined;
    const dropped = quality?.droppedVideoFrames ?? 0;
    const total = quality?.totalVideoFrames ?? 0;
    const at = performance.now();
    const observed: DeviceObservation = {
      timerLateSeconds: Math.max(0, timerLateSeconds),
      droppedFrames: Math.max(0, dropped - frames.dropped),
      decodedFrames: Math.max(0, total - dropped - (frames.total - frames.dropped)),
      ...(longTaskMs === undefined
        ? {}
        : { longTaskSeconds: longTaskMs / 1000, elapsedSeconds: Math.max(0, at - deviceObservedAt) / 1000 }),
    };
    frames = { dropped, total };
    timerLateSeconds = 0;
    if (longTaskMs !== undefined) longTaskMs = 0;
    deviceObservedAt = at;
    lastLongTaskPercent = longTaskPercent(observed);
    return observed;
  }

  /** Media seconds the video has played (video.played: a seek adds nothing); undefined where it has no `played`. */
  function playedSeconds(): number | undefined {
    const ranges = video.played as TimeRanges | undefined;
    if (!ranges) return undefined;
    let played = 0;
    for (let i = 0; i < ranges.length; i++) played += ranges.end(i) - ranges.start(i);
    return played;
  }

  /**
   * How playback kept pace since the last tick (since the first frame, for the tick in which it came): media seconds
   * played over wall seconds, and the buffer ahead. Not measured where the video element has no `played` (P2P then
   * starts with the first frame).
   */
  function paceSince(): { playback?: PlaybackPace } {
    const played = playedSeconds();
    if (played === undefined) return {};
    const at = performance.now();
    const pace = {
      playedSeconds: Math.max(0, played - playedAtTick),
      wallSeconds: Math.max(0, at - paceObservedAt) / 1000,
      bufferSeconds: bufferSeconds(),
    };
    playedAtTick = played;
    paceObservedAt = at;
    return { playback: pace };
  }

  /** How far the playhead is behind the live edge, as hls.js reckons it (0 until it knows). */
  function behindLive(): { behindLiveSeconds?: number } {
    return hls && playlistLoaded && hls.latency > 0 ? { behindLiveSeconds: hls.latency } : {};
  }

  /** The policy's tick on what was observed since the last one. */
  function runTick(now: number): TickActions {
    // A peer whose segment map lists nothing (none yet, or an empty one: its upload closed) has nothing to serve.
    const observed = [...peers.values()].map((p) => ({
      ...p,
      lastHeardAt: lastHeard.get(p.id) ?? p.connectedAt,
      announcing: (announced.get(p.id) ?? -1) >= 0,
    }));
    const bufferedBytes = bufferedUploadBytes();
    const queuedBytes = uplinkQueuedBytes(bufferedBytes);
    // The connection can change (wifi to cellular, Save-Data switched on): asked again every tick.
    upload = uploadPermission(uploadSetting, uploadConsented, connectionInfo());
    // Written for peers and gone from the buffers is delivered (uploads still waiting their turn are not written yet).
    deliveredBytes = Math.max(deliveredBytes, counters.uploadedBytes - bufferedBytes);
    const drained = uplinkDrained;
    // Stock p2p-media-loader is only observed: no timer of ours beside it.
    watchDrain(!stock && queuedBytes >= policy.uplinkFullBytes);
    const members = p2p?.shims.swarmMembers(p2p.engine);
    if (members !== undefined) timeline.swarmCountedMs ??= sincePlayRequested();
    const result = tick(
      tickState,
      {
        self: selfPeerId,
        live,
        targetDuration,
        peers: observed,
        // Uploads reach the tick as the uplink's delivered bytes; without an engine there are none.
        uploadedBytes: 0,
        edgeFetchSeconds: edgeFetches,
        ...(p2pStartedAt === undefined ? {} : { p2pStartedAt }),
        ...(p2pWanted ? { uplink: { deliveredBytes, queuedBytes, drained } } : {}),
        ...(members === undefined ? {} : { swarmMembers: members }),
        p2pTransfers,
        segmentBytes,
        device: deviceSince(),
        ...(uplinkProbe ? { uplinkProbe } : {}),
        uploadAllowed: upload.allowed,
        ...(lowLatency ? { lowLatency, ...behindLive() } : {}),
        // The hybrid plays as CDN-only until its playback keeps pace (the tick's p2p): a starved device's start-up first.
        ...(p2pWanted && !stock ? paceSince() : {}),
      },
      now,
      policy,
    );
    tickState = result.state;
    edgeFetches = [];
    p2pTransfers = [];
    return result.actions;
  }

  /** Bytes written for peers and still in the connections' buffers. */
  function bufferedUploadBytes(): number {
    return p2p ? p2p.shims.uploadQueuedBytes(p2p.engine) : 0;
  }

  /** Bytes behind the uplink: in the connections' buffers, and accepted uploads waiting their turn (sequentialUploads). */
  function uplinkQueuedBytes(buffered = bufferedUploadBytes()): number {
    return buffered + (uploadGate.queue?.waitingBytes ?? 0);
  }

  /** From a tick that found the upload queue full, looks at it between ticks until it drains (uplinkDrained). */
  function watchDrain(full: boolean): void {
    uplinkDrained = false;
    if (!full) {
      if (drainWatch !== undefined) window.clearInterval(drainWatch);
      drainWatch = undefined;
      return;
    }
    drainWatch ??= window.setInterval(() => {
      if (uplinkQueuedBytes() >= policy.uplinkFullBytes) return;
      uplinkDrained = true;
      window.clearInterval(drainWatch);
      drainWatch = undefined;
    }, 1000 * policy.uplinkDrainSampleSeconds);
  }

  /** Once a second (and when the playlist changes): observe, tick, apply. */
  function decide(): void {
    const now = nowSeconds();
    const wired = p2p;
    if (wired) {
      // Peers we exchange no bytes with are heard by their announcements.
      const latest = wired.shims.peerAnnouncements(wired.engine);
      for (const peerId of announcedSince(announced, latest)) lastHeard.set(peerId, now);
      announced = latest;
    }
    actions = runTick(now);
    // Stock p2p-media-loader is observed (its counters, its peers) but never steered.
    if (stock) return;
    if (actions.hlsChanged && hls && !lowLatency) Object.assign(hls.config, actions.hls);
    maybeStartP2P();
    if (!wired) return;
    const { engine, shims } = wired;
    if (lowLatency && p2pStartedAt !== undefined && actions.p2p !== p2pOn) {
      // Low latency: whole segments from peers while there is slack; back at the live edge, parts from the edge alone.
      p2pOn = actions.p2p;
      engine.applyDynamicConfig({ core: { isP2PDisabled: !p2pOn } });
    }
    shims.retimeTrackerReconnects(engine);
    // A receiver announces its segments every other one or so (the tick's announceIntervalSeconds), as loaders appear.
    shims.spaceAnnouncements(engine, () => actions.announceIntervalSeconds * 1000);
    // Peers whose connect event came before p2p-media-loader listed them are gated here, within a second.
    shims.gateUploads(engine, uploadGate);
    if (actions.windowsChanged) {
      windows = actions.windows;
      engine.applyDynamicConfig({ core: actions.windows });
    }
    abandonLateTransfers(wired, actions.marginSeconds);
  }

  /**
   * A peer transfer projected to finish past the deadline less the margin goes to the edge now (a Range request for
   * the rest), not when the margin is reached; the switch at the margin stays p2p-media-loader's own. What the given-up
   * transfer delivered is the peer's measured rate too: a peer whose transfers are always given up must still count as
   * slow.
   */
  function abandonLateTransfers({ engine, shims }: NonNullable<typeof p2p>, marginSeconds: number): void {
    const at = performance.now() / 1000;
    const late = (t: RunningTransfer) =>
      projectTransfer(t, t.slackSeconds, marginSeconds, at, policy).reason === 'late';
    for (const given of shims.abandonTransfers(engine, at, late)) {
      abandoned.transfers++;
      abandoned.bytes += given.bytesLeft ?? 0;
      if (given.peerId && given.receivedBytes > 0 && at > given.startedAt) {
        p2pTransfers.push({ peerId: given.peerId, bytes: given.receivedBytes, seconds: at - given.startedAt });
      }
    }
  }
  // Long tasks: a device short of CPU on every thread holds each task back mid-way, and it runs past 50 ms.
  if (typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    longTaskMs = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTaskMs = (longTaskMs ?? 0) + entry.duration;
    });
    observer.observe({ type: 'longtask' });
    cleanups.push(() => observer.disconnect());
  }
  let lastTimerAt = performance.now();
  timers.push(
    window.setInterval(() => {
      // A timer that fires late is the page's main thread falling behind: the device, not the network, is short.
      const at = performance.now();
      timerLateSeconds = Math.max(timerLateSeconds, (at - lastTimerAt - 1000) / 1000);
      lastTimerAt = at;
      decide();
    }, 1000),
  );

  const latencySeconds = () => {
    const playing = hls?.playingDate;
    return playing && !video.paused ? (Date.now() - playing.getTime()) / 1000 : undefined;
  };
  /** Media buffered ahead of the playhead, seconds (a declaration: the first tick, during construction, reads it). */
  function bufferSeconds(): number {
    const ranges = video.buffered;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= video.currentTime + 0.1 && ranges.end(i) >= video.currentTime) {
        return ranges.end(i) - video.currentTime;
      }
    }
    return 0;
  }
  timers.push(
    window.setInterval(() => {
      const latency = latencySeconds();
      if (latency !== undefined) playback.latency.push(latency);
      if (playback.latency.length > 3600) playback.latency.shift();
      emit('stats', snapshot());
    }, 1000),
  );

  const gauges = (): Gauges => {
    const g: Gauges = { peers: peers.size, bufferSeconds: bufferSeconds() };
    const latency = latencySeconds();
    if (latency !== undefined && live) g.latencySeconds = latency;
    if (playback.startedAt !== null) g.startupMs = playback.startedAt - playback.requestedAt;
    if (options.region?.region) g.region = options.region.region;
    return g;
  };
  const beaconUrl =
    options.beacon === false
      ? undefined
      : withToken(
          options.beacon ??
            new URL(`/v1/streams/${options.stream}/beacons`, new URL(options.src, location.href)).toString(),
          options.token,
        );
  const beacons = beaconUrl
    ? sendBeacons(
        beaconUrl,
        { stream: options.stream, viewer: `v-${randomId(16)}`, mode },
        () => ({ counters, gauges: gauges() }),
        options.beaconIntervalMs ?? playerDefaults.beaconIntervalMs,
      )
    : undefined;

  const seekableEnd = () => {
    const ranges = video.seekable as TimeRanges | undefined; // absent on the Node tests' stand-in video
    return ranges && ranges.length > 0 ? ranges.end(ranges.length - 1) : undefined;
  };
  function liveEdge(): LiveEdge {
    if (!hls) {
      // Native HLS: a live stream has no finite duration; the distance is to the end of what can be sought.
      const nativeLive = video.duration === Number.POSITIVE_INFINITY;
      const end = seekableEnd();
      return nativeLive && end !== undefined
        ? { live: true, edgeDistanceSeconds: Math.max(0, end - video.currentTime), targetDuration }
        : { live: nativeLive, targetDuration };
    }
    const edge: LiveEdge = { live: playlistLoaded && live, targetDuration };
    if (edge.live && hls.latency > 0) edge.edgeDistanceSeconds = hls.latency;
    if (edge.live && hls.targetLatency) edge.targetEdgeDistanceSeconds = hls.targetLatency;
    return edge;
  }

  function snapshot(): HybridSnapshot {
    return {
      mode,
      playback,
      counters: { ...counters },
      peers: [...peers.keys()],
      firstFetcher: actions.firstFetcher,
      bandwidth: {
        declined: actions.declined,
        slow: actions.slow,
        uplinkBps: actions.uplinkBps,
        backlogged: actions.backlogged,
        strained: actions.strained,
        strainSign: actions.strainSign,
        longTaskPercent: lastLongTaskPercent,
        refusedUploads: uploadGate.refused,
        abandonedTransfers: abandoned.transfers,
        abandonedBytes: abandoned.bytes,
      },
      windows,
      bufferSeconds: bufferSeconds(),
      latencySeconds: latencySeconds(),
      selfPeerId,
      blockedPeersClosed,
      upload: { setting: uploadSetting, ...upload },
      warnings,
      liveEdge: liveEdge(),
      timeline: {
        ...timeline,
        stallsAtMs: [...timeline.stallsAtMs],
        seeksAtMs: [...timeline.seeksAtMs],
        segments: timeline.segments.map((s) => ({ ...s })),
      },
    };
  }

  return {
    get hls() {
      return hls;
    },
    snapshot,
    allowUpload() {
      if (uploadConsented) return;
      uploadConsented = true;
      // At once, not at the next second: the page may be waiting to see it.
      decide();
    },
    goToLive() {
      if (!liveEdge().live) return;
      const position = goToLivePosition(hls?.liveSyncPosition, seekableEnd(), targetDuration);
      if (position !== undefined) video.currentTime = position;
      video.play().catch(() => {});
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    destroy() {
      beacons?.flush(true);
      beacons?.stop();
      for (const timer of timers) clearInterval(timer);
      watchDrain(false);
      for (const [event, handler] of handlers) video.removeEventListener(event, handler);
      for (const cleanup of cleanups) cleanup();
      destroyed = true;
      hls?.destroy();
      hls = null;
    },
  };
}
