/**
 * What the simulator assumes about the world: the stream, the audience, their
 * links, the edge and the tracker. One typed defaults object per part, merged
 * by spread; the policy itself is not here: it is the player's own module,
 * imported unchanged, with its own defaults (policy/src/options.ts).
 *
 * Every number below is an assumption, and the report prints them all.
 */
import { offerDefaults, type PolicyOptions, subShardDefaults } from '@edgeswarm/policy';
import { type NatClass, type NatMix, type NatReachTable, natReachDefaults } from './nat';
import type { Distribution } from './random';
import type { SubShardModel } from './sub-shard-tracker';

export interface StreamModel {
  /** Segment duration, seconds (EXT-X-TARGETDURATION). */
  targetDuration: number;
  /** Mean media-segment bitrate of the rendition viewers play, audio included. */
  bitrateKbps: number;
  /** Segment sizes vary around the mean by up to ± this fraction (uniform). */
  sizeJitter: number;
  /** From a segment's last frame to its commit at the edge (what actually happens). */
  publishLagSeconds: number;
}

export const streamDefaults: StreamModel = {
  targetDuration: 2,
  // Measured: the 320x180 rendition with audio came to 68.6 kB per 2 s segment in bench:offload.
  bitrateKbps: 274,
  sizeJitter: 0.1,
  publishLagSeconds: 0.3,
};

/** One kind of access link: down and up drawn together, so a DSL line is slow both ways. */
export interface AccessKind {
  name: string;
  weight: number;
  downMbps: Distribution;
  upMbps: Distribution;
}

export interface Region {
  /** The tracker's shard name (continent). */
  name: string;
  weight: number;
  /** Countries in the region; viewers pick one uniformly. Colo = country here. */
  countries: number;
  /** Networks (ASNs) per country, popularity ~ 1/rank (a few big ISPs, a long tail). */
  asnsPerCountry: number;
}

export interface NetworkModel {
  access: AccessKind[];
  regions: Region[];
  /** Peer round trip by nearness, ms: same ASN, same country, same region. */
  peerRttMs: { sameAsn: number; sameCountry: number; sameRegion: number };
  /** Round trip between regions' peers, ms (only used when the tracker is not sharded by region). */
  interRegionRttMs: number;
  /** Viewer ↔ nearest edge colo round trip. */
  edgeRttMs: Distribution;
  /** WebRTC data channels rarely fill a link: the share of upload a peer's channels actually reach. */
  p2pEfficiency: number;
  /** From a tracker relaying an offer to an open data channel (answer, ICE, DTLS, SCTP), on top of round trips. */
  connectSeconds: number;
  /**
   * Shares of viewers behind each NAT class (nat.ts: full-cone, cone, symmetric, udp-blocked); the rest are open.
   * E.g. `--set 'network.natMix={"symmetric":0.3}'`.
   */
  natMix: NatMix;
  /** Who reaches whom without TURN, per pair of NAT classes, each cell measured (bench:nat) or per RFC 4787 (nat.ts). */
  natReach: NatReachTable;
  /** Any connection attempt fails with this probability anyway (ICE failures seen in the wild). */
  iceFailure: number;
  /**
   * Access kinds by name, assigned in join order and cycling, instead of drawn by weight: the real-browser harnesses'
   * `--network` mixes, where the first viewer to join is on a given link (links.ts).
   */
  accessOrder?: readonly string[];
  /**
   * NAT classes by join order (viewer i gets natOrder[i], open beyond it) instead of drawn from `natMix`: a real run's
   * `--nat` (compare's parseNatSpec), so that a calibration puts the same viewers behind the same NATs. The draw is
   * still made, so every other value of the run stays as without it.
   */
  natOrder?: readonly NatClass[];
}

const mbps = (median: number, sigma: number, min: number, max: number): Distribution => ({
  kind: 'lognormal',
  median,
  sigma,
  min,
  max,
});

export const networkDefaults: NetworkModel = {
  // Asymmetric residential links; medians in the range public speed-test reports give for each technology.
  access: [
    { name: 'dsl', weight: 0.2, downMbps: mbps(16, 0.5, 2, 60), upMbps: mbps(1.5, 0.5, 0.3, 10) },
    { name: 'cable', weight: 0.35, downMbps: mbps(150, 0.5, 20, 1000), upMbps: mbps(10, 0.5, 2, 50) },
    { name: 'fibre', weight: 0.3, downMbps: mbps(300, 0.5, 50, 2000), upMbps: mbps(100, 0.6, 10, 1000) },
    { name: 'mobile', weight: 0.15, downMbps: mbps(30, 0.7, 2, 300), upMbps: mbps(6, 0.7, 0.5, 50) },
  ],
  regions: [
    { name: 'eu', weight: 0.35, countries: 12, asnsPerCountry: 8 },
    { name: 'na', weight: 0.3, countries: 3, asnsPerCountry: 20 },
    { name: 'as', weight: 0.2, countries: 8, asnsPerCountry: 10 },
    { name: 'sa', weight: 0.08, countries: 5, asnsPerCountry: 6 },
    { name: 'oc', weight: 0.04, countries: 2, asnsPerCountry: 6 },
    { name: 'af', weight: 0.03, countries: 5, asnsPerCountry: 4 },
  ],
  peerRttMs: { sameAsn: 12, sameCountry: 30, sameRegion: 70 },
  interRegionRttMs: 180,
  edgeRttMs: mbps(25, 0.4, 5, 120),
  p2pEfficiency: 0.8,
  connectSeconds: 1,
  natMix: {},
  natReach: natReachDefaults,
  iceFailure: 0.05,
};

export interface EdgeModel {
  /** Total egress the edge can sustain for this stream, Mbit/s (Infinity: unlimited, as a CDN should be). */
  capacityMbps: number;
  /** Server time per request before the first byte (cache hit). */
  requestSeconds: number;
}

export const edgeDefaults: EdgeModel = { capacityMbps: Number.POSITIVE_INFINITY, requestSeconds: 0.01 };

export interface TrackerModel {
  /** Offers per announce at most (bittorrent-tracker's cap; the player sends fewer once connected to every member: announceOffers). */
  offersPerAnnounce: number;
  /** Announce interval, seconds (the tracker's `interval`, p2p-media-loader's default too). */
  announceIntervalSeconds: number;
  /** One shard per region, as the edge tracker does; false puts everyone in one swarm. */
  shardByRegion: boolean;
  /** Periods when no tracker answers. */
  outages: { fromSeconds: number; toSeconds: number }[];
  /** Seed of the tracker's own tie-break stream (xorshift32 in tracker-engine.ts). */
  seed: number;
  /**
   * The announce reply names this many of the sub-shard's earliest members (policy earliestPeers), and a viewer's cap
   * follows (peerCap: named members uncapped, receivers at policy.receiverMaxPeers); 0: none, as our tracker today.
   * An experiment (BENCHMARKS.md, "Holding fewer connections").
   */
  namedLeaders: number;
}

export const trackerModelDefaults: TrackerModel = {
  offersPerAnnounce: 5,
  announceIntervalSeconds: 30,
  shardByRegion: true,
  outages: [],
  seed: 1,
  namedLeaders: 0,
};

/**
 * How the player around the policy behaves (hls.js, p2p-media-loader, the page):
 * the parts the simulator has to reproduce itself because they are not decisions.
 * Every decision, and every value a decision reads, is the policy's (PolicyOptions).
 */
export interface PlayerModel {
  /**
   * Connections a viewer holds at most, those opening included: the policy's offerDefaults.maxPeers, which the player
   * holds to (p2p-shim.ts steerOffers); a setting here so a run can try another.
   */
  maxPeers: number;
  /** Join → first request: page, script, hls.js and MSE set-up, the master playlist. */
  startupOverheadSeconds: number;
  /** Segments hls.js must hold before it starts playing (1: the one at the start position). */
  startSegments: number;
  /**
   * Segments a hybrid player fetches from the edge itself before P2P starts: hls.js keeps loading while the first is
   * appended and decoded (tuned: newcomers took 200–290 kB, 3–4 segments of 68.6 kB, from the edge in bench:offload).
   */
  directSegments: number;
  /**
   * From the first frame to P2P started (player.ts p2pStarted): hybrid-p2p.js fetched and run, the engine attached. Not
   * measured: 43 kB gzipped over the viewer's downlink plus parsing, a fraction of a second. p2p-media-loader then
   * opens its tracker connection only at the first segment hls.js asks it for (core.ts getStreamHybridLoader), so a
   * viewer's first announce waits for the next segment request after this, up to a target duration later (before
   * commit 1f33702 the stack was in the first script: 0, P2P on at the first frame, and the announce at the next
   * request all the same: hls.js has asked for its start-up segments by then).
   */
  p2pStackSeconds: number;
  /**
   * p2p-media-loader looks at its queue on playback updates at most once a second: each viewer notices a segment
   * entering its high-demand window up to this late (drawn uniformly per viewer). 0: at once.
   */
  loaderLagSeconds: number;
  /**
   * hls.js in low-latency mode (the player's mode at every numeric target) plays up to the policy's
   * maxLiveSyncPlaybackRate while it is behind liveSyncDuration (catch-up.ts). false: the playhead keeps the latency
   * it started with, as this model did before.
   */
  liveCatchUp: boolean;
  /**
   * How late the player's first once-a-second tick fires after the player is built, seconds: the page is at its
   * busiest then (hls.js and MSE set up, the first segments appended), and a repeating timer keeps its schedule, so
   * the second tick's interval is that much short of a second. Fitted: in the 12 real viewers of the two gated runs
   * (compare at 812cf63 and 9daed5b, loopback) P2P was asked for at the third tick, 3.07–3.17 s after the player was
   * built, never the second, with the first frame 0.30–0.81 s after it: the P2P start gate (p2p-start.ts) then timed
   * the first frame's interval from the tick before it, which held it short of pace, and the second was short of the
   * steady second. Since the player times that interval from the frame (player.ts onFirstFrame, as this model does),
   * the gate opens at the second tick either way; the lateness stays modelled for where the frame comes late.
   */
  startupTickLateSeconds: number;
  /** Plain hls.js loads one fragment at a time (the CDN-only cohort); the hybrid's is the policy's httpConcurrency. */
  cdnHttpConcurrency: number;
}

export const playerModelDefaults: PlayerModel = {
  maxPeers: offerDefaults.maxPeers,
  startupOverheadSeconds: 0.3,
  startSegments: 1,
  directSegments: 3,
  p2pStackSeconds: 0.2,
  loaderLagSeconds: 1,
  liveCatchUp: true,
  startupTickLateSeconds: 0.1,
  cdnHttpConcurrency: 1,
};

export interface AudienceModel {
  /** Viewers present at the start (or the steady level). */
  viewers: number;
  /** The initial viewers join spread uniformly over this many seconds... */
  rampSeconds: number;
  /** ...or this many seconds apart, when set (the harness's stagger), each up to `staggerJitterSeconds` late. */
  staggerSeconds?: number;
  staggerJitterSeconds?: number;
  /** Mean session length (exponential), seconds; Infinity: nobody leaves. */
  meanSessionSeconds: number;
  /** Each departure is replaced by a new arrival (Poisson), keeping the audience steady. */
  replaceDepartures: boolean;
  /** A flash crowd: this many extra viewers join uniformly within the window. */
  flash?: { viewers: number; atSeconds: number; overSeconds: number };
  /** Viewers with upload disabled (policy uploadKbps 0). */
  freeRiderFraction: number;
  /** Stream seconds simulated after the first join. */
  seconds: number;
}

export const audienceDefaults: AudienceModel = {
  viewers: 1000,
  rampSeconds: 60,
  meanSessionSeconds: 1200,
  replaceDepartures: true,
  freeRiderFraction: 0,
  seconds: 600,
};

export interface SimConfig {
  seed: number;
  /** false: a CDN-only cohort (the baseline), every segment from the edge. */
  p2p: boolean;
  stream: StreamModel;
  audience: AudienceModel;
  network: NetworkModel;
  edge: EdgeModel;
  tracker: TrackerModel;
  /** The tracker's sub-shards: the edge's own options (policy's subShardDefaults), and whether they are on. */
  subShards: SubShardModel;
  player: PlayerModel;
  /** Overrides of the player's policy defaults, validated by resolvePolicyOptions. */
  policy: Partial<PolicyOptions>;
  /** Time-series bucket width for the report, seconds. */
  bucketSeconds: number;
}

export const simDefaults: SimConfig = {
  seed: 1,
  p2p: true,
  stream: streamDefaults,
  audience: audienceDefaults,
  network: networkDefaults,
  edge: edgeDefaults,
  tracker: trackerModelDefaults,
  subShards: { ...subShardDefaults, enabled: true },
  player: playerModelDefaults,
  policy: {},
  bucketSeconds: 10,
};

/** Partial at each level, so a scenario states only what it changes. */
export interface SimOverrides {
  seed?: number;
  p2p?: boolean;
  stream?: Partial<StreamModel>;
  audience?: Partial<AudienceModel>;
  network?: Partial<NetworkModel>;
  edge?: Partial<EdgeModel>;
  tracker?: Partial<TrackerModel>;
  subShards?: Partial<SubShardModel>;
  player?: Partial<PlayerModel>;
  policy?: Partial<PolicyOptions>;
  bucketSeconds?: number;
}

export function resolveSimConfig(...layers: SimOverrides[]): SimConfig {
  let c: SimConfig = simDefaults;
  for (const o of layers) {
    c = {
      seed: o.seed ?? c.seed,
      p2p: o.p2p ?? c.p2p,
      stream: { ...c.stream, ...o.stream },
      audience: { ...c.audience, ...o.audience },
      network: { ...c.network, ...o.network },
      edge: { ...c.edge, ...o.edge },
      tracker: { ...c.tracker, ...o.tracker },
      subShards: { ...c.subShards, ...o.subShards },
      player: { ...c.player, ...o.player },
      policy: { ...c.policy, ...o.policy },
      bucketSeconds: o.bucketSeconds ?? c.bucketSeconds,
    };
  }
  return c;
}
