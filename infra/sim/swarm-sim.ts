/**
 * A seeded, deterministic discrete-event simulation of one live stream's swarm.
 *
 * Every decision a viewer makes comes from the policy package, called
 * unchanged: the player's tick (active peers, the first-fetcher role, the
 * deadline margin from measured edge fetches, the upload budget and whom to
 * choke, the latency plan) and the tracker's matching (boundedCandidates,
 * pickOfferTargets, its seeded tie-break stream). Per segment, the source is
 * p2p-media-loader's choice under the tick's windows, as loader-model.ts
 * states it (chooseSource); a running peer transfer is given up by the
 * player's own projection (projectTransfer, which also holds p2p-media-loader's
 * switch at the margin). What is modelled here is only the
 * world around them: links, round trips, NATs, the edge, the tracker's
 * availability, the audience.
 *
 * Granularity is the segment: a segment appears at the edge every target
 * duration, and each viewer fetches each segment it needs whole, from the edge
 * or from one peer. Peer uploads are fluid flows sharing the sender's upload
 * equally (capped by each receiver's download); edge fetches queue behind the
 * edge's capacity when it has one. State lives in typed arrays indexed by
 * viewer, so 100k viewers fit in a few hundred megabytes.
 */
import {
  admitsUpload,
  advertisedUplinkClass,
  announceOffers,
  answersOffer,
  boundedCandidates,
  canRelay,
  chooseSource,
  deadlineMargin,
  earliestPeers,
  epochOf,
  idAlphabet,
  initialTickState,
  loaderLagSeconds,
  type MatchCandidate,
  makePeerId,
  matchingDefaults,
  newUplinkEstimate,
  newUploadBudget,
  nextSeed,
  type OfferOptions,
  offerDefaults,
  type PeerObservation,
  type PeerTransfer,
  type PolicyOptions,
  peerCap,
  pickOfferTargets,
  projectTransfer,
  relayProbeWaitSeconds,
  resolvePolicyOptions,
  slack,
  type TickState,
  tick,
  trackerReconnectDelayMs,
  transferCheckSeconds,
  type UplinkProbe,
  uploadOpen,
  uploadRateBps,
} from '@edgeswarm/policy';
import { catchUpSeconds } from './catch-up';
import { EventQueue, type PoppedEvent } from './event-queue';
import { Histogram } from './histogram';
import type { SimConfig } from './model';
import { checkNatMix, type NatClass, natClasses, natClassOf, reachMatrix } from './nat';
import { Rng, sample, weightedIndex } from './random';
import { SharedLink } from './shared-link';
import { type SimSubShard, SubShardTracker, type SubShardTrackerStats } from './sub-shard-tracker';
import { type UploadSpread, uploadSpread } from './upload-spread';

/**
 * The policy and matching functions, read once: through tsx's module interop every call to an imported name goes
 * through a getter, which costs a few percent at a hundred million calls. Same functions, unchanged.
 */
const policy = {
  chooseSource,
  deadlineMargin,
  epochOf,
  projectTransfer,
  slack,
  tick,
  uploadOpen,
};
const matching = { boundedCandidates, pickOfferTargets };
/** A sender not yet measured: its gate takes any request its copies allow. */
const unmeasured = newUplinkEstimate(0);

/** Event kinds. */
const ev = {
  publish: 1,
  join: 2,
  startup: 3,
  leave: 4,
  announce: 5,
  connect: 6,
  httpDone: 7,
  p2pBegin: 8,
  senderNext: 9,
  /** A running peer transfer's projected finish, judged as the player's tick does once a second. */
  transferCheck: 10,
  margin: 11,
  trackerDown: 12,
  edgeArrive: 13,
  edgeNext: 14,
  tick: 15,
  subShardCheck: 16,
  /** The player's once-a-second tick while P2P has not been asked for (its start gate, p2p-start.ts). */
  cadence: 17,
  /** A receiver's spaced segment announcement comes due (the tick's announceIntervalSeconds). */
  segAnnounce: 18,
} as const;

/** Viewer phases. */
const phase = { pending: 0, joined: 1, starting: 2, playing: 3, left: 4 } as const;

/** Segment slot states, per viewer. */
const slotState = { none: 0, wait: 1, http: 2, p2p: 3, held: 4, queued: 5 } as const;

/** Why a segment (or the rest of one) came from the edge. */
export const httpReasons = ['cdn-only', 'first-fetcher', 'alone', 'deadline', 'abandoned', 'peer-left'] as const;
export type HttpReason = (typeof httpReasons)[number];
const reason = { cdnOnly: 0, firstFetcher: 1, alone: 2, deadline: 3, abandoned: 4, peerLeft: 5 } as const;

const flowKind = { free: 0, http: 1, p2p: 2 } as const;

/** Segments a viewer keeps track of at once (a ring); ample for the ~7 between playhead and live edge. */
const ringSize = 16;
const ringMask = ringSize - 1;
/** Stream seconds already published when the first viewer arrives. */
const prerollSeconds = 30;
/** Peer ids carry a join time in Unix seconds; the run is placed at this one. */
const epochBase = 1_764_000_000;
const never = -1e12;

export interface SimTotals {
  /** Segments viewers asked for, in bytes, counted when first asked. */
  requestedBytes: number;
  httpBytes: number;
  p2pBytes: number;
  /** Bytes of requested segments that had not arrived when their viewer left, skipped ahead or the run ended. */
  unfinishedBytes: number;
  /** Bytes the edge sent (equals httpBytes: the edge's own count). */
  edgeServedBytes: number;
  /** Bytes peers sent, including partial transfers cut by a departure (wasted). */
  peerUploadedBytes: number;
  wastedP2PBytes: number;
  /** Completed segments whose edge and peer parts did not add up to the segment's size (must be 0). */
  conservationErrors: number;
}

export interface SimSummary {
  /** Viewers that started playing. */
  viewersTotal: number;
  /** Viewers that joined but never started playing (left first, or the run ended first). */
  neverStarted: number;
  viewersPeak: number;
  offloadPercent: number;
  /** (N−1)/N with N the peak concurrent audience: what stock p2p-media-loader bounds offload at. */
  boundPercent: number;
  edgeGB: number;
  edgePeakMbps: number;
  edgeMeanMbps: number;
  /** Stalled time ÷ time since playback started (which includes the stalls). */
  stallRatioPercent: number;
  stalledSecondsPerViewerMinute: number;
  viewersWithStallPercent: number;
  stalls: number;
  startupP50: number;
  startupP95: number;
  latencyP50: number;
  latencyP95: number;
  watchedHours: number;
  /** Share of per-segment decisions taken as a first fetcher. */
  firstFetcherPercent: number;
  httpByReason: Record<HttpReason, number>;
  meanPeers: number;
  connections: { made: number; failed: number };
  /** Announces answered and failed, and the WebRTC offers they carried (announceOffers). */
  announces: { ok: number; failed: number; offers: number };
  liveEdgeJumps: number;
  /** Upload requests senders' upload gates answered "absent" (not deliverable within their margin, or choked). */
  refusedUploads: number;
  /** Of those, requests from a peer the sender's budget had choked (tick.ts, choke). */
  chokedUploads: number;
  /** Peer transfers given up before the margin because their projected finish fell past it (projectTransfer). */
  projectedAbandons: number;
  /** How upload spread over the audience: a star puts nearly all of it on a few viewers. */
  upload: UploadSpread;
  /** The tracker objects' load: messages per second per object against the budget, splits and merges. */
  tracker: SubShardTrackerStats;
  /** Per NAT class present in the audience: viewers that played, and the share of their bytes from peers. */
  byNat: { nat: NatClass; viewers: number; offloadPercent: number }[];
}

export interface SimSeries {
  bucketSeconds: number;
  /** Bucket start, seconds since the first join. */
  t: number[];
  viewers: number[];
  edgeMbps: number[];
  p2pMbps: number[];
  offloadPercent: number[];
  stalledSeconds: number[];
  firstFetcherPercent: number[];
}

export interface ViewerOutcome {
  viewer: number;
  joinedAt: number;
  httpBytes: number;
  p2pBytes: number;
  uploadedBytes: number;
  httpSegments: number;
  p2pSegments: number;
  stalls: number;
  stalledSeconds: number;
  startupSeconds: number | null;
  latency: number | null;
  /** Per-segment decisions it took as a first fetcher after its first epoch (once its uplink could be measured). */
  leadDecisionsAfterFirstEpoch: number;
  /** Its access link's profile name (network.access). */
  access: string;
  /** Its NAT class (network.natMix). */
  nat: NatClass;
  /**
   * Seconds from joining to when its player asked for P2P (the tick's start gate opened after the first frame:
   * compare's timeline `p2pRequestedMs`), null: never.
   */
  p2pRequestedSeconds: number | null;
  /** Seconds from joining to its first open data channel, and to its first segment from a peer (null: never). */
  firstPeerSeconds: number | null;
  firstP2PSeconds: number | null;
  /** Its uplink, bytes/s, and its capacity as its player measured it at the end (policy capacity.ts; 0: unmeasured). */
  uplinkBps: number;
  measuredUplinkBps: number;
}

export interface SimResult {
  config: SimConfig;
  policy: PolicyOptions;
  policyWarnings: string[];
  totals: SimTotals;
  summary: SimSummary;
  series: SimSeries;
  /** Per viewer, only for small runs (≤ 100 viewers). */
  viewers?: ViewerOutcome[];
  perf: { wallSeconds: number; events: number; peakQueue: number; simulatedSeconds: number };
}

interface SimCandidate extends MatchCandidate {
  viewer: number;
  /** Position in its sub-shard's member list, and its routing key (the edge's routeSocket). */
  index: number;
  key: number;
}

/** Where a run has got to, for a progress line on long runs. */
export interface SimProgress {
  /** Stream seconds simulated so far, and in all (after the first join). */
  simulatedSeconds: number;
  totalSeconds: number;
  viewersNow: number;
  events: number;
  wallSeconds: number;
}

export interface RunHooks {
  /** Called about every `progressEverySeconds` of wall time (default 5). */
  onProgress?: (progress: SimProgress) => void;
  progressEverySeconds?: number;
}

export function runSimulation(config: SimConfig, hooks: RunHooks = {}): SimResult {
  return new SwarmSimulation(config).run(hooks);
}

export class SwarmSimulation {
  private readonly cfg: SimConfig;
  private readonly policy: PolicyOptions;
  private readonly consumeOnly: PolicyOptions;
  private readonly policyWarnings: string[];
  private readonly rng: Rng;
  private readonly queue = new EventQueue(4096);
  private readonly T: number;
  private readonly liveSync: number;
  private readonly liveMax: number;
  /** hls.js's maxLiveSyncPlaybackRate from the policy's hls settings (1: no catch-up). */
  private readonly catchUpMax: number;
  private readonly tStart = prerollSeconds;
  private readonly tEnd: number;
  private readonly D: number;
  /** The player's offer decisions at this run's cap (D) and offers per announce. */
  private readonly offerOptions: OfferOptions;
  /** The edge's capacity shared by its transfers; none when the edge is unlimited. */
  private readonly edge: SharedLink | undefined;
  private edgeGen = 0;
  private readonly finishedAtEdge: number[] = [];
  private newest = -1;
  private readonly segSize: Float64Array;

  // Viewers.
  private readonly n: number;
  private readonly joinAt: Float64Array;
  private readonly leaveAt: Float64Array;
  private readonly region: Uint8Array;
  private readonly country: Int32Array;
  private readonly asn: Int32Array;
  /** Each viewer's NAT class (an index into natClasses), and who reaches whom by class (natReach, flattened). */
  private readonly natClass: Uint8Array;
  private readonly reach: Uint8Array;
  private readonly freeRider: Uint8Array;
  private readonly up: Float64Array;
  private readonly down: Float64Array;
  private readonly edgeRtt: Float64Array;
  /** How late this viewer's p2p-media-loader notices a segment entering its high-demand window. */
  private readonly noticeLag: Float64Array;
  private readonly ids: string[];
  private readonly idToViewer = new Map<string, number>();
  private readonly ph: Uint8Array;
  private readonly latency: Float64Array;
  private readonly p0: Float64Array;
  private readonly s0: Int32Array;
  private readonly nextPlay: Int32Array;
  private readonly startedAt: Float64Array;
  /** When playback (re)started: at start-up and after a seek to the live edge, the playhead is already inside a segment. */
  private readonly playFrom: Float64Array;
  private readonly endedAt: Float64Array;
  private readonly stalls: Uint32Array;
  private readonly stalled: Float64Array;
  private readonly httpBytes: Float64Array;
  /** Each viewer's access profile name. */
  private readonly accessName: string[];
  private readonly p2pBytes: Float64Array;
  private readonly upBytes: Float64Array;
  private readonly httpSegs: Uint32Array;
  private readonly p2pSegs: Uint32Array;
  /** When v's first data channel opened, and its first segment from a peer arrived (-1: never). */
  private readonly firstPeerAt: Float64Array;
  private readonly firstP2PAt: Float64Array;
  /** Each viewer's tick state (budget, uplink and peer-rate estimates, edge fetch time, role memo), as its player keeps it. */
  private readonly ts: (TickState | undefined)[];
  /** From the viewer's last tick: the deadline margin, and whether its upload is open. */
  private readonly margin: Float64Array;
  private readonly upOpen: Uint8Array;
  /** The mean media segment size, as a player sees it from the segments it loads. */
  private readonly meanSegmentBytes: number;
  /** Its uplink is the bottleneck of its transfers now (data would queue behind it). */
  private readonly sat: Uint8Array;
  /**
   * Each sender's uplink stopped being what limits its transfers (none left, or all held by receivers) since its player
   * last observed it (uplinkOf): a flag set in event order, so an idle moment at the instant of an observation is
   * counted once, in whichever interval the event fell.
   */
  private readonly drainedSinceObserved: Uint8Array;
  /** Segments received from peers since the viewer's last tick, for its peer-rate estimates. */
  private readonly pendingTransfers: (PeerTransfer[] | undefined)[];
  /** A re-tick is queued (a viewer with its upload closed looks again a second later, as the player does). */
  private readonly tickQueued: Uint8Array;
  private readonly leadLate: Uint32Array;
  private readonly lastTick: Float64Array;
  private readonly scratchPeers: PeerObservation[] = [];
  private readonly scratchPool: PeerObservation[];
  private readonly pendingEdge: (number[] | undefined)[];
  private readonly neverUploads: Uint8Array;
  private readonly roleFf: Uint8Array;
  private readonly roleAlone: Uint8Array;
  /** The cached role holds until this time (the first active peer going quiet, or the epoch's end)... */
  private readonly roleUntil: Float64Array;
  /** ...unless a connection opened or closed, or a quiet peer spoke. */
  private readonly roleDirty: Uint8Array;
  private readonly roleEpoch: Int32Array;
  private readonly announceGen: Int32Array;
  /** P2P is on but p2p-media-loader has not opened its tracker connection: it does at the next segment request. */
  private readonly announceOnRequest: Uint8Array;
  /** The swarm's size as the tracker's last announce reply counted it (complete + incomplete); 0: no reply yet. */
  private readonly swarmCounted: Int32Array;
  /** The sub-shard's earliest members as the tracker's last reply named them (tracker.namedLeaders). */
  private readonly namedLeaders: (string[] | undefined)[];
  /** The offer options at each cap peerCap gives (the full options at maxPeers, copies at smaller caps). */
  private readonly offerOptionsAt = new Map<number, OfferOptions>();
  /**
   * When v's player asked for P2P (player.ts maybeStartP2P): at the first tick after the first frame whose p2p is
   * true, i.e. once playback has kept pace (p2p-start.ts, through the tick). -1: not yet.
   */
  private readonly p2pAskedAt: Float64Array;
  /** The last tick's p2p: with the gate off it is true before the first frame, and P2P is asked for at the frame. */
  private readonly lastP2P: Uint8Array;
  /**
   * What v's player reads for its start gate (player.ts paceSince): the playhead at the last tick, media played in
   * this tick's interval before a seek moved the playhead (a seek adds nothing), and when the last tick was.
   */
  private readonly paceMark: Float64Array;
  private readonly paceCarry: Float64Array;
  private readonly paceAt: Float64Array;
  /**
   * The catch-up the simulator applies at once (catchUp) is played over the next target duration in the player: what
   * was won, and when, so that the pace reads the playhead where hls.js's faster rate has it (pacePosition).
   */
  private readonly catchUpWon: Float64Array;
  private readonly catchUpAt: Float64Array;
  private readonly retries: Uint8Array;
  private readonly degree: Uint8Array;
  private readonly pending: Uint8Array;
  private readonly latencyLast: Float64Array;
  private readonly candidates: (SimCandidate | undefined)[];
  /** Whom each viewer's last tick choked (tick.ts, choke): its upload gate refuses their requests until its next. */
  private readonly chokedBy = new Map<number, readonly string[]>();
  private readonly active: number[] = [];
  private readonly activeIndex: Int32Array;

  // Connections: D slots per viewer.
  private readonly nb: Int32Array;
  private readonly connAt: Float64Array;
  private readonly heardAt: Float64Array;
  /** When each viewer last announced a new segment to its peers (player.ts hears those as well as bytes). */
  private readonly announcedAt: Float64Array;
  /** Each viewer's least seconds between segment announcements, from its last tick (0: each at once). */
  private readonly announceEvery: Float64Array;
  /** When the first segment a viewer holds but has not announced yet finished (+Infinity: none waiting). */
  private readonly unannouncedFrom: Float64Array;
  private readonly recv: Float64Array;
  private readonly sent: Float64Array;

  // Segment ring per viewer.
  private readonly slotSeg: Int32Array;
  private readonly slotSt: Uint8Array;
  private readonly slotFlow: Int32Array;
  /** The last peer that answered this slot's request "absent" (its upload gate refused it); -1: none. */
  private readonly slotRefusedBy: Int32Array;
  /** Requests for this slot's segment its viewer has taken as a sender (policy's servedCopies, for upload to spread). */
  private readonly slotServed: Uint16Array;
  /** Of those, the requesters whose peer id advertised an uplink able to relay it (policy's relayCopies). */
  private readonly slotRelays: Uint16Array;
  /** Upload requests refused by senders' upload gates. */
  private refusedUploads = 0;
  /** Peer transfers given up before the margin because their projected finish fell past it. */
  private projectedAbandons = 0;
  private readonly slotGen: Int32Array;
  /** When the slot's pending margin check fires (-1: none pending), so an identical one is not queued twice. */
  private readonly slotMarginAt: Float64Array;
  private readonly slotDone: Float64Array;
  private readonly slotHttp: Float64Array;
  private readonly slotP2P: Float64Array;
  /** Why a queued edge fetch goes to the edge, kept until a connection is free for it. */
  private readonly slotReason: Uint8Array;
  /** Edge fetches each viewer has under way (capped by httpConcurrency). */
  private readonly httpActive: Uint8Array;
  private readonly httpCap: number;

  // Flows (transfers), a growable pool.
  private fKind = new Uint8Array(1024);
  private fRecv = new Int32Array(1024);
  private fSend = new Int32Array(1024);
  private fSeg = new Int32Array(1024);
  private fGen = new Int32Array(1024);
  private fNext = new Int32Array(1024);
  private fPrev = new Int32Array(1024);
  private fBytes = new Float64Array(1024);
  private fDone = new Float64Array(1024);
  private fRate = new Float64Array(1024);
  private fUpdated = new Float64Array(1024);
  private fReason = new Uint8Array(1024);
  private fStart = new Float64Array(1024);
  /** The last rate check's look at a peer transfer (when, bytes by then); when < 0, none yet. */
  private fSeenAt = new Float64Array(1024);
  private fSeenDone = new Float64Array(1024);
  private fFree: number[] = [];
  private fTop = 0;
  private readonly sHead: Int32Array;
  private readonly sCount: Uint16Array;
  private readonly sGen: Int32Array;
  /** Peer transfers each viewer is receiving: most of the time none, which settles "already sending to us?" at once. */
  private readonly rxCount: Uint8Array;

  // Tracker.
  /** Region shards and their sub-shards, split and merged by the edge's own rules (sub-shard-tracker.ts). */
  private readonly tracker: SubShardTracker<SimCandidate>;
  private trackerSeed: number;

  // Accounting.
  private readonly totals: SimTotals = {
    requestedBytes: 0,
    httpBytes: 0,
    p2pBytes: 0,
    unfinishedBytes: 0,
    edgeServedBytes: 0,
    peerUploadedBytes: 0,
    wastedP2PBytes: 0,
    conservationErrors: 0,
  };
  private readonly reasonBytes = new Float64Array(httpReasons.length);
  private readonly latencyHist = new Histogram(0.05, 120);
  private readonly startupHist = new Histogram(0.01, 60);
  private decisions = 0;
  private ffDecisions = 0;
  private connMade = 0;
  private connFailed = 0;
  private chokedUploads = 0;
  private announcesOk = 0;
  private announcesFailed = 0;
  private offersSent = 0;
  private jumps = 0;
  private peakViewers = 0;
  private peerSamples = 0;
  private peerSum = 0;
  private readonly nBuckets: number;
  private readonly bEdge: Float64Array;
  private readonly bP2P: Float64Array;
  private readonly bStall: Float64Array;
  private readonly bViewers: Float64Array;
  private readonly bFf: Float64Array;
  private readonly bDecisions: Float64Array;
  private events = 0;

  constructor(config: SimConfig) {
    this.cfg = config;
    const resolved = resolvePolicyOptions(config.policy);
    this.policy = resolved.options;
    this.policyWarnings = resolved.warnings;
    // A free-rider is a viewer whose player runs with upload disabled: the policy's own consume-only setting.
    this.consumeOnly = resolvePolicyOptions({ ...config.policy, uploadKbps: 0 }).options;
    this.rng = new Rng(config.seed);
    const s = config.stream;
    this.T = s.targetDuration;
    // The latency plan is the tick's, as the player applies it to hls.js on its first playlist.
    const first = policy.tick(
      initialTickState(0, this.policy),
      { self: '', live: true, targetDuration: this.T, peers: [], uploadedBytes: 0, edgeFetchSeconds: [] },
      0,
      this.policy,
    );
    this.liveSync = first.actions.hls.liveSyncDuration;
    this.liveMax = first.actions.hls.liveMaxLatencyDuration;
    this.catchUpMax = config.player.liveCatchUp ? first.actions.hls.maxLiveSyncPlaybackRate : 1;
    this.tEnd = this.tStart + config.audience.seconds;
    this.D = Math.max(1, Math.min(255, Math.floor(config.player.maxPeers)));
    this.offerOptions = {
      ...offerDefaults,
      max: config.tracker.offersPerAnnounce,
      maxPeers: this.D,
    };
    const edgeRate = (config.edge.capacityMbps * 1e6) / 8;
    this.edge = Number.isFinite(edgeRate) && edgeRate > 0 ? new SharedLink(edgeRate) : undefined;
    this.trackerSeed = config.tracker.seed >>> 0 || 1;

    // Segment sizes, drawn once: every viewer gets the same bytes for segment k.
    const sizeRng = this.rng.fork(11);
    const segments = Math.ceil(this.tEnd / this.T) + 4;
    this.segSize = new Float64Array(segments);
    const mean = (s.bitrateKbps * 1000 * this.T) / 8;
    this.meanSegmentBytes = mean;
    for (let k = 0; k < segments; k++) {
      this.segSize[k] = Math.round(mean * (1 + s.sizeJitter * (2 * sizeRng.next() - 1)));
    }

    // The audience: arrival times and session lengths, drawn up front.
    const arrivals = this.drawArrivals(this.rng.fork(23));
    const n = arrivals.length;
    this.n = n;
    this.joinAt = new Float64Array(n);
    this.leaveAt = new Float64Array(n);
    this.region = new Uint8Array(n);
    this.country = new Int32Array(n);
    this.asn = new Int32Array(n);
    this.natClass = new Uint8Array(n);
    checkNatMix(config.network.natMix);
    for (const nat of config.network.natOrder ?? []) {
      if (!(natClasses as readonly string[]).includes(nat)) {
        throw new Error(`network.natOrder names ${nat}, not a NAT class (${natClasses.join(', ')})`);
      }
    }
    this.reach = reachMatrix(config.network.natReach);
    this.freeRider = new Uint8Array(n);
    this.up = new Float64Array(n);
    this.down = new Float64Array(n);
    this.edgeRtt = new Float64Array(n);
    this.ids = new Array<string>(n);
    this.ph = new Uint8Array(n);
    this.latency = new Float64Array(n);
    this.p0 = new Float64Array(n);
    this.s0 = new Int32Array(n);
    this.nextPlay = new Int32Array(n);
    this.startedAt = new Float64Array(n).fill(-1);
    this.playFrom = new Float64Array(n);
    this.endedAt = new Float64Array(n).fill(-1);
    this.stalls = new Uint32Array(n);
    this.stalled = new Float64Array(n);
    this.httpBytes = new Float64Array(n);
    this.accessName = new Array<string>(n);
    this.p2pBytes = new Float64Array(n);
    this.upBytes = new Float64Array(n);
    this.httpSegs = new Uint32Array(n);
    this.p2pSegs = new Uint32Array(n);
    this.firstPeerAt = new Float64Array(n).fill(-1);
    this.firstP2PAt = new Float64Array(n).fill(-1);
    this.ts = new Array(n).fill(undefined);
    this.margin = new Float64Array(n);
    this.upOpen = new Uint8Array(n);
    this.sat = new Uint8Array(n);
    this.drainedSinceObserved = new Uint8Array(n);
    this.pendingTransfers = new Array(n).fill(undefined);
    this.tickQueued = new Uint8Array(n);
    this.leadLate = new Uint32Array(n);
    this.lastTick = new Float64Array(n).fill(never);
    this.scratchPool = Array.from({ length: this.D }, () => ({
      id: '',
      received: 0,
      sent: 0,
      connectedAt: 0,
      lastHeardAt: 0,
      announcing: true,
    }));
    this.pendingEdge = new Array(n).fill(undefined);
    this.neverUploads = new Uint8Array(n);
    this.roleFf = new Uint8Array(n);
    this.roleAlone = new Uint8Array(n);
    this.roleUntil = new Float64Array(n);
    this.roleDirty = new Uint8Array(n).fill(1);
    this.roleEpoch = new Int32Array(n).fill(-1);
    this.announceGen = new Int32Array(n);
    this.announceOnRequest = new Uint8Array(n);
    this.swarmCounted = new Int32Array(n);
    this.namedLeaders = new Array(n);
    this.p2pAskedAt = new Float64Array(n).fill(-1);
    this.lastP2P = new Uint8Array(n);
    this.paceMark = new Float64Array(n).fill(Number.NaN);
    this.paceCarry = new Float64Array(n);
    this.paceAt = new Float64Array(n);
    this.catchUpWon = new Float64Array(n);
    this.catchUpAt = new Float64Array(n);
    this.retries = new Uint8Array(n);
    this.degree = new Uint8Array(n);
    this.pending = new Uint8Array(n);
    this.latencyLast = new Float64Array(n).fill(-1);
    this.candidates = new Array<SimCandidate | undefined>(n);
    this.activeIndex = new Int32Array(n).fill(-1);
    const D = this.D;
    this.nb = new Int32Array(n * D).fill(-1);
    this.connAt = new Float64Array(n * D);
    this.heardAt = new Float64Array(n * D);
    this.announcedAt = new Float64Array(n).fill(never);
    this.announceEvery = new Float64Array(n);
    this.unannouncedFrom = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.recv = new Float64Array(n * D);
    this.sent = new Float64Array(n * D);
    this.slotSeg = new Int32Array(n * ringSize).fill(-1);
    this.slotSt = new Uint8Array(n * ringSize);
    this.slotFlow = new Int32Array(n * ringSize).fill(-1);
    this.slotRefusedBy = new Int32Array(n * ringSize).fill(-1);
    this.slotServed = new Uint16Array(n * ringSize);
    this.slotRelays = new Uint16Array(n * ringSize);
    this.slotGen = new Int32Array(n * ringSize);
    this.slotMarginAt = new Float64Array(n * ringSize).fill(-1);
    this.slotDone = new Float64Array(n * ringSize);
    this.slotHttp = new Float64Array(n * ringSize);
    this.slotP2P = new Float64Array(n * ringSize);
    this.slotReason = new Uint8Array(n * ringSize);
    this.httpActive = new Uint8Array(n);
    this.httpCap = Math.max(1, config.p2p ? this.policy.httpConcurrency : config.player.cdnHttpConcurrency);
    this.sHead = new Int32Array(n).fill(-1);
    this.sCount = new Uint16Array(n);
    this.sGen = new Int32Array(n);
    this.rxCount = new Uint8Array(n);
    this.tracker = new SubShardTracker(config.tracker.shardByRegion ? config.network.regions.length : 1, {
      ...config.subShards,
    });

    const popRng = this.rng.fork(37);
    // Drawn from a stream of its own, so the audience stays the same one whatever else changes.
    const lagRng = this.rng.fork(41);
    this.noticeLag = new Float64Array(n);
    for (let v = 0; v < n; v++) this.noticeLag[v] = lagRng.next() * this.cfg.player.loaderLagSeconds;
    const net = config.network;
    const regionWeights = net.regions.map((r) => r.weight);
    const accessWeights = net.access.map((a) => a.weight);
    const accessByName = new Map(net.access.map((a) => [a.name, a]));
    for (const name of net.accessOrder ?? []) {
      if (!accessByName.has(name)) throw new Error(`network.accessOrder names ${name}, which is not in network.access`);
    }
    // ASN popularity ~ 1/rank: a few big ISPs and a long tail.
    const asnWeights = net.regions.map((reg) => Array.from({ length: reg.asnsPerCountry }, (_, i) => 1 / (i + 1)));
    for (let v = 0; v < n; v++) {
      const a = arrivals[v] as { join: number; session: number };
      this.joinAt[v] = this.tStart + a.join;
      this.leaveAt[v] = this.tStart + a.join + a.session;
      const r = weightedIndex(regionWeights, popRng);
      const reg = net.regions[r] as (typeof net.regions)[number];
      this.region[v] = r;
      if (reg.countries > 0) {
        const country = r * 1000 + popRng.int(reg.countries) + 1;
        this.country[v] = country;
        this.asn[v] = country * 1000 + weightedIndex(asnWeights[r] as number[], popRng) + 1;
      }
      const acc = net.accessOrder
        ? (accessByName.get(net.accessOrder[v % net.accessOrder.length] as string) as (typeof net.access)[number])
        : (net.access[weightedIndex(accessWeights, popRng)] as (typeof net.access)[number]);
      this.accessName[v] = acc.name;
      this.down[v] = (sample(acc.downMbps, popRng) * 1e6) / 8;
      this.up[v] = (sample(acc.upMbps, popRng) * 1e6 * net.p2pEfficiency) / 8;
      this.edgeRtt[v] = sample(net.edgeRttMs, popRng) / 1000;
      const drawnNat = natClassOf(popRng.next(), net.natMix);
      this.natClass[v] = natClasses.indexOf(net.natOrder ? (net.natOrder[v] ?? 'open') : drawnNat);
      this.freeRider[v] = popRng.next() < config.audience.freeRiderFraction ? 1 : 0;
      let random = '';
      for (let i = 0; i < 7; i++) random += idAlphabet[popRng.int(idAlphabet.length)];
      // With spreadRelays the player starts P2P once its uplink probe is done, and its peer id carries what the probe
      // read (advertisedUplinkClass); the simulated probe's result is known from the start (probeResult).
      const uplinkClass =
        this.policy.spreadRelays > 0 && (this.probeResult(v, this.policy)?.seconds ?? 0) <= this.relayProbeWait()
          ? advertisedUplinkClass(this.probeResult(v, this.policy), !this.freeRider[v], this.optionsOf(v))
          : undefined;
      const id = makePeerId(epochBase + (this.joinAt[v] as number), random, uplinkClass);
      this.ids[v] = id;
      this.idToViewer.set(id, v);
    }

    const bw = config.bucketSeconds;
    this.nBuckets = Math.ceil(config.audience.seconds / bw) + 1;
    this.bEdge = new Float64Array(this.nBuckets);
    this.bP2P = new Float64Array(this.nBuckets);
    this.bStall = new Float64Array(this.nBuckets);
    this.bViewers = new Float64Array(this.nBuckets);
    this.bFf = new Float64Array(this.nBuckets);
    this.bDecisions = new Float64Array(this.nBuckets);
  }

  private drawArrivals(rng: Rng): { join: number; session: number }[] {
    const a = this.cfg.audience;
    const out: { join: number; session: number }[] = [];
    const session = () => (Number.isFinite(a.meanSessionSeconds) ? rng.exponential(a.meanSessionSeconds) : 1e9);
    for (let i = 0; i < a.viewers; i++) {
      const join =
        a.staggerSeconds !== undefined
          ? i * a.staggerSeconds + rng.next() * (a.staggerJitterSeconds ?? 0)
          : rng.next() * a.rampSeconds;
      out.push({ join, session: session() });
    }
    // Departures are replaced by a Poisson stream of arrivals at the rate that keeps the audience level.
    if (a.replaceDepartures && Number.isFinite(a.meanSessionSeconds) && a.viewers > 0) {
      const rate = a.viewers / a.meanSessionSeconds;
      for (let t = a.rampSeconds + rng.exponential(1 / rate); t < a.seconds; t += rng.exponential(1 / rate)) {
        out.push({ join: t, session: session() });
      }
    }
    if (a.flash) {
      for (let i = 0; i < a.flash.viewers; i++) {
        out.push({ join: a.flash.atSeconds + rng.next() * a.flash.overSeconds, session: session() });
      }
    }
    return out.sort((x, y) => x.join - y.join);
  }

  run(hooks: RunHooks = {}): SimResult {
    const wall = performance.now();
    const every = (hooks.progressEverySeconds ?? 5) * 1000;
    let nextProgress = wall + every;
    const q = this.queue;
    // Segments published before the first viewer: only their existence matters.
    let k = 0;
    for (; (k + 1) * this.T + this.cfg.stream.publishLagSeconds <= this.tStart; k++) this.newest = k;
    q.push((k + 1) * this.T + this.cfg.stream.publishLagSeconds, ev.publish, k);
    for (let v = 0; v < this.n; v++) {
      if ((this.joinAt[v] as number) < this.tEnd) q.push(this.joinAt[v] as number, ev.join, v);
    }
    for (const outage of this.cfg.tracker.outages) {
      q.push(this.tStart + outage.fromSeconds, ev.trackerDown, 0);
    }
    q.push(this.tStart + 1, ev.subShardCheck, 0);
    const e: PoppedEvent = { time: 0, kind: 0, a: 0, b: 0, c: 0 };
    while (q.pop(e)) {
      if (e.time > this.tEnd) break;
      this.events++;
      const t = e.time;
      if (hooks.onProgress && (this.events & 0xfff) === 0 && performance.now() >= nextProgress) {
        nextProgress = performance.now() + every;
        hooks.onProgress(this.progress(t, wall));
      }
      switch (e.kind) {
        case ev.publish:
          this.onPublish(e.a, t);
          break;
        case ev.join:
          this.onJoin(e.a, t);
          break;
        case ev.startup:
          this.onStartup(e.a, t);
          break;
        case ev.leave:
          this.onLeave(e.a, t);
          break;
        case ev.announce:
          if (e.b === this.announceGen[e.a] && this.isActive(e.a)) this.announce(e.a, t);
          break;
        case ev.connect:
          this.onConnect(e.a, e.b, t);
          break;
        case ev.httpDone:
          if (this.fGen[e.a] === e.b && this.fKind[e.a] === flowKind.http) this.completeFlow(e.a, t);
          break;
        case ev.p2pBegin:
          if (this.fGen[e.a] === e.b && this.fKind[e.a] === flowKind.p2p) this.onP2PBegin(e.a, t);
          break;
        case ev.senderNext:
          if (this.sGen[e.a] === e.b) this.onSenderNext(e.a, t);
          break;
        case ev.transferCheck:
          if (this.fGen[e.a] === e.b && this.fKind[e.a] === flowKind.p2p) this.checkTransfer(e.a, t);
          break;
        case ev.margin:
          this.onMargin(e.a, e.b, e.c, t);
          break;
        case ev.tick:
          this.onTick(e.a, t);
          break;
        case ev.cadence:
          this.onCadence(e.a, t);
          break;
        case ev.segAnnounce:
          if (this.isActive(e.a) && (this.unannouncedFrom[e.a] as number) < Number.POSITIVE_INFINITY) {
            this.announceHeld(e.a, t);
          }
          break;
        case ev.trackerDown:
          this.onTrackerDown(t);
          break;
        case ev.subShardCheck:
          this.onSubShardCheck(t);
          break;
        case ev.edgeArrive:
          if (this.fGen[e.a] === e.b && this.fKind[e.a] === flowKind.http) {
            this.edge?.add(e.a, this.fBytes[e.a] as number, t);
            this.scheduleEdge();
          }
          break;
        case ev.edgeNext:
          if (e.a === this.edgeGen) this.onEdgeNext(t);
          break;
      }
    }
    this.finish();
    return this.result((performance.now() - wall) / 1000);
  }

  // ---- time and playback ---------------------------------------------------------------------

  private progress(t: number, wallStart: number): SimProgress {
    return {
      simulatedSeconds: Math.max(0, t - this.tStart),
      totalSeconds: this.tEnd - this.tStart,
      viewersNow: this.active.length,
      events: this.events,
      wallSeconds: (performance.now() - wallStart) / 1000,
    };
  }

  private isActive(v: number): boolean {
    const p = this.ph[v] as number;
    return p === phase.starting || p === phase.playing;
  }

  /** Media time of the playhead: frozen at the start position until playback starts, and at a missing segment. */
  private playhead(v: number, t: number): number {
    if (this.ph[v] === phase.starting) return this.p0[v] as number;
    const free = t - (this.latency[v] as number);
    const wall = (this.nextPlay[v] as number) * this.T;
    return Math.min(free, wall);
  }

  private bucket(t: number): number {
    const b = Math.floor((t - this.tStart) / this.cfg.bucketSeconds);
    return b < 0 ? 0 : b >= this.nBuckets ? this.nBuckets - 1 : b;
  }

  /**
   * The slack at which v turns to the edge: the tick's margin (a few edge fetch times, at least the minimum). The
   * window it gives p2p-media-loader opens loaderLagSeconds before the margin (policy/windows.ts), and the loader
   * notices up to that much later: the fetch starts in between.
   */
  private marginFor(v: number): number {
    return (this.margin[v] as number) + loaderLagSeconds - (this.noticeLag[v] as number);
  }

  private optionsOf(v: number): PolicyOptions {
    return this.freeRider[v] ? this.consumeOnly : this.policy;
  }

  // ---- arrivals, start-up, departures --------------------------------------------------------

  private onJoin(v: number, t: number): void {
    this.ph[v] = phase.joined;
    const o = this.optionsOf(v);
    this.ts[v] = initialTickState(epochBase + t, o);
    // The tick's margin before any edge fetch is measured.
    this.margin[v] = policy.deadlineMargin(0, o);
    // Asked once: a consume-only player never opens its upload, whatever its budget.
    const rate = uploadRateBps(0, o);
    this.neverUploads[v] = policy.uploadOpen(newUploadBudget(t, rate, o), t, rate, o) ? 0 : 1;
    this.upOpen[v] = this.neverUploads[v] ? 0 : 1;
    // Page and player set-up, then master playlist, media playlist and init segment: one edge round trip each.
    const rt = (this.edgeRtt[v] as number) + this.cfg.edge.requestSeconds;
    this.queue.push(t + this.cfg.player.startupOverheadSeconds + 3 * rt, ev.startup, v);
    if (this.cfg.p2p) {
      // The hybrid player ticks as it is built (the page set up, before its first request) and once a second from
      // then on; until it asks for P2P those ticks are all it has (tickViewer), and they carry its playback pace.
      const built = t + this.cfg.player.startupOverheadSeconds;
      this.paceAt[v] = built;
      this.queue.push(built, ev.cadence, v);
    }
    if ((this.leaveAt[v] as number) < this.tEnd) this.queue.push(this.leaveAt[v] as number, ev.leave, v);
  }

  private onStartup(v: number, t: number): void {
    if (this.ph[v] !== phase.joined) return;
    this.ph[v] = phase.starting;
    // hls.js starts liveSyncDuration behind the end of the newest segment in the playlist.
    const p0 = (this.newest + 1) * this.T - this.liveSync;
    const s0 = Math.max(0, Math.floor(p0 / this.T));
    this.p0[v] = p0;
    this.s0[v] = s0;
    this.nextPlay[v] = s0;
    this.activeIndex[v] = this.active.length;
    this.active.push(v);
    if (this.active.length > this.peakViewers) this.peakViewers = this.active.length;
    // hls.js asks for every segment from the start position on. In the hybrid, P2P is off until playback starts:
    // hls.js fetches the start-up segments from the edge itself, and the rest wait for P2P to start.
    const direct = Math.max(this.cfg.player.startSegments, this.cfg.player.directSegments);
    const last = this.cfg.p2p ? Math.min(this.newest, s0 + direct - 1) : this.newest;
    for (let k = s0; k <= last; k++) this.decide(v, k, t, t);
  }

  private onLeave(v: number, t: number): void {
    const p = this.ph[v] as number;
    if (p === phase.left || p === phase.pending) return;
    if (p === phase.playing) this.closeStall(v, t);
    this.endedAt[v] = t;
    this.ph[v] = phase.left;
    const i = this.activeIndex[v] as number;
    if (i >= 0) {
      const last = this.active.pop() as number;
      if (last !== v) {
        this.active[i] = last;
        this.activeIndex[last] = i;
      }
      this.activeIndex[v] = -1;
    }
    this.trackerRemove(v);
    // What it was fetching will never arrive.
    for (let r = 0; r < ringSize; r++) this.dropSlot(v * ringSize + r, t);
    // Its connections close first, so receivers that fetch again cannot pick it.
    for (let i2 = 0; i2 < this.D; i2++) {
      const j = this.nb[v * this.D + i2] as number;
      if (j >= 0) this.unlink(v, j);
    }
    // What it was sending must be fetched again by its receivers.
    this.failSenderFlows(v, t, -1);
  }

  /** Counts a stall still under way when a viewer leaves or the run ends. */
  private closeStall(v: number, t: number): void {
    const due = this.dueAt(v, this.nextPlay[v] as number);
    if (t > due) {
      this.stalls[v] = (this.stalls[v] as number) + 1;
      this.stalled[v] = (this.stalled[v] as number) + (t - due);
      this.bStall[this.bucket(due)] = (this.bStall[this.bucket(due)] as number) + (t - due);
    }
  }

  /** When the playhead reaches segment k's start, never before playback (re)started. */
  private dueAt(v: number, k: number): number {
    return Math.max(k * this.T + (this.latency[v] as number), this.playFrom[v] as number);
  }

  /** A segment slot's transfer or wait is abandoned: its bytes count as requested but unfinished. */
  private dropSlot(s: number, t: number): void {
    const st = this.slotSt[s] as number;
    if (st === slotState.none || st === slotState.held) return;
    const k = this.slotSeg[s] as number;
    this.totals.unfinishedBytes += this.segSize[k] as number;
    const f = this.slotFlow[s] as number;
    if (st === slotState.p2p && f >= 0) this.cancelP2P(f, t);
    else if (st === slotState.http && f >= 0) {
      // A cancelled edge fetch stops taking the edge's capacity at once, and frees the connection.
      if (this.edge?.remove(f, t)) this.scheduleEdge();
      this.freeFlow(f);
      this.pumpHttp(this.fRecv[f] as number, t);
    }
    // Partial peer bytes already in the slot were sent, but no segment was delivered.
    this.totals.wastedP2PBytes += this.slotP2P[s] as number;
    this.slotSt[s] = slotState.none;
    this.slotFlow[s] = -1;
    this.cancelMargin(s);
  }

  // ---- publishing and per-segment decisions ---------------------------------------------------

  private onPublish(k: number, t: number): void {
    this.newest = k;
    const next = (k + 2) * this.T + this.cfg.stream.publishLagSeconds;
    if (next <= this.tEnd + this.T) this.queue.push(next, ev.publish, k + 1);
    const b = this.bucket(t);
    this.bViewers[b] = Math.max(this.bViewers[b] as number, this.active.length);
    let degrees = 0;
    // Every viewer learns of the segment from its (blocking) playlist reload one edge round trip later.
    for (let i = 0; i < this.active.length; i++) {
      const v = this.active[i] as number;
      degrees += this.degree[v] as number;
      this.checkLiveSync(v, t);
      this.decide(v, k, t, t + (this.edgeRtt[v] as number), true);
    }
    this.peerSamples += this.active.length;
    this.peerSum += degrees;
  }

  private slotOf(v: number, k: number): number {
    return v * ringSize + (k & ringMask);
  }

  /**
   * The per-segment decision, as the player makes it: slack to the playhead, the deadline margin, the first-fetcher
   * role among peers heard from lately, and how many connected peers hold the segment, into chooseSource.
   */
  private decide(v: number, k: number, t: number, requestAt: number, justPublished = false): void {
    const s = this.slotOf(v, k);
    if (this.slotSeg[s] !== k) {
      // A new segment for this viewer; a ring slot still busy with one 16 segments older is given up.
      this.dropSlot(s, t);
      this.slotSeg[s] = k;
      this.slotSt[s] = slotState.none;
      this.slotRefusedBy[s] = -1;
      this.slotServed[s] = 0;
      this.slotRelays[s] = 0;
      this.slotHttp[s] = 0;
      this.slotP2P[s] = 0;
      this.totals.requestedBytes += this.segSize[k] as number;
      // p2p-media-loader opens its tracker connection at the first segment hls.js asks its engine for, once P2P is on.
      if (this.announceOnRequest[v] && requestAt >= this.p2pStartOf(v)) {
        this.announceOnRequest[v] = 0;
        this.scheduleAnnounce(v, requestAt);
      }
    } else if (this.slotSt[s] !== slotState.none && this.slotSt[s] !== slotState.wait) {
      return;
    }
    if (!this.cfg.p2p) {
      this.startHttp(v, k, t, requestAt, reason.cdnOnly);
      return;
    }
    const slackSeconds = policy.slack(k * this.T, this.playhead(v, t));
    const marginSeconds = this.marginFor(v);
    const firstFetcher = this.role(v, t);
    // A segment published this instant is held by no one yet: no need to look.
    const holders = justPublished ? 0 : this.countHolders(v, k);
    this.decisions++;
    const b = this.bucket(t);
    this.bDecisions[b] = (this.bDecisions[b] as number) + 1;
    if (firstFetcher) {
      this.ffDecisions++;
      this.bFf[b] = (this.bFf[b] as number) + 1;
      if (t - (this.joinAt[v] as number) > this.optionsOf(v).epochSeconds)
        this.leadLate[v] = (this.leadLate[v] as number) + 1;
    }
    const source = policy.chooseSource({ slackSeconds, marginSeconds, holders, firstFetcher });
    if (source === 'http') {
      const why =
        slackSeconds <= marginSeconds ? reason.deadline : this.roleAlone[v] ? reason.alone : reason.firstFetcher;
      this.startHttp(v, k, t, requestAt, why);
    } else if (source === 'p2p') {
      const j = this.pickHolder(v, k);
      if (j >= 0) this.startP2P(v, k, j, t, slackSeconds - marginSeconds);
      else this.wait(v, k, t, slackSeconds - marginSeconds);
    } else {
      this.wait(v, k, t, slackSeconds - marginSeconds);
    }
  }

  private wait(v: number, k: number, t: number, untilMargin: number): void {
    const s = this.slotOf(v, k);
    this.slotSt[s] = slotState.wait;
    this.scheduleMargin(s, v, k, t, untilMargin);
  }

  /** The playhead is not moving: start-up, or a stall on the next segment to play. */
  private frozen(v: number, t: number): boolean {
    return this.ph[v] !== phase.playing || t - (this.latency[v] as number) >= (this.nextPlay[v] as number) * this.T;
  }

  /**
   * Looks at slot s again when its slack reaches the margin. Always a little later than now (slack a hair above the
   * margin must not re-check at the same instant forever); while the playhead is frozen the slack does not shrink, so
   * it looks again no sooner than a target duration later, and play() re-schedules when the playhead moves.
   */
  private scheduleMargin(s: number, v: number, k: number, t: number, untilMargin: number): void {
    const floor = this.frozen(v, t) ? this.T : 1e-6;
    const at = t + Math.max(untilMargin, floor);
    // Waiting and then fetching from a peer reach the margin at the same instant: one check serves both.
    if (Math.abs((this.slotMarginAt[s] as number) - at) < 1e-9) return;
    const gen = (this.slotGen[s] as number) + 1;
    this.slotGen[s] = gen;
    this.slotMarginAt[s] = at;
    this.queue.push(at, ev.margin, v, k, gen);
  }

  /** Cancels the slot's pending margin check. */
  private cancelMargin(s: number): void {
    this.slotGen[s] = (this.slotGen[s] as number) + 1;
    this.slotMarginAt[s] = -1;
  }

  /** After the playhead moved again, pending margin checks are re-timed from the new slack. */
  private retimeMargins(v: number, t: number): void {
    const base = v * ringSize;
    const margin = this.marginFor(v);
    const playhead = this.playhead(v, t);
    for (let r = 0; r < ringSize; r++) {
      const st = this.slotSt[base + r] as number;
      if (st !== slotState.wait && st !== slotState.p2p) continue;
      const k = this.slotSeg[base + r] as number;
      this.scheduleMargin(base + r, v, k, t, policy.slack(k * this.T, playhead) - margin);
    }
  }

  private onMargin(v: number, k: number, gen: number, t: number): void {
    const s = this.slotOf(v, k);
    if (this.slotSeg[s] !== k || this.slotGen[s] !== gen) return;
    this.slotMarginAt[s] = -1;
    if (!this.isActive(v)) return;
    const st = this.slotSt[s] as number;
    if (st === slotState.wait) {
      this.decide(v, k, t, t);
    } else if (st === slotState.p2p) {
      const f = this.slotFlow[s] as number;
      if (f < 0) return;
      const slackSeconds = policy.slack(k * this.T, this.playhead(v, t));
      const marginSeconds = this.marginFor(v);
      if (!this.judge(f, t, slackSeconds, marginSeconds)) {
        // The playhead is frozen (start-up or a stall): the margin moved away; look again when it is reached.
        if (slackSeconds > marginSeconds) this.scheduleMargin(s, v, k, t, slackSeconds - marginSeconds);
      }
    }
  }

  /**
   * The first-fetcher role, as the player's tick last decided it. The player ticks every second; here a viewer ticks
   * when something it observes changed (a peer aged out of the active window, a peer was heard from again, the epoch
   * turned, a second passed since its last tick) and only when a per-segment decision needs the role.
   */
  private role(v: number, t: number): boolean {
    // Until its player asks for P2P, hls.js loads every segment itself: what the tick says of a viewer with no peers
    // and no P2P started (alone, so a first fetcher), without a tick of its own (its ticks then are its cadence).
    if (this.cfg.p2p && (this.p2pAskedAt[v] as number) < 0) {
      this.roleAlone[v] = 1;
      return true;
    }
    const epoch = policy.epochOf(epochBase + t, this.optionsOf(v).epochSeconds);
    if (this.roleDirty[v] || t > (this.roleUntil[v] as number) || epoch !== this.roleEpoch[v])
      this.tickViewer(v, t, true);
    return this.roleFf[v] === 1;
  }

  /**
   * v's player ticks: policy.tick on what it observes now (its peers, its uplink, the edge fetch times and the segments
   * from peers since its last tick), and the simulator applies every action, as player.ts does.
   */
  private tickViewer(v: number, t: number, now = false, cadence = false): void {
    // Until P2P is asked for, the player's ticks are its once-a-second ones (onCadence), exactly: its start gate reads
    // the playback pace over each tick's interval. What it observes meanwhile waits for the next (edge fetch times).
    if (this.cfg.p2p && (this.p2pAskedAt[v] as number) < 0 && !cadence) return;
    // The player ticks once a second; between ticks what it observes waits for the next (bytes delivered are
    // cumulative, transfers and edge fetch times queue). A per-segment decision that needs a fresh role ticks now.
    if (!now && t - (this.lastTick[v] as number) < 1) return;
    this.lastTick[v] = t;
    const o = this.optionsOf(v);
    const window = o.activePeerTargetDurations * this.T;
    // Observations are read during the call only, so one scratch set serves every tick (no garbage per tick).
    const peers = this.scratchPeers;
    peers.length = 0;
    let until = Number.POSITIVE_INFINITY;
    const base = v * this.D;
    for (let i = 0; i < this.D; i++) {
      const w = this.nb[base + i] as number;
      if (w < 0) continue;
      const seen = this.seenAt(base + i, w);
      if (seen >= t - window && seen + window < until) until = seen + window;
      const p = this.scratchPool[peers.length] as PeerObservation;
      p.id = this.ids[w] as string;
      p.received = this.recv[base + i] as number;
      p.sent = this.sent[base + i] as number;
      p.connectedAt = epochBase + (this.connAt[base + i] as number);
      p.lastHeardAt = epochBase + seen;
      // Its segment map lists something while its upload is open (p2p-media-loader announces only then). One
      // simplification: a newcomer's map is empty until its first segment, here it lists from the start.
      p.announcing = this.uploading(w);
      peers.push(p);
    }
    const transfers = this.pendingTransfers[v];
    this.pendingTransfers[v] = undefined;
    const edgeFetchSeconds = this.pendingEdge[v] ?? [];
    this.pendingEdge[v] = undefined;
    // The player starts P2P when playback starts; until then it has no peers and is its own first fetcher.
    const playing = this.ph[v] === phase.playing;
    const { state, actions } = policy.tick(
      this.ts[v] ?? initialTickState(epochBase + t, o),
      {
        self: this.ids[v] as string,
        live: true,
        targetDuration: this.T,
        peers,
        uploadedBytes: 0,
        edgeFetchSeconds,
        ...(playing && t >= this.p2pStartOf(v) ? { p2pStartedAt: epochBase + this.p2pStartOf(v) } : {}),
        uplink: this.uplinkOf(v, t),
        ...(transfers ? { p2pTransfers: transfers } : {}),
        segmentBytes: this.meanSegmentBytes,
        ...(playing ? this.probeOf(v, t, o) : {}),
        // The hybrid's playback pace, as player.ts paceSince reads it: the tick's start gate decides when P2P starts.
        ...(this.cfg.p2p ? { playback: this.paceSince(v, t) } : {}),
        // The tracker's last count (announceOffers reads it too): whether v is connected to the whole swarm.
        ...((this.swarmCounted[v] as number) > 0 ? { swarmMembers: this.swarmCounted[v] as number } : {}),
      },
      epochBase + t,
      o,
    );
    this.ts[v] = state;
    // player.ts maybeStartP2P: P2P is asked for once the first frame is on screen and the tick says p2p.
    this.lastP2P[v] = actions.p2p ? 1 : 0;
    if (actions.p2p && playing && (this.p2pAskedAt[v] as number) < 0) this.askP2P(v, t);
    this.roleFf[v] = actions.firstFetcher ? 1 : 0;
    this.roleAlone[v] = actions.alone ? 1 : 0;
    this.roleDirty[v] = 0;
    // The player looks again every second: a peer that starts announcing again is noticed within one.
    this.roleUntil[v] = Math.min(until, t + 1);
    this.roleEpoch[v] = policy.epochOf(epochBase + t, o.epochSeconds);
    this.margin[v] = actions.marginSeconds;
    this.upOpen[v] = actions.uploadOpen && !this.neverUploads[v] ? 1 : 0;
    this.announceEvery[v] = actions.announceIntervalSeconds;
    if (!this.upOpen[v] && !this.neverUploads[v] && !this.tickQueued[v]) {
      this.tickQueued[v] = 1;
      this.queue.push(t + 1, ev.tick, v);
    }
    if (actions.choke.length > 0) this.chokedBy.set(v, actions.choke);
    else this.chokedBy.delete(v);
  }

  /**
   * The player's uplink probe: uplinkProbeBytes to the edge as P2P starts, at the viewer's uplink rate (TCP's slow
   * start is not modelled, so the simulated probe reads a fast link a little higher than a real one would). Its result
   * is known once it has finished, or timed out, counted from when it starts: as P2P starts, or with spreadRelays at
   * playback start, before the P2P script has loaded (player.ts maybeStartP2P).
   */
  private probeOf(v: number, t: number, o: PolicyOptions): { uplinkProbe?: UplinkProbe } {
    const probe = this.probeResult(v, o);
    return probe && t - this.probeStartOf(v) >= probe.seconds ? { uplinkProbe: probe } : {};
  }

  private probeStartOf(v: number): number {
    const asked = this.askedOrNever(v);
    return this.policy.spreadRelays > 0 && !this.freeRider[v] ? asked : asked + this.cfg.player.p2pStackSeconds;
  }

  /** When v's player asked for P2P; +∞ until it has. */
  private askedOrNever(v: number): number {
    const asked = this.p2pAskedAt[v] as number;
    return asked < 0 ? Number.POSITIVE_INFINITY : asked;
  }

  /**
   * When v's player starts P2P: once it has asked for it (the tick's start gate, after the first frame) and its P2P
   * script has loaded (p2pStackSeconds), and with spreadRelays not before its probe is done (the peer id carries its
   * class) or has run as long as a relay would take to finish it (then its id carries none). Until then it has no peers
   * and fetches everything from the edge, as hls.js does before P2P is attached; its first announce waits for the first
   * segment request after this (decide). +∞ until P2P is asked for.
   */
  private p2pStartOf(v: number): number {
    const started = this.askedOrNever(v);
    const stack = this.cfg.player.p2pStackSeconds;
    if (this.policy.spreadRelays <= 0 || this.freeRider[v]) return started + stack;
    return started + Math.max(stack, Math.min(this.probeResult(v, this.policy)?.seconds ?? 0, this.relayProbeWait()));
  }

  /** How long a player waits for its probe before starting P2P with spreadRelays (relayProbeWaitSeconds). */
  private relayProbeWait(): number {
    return relayProbeWaitSeconds(this.meanSegmentBytes, this.T, this.policy);
  }

  /** What v's probe reads once done (uplinkProbeBytes at its uplink rate, or what it sent by the timeout). */
  private probeResult(v: number, o: PolicyOptions): UplinkProbe | undefined {
    const bytes = o.uplinkProbeBytes;
    const rate = this.up[v] as number;
    if (bytes <= 0 || !(rate > 0)) return undefined;
    return { bytes, seconds: Math.min(o.uplinkProbeTimeoutSeconds, bytes / rate) };
  }

  private onTick(v: number, t: number): void {
    this.tickQueued[v] = 0;
    if (this.isActive(v)) this.tickViewer(v, t, true);
  }

  /** The player's once-a-second tick, from when it is built until it asks for P2P. */
  private onCadence(v: number, t: number): void {
    const p = this.ph[v] as number;
    if (p === phase.left || p === phase.pending || (this.p2pAskedAt[v] as number) >= 0) return;
    this.tickViewer(v, t, true, true);
    if ((this.p2pAskedAt[v] as number) >= 0) return;
    // Ticks keep the timer's schedule (Blink's repeating timers are drift-free): the k-th a second after the (k-1)-th
    // was due, the first one late by startupTickLateSeconds.
    const built = (this.joinAt[v] as number) + this.cfg.player.startupOverheadSeconds;
    const next = Math.round(t - built) + 1;
    this.queue.push(built + next + (next === 1 ? this.cfg.player.startupTickLateSeconds : 0), ev.cadence, v);
  }

  /** v's player asks for P2P (maybeStartP2P): its script loads, then P2P starts (p2pStartOf). */
  private askP2P(v: number, t: number): void {
    this.p2pAskedAt[v] = t;
    // Its decisions are the tick's from here on: the next one that needs the role ticks.
    this.roleDirty[v] = 1;
  }

  /**
   * How v's playback kept pace since its last tick, as player.ts paceSince reads it from the video element: media
   * played (the playhead's advance; a seek adds nothing, nor does anything before the first frame), the wall time, and
   * the media buffered ahead of the playhead.
   */
  private paceSince(v: number, t: number): { playedSeconds: number; wallSeconds: number; bufferSeconds: number } {
    const wallSeconds = Math.max(0, t - (this.paceAt[v] as number));
    this.paceAt[v] = t;
    if (this.ph[v] !== phase.playing) {
      this.paceCarry[v] = 0;
      return { playedSeconds: 0, wallSeconds, bufferSeconds: 0 };
    }
    const at = this.pacePosition(v, t);
    const mark = this.paceMark[v] as number;
    const playedSeconds = Math.max(0, (Number.isNaN(mark) ? 0 : at - mark) + (this.paceCarry[v] as number));
    this.paceMark[v] = at;
    this.paceCarry[v] = 0;
    const buffered = (this.nextPlay[v] as number) * this.T - this.playhead(v, t);
    return { playedSeconds, wallSeconds, bufferSeconds: Math.max(0, buffered) };
  }

  /**
   * The playhead as the player's video element has it: the simulator's, less the part of the last catch-up hls.js has
   * not played yet (it plays the won seconds at its faster rate over a target duration).
   */
  private pacePosition(v: number, t: number): number {
    return this.playhead(v, t) - this.catchUpAhead(v, t);
  }

  private catchUpAhead(v: number, t: number): number {
    const won = this.catchUpWon[v] as number;
    return won > 0 ? (won * Math.max(0, (this.catchUpAt[v] as number) + this.T - t)) / this.T : 0;
  }

  /**
   * What v's player sees of its uplink at a tick: bytes delivered to peers so far (finished transfers and what its
   * current ones have sent), when the uplink is what limits its transfers the bytes still to send behind it, and
   * whether it stopped being the limit since the last tick (drained).
   */
  private uplinkOf(v: number, t: number): { deliveredBytes: number; queuedBytes: number; drained: boolean } {
    this.advanceSender(v, t);
    let delivered = this.upBytes[v] as number;
    let left = 0;
    for (let f = this.sHead[v] as number; f >= 0; f = this.fNext[f] as number) {
      delivered += this.fDone[f] as number;
      left += (this.fBytes[f] as number) - (this.fDone[f] as number);
    }
    // The player samples its queue between ticks while it is full (uplinkDrainSampleSeconds); here it is known exactly.
    const drained = this.drainedSinceObserved[v] === 1;
    this.drainedSinceObserved[v] = 0;
    return { deliveredBytes: delivered, queuedBytes: this.sat[v] === 1 ? left : 0, drained };
  }

  /** When v last heard from the peer in its link slot: connected, sent v bytes, or announced a new segment. */
  private seenAt(slot: number, j: number): number {
    return Math.max(this.connAt[slot] as number, this.heardAt[slot] as number, this.announcedAt[j] as number);
  }

  /** Whether v's player has its upload open (its last tick's decision): p2p-media-loader announces and serves only then. */
  private uploading(v: number): boolean {
    return this.upOpen[v] === 1;
  }

  private holds(j: number, k: number): boolean {
    const s = j * ringSize + (k & ringMask);
    return this.slotSeg[s] === k && this.slotSt[s] === slotState.held;
  }

  /**
   * Whether j's peers know it holds segment k: held and announced. A receiver spacing its announcements (the tick's
   * announceIntervalSeconds) shows what it took since its last one only at its next. One simplification: a peer that
   * connects meanwhile gets p2p-media-loader's full map on connect, here it waits like the others.
   */
  private shows(j: number, k: number): boolean {
    return (
      this.holds(j, k) && (this.slotDone[j * ringSize + (k & ringMask)] as number) < (this.unannouncedFrom[j] as number)
    );
  }

  /** Connected peers that announced holding segment k (a peer with upload disabled announces nothing). */
  private countHolders(v: number, k: number): number {
    const base = v * this.D;
    let holders = 0;
    for (let i = 0; i < this.D; i++) {
      const j = this.nb[base + i] as number;
      if (j >= 0 && this.shows(j, k) && this.uploading(j)) holders++;
    }
    return holders;
  }

  /**
   * p2p-media-loader's choice among holders: a random one, weighted by the bandwidth measured from each (here: its
   * upload), skipping peers already sending us another segment. -1 when all are busy.
   */
  private pickHolder(v: number, k: number): number {
    const base = v * this.D;
    let total = 0;
    for (let pass = 0; pass < 2; pass++) {
      let pick = pass === 1 ? this.rng.next() * total : 0;
      for (let i = 0; i < this.D; i++) {
        const j = this.nb[base + i] as number;
        if (j < 0 || !this.shows(j, k) || !this.uploading(j) || this.sendingTo(j, v) || this.refused(v, k, j)) continue;
        const w = this.up[j] as number;
        if (pass === 0) total += w;
        else {
          pick -= w;
          if (pick < 0) return j;
        }
      }
      if (total === 0) return -1;
    }
    // Rounding left the pick past the last holder: take the last one.
    for (let i = this.D - 1; i >= 0; i--) {
      const j = this.nb[base + i] as number;
      if (j >= 0 && this.shows(j, k) && this.uploading(j) && !this.sendingTo(j, v) && !this.refused(v, k, j)) return j;
    }
    return -1;
  }

  /** Whether j answered v's request for segment k "absent" (p2p-media-loader then stops asking j for it). */
  private refused(v: number, k: number, j: number): boolean {
    const s = this.slotOf(v, k);
    return this.slotSeg[s] === k && this.slotRefusedBy[s] === j;
  }

  /**
   * Whether sender j's player takes a request for segment k as it arrives (policy's admitsUpload, as its upload gate
   * asks it): deliverable behind what it is already sending, within its margin, and within its copies of k. A request
   * taken is counted against j's copies of k, and against its relays of k when requester v's id advertises one.
   */
  private admits(j: number, k: number, v: number, t: number): boolean {
    const state = this.ts[j];
    const held = this.slotOf(j, k);
    const mine = this.slotSeg[held] === k;
    const servedCopies = mine ? (this.slotServed[held] as number) : 0;
    const relayCopies = mine ? (this.slotRelays[held] as number) : 0;
    let queued = 0;
    if (state && state.uplink.capacityBps > 0) {
      this.advanceSender(j, t);
      for (let f = this.sHead[j] as number; f >= 0; f = this.fNext[f] as number) {
        queued += (this.fBytes[f] as number) - (this.fDone[f] as number);
      }
    }
    const choked = this.chokedBy.get(j)?.includes(this.ids[v] as string) ?? false;
    if (choked) this.chokedUploads++;
    const admitted = admitsUpload(
      { queuedBytes: queued, segmentBytes: this.segSize[k] as number, servedCopies, relayCopies, choked },
      state?.uplink ?? unmeasured,
      this.margin[j] as number,
      this.optionsOf(j),
    );
    if (admitted && mine) {
      this.slotServed[held] = servedCopies + 1;
      if (canRelay(this.ids[v] as string, this.segSize[k] as number, this.T, this.optionsOf(j))) {
        this.slotRelays[held] = relayCopies + 1;
      }
    }
    return admitted;
  }

  private sendingTo(j: number, v: number): boolean {
    if (this.rxCount[v] === 0) return false;
    const base = v * ringSize;
    for (let r = 0; r < ringSize; r++) {
      if (this.slotSt[base + r] === slotState.p2p) {
        const f = this.slotFlow[base + r] as number;
        if (f >= 0 && this.fSend[f] === j) return true;
      }
    }
    return false;
  }

  // ---- transfers ----------------------------------------------------------------------------

  private allocFlow(kind: number, v: number, sender: number, k: number, bytes: number, t: number): number {
    let f = this.fFree.pop();
    if (f === undefined) {
      if (this.fTop === this.fKind.length) this.growFlows();
      f = this.fTop++;
    }
    this.fKind[f] = kind;
    this.fRecv[f] = v;
    this.fSend[f] = sender;
    this.fSeg[f] = k;
    this.fBytes[f] = bytes;
    this.fDone[f] = 0;
    this.fRate[f] = 0;
    this.fUpdated[f] = t;
    this.fStart[f] = t;
    this.fSeenAt[f] = -1;
    this.fSeenDone[f] = 0;
    this.fNext[f] = -1;
    this.fPrev[f] = -1;
    this.fGen[f] = (this.fGen[f] as number) + 1;
    if (kind === flowKind.p2p) this.rxCount[v] = (this.rxCount[v] as number) + 1;
    else this.httpActive[v] = (this.httpActive[v] as number) + 1;
    return f;
  }

  private freeFlow(f: number): void {
    const v = this.fRecv[f] as number;
    if (this.fKind[f] === flowKind.p2p) this.rxCount[v] = (this.rxCount[v] as number) - 1;
    else if (this.fKind[f] === flowKind.http) this.httpActive[v] = (this.httpActive[v] as number) - 1;
    this.fKind[f] = flowKind.free;
    this.fGen[f] = (this.fGen[f] as number) + 1;
    this.fFree.push(f);
  }

  private growFlows(): void {
    const size = this.fKind.length * 2;
    const g = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.fKind = g(this.fKind, (n) => new Uint8Array(n));
    this.fRecv = g(this.fRecv, (n) => new Int32Array(n));
    this.fSend = g(this.fSend, (n) => new Int32Array(n));
    this.fSeg = g(this.fSeg, (n) => new Int32Array(n));
    this.fGen = g(this.fGen, (n) => new Int32Array(n));
    this.fNext = g(this.fNext, (n) => new Int32Array(n));
    this.fPrev = g(this.fPrev, (n) => new Int32Array(n));
    this.fBytes = g(this.fBytes, (n) => new Float64Array(n));
    this.fDone = g(this.fDone, (n) => new Float64Array(n));
    this.fRate = g(this.fRate, (n) => new Float64Array(n));
    this.fUpdated = g(this.fUpdated, (n) => new Float64Array(n));
    this.fReason = g(this.fReason, (n) => new Uint8Array(n));
    this.fStart = g(this.fStart, (n) => new Float64Array(n));
    this.fSeenAt = g(this.fSeenAt, (n) => new Float64Array(n));
    this.fSeenDone = g(this.fSeenDone, (n) => new Float64Array(n));
  }

  /**
   * An edge fetch of what the slot still lacks (all of it, or the rest after a peer transfer was abandoned: a Range
   * request). An unlimited edge answers after a round trip and the viewer's own link; an edge with a capacity shares it
   * equally among the fetches it is serving.
   */
  private startHttp(v: number, k: number, t: number, requestAt: number, why: number): void {
    const s = this.slotOf(v, k);
    if ((this.httpActive[v] as number) >= this.httpCap) {
      // All the player's edge connections are busy: it goes when one is free, nearest the playhead first.
      this.slotSt[s] = slotState.queued;
      this.slotFlow[s] = -1;
      this.slotReason[s] = why;
      return;
    }
    const bytes = (this.segSize[k] as number) - (this.slotP2P[s] as number) - (this.slotHttp[s] as number);
    const f = this.allocFlow(flowKind.http, v, -1, k, bytes, t);
    this.fReason[f] = why;
    const rtt = this.edgeRtt[v] as number;
    const arrive = requestAt + rtt / 2 + this.cfg.edge.requestSeconds;
    this.fUpdated[f] = arrive;
    this.slotSt[s] = slotState.http;
    this.slotFlow[s] = f;
    if (this.edge) this.queue.push(arrive, ev.edgeArrive, f, this.fGen[f] as number);
    else this.queue.push(arrive + bytes / (this.down[v] as number) + rtt / 2, ev.httpDone, f, this.fGen[f] as number);
  }

  /** Starts queued edge fetches while the viewer has free connections, earliest segment first. */
  private pumpHttp(v: number, t: number): void {
    if (!this.isActive(v)) return;
    const base = v * ringSize;
    while ((this.httpActive[v] as number) < this.httpCap) {
      let best = -1;
      let bestK = Number.POSITIVE_INFINITY;
      for (let r = 0; r < ringSize; r++) {
        const k = this.slotSeg[base + r] as number;
        if (this.slotSt[base + r] === slotState.queued && k < bestK) {
          best = base + r;
          bestK = k;
        }
      }
      if (best < 0) return;
      this.startHttp(v, bestK, t, t, this.slotReason[best] as number);
    }
  }

  private scheduleEdge(): void {
    const edge = this.edge;
    if (!edge) return;
    this.edgeGen++;
    const next = edge.nextFinish();
    if (Number.isFinite(next)) this.queue.push(next, ev.edgeNext, this.edgeGen);
  }

  /** Fetches the edge has finished sending; each still reaches its viewer no faster than the viewer's link. */
  private onEdgeNext(t: number): void {
    const edge = this.edge as SharedLink;
    const done = this.finishedAtEdge;
    done.length = 0;
    edge.popFinished(t, done);
    for (const f of done) {
      const v = this.fRecv[f] as number;
      const own = (this.fUpdated[f] as number) + (this.fBytes[f] as number) / (this.down[v] as number);
      this.queue.push(Math.max(t, own) + (this.edgeRtt[v] as number) / 2, ev.httpDone, f, this.fGen[f] as number);
    }
    this.scheduleEdge();
  }

  private peerRtt(v: number, j: number): number {
    const r = this.cfg.network.peerRttMs;
    if (this.asn[v] !== 0 && this.asn[v] === this.asn[j]) return r.sameAsn / 1000;
    if (this.country[v] !== 0 && this.country[v] === this.country[j]) return r.sameCountry / 1000;
    if (this.region[v] === this.region[j]) return r.sameRegion / 1000;
    return this.cfg.network.interRegionRttMs / 1000;
  }

  /** A peer transfer: the request travels, then bytes flow as a share of the sender's upload. */
  private startP2P(v: number, k: number, j: number, t: number, untilMargin: number): void {
    const s = this.slotOf(v, k);
    const f = this.allocFlow(flowKind.p2p, v, j, k, this.segSize[k] as number, t);
    this.slotSt[s] = slotState.p2p;
    this.slotFlow[s] = f;
    const rtt = this.peerRtt(v, j);
    const gen = this.fGen[f] as number;
    this.queue.push(t + rtt, ev.p2pBegin, f, gen);
    this.scheduleMargin(s, v, k, t, untilMargin);
  }

  private onP2PBegin(f: number, t: number): void {
    const j = this.fSend[f] as number;
    const v = this.fRecv[f] as number;
    // The sender left, or the two were disconnected, before the request arrived: the receiver decides again.
    if (!this.isActive(j) || this.linkSlot(v, j) < 0 || !this.uploading(j)) {
      this.retryElsewhere(f, t);
      return;
    }
    // The sender's upload gate: a request it could not deliver by its margin is answered "absent".
    if (!this.admits(j, this.fSeg[f] as number, v, t)) {
      this.refusedUploads++;
      this.slotRefusedBy[this.slotOf(v, this.fSeg[f] as number)] = j;
      this.retryElsewhere(f, t);
      return;
    }
    this.advanceSender(j, t);
    const head = this.sHead[j] as number;
    this.fNext[f] = head;
    this.fPrev[f] = -1;
    if (head >= 0) this.fPrev[head] = f;
    this.sHead[j] = f;
    this.sCount[j] = (this.sCount[j] as number) + 1;
    this.fUpdated[f] = t;
    this.rescheduleSender(j, t);
    // The player first projects the transfer once it has a sample (its tick looks once a second after that).
    const o = this.optionsOf(v);
    const at = Math.max(t, (this.fStart[f] as number) + o.abandonSampleSeconds);
    this.queue.push(at, ev.transferCheck, f, this.fGen[f] as number);
    // The sender's player sees its queue grow: its tick decides whether it takes more requests.
    this.tickViewer(j, t);
  }

  /** Brings every flow of sender j up to time t at its current rate. */
  private advanceSender(j: number, t: number): void {
    for (let f = this.sHead[j] as number; f >= 0; f = this.fNext[f] as number) {
      const dt = t - (this.fUpdated[f] as number);
      if (dt > 0)
        this.fDone[f] = Math.min(this.fBytes[f] as number, (this.fDone[f] as number) + (this.fRate[f] as number) * dt);
      this.fUpdated[f] = t;
    }
  }

  /**
   * Shares j's upload among its flows: equally, what a slow receiver cannot take going to the others; or, sent one at
   * a time (policy sequentialUploads), in the order admitted, each flow as much as its receiver takes of what earlier ones left.
   */
  private rescheduleSender(j: number, t: number): void {
    const gen = (this.sGen[j] as number) + 1;
    this.sGen[j] = gen;
    const n = this.sCount[j] as number;
    this.sat[j] = 0;
    if (n === 0) {
      this.drainedSinceObserved[j] = 1;
      return;
    }
    if (this.optionsOf(j).sequentialUploads >= 1) {
      this.scheduleInArrivalOrder(j, t, gen);
      return;
    }
    let capacity = this.up[j] as number;
    let open = n;
    const share = capacity / n;
    for (let f = this.sHead[j] as number; f >= 0; f = this.fNext[f] as number) {
      const cap = this.down[this.fRecv[f] as number] as number;
      if (cap < share) {
        this.fRate[f] = cap;
        capacity -= cap;
        open--;
      } else this.fRate[f] = -1;
    }
    const fair = open > 0 ? capacity / open : 0;
    // Some transfer takes an equal share of what is left: the uplink, not a receiver, is what limits it.
    if (open > 0) this.sat[j] = 1;
    else this.drainedSinceObserved[j] = 1;
    let next = Number.POSITIVE_INFINITY;
    for (let f = this.sHead[j] as number; f >= 0; f = this.fNext[f] as number) {
      if ((this.fRate[f] as number) < 0) {
        this.fRate[f] = Math.min(fair, this.down[this.fRecv[f] as number] as number);
      }
      const rate = this.fRate[f] as number;
      const left = (this.fBytes[f] as number) - (this.fDone[f] as number);
      const at = rate > 0 ? t + left / rate : Number.POSITIVE_INFINITY;
      if (at < next) next = at;
    }
    if (Number.isFinite(next)) this.queue.push(next, ev.senderNext, j, gen);
  }

  /** Flows join at the head of j's list, so the earliest admitted is at its tail: it is served first. */
  private scheduleInArrivalOrder(j: number, t: number, gen: number): void {
    const flows: number[] = [];
    for (let f = this.sHead[j] as number; f >= 0; f = this.fNext[f] as number) flows.push(f);
    let left = this.up[j] as number;
    let next = Number.POSITIVE_INFINITY;
    for (let i = flows.length - 1; i >= 0; i--) {
      const f = flows[i] as number;
      const receiverTakes = this.down[this.fRecv[f] as number] as number;
      const rate = Math.min(receiverTakes, left);
      // A flow held below what its receiver takes (waiting, or given the last of the link): the uplink limits it.
      if (rate < receiverTakes) this.sat[j] = 1;
      this.fRate[f] = rate;
      left -= rate;
      if (rate > 0) next = Math.min(next, t + ((this.fBytes[f] as number) - (this.fDone[f] as number)) / rate);
    }
    if (this.sat[j] === 0) this.drainedSinceObserved[j] = 1;
    if (Number.isFinite(next)) this.queue.push(next, ev.senderNext, j, gen);
  }

  private unlinkFlow(j: number, f: number): void {
    const prev = this.fPrev[f] as number;
    const next = this.fNext[f] as number;
    if (prev >= 0) this.fNext[prev] = next;
    else this.sHead[j] = next;
    if (next >= 0) this.fPrev[next] = prev;
    this.sCount[j] = (this.sCount[j] as number) - 1;
    this.fNext[f] = -1;
    this.fPrev[f] = -1;
  }

  private inSenderList(f: number): boolean {
    const j = this.fSend[f] as number;
    return j >= 0 && (this.fPrev[f] !== -1 || this.sHead[j] === f);
  }

  private onSenderNext(j: number, t: number): void {
    this.advanceSender(j, t);
    const finished: number[] = [];
    for (let f = this.sHead[j] as number; f >= 0; f = this.fNext[f] as number) {
      if ((this.fBytes[f] as number) - (this.fDone[f] as number) <= 0.5) finished.push(f);
    }
    for (const f of finished) this.unlinkFlow(j, f);
    this.rescheduleSender(j, t);
    for (const f of finished) {
      this.fDone[f] = this.fBytes[f] as number;
      this.completeFlow(f, t);
    }
  }

  /** Takes a peer transfer out of its sender's share, returning the whole bytes it delivered so far. */
  private detachP2P(f: number, t: number): number {
    const j = this.fSend[f] as number;
    if (this.inSenderList(f)) {
      this.advanceSender(j, t);
      this.unlinkFlow(j, f);
      this.rescheduleSender(j, t);
    }
    return Math.floor(this.fDone[f] as number);
  }

  /** Counts bytes a peer sent: its upload total, both ledgers, its upload budget, and the choke rule. */
  private creditUpload(j: number, v: number, bytes: number, t: number): void {
    if (bytes <= 0) return;
    this.upBytes[j] = (this.upBytes[j] as number) + bytes;
    this.totals.peerUploadedBytes += bytes;
    const vj = this.linkSlot(v, j);
    if (vj >= 0) {
      this.recv[vj] = (this.recv[vj] as number) + bytes;
      const seen = this.seenAt(vj, j);
      if (seen < t - this.optionsOf(v).activePeerTargetDurations * this.T) this.roleDirty[v] = 1;
      this.heardAt[vj] = t;
    }
    const jv = this.linkSlot(j, v);
    if (jv >= 0) this.sent[jv] = (this.sent[jv] as number) + bytes;
    // The uploader's tick on the bytes it sent: its budget, and whom it chokes when the budget is contended.
    this.tickViewer(j, t);
  }

  /**
   * The player's rule (projectTransfer): a peer transfer whose projected finish lands after the deadline less the
   * margin goes to the edge, and so does one still running when its segment enters the margin (p2p-media-loader's
   * high-demand switch). `projected`: a rate check, which (as in the player) waits while every edge connection is busy.
   */
  private judge(f: number, t: number, slackSeconds: number, marginSeconds: number, projected = false): boolean {
    const j = this.fSend[f] as number;
    if (this.inSenderList(f)) this.advanceSender(j, t);
    const v = this.fRecv[f] as number;
    const done = this.fDone[f] as number;
    const seenAt = this.fSeenAt[f] as number;
    const verdict = policy.projectTransfer(
      {
        startedAt: this.fStart[f] as number,
        receivedBytes: done,
        bytesLeft: (this.fBytes[f] as number) - done,
        ...(seenAt >= 0 ? { previous: { at: seenAt, receivedBytes: this.fSeenDone[f] as number } } : {}),
      },
      slackSeconds,
      marginSeconds,
      t,
      this.optionsOf(v),
    );
    this.fSeenAt[f] = t;
    this.fSeenDone[f] = done;
    if (!verdict.abandon) return false;
    if (projected && verdict.reason === 'late') {
      if ((this.httpActive[v] as number) >= this.httpCap) return false;
      // What the given-up transfer delivered is the peer's measured rate too (the player reports it the same way).
      const seconds = t - (this.fStart[f] as number);
      if (done >= 1 && seconds > 0) {
        const transfer = { peerId: this.ids[j] as string, bytes: Math.floor(done), seconds };
        const pending = this.pendingTransfers[v];
        if (pending) pending.push(transfer);
        else this.pendingTransfers[v] = [transfer];
      }
      this.projectedAbandons++;
    }
    this.abandon(f, t, reason.abandoned);
    return true;
  }

  /** A running peer transfer's rate check; the next comes a tick later while it runs and its margin is ahead. */
  private checkTransfer(f: number, t: number): void {
    const v = this.fRecv[f] as number;
    const k = this.fSeg[f] as number;
    if (!this.isActive(v)) return;
    const slackSeconds = policy.slack(k * this.T, this.playhead(v, t));
    const marginSeconds = this.marginFor(v);
    // Inside the margin the margin check (onMargin) is the one that acts, as p2p-media-loader's switch does.
    if (slackSeconds <= marginSeconds) return;
    if (this.judge(f, t, slackSeconds, marginSeconds, true)) return;
    this.queue.push(t + transferCheckSeconds, ev.transferCheck, f, this.fGen[f] as number);
  }

  /** The rest of a peer transfer comes from the edge with a Range request; what arrived counts as peer bytes. */
  private abandon(f: number, t: number, why: number): void {
    const v = this.fRecv[f] as number;
    const j = this.fSend[f] as number;
    const k = this.fSeg[f] as number;
    const delivered = this.detachP2P(f, t);
    const s = this.slotOf(v, k);
    this.slotP2P[s] = (this.slotP2P[s] as number) + delivered;
    this.creditUpload(j, v, delivered, t);
    this.freeFlow(f);
    if ((this.segSize[k] as number) - (this.slotP2P[s] as number) <= 0) {
      this.finishSegment(v, k, t);
      return;
    }
    this.startHttp(v, k, t, t, why);
  }

  /** A transfer that cannot go on (sender gone or disconnected): bytes so far are lost and the receiver decides again. */
  private retryElsewhere(f: number, t: number): void {
    const v = this.fRecv[f] as number;
    const k = this.fSeg[f] as number;
    this.cancelP2P(f, t);
    const s = this.slotOf(v, k);
    if (this.slotSeg[s] !== k || !this.isActive(v)) return;
    this.slotSt[s] = slotState.wait;
    this.slotFlow[s] = -1;
    this.decide(v, k, t, t);
  }

  /** Cancels a transfer whose receiver no longer wants it; bytes already sent are wasted upload. */
  private cancelP2P(f: number, t: number): void {
    const j = this.fSend[f] as number;
    const delivered = this.detachP2P(f, t);
    if (delivered > 0) {
      this.upBytes[j] = (this.upBytes[j] as number) + delivered;
      this.totals.peerUploadedBytes += delivered;
      this.totals.wastedP2PBytes += delivered;
    }
    this.freeFlow(f);
  }

  /** Transfers from sender v fail: receivers other than `except` fetch again. */
  private failSenderFlows(v: number, t: number, only: number): void {
    const mine: number[] = [];
    for (let f = this.sHead[v] as number; f >= 0; f = this.fNext[f] as number) {
      if (only < 0 || this.fRecv[f] === only) mine.push(f);
    }
    for (const f of mine) {
      const w = this.fRecv[f] as number;
      const s = this.slotOf(w, this.fSeg[f] as number);
      if (this.slotFlow[s] === f) this.retryElsewhere(f, t);
      else this.cancelP2P(f, t);
    }
  }

  private completeFlow(f: number, t: number): void {
    const v = this.fRecv[f] as number;
    const k = this.fSeg[f] as number;
    const s = this.slotOf(v, k);
    const bytes = this.fBytes[f] as number;
    if (this.fKind[f] === flowKind.http) {
      this.slotHttp[s] = (this.slotHttp[s] as number) + bytes;
      this.totals.edgeServedBytes += bytes;
      this.reasonBytes[this.fReason[f] as number] = (this.reasonBytes[this.fReason[f] as number] as number) + bytes;
      const b = this.bucket(t);
      this.bEdge[b] = (this.bEdge[b] as number) + bytes;
      // The player times every edge fetch and its tick moves the deadline margin with them.
      if (this.cfg.p2p) {
        const seconds = t - (this.fStart[f] as number);
        const pending = this.pendingEdge[v];
        if (pending) pending.push(seconds);
        else this.pendingEdge[v] = [seconds];
        this.tickViewer(v, t);
      }
    } else {
      const j = this.fSend[f] as number;
      this.slotP2P[s] = (this.slotP2P[s] as number) + bytes;
      // The receiver times the segment for its estimate of j's delivery rate (seen at its next tick).
      const transfer = { peerId: this.ids[j] as string, bytes, seconds: t - (this.fStart[f] as number) };
      const pending = this.pendingTransfers[v];
      if (pending) pending.push(transfer);
      else this.pendingTransfers[v] = [transfer];
      this.creditUpload(j, v, bytes, t);
      const b = this.bucket(t);
      this.bP2P[b] = (this.bP2P[b] as number) + bytes;
    }
    const wasHttp = this.fKind[f] === flowKind.http;
    this.freeFlow(f);
    this.finishSegment(v, k, t);
    if (wasHttp) this.pumpHttp(v, t);
  }

  /** A segment is whole: tally it, tell waiting neighbours, and play on. */
  private finishSegment(v: number, k: number, t: number): void {
    const s = this.slotOf(v, k);
    const http = this.slotHttp[s] as number;
    const p2p = this.slotP2P[s] as number;
    if (http + p2p !== this.segSize[k]) this.totals.conservationErrors++;
    this.slotSt[s] = slotState.held;
    this.slotFlow[s] = -1;
    this.slotDone[s] = t;
    this.cancelMargin(s);
    this.httpBytes[v] = (this.httpBytes[v] as number) + http;
    this.p2pBytes[v] = (this.p2pBytes[v] as number) + p2p;
    this.totals.httpBytes += http;
    this.totals.p2pBytes += p2p;
    if (p2p > 0 && http === 0) {
      this.p2pSegs[v] = (this.p2pSegs[v] as number) + 1;
      if ((this.firstP2PAt[v] as number) < 0) this.firstP2PAt[v] = t;
    } else this.httpSegs[v] = (this.httpSegs[v] as number) + 1;
    // Holding it, v announces it: neighbours waiting for it can now fetch it from v. A receiver spacing its
    // announcements announces it, with whatever else it took meanwhile, once its interval has passed.
    if (this.cfg.p2p && this.uploading(v)) {
      const due = (this.announcedAt[v] as number) + (this.announceEvery[v] as number);
      if (t >= due) this.announceHeld(v, t);
      else if ((this.unannouncedFrom[v] as number) === Number.POSITIVE_INFINITY) {
        this.unannouncedFrom[v] = t;
        this.queue.push(due, ev.segAnnounce, v);
      }
    }
    this.play(v, t);
  }

  /** v announces what it holds: neighbours waiting for a segment it had not announced yet may now fetch it from v. */
  private announceHeld(v: number, t: number): void {
    const from = Math.min(this.unannouncedFrom[v] as number, t);
    this.unannouncedFrom[v] = Number.POSITIVE_INFINITY;
    this.announcedAt[v] = t;
    const ring = v * ringSize;
    const base = v * this.D;
    for (let r = 0; r < ringSize; r++) {
      if (this.slotSt[ring + r] !== slotState.held || (this.slotDone[ring + r] as number) < from) continue;
      const k = this.slotSeg[ring + r] as number;
      for (let i = 0; i < this.D; i++) {
        const w = this.nb[base + i] as number;
        if (w < 0) continue;
        const ws = this.slotOf(w, k);
        if (this.slotSeg[ws] === k && this.slotSt[ws] === slotState.wait) this.decide(w, k, t, t);
      }
    }
  }

  /** Plays what has arrived in order; a segment that arrives after the playhead reached it was a stall. */
  private play(v: number, t: number): void {
    const wasFrozen = this.frozen(v, t);
    this.advancePlayback(v, t);
    if (wasFrozen && this.isActive(v) && !this.frozen(v, t)) this.retimeMargins(v, t);
  }

  private advancePlayback(v: number, t: number): void {
    if (this.ph[v] === phase.starting) {
      const s0 = this.s0[v] as number;
      for (let k = s0; k < s0 + this.cfg.player.startSegments; k++) if (!this.holds(v, k)) return;
      this.ph[v] = phase.playing;
      this.startedAt[v] = t;
      // player.ts turns P2P on once playback has started: only then does it open the tracker connection, and the
      // segments after the start-up ones are asked for under the policy, as a newcomer.
      this.playFrom[v] = t;
      this.latency[v] = t - (this.p0[v] as number);
      this.startupHist.add(t - (this.joinAt[v] as number));
      // The first frame: the playhead starts moving from the start position (what video.played counts from).
      this.catchUpWon[v] = 0;
      this.paceMark[v] = this.p0[v] as number;
      this.paceCarry[v] = 0;
      // The player times the tick in which the first frame came from the frame (player.ts onFirstFrame).
      this.paceAt[v] = t;
      // With the start gate off the tick said p2p before the first frame: P2P is asked for at the frame.
      if (this.cfg.p2p && this.lastP2P[v] && (this.p2pAskedAt[v] as number) < 0) this.askP2P(v, t);
      if (this.cfg.p2p) {
        // P2P starts once its script has loaded (with spreadRelays, also once the uplink probe is done: its peer id
        // carries the class); p2p-media-loader announces at the first segment request after that (decide).
        this.announceOnRequest[v] = 1;
        this.roleDirty[v] = 1;
        const direct = Math.max(this.cfg.player.startSegments, this.cfg.player.directSegments);
        for (let k = s0 + direct; k <= this.newest; k++) this.decide(v, k, t, t);
      }
    }
    if (this.ph[v] !== phase.playing) return;
    let k = this.nextPlay[v] as number;
    while (this.holds(v, k)) {
      const due = this.dueAt(v, k);
      const got = this.slotDone[this.slotOf(v, k)] as number;
      if (got > due) {
        this.stalls[v] = (this.stalls[v] as number) + 1;
        this.stalled[v] = (this.stalled[v] as number) + (got - due);
        this.bStall[this.bucket(due)] = (this.bStall[this.bucket(due)] as number) + (got - due);
        this.latency[v] = (this.latency[v] as number) + (got - due);
      }
      this.latencyHist.add(this.latency[v] as number);
      this.latencyLast[v] = this.latency[v] as number;
      k++;
    }
    this.nextPlay[v] = k;
    // hls.js: past liveMaxLatencyDuration it seeks back to liveSyncDuration behind the live edge.
    if ((this.latency[v] as number) > this.liveMax) this.resync(v, t);
  }

  /**
   * hls.js checks the latency on every playlist update, stalled or not: a viewer that has fallen more than
   * liveMaxLatencyDuration behind seeks to liveSyncDuration behind the live edge, and the segments it skips are
   * dropped (p2p-media-loader aborts what left its windows).
   */
  private checkLiveSync(v: number, t: number): void {
    if (this.ph[v] === phase.playing && t - this.playhead(v, t) > this.liveMax) this.resync(v, t);
    else if (this.ph[v] === phase.starting && t - (this.p0[v] as number) > this.liveMax) this.restart(v, t);
    else if (this.catchUpMax > 1) this.catchUp(v, t);
  }

  /**
   * hls.js's live catch-up (catch-up.ts), looked at once a target duration, on each new segment: a viewer behind its
   * target latency wins what it would by playing that long at hls.js's rate, at once. hls.js measures its latency from
   * the playlist's live edge, which is the newest segment's end plus the playlist's age: the publishing lag and the
   * playlist's trip are not in it.
   */
  private catchUp(v: number, t: number): void {
    if (this.ph[v] !== phase.playing || this.frozen(v, t)) return;
    const playhead = this.playhead(v, t);
    const won = catchUpSeconds(
      {
        latency: t - playhead - this.cfg.stream.publishLagSeconds - (this.edgeRtt[v] as number),
        targetLatency: this.liveSync + Math.min(this.stalls[v] as number, this.T),
        maxLatency: this.liveMax,
        targetDuration: this.T,
        forwardBufferSeconds: (this.nextPlay[v] as number) * this.T - playhead,
        maxRate: this.catchUpMax,
      },
      this.T,
    );
    if (won <= 0) return;
    this.catchUpWon[v] = won + this.catchUpAhead(v, t);
    this.catchUpAt[v] = t;
    this.latency[v] = (this.latency[v] as number) - won;
    // Every segment it waits for is due sooner.
    this.retimeMargins(v, t);
  }

  /** Still starting and already too far behind: hls.js picks a new start position near the live edge. */
  private restart(v: number, t: number): void {
    const p0 = (this.newest + 1) * this.T - this.liveSync;
    const s0 = Math.floor(p0 / this.T);
    for (let k = this.s0[v] as number; k < s0; k++) {
      const s = this.slotOf(v, k);
      if (this.slotSeg[s] === k) this.dropSlot(s, t);
    }
    this.p0[v] = p0;
    this.s0[v] = s0;
    this.nextPlay[v] = s0;
    this.jumps++;
    for (let k = s0; k <= this.newest; k++) {
      if (this.slotSeg[this.slotOf(v, k)] !== k) this.decide(v, k, t, t);
    }
    this.play(v, t);
    this.pumpHttp(v, t);
  }

  private resync(v: number, t: number): void {
    // What was played before the seek counts for the start gate; the seek itself adds nothing (video.played).
    if (this.ph[v] === phase.playing && !Number.isNaN(this.paceMark[v] as number)) {
      this.paceCarry[v] =
        (this.paceCarry[v] as number) + Math.max(0, this.pacePosition(v, t) - (this.paceMark[v] as number));
    }
    this.catchUpWon[v] = 0;
    const k = this.nextPlay[v] as number;
    // A stall under way ends with the seek.
    const due = this.dueAt(v, k);
    if (t > due && !this.holds(v, k)) {
      this.stalls[v] = (this.stalls[v] as number) + 1;
      this.stalled[v] = (this.stalled[v] as number) + (t - due);
      this.bStall[this.bucket(due)] = (this.bStall[this.bucket(due)] as number) + (t - due);
    }
    const target = (this.newest + 1) * this.T - this.liveSync;
    const sNew = Math.floor(target / this.T);
    if (sNew > k) {
      for (let skip = k; skip < sNew; skip++) {
        const s = this.slotOf(v, skip);
        if (this.slotSeg[s] === skip) this.dropSlot(s, t);
      }
      this.nextPlay[v] = sNew;
      this.jumps++;
    }
    this.latency[v] = t - target;
    this.playFrom[v] = t;
    // Played from the seek's destination on (video.played), whenever the segment there arrives.
    if (this.ph[v] === phase.playing) this.paceMark[v] = target;
    for (let next = sNew; next <= this.newest; next++) {
      if (this.slotSeg[this.slotOf(v, next)] !== next) this.decide(v, next, t, t);
    }
    this.advancePlayback(v, t);
    this.pumpHttp(v, t);
    if (this.isActive(v) && !this.frozen(v, t)) this.retimeMargins(v, t);
  }

  // ---- tracker and connections ---------------------------------------------------------------

  private trackerDown(t: number): boolean {
    const rel = t - this.tStart;
    for (const o of this.cfg.tracker.outages) if (rel >= o.fromSeconds && rel < o.toSeconds) return true;
    return false;
  }

  private nextTrackerSeed(): number {
    // The tracker engine's own tie-break stream.
    this.trackerSeed = nextSeed(this.trackerSeed);
    return this.trackerSeed;
  }

  private scheduleAnnounce(v: number, at: number): void {
    const gen = (this.announceGen[v] as number) + 1;
    this.announceGen[v] = gen;
    this.queue.push(at, ev.announce, v, gen);
  }

  /** The player's reconnect schedule after a socket error (p2p-shim.ts retimes bittorrent-tracker's to it). */
  private reconnectDelay(v: number): number {
    return trackerReconnectDelayMs(this.retries[v] as number, this.rng.next()) / 1000;
  }

  private announce(v: number, t: number): void {
    if (this.trackerDown(t)) {
      this.announcesFailed++;
      this.scheduleAnnounce(v, t + this.reconnectDelay(v));
      this.retries[v] = Math.min(30, (this.retries[v] as number) + 1);
      return;
    }
    this.announcesOk++;
    this.retries[v] = 0;
    let me = this.candidates[v];
    // A new socket: its upgrade is a message to the sub-shard the routing function picks.
    let messages = 1;
    if (!me) {
      const c = this.country[v] as number;
      const place = this.placeName(c);
      const peerId = this.ids[v] as string;
      const asn = this.asn[v] as number;
      me = {
        peerId,
        asn,
        colo: place,
        country: place,
        offersReceived: 0,
        viewer: v,
        index: 0,
        key: SubShardTracker.keyOf({ colo: place, asn, client: peerId }),
      };
      this.candidates[v] = me;
      this.tracker.add(this.trackerRegion(v), me, t);
      messages++;
    }
    const leaf = this.tracker.leafOf(me) as SimSubShard<SimCandidate>;
    const shard = leaf.members;
    // The player's numwant (p2p-shim.ts steerOffers): offers only where they can meet someone new, from the swarm's
    // size in the tracker's last reply, whether that tracker forwards what it cannot place, and the peers it holds.
    // This tracker places offers in the viewer's own sub-shard only (no introductions), and its replies say so.
    const counted = this.swarmCounted[v] as number;
    const wanted = announceOffers(
      {
        ...(counted > 0 ? { members: counted } : {}),
        forwards: false,
        connected: this.degree[v] as number,
        opening: this.pending[v] as number,
      },
      this.offersOf(v),
    );
    this.swarmCounted[v] = shard.length;
    const named = this.cfg.tracker.namedLeaders;
    const leaders =
      named > 0
        ? earliestPeers(
            shard.map((m) => m.peerId),
            named,
          )
        : undefined;
    if (leaders) this.namedLeaders[v] = leaders;
    if (wanted > 0) {
      const seed = this.nextTrackerSeed();
      const candidates = matching.boundedCandidates(me, shard, matchingDefaults.maxCandidates, seed);
      for (const id of matching.pickOfferTargets(me, candidates, { count: wanted, seed })) {
        const j = this.idToViewer.get(id);
        if (j === undefined) continue;
        const target = this.candidates[j];
        if (target) target.offersReceived++;
        this.offersSent++;
        // Each relayed offer is answered: one more message to the same sub-shard.
        messages++;
        this.offer(v, j, t);
      }
    }
    this.tracker.record(leaf, messages, t);
    this.scheduleAnnounce(v, t + this.cfg.tracker.announceIntervalSeconds);
  }

  /**
   * Sub-shards report; a split or merge moves some members: they are shed a
   * few a second, reconnect on the player's backoff and announce again in
   * their new sub-shard.
   */
  private onSubShardCheck(t: number): void {
    const moved = this.tracker.check(t);
    const pace = Math.max(1, this.cfg.subShards.shedPerSecond);
    for (const [i, m] of moved.entries()) {
      const v = m.viewer;
      if (this.candidates[v] !== m) continue;
      this.candidates[v] = undefined;
      this.scheduleAnnounce(v, t + Math.floor(i / pace) + this.reconnectDelay(v));
    }
    // Every second: a sub-shard reports at its report time, or early when its last second passed the threshold.
    this.queue.push(t + 1, ev.subShardCheck, 0);
  }

  /** One string per country, so the tracker's equality checks on colo and country compare pointers. */
  private readonly places = new Map<number, string>();
  private placeName(country: number): string {
    if (country === 0) return '';
    let name = this.places.get(country);
    if (name === undefined) {
      name = `c${country}`;
      this.places.set(country, name);
    }
    return name;
  }

  private trackerRegion(v: number): number {
    return this.cfg.tracker.shardByRegion ? (this.region[v] as number) : 0;
  }

  private trackerRemove(v: number): void {
    const me = this.candidates[v];
    if (!me) return;
    this.tracker.remove(me);
    this.candidates[v] = undefined;
  }

  /** The tracker goes away: sockets close, its swarms are lost, every client starts its reconnect timer. */
  private onTrackerDown(t: number): void {
    this.tracker.clear();
    this.candidates.fill(undefined);
    for (const v of this.active) {
      this.retries[v] = 0;
      this.scheduleAnnounce(v, t + this.reconnectDelay(v));
      // bittorrent-tracker counts the retry when its timer fires, so a second failure waits twice as long.
      this.retries[v] = 1;
    }
  }

  /** An offer relayed by the tracker: whether and when a data channel opens. */
  private offer(v: number, j: number, t: number): void {
    const full = (x: number) => !answersOffer(this.degree[x] as number, this.pending[x] as number, this.offersOf(x));
    if (j === v || !this.isActive(j) || this.linkSlot(v, j) >= 0 || full(v) || full(j)) return;
    if (!this.reachable(v, j) || this.rng.next() < this.cfg.network.iceFailure) {
      this.connFailed++;
      return;
    }
    this.pending[v] = (this.pending[v] as number) + 1;
    this.pending[j] = (this.pending[j] as number) + 1;
    // Offer up to the tracker, relay down to j, answer back, then ICE and DTLS over the peer path.
    const at =
      t +
      (this.edgeRtt[v] as number) +
      (this.edgeRtt[j] as number) +
      2 * this.peerRtt(v, j) +
      this.cfg.network.connectSeconds;
    this.queue.push(at, ev.connect, v, j);
  }

  /** v's offer options at the cap peerCap gives it now: maxPeers, unless the tracker named others and not v. */
  private offersOf(v: number): OfferOptions {
    const leaders = this.namedLeaders[v];
    if (!leaders) return this.offerOptions;
    const counted = this.swarmCounted[v] as number;
    const cap = peerCap(
      {
        named: leaders.includes(this.ids[v] as string) ? 'leader' : 'receiver',
        namedCount: leaders.length,
        ...(counted > 0 ? { members: counted } : {}),
      },
      this.offerOptions.maxPeers,
      this.policy.receiverMaxPeers,
    );
    if (cap === this.offerOptions.maxPeers) return this.offerOptions;
    let options = this.offerOptionsAt.get(cap);
    if (!options) {
      options = { ...this.offerOptions, maxPeers: cap };
      this.offerOptionsAt.set(cap, options);
    }
    return options;
  }

  private reachable(v: number, j: number): boolean {
    return this.reach[(this.natClass[v] as number) * natClasses.length + (this.natClass[j] as number)] === 1;
  }

  private onConnect(v: number, j: number, t: number): void {
    if (this.pending[v]) this.pending[v] = (this.pending[v] as number) - 1;
    if (this.pending[j]) this.pending[j] = (this.pending[j] as number) - 1;
    if (!this.isActive(v) || !this.isActive(j) || this.linkSlot(v, j) >= 0) return;
    if (
      (this.degree[v] as number) >= this.offersOf(v).maxPeers ||
      (this.degree[j] as number) >= this.offersOf(j).maxPeers
    )
      return;
    this.link(v, j, t);
    this.link(j, v, t);
    this.connMade++;
    // Each side sends the other its segment map on connect: waiting segments may now come from the new peer.
    this.fetchWaitingFrom(v, j, t);
    this.fetchWaitingFrom(j, v, t);
  }

  private fetchWaitingFrom(v: number, j: number, t: number): void {
    if (!this.uploading(j)) return;
    const base = v * ringSize;
    for (let r = 0; r < ringSize; r++) {
      const k = this.slotSeg[base + r] as number;
      if (this.slotSt[base + r] === slotState.wait && this.shows(j, k)) this.decide(v, k, t, t);
    }
  }

  private link(v: number, j: number, t: number): void {
    const base = v * this.D;
    for (let i = 0; i < this.D; i++) {
      if ((this.nb[base + i] as number) < 0) {
        this.nb[base + i] = j;
        this.connAt[base + i] = t;
        this.heardAt[base + i] = never;
        this.recv[base + i] = 0;
        this.sent[base + i] = 0;
        this.degree[v] = (this.degree[v] as number) + 1;
        this.roleDirty[v] = 1;
        if ((this.firstPeerAt[v] as number) < 0) this.firstPeerAt[v] = t;
        return;
      }
    }
  }

  private linkSlot(v: number, j: number): number {
    const base = v * this.D;
    for (let i = 0; i < this.D; i++) if (this.nb[base + i] === j) return base + i;
    return -1;
  }

  private unlink(v: number, j: number): void {
    const a = this.linkSlot(v, j);
    if (a >= 0) {
      this.nb[a] = -1;
      this.degree[v] = (this.degree[v] as number) - 1;
      this.roleDirty[v] = 1;
    }
    const b = this.linkSlot(j, v);
    if (b >= 0) {
      this.nb[b] = -1;
      this.degree[j] = (this.degree[j] as number) - 1;
      this.roleDirty[j] = 1;
    }
  }

  // ---- the end -----------------------------------------------------------------------------------

  private finish(): void {
    const t = this.tEnd;
    for (const v of this.active) {
      if (this.ph[v] === phase.playing) this.closeStall(v, t);
      this.endedAt[v] = t;
      for (let r = 0; r < ringSize; r++) {
        const s = v * ringSize + r;
        const st = this.slotSt[s] as number;
        if (st !== slotState.none && st !== slotState.held) {
          this.totals.unfinishedBytes += this.segSize[this.slotSeg[s] as number] as number;
          this.totals.wastedP2PBytes += this.slotP2P[s] as number;
        }
      }
    }
    // Peer bytes still in flight at the end were sent but not delivered.
    for (let f = 0; f < this.fTop; f++) {
      if (this.fKind[f] === flowKind.p2p && this.inSenderList(f)) {
        this.advanceSender(this.fSend[f] as number, t);
        const sent = Math.floor(this.fDone[f] as number);
        this.totals.peerUploadedBytes += sent;
        this.totals.wastedP2PBytes += sent;
        this.upBytes[this.fSend[f] as number] = (this.upBytes[this.fSend[f] as number] as number) + sent;
      }
    }
  }

  private result(wallSeconds: number): SimResult {
    const tot = this.totals;
    const delivered = tot.httpBytes + tot.p2pBytes;
    let watched = 0;
    let stalledSum = 0;
    let stallCount = 0;
    let withStall = 0;
    let started = 0;
    let neverStarted = 0;
    for (let v = 0; v < this.n; v++) {
      const s = this.startedAt[v] as number;
      if (s < 0) {
        // Joined at least a few seconds before the end, yet never played.
        if (this.ph[v] !== phase.pending && (this.joinAt[v] as number) < this.tEnd - 5) neverStarted++;
        continue;
      }
      started++;
      const end = (this.endedAt[v] as number) >= 0 ? (this.endedAt[v] as number) : this.tEnd;
      watched += Math.max(0, end - s);
      stalledSum += this.stalled[v] as number;
      stallCount += this.stalls[v] as number;
      if ((this.stalls[v] as number) > 0) withStall++;
    }
    const byNat = natClasses.map((nat) => ({ nat, viewers: 0, http: 0, p2p: 0 }));
    for (let v = 0; v < this.n; v++) {
      if ((this.startedAt[v] as number) < 0) continue;
      const c = byNat[this.natClass[v] as number] as (typeof byNat)[number];
      c.viewers++;
      c.http += this.httpBytes[v] as number;
      c.p2p += this.p2pBytes[v] as number;
    }
    const secs = this.cfg.audience.seconds;
    let edgePeak = 0;
    const bw = this.cfg.bucketSeconds;
    const series: SimSeries = {
      bucketSeconds: bw,
      t: [],
      viewers: [],
      edgeMbps: [],
      p2pMbps: [],
      offloadPercent: [],
      stalledSeconds: [],
      firstFetcherPercent: [],
    };
    for (let b = 0; b < this.nBuckets - 1; b++) {
      const e = this.bEdge[b] as number;
      const p = this.bP2P[b] as number;
      const mbps = (e * 8) / bw / 1e6;
      if (mbps > edgePeak) edgePeak = mbps;
      series.t.push(b * bw);
      series.viewers.push(this.bViewers[b] as number);
      series.edgeMbps.push(round(mbps, 3));
      series.p2pMbps.push(round((p * 8) / bw / 1e6, 3));
      series.offloadPercent.push(round(e + p > 0 ? (100 * p) / (e + p) : 0, 2));
      series.stalledSeconds.push(round(this.bStall[b] as number, 3));
      const d = this.bDecisions[b] as number;
      series.firstFetcherPercent.push(round(d > 0 ? (100 * (this.bFf[b] as number)) / d : 0, 2));
    }
    const byReason = Object.fromEntries(httpReasons.map((r, i) => [r, this.reasonBytes[i] as number])) as Record<
      HttpReason,
      number
    >;
    const peak = this.peakViewers;
    const summary: SimSummary = {
      viewersTotal: started,
      neverStarted,
      viewersPeak: peak,
      offloadPercent: delivered > 0 ? (100 * tot.p2pBytes) / delivered : 0,
      boundPercent: peak > 0 ? (100 * (peak - 1)) / peak : 0,
      edgeGB: tot.edgeServedBytes / 1e9,
      edgePeakMbps: edgePeak,
      edgeMeanMbps: (tot.edgeServedBytes * 8) / secs / 1e6,
      stallRatioPercent: watched > 0 ? (100 * stalledSum) / watched : 0,
      stalledSecondsPerViewerMinute: watched > 0 ? stalledSum / (watched / 60) : 0,
      viewersWithStallPercent: started > 0 ? (100 * withStall) / started : 0,
      stalls: stallCount,
      startupP50: this.startupHist.quantile(0.5),
      startupP95: this.startupHist.quantile(0.95),
      latencyP50: this.latencyHist.quantile(0.5),
      latencyP95: this.latencyHist.quantile(0.95),
      watchedHours: watched / 3600,
      firstFetcherPercent: this.decisions > 0 ? (100 * this.ffDecisions) / this.decisions : 0,
      httpByReason: byReason,
      meanPeers: this.peerSamples > 0 ? this.peerSum / this.peerSamples : 0,
      connections: { made: this.connMade, failed: this.connFailed },
      announces: { ok: this.announcesOk, failed: this.announcesFailed, offers: this.offersSent },
      liveEdgeJumps: this.jumps,
      refusedUploads: this.refusedUploads,
      chokedUploads: this.chokedUploads,
      projectedAbandons: this.projectedAbandons,
      upload: uploadSpread(this.upBytes),
      tracker: this.tracker.summary(this.tEnd),
      byNat: byNat
        .filter((c) => c.viewers > 0)
        .map((c) => ({
          nat: c.nat,
          viewers: c.viewers,
          offloadPercent: c.http + c.p2p > 0 ? (100 * c.p2p) / (c.http + c.p2p) : 0,
        })),
    };
    const out: SimResult = {
      config: this.cfg,
      policy: this.policy,
      policyWarnings: this.policyWarnings,
      totals: { ...tot },
      summary,
      series,
      perf: { wallSeconds, events: this.events, peakQueue: this.queue.peak, simulatedSeconds: secs },
    };
    if (this.n <= 100) {
      out.viewers = [];
      for (let v = 0; v < this.n; v++) {
        out.viewers.push({
          viewer: v,
          joinedAt: (this.joinAt[v] as number) - this.tStart,
          httpBytes: this.httpBytes[v] as number,
          p2pBytes: this.p2pBytes[v] as number,
          uploadedBytes: this.upBytes[v] as number,
          httpSegments: this.httpSegs[v] as number,
          p2pSegments: this.p2pSegs[v] as number,
          stalls: this.stalls[v] as number,
          stalledSeconds: this.stalled[v] as number,
          startupSeconds:
            (this.startedAt[v] as number) >= 0 ? (this.startedAt[v] as number) - (this.joinAt[v] as number) : null,
          latency: (this.latencyLast[v] as number) >= 0 ? (this.latencyLast[v] as number) : null,
          leadDecisionsAfterFirstEpoch: this.leadLate[v] as number,
          access: this.accessName[v] as string,
          nat: natClasses[this.natClass[v] as number] as NatClass,
          p2pRequestedSeconds: since(this.p2pAskedAt[v] as number, this.joinAt[v] as number),
          firstPeerSeconds: since(this.firstPeerAt[v] as number, this.joinAt[v] as number),
          firstP2PSeconds: since(this.firstP2PAt[v] as number, this.joinAt[v] as number),
          uplinkBps: this.up[v] as number,
          measuredUplinkBps: this.ts[v]?.uplink.capacityBps ?? 0,
        });
      }
    }
    return out;
  }
}

/** Seconds from `from` to `at`, or null when `at` never happened (-1). */
function since(at: number, from: number): number | null {
  return at >= 0 ? at - from : null;
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}
