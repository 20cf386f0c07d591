/**
 * Reading a viewer's player from its page: one function that runs in the page
 * (cheap enough for every second), and pure conversions of what it returns
 * into a sample and into the viewer's final record.
 */
import type { Counters } from '@edgeswarm/protocol';
import { percentile } from '../compare/summary';
import type { ViewerLink } from '../link-profiles';
import type { BrowserCpu } from './browser-cpu';
import {
  type AbrEvent,
  type AbrState,
  type LinkUse,
  type PlayerTimeline,
  type StartupFetch,
  type StartupPhases,
  type ViewerRecord,
  type ViewerSample,
  viewerFlow,
} from './records';
import type { TransportCount } from './transport-count';

/** What readPlayerInPage returns: the player's snapshot, cut down to what a harness keeps. */
export interface PlayerReading {
  mode: string;
  counters: Counters;
  stalls: number;
  /** Including a stall still under way: under a cap it may never end. */
  stalledMs: number;
  started: boolean;
  stalling: boolean;
  startupMs: number | null;
  latencySeconds: number | null;
  /** The once-a-second latency samples; only in a full reading. */
  latency: number[];
  errors: string[];
  peers: string[];
  self: string;
  firstFetcher: boolean;
  bandwidth?: ViewerSample['bandwidth'];
  blocked: number;
  bitrate: number | null;
  droppedFrames: number | null;
  totalFrames: number | null;
  /** The page is a secure context (Web Crypto exists); the player's warnings (e.g. the bundled SHA-256 in use). */
  secureContext?: boolean;
  warnings?: string[];
  /** When P2P was set up against the stalls and seeks; only in a full reading (absent from an older player). */
  timeline?: PlayerTimeline;
  /** hls.js's rendition choice now (absent: no hls.js). */
  abr?: AbrState;
  /** What hls.js did about renditions since the harness first looked; only in a full reading. */
  abrEvents?: AbrEvent[];
  /** The start-up's fetches, from Resource Timing; only in a full reading. */
  startupPhases?: StartupPhases;
}

/**
 * Runs in the page (playwright serialises it, so it may use nothing from outside): the player's state
 * now, or null before the player exists. `full` adds the latency samples, which grow with the watch.
 */
export function readPlayerInPage(full: boolean): PlayerReading | null {
  const player = window.edgeswarm?.player;
  if (!player) return null;
  const s = player.snapshot();
  const video = document.querySelector('hybrid-player')?.shadowRoot?.querySelector('video');
  const quality = video?.getVideoPlaybackQuality?.();
  const ongoing = s.playback.stallingSince === null ? 0 : performance.now() - s.playback.stallingSince;
  const hls = player.hls;
  // hls.js's rendition events, listened to from the first look on. This function is all that runs in the page, and
  // tsx wraps every named function in a helper the page lacks: one anonymous listener, no local functions.
  const page = window as unknown as { edgeswarmAbrEvents?: AbrEvent[] };
  if (hls && !page.edgeswarmAbrEvents) {
    const events: AbrEvent[] = [];
    page.edgeswarmAbrEvents = events;
    type Frag = { type?: string; sn?: unknown; level?: number; stats?: AbrFragStats };
    type Listen = (name: string, listener: (name: string, data: AbrEventData) => void) => void;
    type AbrEventData = {
      level?: number;
      fatal?: boolean;
      details?: string;
      frag?: Frag;
      response?: { code?: number };
    };
    type AbrFragStats = { loaded: number; loading: { start: number; end: number } };
    for (const name of ['hlsLevelSwitching', 'hlsFragLoadEmergencyAborted', 'hlsError', 'hlsFragLoaded']) {
      (hls.on.bind(hls) as unknown as Listen)(name, (event, data) => {
        // Bounded: a fragment every target duration is a few minutes of them.
        if (events.length >= 400) return;
        const frag = data.frag;
        const at = { atMs: performance.now(), estimateBps: Math.round(hls.bandwidthEstimate) };
        if (event === 'hlsLevelSwitching') events.push({ ...at, kind: 'switch', level: data.level ?? null });
        else if (event === 'hlsFragLoadEmergencyAborted')
          events.push({ ...at, kind: 'emergency', level: frag?.level ?? null });
        else if (event === 'hlsError') {
          if (!data.fatal) {
            const status = data.response?.code;
            const detail = String(data.details);
            events.push({
              ...at,
              kind: 'error',
              level: frag?.level ?? null,
              detail,
              ...(status === undefined ? {} : { status }),
            });
          }
        } else if (frag?.type === 'main' && frag.sn !== 'initSegment' && frag.stats) {
          const loadMs = Math.round(frag.stats.loading.end - frag.stats.loading.start);
          events.push({ ...at, kind: 'frag', level: frag.level ?? null, bytes: frag.stats.loaded, loadMs });
        }
      });
    }
  }
  const abr: AbrState | undefined = hls
    ? {
        loadLevel: hls.loadLevel,
        estimateBps: Math.round(hls.bandwidthEstimate),
        penalized: hls.levels.flatMap((level, i) => (level.fragmentError > 0 || level.loadError > 0 ? [i] : [])),
      }
    : undefined;
  const requestedAt = s.playback.requestedAt;
  // The start-up's first fetches of each kind, in the order the page made them (the buffer keeps the earliest).
  let startupPhases: StartupPhases | undefined;
  if (full) {
    const fetched = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const playlists = fetched.filter((e) => new URL(e.name).pathname.endsWith('.m3u8'));
    const media = fetched.filter((e) => new URL(e.name).pathname.endsWith('.m4s'));
    const init = fetched.find((e) => /init[^/]*$/.test(new URL(e.name).pathname));
    const [manifest, playlist, initFetch, segment] = [playlists[0], playlists[1], init, media[0]].map(
      (e): StartupFetch | null =>
        e
          ? {
              startMs: Math.round(e.startTime - requestedAt),
              firstByteMs: e.responseStart > 0 ? Math.round(e.responseStart - requestedAt) : null,
              endMs: Math.round(e.responseEnd - requestedAt),
            }
          : null,
    );
    startupPhases = {
      pageMs: Math.round(requestedAt),
      manifest: manifest ?? null,
      playlist: playlist ?? null,
      init: initFetch ?? null,
      segment: segment ?? null,
    };
  }
  return {
    mode: s.mode,
    counters: s.counters,
    stalls: s.playback.stalls,
    stalledMs: s.playback.stalledMs + ongoing,
    started: s.playback.startedAt !== null,
    stalling: s.playback.stallingSince !== null,
    startupMs: s.playback.startedAt === null ? null : s.playback.startedAt - s.playback.requestedAt,
    latencySeconds: s.latencySeconds ?? null,
    latency: full ? s.playback.latency : [],
    errors: s.playback.errors,
    peers: s.peers,
    self: s.selfPeerId,
    firstFetcher: s.firstFetcher,
    bandwidth: s.bandwidth ?? null,
    blocked: s.blockedPeersClosed,
    bitrate: hls && hls.currentLevel >= 0 ? (hls.levels[hls.currentLevel]?.bitrate ?? null) : null,
    droppedFrames: quality ? quality.droppedVideoFrames : null,
    totalFrames: quality ? quality.totalVideoFrames : null,
    secureContext: window.isSecureContext,
    warnings: s.warnings,
    ...(full && s.timeline ? { timeline: s.timeline } : {}),
    ...(abr ? { abr } : {}),
    ...(full && page.edgeswarmAbrEvents
      ? { abrEvents: page.edgeswarmAbrEvents.map((e) => ({ ...e, atMs: Math.round(e.atMs - requestedAt) })) }
      : {}),
    ...(startupPhases ? { startupPhases } : {}),
  };
}

/** Pure: a sample from a reading. */
export function toSample(r: PlayerReading): ViewerSample {
  return {
    httpBytes: r.counters.httpBytes,
    p2pBytes: r.counters.p2pBytes,
    uploadedBytes: r.counters.uploadedBytes,
    latencySeconds: r.latencySeconds,
    stalls: r.stalls,
    stalledMs: r.stalledMs,
    peers: r.peers.length,
    started: r.started,
    stalling: r.stalling,
    bitrate: r.bitrate,
    firstFetcher: r.firstFetcher,
    bandwidth: r.bandwidth ?? null,
    ...(r.abr ? { abr: r.abr } : {}),
  };
}

/** Pure: a viewer's record from its last full reading, or from why there was none. */
export function toRecord(
  reading: PlayerReading | string,
  context: {
    viewer: number;
    left: boolean;
    joinedAtSeconds: number;
    watchedSeconds: number;
    firstFetcherSeconds: number;
    link: ViewerLink | null;
    linkUse: LinkUse | null;
    cpu?: BrowserCpu | null;
    transport?: TransportCount | null;
  },
): ViewerRecord {
  const r = typeof reading === 'string' ? null : reading;
  const latency = r?.latency ?? [];
  return {
    viewer: context.viewer,
    mode: r?.mode ?? 'unknown',
    ...viewerFlow(r?.counters),
    blockedPeersClosed: r?.blocked ?? 0,
    stalls: r?.stalls ?? 0,
    stalledMs: r?.stalledMs ?? 0,
    startupMs: r?.startupMs ?? null,
    latencyP50: percentile(latency, 50),
    latencyMax: latency.length ? Math.max(...latency) : null,
    peerId: r?.self ?? '',
    peersAtEnd: r?.peers ?? [],
    firstFetcherAtEnd: r?.firstFetcher ?? false,
    firstFetcherSeconds: context.firstFetcherSeconds,
    errors: r ? r.errors : [reading as string],
    ...(r?.secureContext === undefined ? {} : { secureContext: r.secureContext }),
    ...(r?.warnings?.length ? { warnings: r.warnings } : {}),
    ...(r?.timeline ? { timeline: r.timeline } : {}),
    ...(r?.abrEvents ? { abrEvents: r.abrEvents } : {}),
    ...(r?.startupPhases ? { startupPhases: r.startupPhases } : {}),
    left: context.left,
    joinedAtSeconds: context.joinedAtSeconds,
    watchedSeconds: context.watchedSeconds,
    latencySamples: latency,
    droppedFrames: r?.droppedFrames ?? null,
    totalFrames: r?.totalFrames ?? null,
    link: context.link,
    linkUse: context.linkUse,
    cpu: context.cpu ?? null,
    ...(context.transport ? { transport: context.transport } : {}),
  };
}
