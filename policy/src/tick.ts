/**
 * The player's once-a-second decision, as one pure function. The player calls
 * it every second with what it observed (peers, bytes uploaded, edge fetch
 * times, the playlist); the simulator calls it for each viewer with the same
 * kind of observations. Nothing here reads a clock, a timer or the DOM.
 *
 * What is ours and what is p2p-media-loader's: the tick decides who counts as
 * an active peer, the first-fetcher role, the deadline margin, the loader's
 * time windows, whether upload is open and which peers are choked, the
 * latency plan (hls.js's live-sync settings), and whether P2P serves a
 * low-latency viewer at all (low-latency.ts). Per segment, p2p-media-loader's
 * own scheduler then chooses the source under those windows; `loader-model.ts`
 * states that choice as we model it for the simulator.
 */
import { announceIntervalSeconds } from './announcements';
import {
  firstFetcherNeedBps,
  leaderFanout,
  newUplinkEstimate,
  observePeerRates,
  observeUplink,
  type PeerRates,
  type PeerTransfer,
  seedUplink,
  slowPeers,
  type UplinkEstimate,
  type UplinkProbe,
  uplinkCanLead,
  uplinkSpeed,
} from './capacity';
import { deadlineMargin, type LatencyPlan, planLatency } from './deadlines';
import {
  calmDevice,
  type DeviceObservation,
  type DeviceStrain,
  isStrained,
  observeDevice,
  type StrainSign,
} from './device';
import { lowLatencyP2P } from './low-latency';
import type { PolicyOptions } from './options';
import { observeP2PStart, type P2PStart, type PlaybackPace, p2pNotStarted } from './p2p-start';
import {
  budgetContended,
  newUploadBudget,
  type PeerLedger,
  rankUploadTargets,
  spendUpload,
  type UploadBudget,
  uploadOpen,
  uploadRateBps,
} from './reciprocity';
import { epochOf, isFirstFetcher } from './roles';
import { type HlsLiveSettings, hlsLiveSettings, type LoaderWindows, loaderWindows } from './windows';

/** A connected peer as the player sees it. */
export interface PeerObservation extends PeerLedger {
  /** When it last sent us bytes or announced a new segment, seconds (connectedAt counts as heard). */
  lastHeardAt: number;
  /**
   * Whether its last segment map lists any segment; absent: unknown, taken as yes. p2p-media-loader sends the map on
   * connect and on every change while its upload is open, and an empty one when its upload closes; with upload closed
   * it sends nothing on connect. So a peer that lists nothing has nothing to serve (quiet, declined, backlogged,
   * withheld, strained, or new), and once connected silentPeerTargetDurations it is left out of the rank (activePeers).
   */
  announcing?: boolean;
}

export interface TickObservations {
  /** This viewer's own peer id (makePeerId): the rank is computed over it and its active peers. */
  self: string;
  /** The playlist says the stream is live (no ENDLIST). */
  live: boolean;
  /** EXT-X-TARGETDURATION of the playing rendition, seconds. */
  targetDuration: number;
  /** Peers connected now. */
  peers: readonly PeerObservation[];
  /** Bytes uploaded to peers since the last tick. */
  uploadedBytes: number;
  /** Seconds each edge fetch took that finished since the last tick (hls.js's and p2p-media-loader's alike). */
  edgeFetchSeconds: readonly number[];
  /** When P2P started (the tracker was first asked for peers); absent before that, or with P2P off. */
  p2pStartedAt?: number;
  /**
   * The uplink: bytes delivered to peers so far (cumulative; bytes that left the data channels, not bytes written
   * into them), and the bytes queued behind the link now (the data channels' bufferedAmount); `drained`: the queue
   * was seen below uplinkFullBytes since the last tick (the player samples it every uplinkDrainSampleSeconds while the
   * last tick found it full). Absent: not measured (the role ignores capacity).
   */
  uplink?: { deliveredBytes: number; queuedBytes: number; drained?: boolean };
  /** Segments received from peers since the last tick, with how long each took. */
  p2pTransfers?: readonly PeerTransfer[];
  /** Mean size of a media segment of the playing rendition, bytes; absent or 0 until one is loaded. */
  segmentBytes?: number;
  /** The uplink probe's result, once it has one (it seeds an unmeasured uplink); absent: no probe. */
  uplinkProbe?: UplinkProbe;
  /** How the device kept up since the last tick; absent: not measured (never strained). */
  device?: DeviceObservation;
  /**
   * Whether this viewer may upload at all: false when the embedding page or the viewer said no (p2p-upload="off", or
   * "consent" not given yet), on a cellular link or with Save-Data on. Absent: allowed.
   */
  uploadAllowed?: boolean;
  /**
   * latency-target="low": the viewer plays LL-HLS parts from the edge, and P2P serves it only where there is slack
   * (lowLatencyP2P). Absent: the hybrid, P2P always.
   */
  lowLatency?: boolean;
  /** How far the playhead is behind the live edge (the end of the playlist), seconds; absent: not known yet. */
  behindLiveSeconds?: number;
  /** The swarm's size as the tracker last counted it, this viewer included (complete + incomplete); absent: not yet. */
  swarmMembers?: number;
  /**
   * How playback went since the last tick, for when P2P may start (p2p-start.ts). Absent: not measured, and P2P may
   * start at once. The simulator feeds its viewers' playback here as the player does (infra/sim/swarm-sim.ts paceSince).
   */
  playback?: PlaybackPace;
}

export interface TickState {
  budget: UploadBudget;
  uplink: UplinkEstimate;
  /** Delivered bytes the budget has been charged for (cumulative). */
  charged: number;
  peerRates: PeerRates;
  /** Smoothed seconds per edge fetch; 0 until the first one is measured. */
  edgeFetchSeconds: number;
  /** The role and what it was computed from: an unchanged swarm in the same epoch keeps it without ranking again. */
  role: RoleMemo | undefined;
  device: DeviceStrain;
  /** What the last tick decided, to tell the adapter what changed. */
  windows: LoaderWindows | undefined;
  hls: HlsLiveSettings | undefined;
  /** Whether P2P served this viewer after the last tick (a low-latency viewer's hysteresis). */
  p2p: boolean;
  /** Whether playback has kept pace long enough for P2P to start. */
  start: P2PStart;
}

export interface RoleMemo {
  epoch: number;
  newcomer: boolean;
  active: readonly string[];
  /** Peers (self included) left out of the rank for want of uplink. */
  excluded: readonly string[];
  firstFetcher: boolean;
}

export interface TickActions {
  /** Peers counted as present for the first-fetcher rank: heard from within activePeerTargetDurations (activePeers). */
  active: string[];
  firstFetcher: boolean;
  /** No active peer at all: a first fetcher for lack of anyone to wait for. */
  alone: boolean;
  /** This viewer's uplink cannot feed a first fetcher's fan-out: it declines the role. */
  declined: boolean;
  /** Declined while the others would still rank it first, or with peers connected and none active: upload off. */
  quiet: boolean;
  /** Peers seen delivering too slowly to lead, left out of the rank. */
  slow: string[];
  /** The measured uplink, bytes/s (0 until the link has been full once). */
  uplinkBps: number;
  /** Upload closed because what is queued behind the uplink would not be delivered within the deadline margin. */
  backlogged: boolean;
  /** Upload closed because the measured uplink is slower than the stream plays: a segment would arrive too late. */
  tooSlowToServe: boolean;
  /**
   * The device is the bottleneck (late timers, dropped frames): upload off, no first-fetcher role, a wider margin,
   * until its hold has passed since the last sign: strainFirstHoldSeconds, doubling up to strainHoldSeconds while it
   * keeps relapsing (device.ts). `strainSign` is the last sign seen.
   */
  strained: boolean;
  strainSign: StrainSign | null;
  /** Upload is off because this viewer may not upload (`uploadAllowed` false): it also declines to lead. */
  withheld: boolean;
  /** How long before its deadline a segment goes to the edge. */
  marginSeconds: number;
  /** p2p-media-loader's time windows; `windowsChanged` when they differ from the last tick's. */
  windows: LoaderWindows;
  windowsChanged: boolean;
  uploadOpen: boolean;
  /**
   * The least seconds between two of this viewer's segment announcements to its peers (announcements.ts); 0: every
   * change at once, as p2p-media-loader does.
   */
  announceIntervalSeconds: number;
  /**
   * Peers choked until the next tick: their upload requests are refused (admitsUpload's `choked`). Empty unless the
   * budget is contended. They stay connected: a first fetcher's receivers cannot give back, and disconnected they were
   * dropped in turn for optimisticSeconds each, and every reconnection moved the rank (BENCHMARKS.md, #17, 1280x720).
   */
  choke: string[];
  plan: LatencyPlan;
  /** hls.js's live settings; `hlsChanged` when they differ from the last tick's. */
  hls: HlsLiveSettings;
  hlsChanged: boolean;
  /**
   * Whether P2P serves this viewer now: in the hybrid, once its playback has kept pace since the first frame
   * (p2p-start.ts), and from then on; for a low-latency viewer, from then on only with slack (VOD, or as far behind
   * live as the hybrid plays). Off: the player leaves P2P off (or turns it off), and every segment is the edge's.
   */
  p2p: boolean;
}

export function initialTickState(now: number, options: PolicyOptions): TickState {
  return {
    budget: newUploadBudget(now, uploadRateBps(0, options), options),
    uplink: newUplinkEstimate(now),
    charged: 0,
    peerRates: [],
    edgeFetchSeconds: 0,
    role: undefined,
    device: calmDevice,
    windows: undefined,
    hls: undefined,
    p2p: false,
    start: p2pNotStarted,
  };
}

/** Smooths edge fetch times: the first one as it is, then an exponential moving average. */
export function smoothFetchSeconds(previous: number, samples: readonly number[], weight: number): number {
  let smoothed = previous;
  for (const seconds of samples) {
    if (!(seconds > 0) || !Number.isFinite(seconds)) continue;
    smoothed = smoothed === 0 ? seconds : (1 - weight) * smoothed + weight * seconds;
  }
  return smoothed;
}

/**
 * Peers heard from within the active window (a closed tab takes ~30 s to time out in WebRTC; it must not keep a role),
 * less those that list no segment once connected silentPeerTargetDurations: a viewer that declined the role and went
 * quiet sends nothing on connect, and counted as present for the whole window it headed a later joiner's rank, which
 * waited behind it (BENCHMARKS.md, #17: the fibre viewer led from ~20 s, not from its join).
 */
export function activePeers(
  peers: readonly PeerObservation[],
  now: number,
  targetDuration: number,
  options: Pick<PolicyOptions, 'activePeerTargetDurations' | 'silentPeerTargetDurations'>,
): string[] {
  const window = options.activePeerTargetDurations * targetDuration;
  const grace = options.silentPeerTargetDurations * targetDuration;
  return peers
    .filter(
      (p) =>
        now - Math.max(p.connectedAt, p.lastHeardAt) <= window &&
        (p.announcing !== false || now - p.connectedAt < grace),
    )
    .map((p) => p.id);
}

export function tick(
  state: TickState,
  observations: TickObservations,
  now: number,
  options: PolicyOptions,
): { state: TickState; actions: TickActions } {
  const { live, targetDuration, peers } = observations;
  const link = observations.uplink;
  const queued = link?.queuedBytes ?? 0;
  const known = seedUplink(state.uplink, observations.uplinkProbe);
  const uplink = link
    ? observeUplink(known, link.deliveredBytes, queued >= options.uplinkFullBytes, now, options, link.drained)
    : known;
  // The budget is charged for bytes the uplink delivered: bytes written into a full data channel have not left yet,
  // and counting them (as p2p-media-loader's upload counter does) over-reports a full link. The link's own limit is
  // enforced by refusing work it cannot deliver in time (backlogged, below), not by a guess at its rate.
  const charged = link ? Math.max(state.charged, link.deliveredBytes) : state.charged;
  const spent = link ? charged - state.charged : observations.uploadedBytes;
  // The budget refills at a share of the uplink as measured so far (the cap until it is known).
  const rateBps = uploadRateBps(uplink.capacityBps > 0 ? uplinkSpeed(uplink) : 0, options);
  const budget = spent > 0 ? spendUpload(state.budget, spent, now, rateBps, options) : state.budget;
  const edgeFetchSeconds = smoothFetchSeconds(
    state.edgeFetchSeconds,
    observations.edgeFetchSeconds,
    options.edgeFetchSmoothing,
  );
  const device = observeDevice(state.device, observations.device, now, options);
  const strained = isStrained(device, now);
  // A strained device fetches from the edge earlier: P2P's slack is what it can least afford to gamble.
  const marginSeconds = deadlineMargin(edgeFetchSeconds, options) * (strained ? options.strainMarginFactor : 1);

  const active = activePeers(peers, now, targetDuration, options);
  const connected = peers.map((p) => p.id);
  const peerRates = observePeerRates(state.peerRates, observations.p2pTransfers ?? [], connected, now, options);
  const segmentBytes = observations.segmentBytes ?? 0;
  // A viewer that may not upload cannot lead: others would wait for segments it never shares.
  const withheld = observations.uploadAllowed === false;
  // Eligibility to lead is judged against the fan-out a first fetcher feeds in this swarm (leaderFanout): a full one
  // (seederFanout peers), or every other member of a smaller swarm, as the tracker last counted them or as many as
  // this viewer is connected to if more (or no count yet), and at least leaderMinFanout, so that a first joiner on a
  // slow uplink does not lead a swarm of two and hand the role on at every join. Judged against a full fan-out in every
  // swarm, a 10 Mbit/s uplink whose probe read 6 declined to feed the 3 others of a 4-viewer swarm, as did every DSL
  // uplink, and nobody led (BENCHMARKS.md, #17).
  const declined =
    strained ||
    withheld ||
    (segmentBytes > 0 &&
      !uplinkCanLead(
        uplink,
        firstFetcherNeedBps(
          segmentBytes,
          leaderFanout(observations.swarmMembers, connected.length, options),
          targetDuration,
          options,
        ),
      ));
  const slow = segmentBytes > 0 ? slowPeers(peerRates, connected, segmentBytes, targetDuration, now, options) : [];
  const role = decideRole(
    state.role,
    observations,
    active,
    leaveOut(observations.self, active, slow, declined),
    now,
    options,
  );
  const { firstFetcher } = role;
  // Declining is not enough while the others rank this viewer first: they would wait for segments it never fetches.
  // So a viewer that cannot lead but would rank among the first fetchers goes quiet (upload off: its segment map is
  // empty) and drops out of every other viewer's active set, and so out of their rank: at once, or
  // silentPeerTargetDurations after connecting (activePeers). The others then agree on who leads without any message
  // saying so. With peers connected but none active (newcomers whose maps are still empty) it is quiet too: alone, it
  // fetches from the edge for itself, and open, it would be ranked first by them and serve them over the uplink it
  // declined for (a DSL first joiner sent 0.4 MB up its 1 Mbit/s link so, and stalled; BENCHMARKS.md, #17).
  const quiet =
    declined &&
    (active.length === 0
      ? connected.length > 0
      : isFirstFetcher(
          { self: observations.self, peers: active, epoch: role.epoch, ...(slow.length ? { nonUploaders: slow } : {}) },
          options,
        ));
  // What is queued behind the uplink would reach its requesters past the margin (theirs taken to be like ours):
  // refuse further requests up front (p2p-media-loader stops announcing and serving while upload is off) until the
  // queue drains.
  const backlogged = uplink.capacityBps > 0 && queued / uplink.capacityBps > marginSeconds;
  // An uplink slower than the stream plays cannot deliver a segment before the requester would give up on it (the
  // slow mark its peers would give it, applied to itself before anyone waits): it serves no one.
  const tooSlowToServe =
    segmentBytes > 0 && uplink.capacityBps > 0 && uplinkSpeed(uplink) < segmentBytes / Math.max(0.1, targetDuration);
  const open =
    uploadOpen(budget, now, rateBps, options) && !backlogged && !quiet && !strained && !tooSlowToServe && !withheld;
  const choke = budgetContended(budget, now, rateBps, options) ? rankUploadTargets(peers, now, options).choked : [];

  const plan = planLatency(targetDuration, options.plannedPublishLagSeconds, options);
  const hls = hlsLiveSettings(plan, targetDuration);
  // A strained device takes every segment from the edge at once, as a first fetcher (and a CDN-only viewer) does,
  // without being one: waiting for peers spends slack a device already running late cannot spare, and its P2P
  // downloads run on the same starved renderer. It keeps its connections, and takes from peers again once calm.
  const windows = loaderWindows(
    { live, targetDuration, marginSeconds, firstFetcher: firstFetcher || strained, uploadOpen: open },
    plan,
  );
  // The hybrid plays as CDN-only until its playback keeps pace: P2P's set-up then costs a starved device nothing it needs.
  const start = observeP2PStart(
    state.start,
    observations.playback,
    { marginSeconds, strained, ...observations.device },
    options,
  );
  const slack = observations.lowLatency
    ? lowLatencyP2P(
        {
          live,
          targetDuration,
          ...(observations.behindLiveSeconds === undefined
            ? {}
            : { behindLiveSeconds: observations.behindLiveSeconds }),
        },
        state.p2p,
        plan,
      )
    : true;
  const p2p = start.ready && slack;

  return {
    state: { budget, uplink, charged, peerRates, edgeFetchSeconds, role, device, windows, hls, p2p, start },
    actions: {
      active,
      firstFetcher,
      alone: active.length === 0,
      declined,
      quiet,
      slow,
      uplinkBps: uplink.capacityBps,
      backlogged,
      tooSlowToServe,
      strained,
      strainSign: device.sign,
      withheld,
      marginSeconds,
      windows,
      windowsChanged: !sameValues(windows, state.windows),
      uploadOpen: open,
      announceIntervalSeconds: announceIntervalSeconds(
        {
          firstFetcher,
          uploadOpen: open,
          targetDuration,
          connectedPeers: peers.length,
          swarmMembers: observations.swarmMembers,
        },
        options,
      ),
      choke,
      plan,
      hls,
      hlsChanged: !sameValues(hls, state.hls),
      p2p,
    },
  };
}

/**
 * Who is left out of the rank: slow peers, and self when it declined. If that would leave nobody to lead, nobody is
 * left out: someone has to bring each segment in, and on an all-slow swarm the rank decides who, as before.
 */
function leaveOut(self: string, active: readonly string[], slow: readonly string[], declined: boolean): string[] {
  const out = active.filter((id) => slow.includes(id));
  if (declined) out.push(self);
  return out.length === active.length + 1 ? [] : out;
}

/** The first-fetcher role over the active peers; the previous tick's when nothing it depends on changed. */
function decideRole(
  previous: RoleMemo | undefined,
  observations: TickObservations,
  active: readonly string[],
  excluded: readonly string[],
  now: number,
  options: PolicyOptions,
): RoleMemo {
  const epoch = epochOf(now, options.epochSeconds);
  const p2pSeconds = observations.p2pStartedAt === undefined ? undefined : now - observations.p2pStartedAt;
  const newcomer = p2pSeconds !== undefined && p2pSeconds < options.newcomerSeconds;
  if (
    previous &&
    previous.epoch === epoch &&
    previous.newcomer === newcomer &&
    sameList(previous.active, active) &&
    sameList(previous.excluded, excluded)
  ) {
    return previous;
  }
  const firstFetcher = isFirstFetcher(
    {
      self: observations.self,
      peers: active,
      epoch,
      ...(excluded.length > 0 ? { nonUploaders: excluded } : {}),
      ...(p2pSeconds === undefined ? {} : { p2pSeconds }),
    },
    options,
  );
  return { epoch, newcomer, active, excluded, firstFetcher };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameValues<T extends object>(a: T, b: T | undefined): boolean {
  if (!b) return false;
  for (const key of Object.keys(a) as (keyof T)[]) if (a[key] !== b[key]) return false;
  return true;
}
