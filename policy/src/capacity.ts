/**
 * Knowing when bandwidth allows. A viewer measures its own uplink from what
 * it actually delivered (bytes that left the data channels, not bytes written
 * into them), and each peer's delivery rate from the segments it received
 * from that peer. A first fetcher must feed its fan-out before the deadline;
 * a viewer that cannot, or a peer seen delivering too slowly to do so, is not
 * given the role. Pure: cumulative counters and `now` in, plain data out.
 */
import type { PolicyOptions } from './options';
import { peerUplinkClass } from './roles';
import { noBytesTimeoutSeconds } from './windows';

/** The viewer's own uplink as measured so far. */
export interface UplinkEstimate {
  /** Bytes/s delivered while the uplink was the bottleneck (its capacity); 0 until it has been full for a while. */
  capacityBps: number;
  /** The highest average delivered rate seen over uplinkFloorSeconds: a floor on the capacity. */
  floorBps: number;
  /** The last observation: when, cumulative bytes delivered, and whether the link was full. */
  at: number;
  delivered: number;
  saturated: boolean;
  /** Bytes and seconds between consecutive observations that both found the link full, not yet taken as a sample. */
  fullBytes: number;
  fullSeconds: number;
  /** The same over all time, for the floor. */
  anyBytes: number;
  anySeconds: number;
}

export function newUplinkEstimate(now: number): UplinkEstimate {
  return {
    capacityBps: 0,
    floorBps: 0,
    at: now,
    delivered: 0,
    saturated: false,
    fullBytes: 0,
    fullSeconds: 0,
    anyBytes: 0,
    anySeconds: 0,
  };
}

/**
 * Adds an observation: cumulative bytes delivered and whether data was queued
 * behind the link (the data channels' bufferedAmount, or the simulator's own
 * view of a full link). Only the time between two observations that both
 * found the link full, with no drain seen between them (`drained`), counts
 * towards its capacity: a link that sent one segment in a burst and then
 * idled is not slow, nor is one that idled between two bursts that each
 * happened to be under way at a tick (read as full, that interval under-read
 * the link by its idle share: the simulator's 8 Mbit/s uplinks at 0.67 of
 * their speed, BENCHMARKS.md, session 29). Samples are taken over at
 * least `uplinkIntervalSeconds`, so irregular observations give the same answer.
 * The floor (what the link has been seen delivering, full or not) is averaged
 * over at least `uplinkFloorSeconds`: "delivered" is what left the data
 * channels, and a burst fills SCTP's and the kernel's buffers first, so over a
 * second a link seems to carry more than it can.
 */
export function observeUplink(
  estimate: UplinkEstimate,
  deliveredBytes: number,
  saturated: boolean,
  now: number,
  options: Pick<PolicyOptions, 'uplinkIntervalSeconds' | 'uplinkFloorSeconds'>,
  drained = false,
): UplinkEstimate {
  const seconds = now - estimate.at;
  if (!(seconds > 0)) return saturated === estimate.saturated ? estimate : { ...estimate, saturated };
  const bytes = Math.max(0, deliveredBytes - estimate.delivered);
  const next = { ...estimate, at: now, delivered: Math.max(estimate.delivered, deliveredBytes), saturated };
  if (estimate.saturated && saturated && !drained) {
    next.fullBytes += bytes;
    next.fullSeconds += seconds;
    if (next.fullSeconds >= options.uplinkIntervalSeconds) {
      const rate = next.fullBytes / next.fullSeconds;
      next.capacityBps = estimate.capacityBps === 0 ? rate : 0.7 * estimate.capacityBps + 0.3 * rate;
      next.fullBytes = 0;
      next.fullSeconds = 0;
    }
  }
  next.anyBytes += bytes;
  next.anySeconds += seconds;
  if (next.anySeconds >= options.uplinkFloorSeconds) {
    next.floorBps = Math.max(next.floorBps, next.anyBytes / next.anySeconds);
    next.anyBytes = 0;
    next.anySeconds = 0;
  }
  // A link that delivered more than we thought it could was not measured right: trust the delivery.
  if (next.capacityBps > 0 && next.floorBps > next.capacityBps) next.capacityBps = next.floorBps;
  return next;
}

/** A timed upload of known size (the player's probe to the edge when playback starts). */
export interface UplinkProbe {
  bytes: number;
  seconds: number;
}

/**
 * Seeds an unmeasured uplink from a probe, so a viewer knows its uplink before the role is offered to it. A probe
 * under-reads a fast link (TCP's slow start is part of its time), which is the safe side: it is only used until the
 * link's own deliveries measure it, and a delivery faster than the seed raises it (the floor).
 */
export function seedUplink(estimate: UplinkEstimate, probe: UplinkProbe | undefined): UplinkEstimate {
  if (!probe || estimate.capacityBps > 0 || !(probe.bytes > 0) || !(probe.seconds > 0)) return estimate;
  return { ...estimate, capacityBps: probe.bytes / probe.seconds };
}

/** Bytes/s a first fetcher needs to send each segment to its fan-out within one target duration, with headroom. */
export function firstFetcherNeedBps(
  segmentBytes: number,
  fanoutPeers: number,
  targetDuration: number,
  options: Pick<PolicyOptions, 'uplinkHeadroom'>,
): number {
  return (options.uplinkHeadroom * segmentBytes * Math.max(1, fanoutPeers)) / Math.max(0.1, targetDuration);
}

/**
 * Pure: the peers one first fetcher feeds, which its uplink must carry to take the role: a full fan-out
 * (seederFanout), or, in a swarm smaller than that, every other member: as many as the tracker last counted (the
 * same count for every viewer), or as this viewer is connected to if more (joined since its last announce, or no count
 * yet: the player hears the tracker's count only from its second announce, 30 s after the first); and at least
 * leaderMinFanout, as the swarm grows.
 */
export function leaderFanout(
  swarmMembers: number | undefined,
  connectedPeers: number,
  options: Pick<PolicyOptions, 'seederFanout' | 'leaderMinFanout'>,
): number {
  const counted = swarmMembers !== undefined && Number.isFinite(swarmMembers) ? Math.floor(swarmMembers) - 1 : 0;
  const others = Math.max(counted, connectedPeers);
  return Math.max(1, Math.min(options.seederFanout, Math.max(options.leaderMinFanout, others)));
}

/** The uplink's measured speed, bytes/s: its capacity, or more if it has been seen delivering more. */
export const uplinkSpeed = (estimate: UplinkEstimate): number => Math.max(estimate.capacityBps, estimate.floorBps);

/** One upload request, as it arrives. */
export interface UploadRequest {
  /** Bytes already queued behind the uplink: uploads under way and what waits in the data channels. */
  queuedBytes: number;
  /** The requested segment's size. */
  segmentBytes: number;
  /** Peers this viewer has already taken a request for this same segment from. */
  servedCopies: number;
  /** Of those, the peers that advertised an uplink able to relay it onward (canRelay); absent: none. */
  relayCopies?: number;
  /** The requester is on the last tick's choke list (the budget is contended and it gave too little back); absent: no. */
  choked?: boolean;
}

/**
 * Whether to take one more upload request, at the moment it arrives:
 * - A choked requester is refused (tick.ts, choke): it stays connected, and so keeps its place in every rank and its
 *   connection for when the budget recovers; the edge meets its deadline.
 * - The segment, behind what is already queued for other peers, must be delivered within the deadline margin, or the
 *   requester would give up on it at its margin and fetch it from the edge anyway (the upload wasted, the edge paying
 *   twice). So a slow uplink serves one peer at a time, a fast one many. An unmeasured uplink takes every request.
 * - Upload spreads: a viewer sends one segment to at most `spreadCopies` peers (0: no limit). Every request for a new
 *   segment reaches its first holder within a round trip of its announcement, so without this the fastest uplink
 *   serves everyone (a star). Refused, a requester takes the segment from one of those it was sent to, once they
 *   announce it (p2p-media-loader asks the next holder after an "absent"): a tree, each level within its own uplink.
 * - Upload spreads onto uplinks that can carry it: with `spreadRelays`, a viewer refuses further requests for a
 *   segment only once it has sent it to `spreadRelays` peers that advertised an uplink able to pass it on to as many
 *   more within a target duration (canRelay). Copies to slower or silent uplinks do not count: where the swarm has
 *   too few relays, the star stays, and where it has them, the tree's inner levels are the uplinks that can feed it.
 * - Sent one at a time (`sequentialUploads`), a request waits for those ahead of it before its first byte: if that wait passes the
 *   requester's no-bytes timeout (noBytesTimeoutSeconds), it would drop this peer for the segment before any byte came,
 *   so it is refused now, and tries another holder or the edge at once.
 */
export function admitsUpload(
  request: UploadRequest,
  estimate: UplinkEstimate,
  marginSeconds: number,
  options: Pick<PolicyOptions, 'spreadCopies' | 'spreadRelays'> & Partial<Pick<PolicyOptions, 'sequentialUploads'>>,
): boolean {
  if (request.choked) return false;
  if (options.spreadCopies > 0 && request.servedCopies >= options.spreadCopies) return false;
  if (options.spreadRelays > 0 && (request.relayCopies ?? 0) >= options.spreadRelays) return false;
  if (estimate.capacityBps === 0) return true;
  const queued = Math.max(0, request.queuedBytes);
  const speed = uplinkSpeed(estimate);
  if ((options.sequentialUploads ?? 0) >= 1 && queued / speed > noBytesTimeoutSeconds(marginSeconds)) return false;
  return (queued + Math.max(0, request.segmentBytes)) / speed <= marginSeconds;
}

/**
 * Uplink classes, as a peer id carries them (makePeerId): half-octaves of bytes/s from 1 kB/s, so class c means at
 * least 1000 * 2^(c/2) bytes/s (class 13: 90 kB/s, a 1 Mbit/s DSL uplink; 20: 1 MB/s; 35: 185 MB/s, the top).
 */
export function uplinkClassOf(bps: number): number {
  if (!(bps > 1000)) return 0;
  return Math.min(35, Math.floor(2 * Math.log2(bps / 1000)));
}

/** The least bytes/s an uplink of this class has. */
export const uplinkClassBps = (uplinkClass: number): number => 1000 * 2 ** (uplinkClass / 2);

/**
 * The uplink class a viewer advertises in its peer id (spreadRelays): its probe's speed, capped by its upload cap.
 * None when it has no probe result, or may not upload (it relays nothing, so it must not be counted as a relay).
 */
export function advertisedUplinkClass(
  probe: UplinkProbe | undefined,
  uploadAllowed: boolean,
  options: Pick<PolicyOptions, 'uploadKbps'>,
): number | undefined {
  if (!uploadAllowed || options.uploadKbps <= 0 || !probe || !(probe.bytes > 0) || !(probe.seconds > 0)) {
    return undefined;
  }
  return uplinkClassOf(Math.min(probe.bytes / probe.seconds, (options.uploadKbps * 1000) / 8));
}

/**
 * How long P2P waits for the uplink probe with spreadRelays on, seconds: until the probe is done, but no longer than a
 * relay's uplink would take to send it (relayNeedBps). A probe still running then shows an uplink too slow to relay,
 * which needs no class in its id (a relay is counted only from a class that says so), so P2P starts without one.
 * Without a segment size yet: the probe's own timeout.
 */
export function relayProbeWaitSeconds(
  segmentBytes: number,
  targetDuration: number,
  options: Pick<PolicyOptions, 'spreadRelays' | 'uplinkHeadroom' | 'uplinkProbeBytes' | 'uplinkProbeTimeoutSeconds'>,
): number {
  if (options.spreadRelays <= 0 || options.uplinkProbeBytes <= 0) return 0;
  if (!(segmentBytes > 0)) return options.uplinkProbeTimeoutSeconds;
  const need = relayNeedBps(segmentBytes, targetDuration, options);
  return Math.min(options.uplinkProbeTimeoutSeconds, options.uplinkProbeBytes / need);
}

/** Bytes/s a relay's uplink needs: each segment to `spreadRelays` peers within a target duration, with headroom. */
export const relayNeedBps = (
  segmentBytes: number,
  targetDuration: number,
  options: Pick<PolicyOptions, 'spreadRelays' | 'uplinkHeadroom'>,
): number => firstFetcherNeedBps(segmentBytes, options.spreadRelays, targetDuration, options);

/**
 * Whether a requester could relay a segment onward: the uplink its peer id advertises (at its class's least) carries
 * the segment to `spreadRelays` peers within one target duration, with the first fetcher's headroom. A peer that
 * advertises nothing cannot.
 */
export function canRelay(
  peerId: string,
  segmentBytes: number,
  targetDuration: number,
  options: Pick<PolicyOptions, 'spreadRelays' | 'uplinkHeadroom'>,
): boolean {
  if (options.spreadRelays <= 0) return false;
  const uplinkClass = peerUplinkClass(peerId);
  if (uplinkClass === undefined) return false;
  return uplinkClassBps(uplinkClass) >= relayNeedBps(segmentBytes, targetDuration, options);
}

/** Whether this viewer's uplink can carry the first-fetcher role; unmeasured links are given the benefit of the doubt. */
export function uplinkCanLead(estimate: UplinkEstimate, needBps: number): boolean {
  if (estimate.capacityBps === 0) return true;
  return uplinkSpeed(estimate) >= needBps;
}

/** One segment received from a peer: how long it took from request to last byte. */
export interface PeerTransfer {
  peerId: string;
  bytes: number;
  seconds: number;
}

/** Each peer's measured delivery rate to us, bytes/s, and when it was last measured. */
export interface PeerRate {
  id: string;
  bps: number;
  at: number;
}
export type PeerRates = readonly PeerRate[];

/**
 * Adds the segments received since the last tick (a tick with nothing new allocates nothing). Measurements of
 * peers no longer connected, or older than `peerRateSeconds`, are dropped once they outnumber the connected peers.
 */
export function observePeerRates(
  rates: PeerRates,
  transfers: readonly PeerTransfer[],
  connected: readonly string[],
  now: number,
  options: Pick<PolicyOptions, 'peerRateSeconds'>,
): PeerRates {
  if (transfers.length === 0) return rates;
  let next = rates.length > connected.length + 8 ? rates.filter((r) => fresh(r, connected, now, options)) : [...rates];
  for (const t of transfers) {
    if (!(t.seconds > 0) || !(t.bytes > 0)) continue;
    const bps = t.bytes / t.seconds;
    const i = next.findIndex((r) => r.id === t.peerId);
    const previous = i >= 0 ? next[i] : undefined;
    const rate = { id: t.peerId, bps: previous ? 0.5 * previous.bps + 0.5 * bps : bps, at: now };
    if (i >= 0) next[i] = rate;
    else next = [...next, rate];
  }
  return next;
}

function fresh(
  r: PeerRate,
  connected: readonly string[],
  now: number,
  options: Pick<PolicyOptions, 'peerRateSeconds'>,
) {
  return now - r.at <= options.peerRateSeconds && connected.includes(r.id);
}

/**
 * Peers seen delivering segments more slowly than the stream plays: a whole
 * segment to one receiver took longer than one target duration. Such a peer
 * cannot feed anyone in time; a slow first fetcher serves everyone, so
 * everyone measures it, and every viewer drops it from the rank alike. (No
 * headroom here: a busy but able uploader shares its link among many
 * receivers, and only viewers that measured it would drop it.)
 */
export function slowPeers(
  rates: PeerRates,
  connected: readonly string[],
  segmentBytes: number,
  targetDuration: number,
  now: number,
  options: Pick<PolicyOptions, 'peerRateSeconds'>,
): string[] {
  const need = segmentBytes / Math.max(0.1, targetDuration);
  // A measurement too old, or of a peer that left, no longer says anything.
  return rates.filter((r) => r.bps < need && fresh(r, connected, now, options)).map((r) => r.id);
}
