/**
 * The hybrid player's tunables: one typed defaults object, validated at
 * construction the way hls.js validates its config (a bad value is clamped
 * into range with a warning, never silently used).
 */
export interface PolicyOptions {
  /** Live latency target, in target durations, measured as wall clock minus the playhead's program date-time. */
  latencyTargetDurations: number;
  /** Seconds kept between the latency target and the worst case, for publishing jitter. */
  safetySeconds: number;
  /** A segment whose deadline is closer than this always comes from the edge. */
  minMarginSeconds: number;
  /** The deadline margin is at least this many HTTP fetch times. */
  marginFetchFactor: number;
  /** Peers one first fetcher can feed in the slack a live segment has. */
  seederFanout: number;
  /**
   * A first fetcher's uplink must feed at least this many peers, however small the swarm (leaderFanout): the swarm
   * grows as viewers join, and a first joiner whose uplink feeds only its first peer or two hands the role on at
   * every join.
   */
  leaderMinFanout: number;
  /** First fetchers per swarm, at least. */
  minSeeders: number;
  /** For this long after starting P2P, a peer with no peers yet waits for them instead of fetching first. */
  newcomerSeconds: number;
  /** Roles rotate this often, so first-fetcher load spreads over the swarm. */
  epochSeconds: number;
  /** Upload cap per viewer, kilobits per second, whatever the uplink; 0 means consume-only. */
  uploadKbps: number;
  /** The upload budget's share of the measured uplink (reciprocity.ts, uploadRateBps): the rest is the viewer's own. */
  uploadShare: number;
  /** Upload budget burst, in seconds of the cap. */
  uploadBurstSeconds: number;
  /** Newest peers served regardless of what they gave back (tit-for-tat's optimistic unchoke). */
  optimisticSlots: number;
  /** Seconds a newcomer keeps its optimistic slot. */
  optimisticSeconds: number;
  /** Peers we keep uploading to when the upload budget is contended. */
  uploadSlots: number;
  /** Seconds a peer that sent a bad segment stays blocked. */
  blockSeconds: number;
  /** A connected peer counts as present for the first-fetcher rank when heard from within this many target durations. */
  activePeerTargetDurations: number;
  /** A connected peer whose segment map lists nothing is left out of the rank once connected this many target durations. */
  silentPeerTargetDurations: number;
  /** The publishing lag the latency plan assumes: a segment's last frame to its commit at the edge, seconds. */
  plannedPublishLagSeconds: number;
  /** Weight of each new edge fetch time in its moving average (the margin follows it). */
  edgeFetchSmoothing: number;
  /** Edge fetches at once (p2p-media-loader's simultaneousHttpDownloads). */
  httpConcurrency: number;
  /** Peer fetches at once (p2p-media-loader's simultaneousP2PDownloads). */
  p2pConcurrency: number;
  /** The uplink is measured over intervals at least this long, seconds. */
  uplinkIntervalSeconds: number;
  /**
   * What the uplink has been seen delivering (the floor under its capacity) is averaged over at least this long,
   * seconds: bytes leave the data channels into SCTP's and the kernel's buffers faster than the link carries them, and
   * over one second a 1 Mbit/s uplink "delivered" 1.57 (BENCHMARKS.md, #17). Idle seconds count too, so over 5 s the
   * floor reads a bursty uplink's load more than its speed; since the capacity no longer samples drained intervals
   * (uplinkDrainSampleSeconds) that costs the simulator's 1 000 viewers on dsl-heavy links 1.7 points (1 s: 75.9%,
   * 5 s: 74.2%), not the 15 once put down to it (BENCHMARKS.md, sessions 28 and 29).
   */
  uplinkFloorSeconds: number;
  /** A first fetcher's uplink must carry its fan-out's segments this many times over (and a peer's delivery, one's). */
  uplinkHeadroom: number;
  /** A peer's measured delivery rate is trusted this long after its last transfer to us, seconds. */
  peerRateSeconds: number;
  /** Bytes queued behind the uplink (bufferedAmount) from which the link counts as full. */
  uplinkFullBytes: number;
  /**
   * While the uplink is full, the player looks at its queue this often between ticks, seconds, to see whether it
   * drained: an interval full at both ticks but drained between them is not a sample of the capacity (capacity.ts).
   */
  uplinkDrainSampleSeconds: number;
  /**
   * P2P starts once playback has kept pace this long after the first frame, seconds, the buffer holds the deadline
   * margin and the device is not strained: until then the hybrid plays as CDN-only. 0: P2P starts with the first frame.
   */
  p2pStartSteadySeconds: number;
  /** Playback keeps pace when the playhead plays at least this share of the wall time in a tick. */
  p2pStartPace: number;
  /** Bytes the player uploads to the edge when playback starts, timing it to know its uplink; 0: no probe. */
  uplinkProbeBytes: number;
  /** The probe gives up after this long; its rate is then taken as what it sent by then, at most. */
  uplinkProbeTimeoutSeconds: number;
  /** The device counts as strained when the once-a-second tick fires this late, seconds. */
  strainTimerLateSeconds: number;
  /** …or when the video drops this share of its frames in a tick, percent… */
  strainDroppedFramesPercent: number;
  /** …counted only over at least this many frames… */
  strainMinFrames: number;
  /**
   * …or when the page's main thread spends this share of a tick in long tasks (50 ms or more), percent; 0: not used.
   * Off: a viewer starved alone (compare --viewer-cpu) shows long tasks only in bursts as its page starts, while its
   * dropped frames already mark it strained (BENCHMARKS.md, #17 item 4). Measured and reported all the same.
   */
  strainLongTaskPercent: number;
  /** Ticks in a row that must show a sign before the device counts as strained. */
  strainStreakTicks: number;
  /**
   * A strained device stays backed off (no upload, no role, wider margin) this long after its streak of signs ends
   * the first time, seconds (device.ts, nextHoldSeconds)…
   */
  strainFirstHoldSeconds: number;
  /** …twice as long each time it relapses within strainHoldSeconds of the last back-off's end, up to this, seconds. */
  strainHoldSeconds: number;
  /** While strained, the deadline margin is this many times its usual value. */
  strainMarginFactor: number;
  /** A viewer sends one segment to at most this many peers; the rest take it from those (a tree, not a star). 0: no limit. */
  spreadCopies: number;
  /**
   * A viewer sends one segment on to others until this many peers able to relay it (their peer id advertises an uplink
   * that carries it to as many more in a target duration) have it; copies to slower uplinks do not count, so without
   * relays the star stays. 0: off. With it on, P2P waits for the uplink probe, whose class the peer id carries.
   */
  spreadRelays: number;
  /**
   * 1: uploads go out one at a time, in the order accepted, each at the whole uplink; the next starts as the one before
   * it drains (player: upload-queue.ts), and a request whose first byte would come after the requester's no-bytes
   * timeout is refused (admitsUpload). 0: every accepted upload is written into its data channel at once and the
   * connections share the uplink (p2p-media-loader's own way).
   */
  sequentialUploads: number;
  /** A peer transfer's finish is projected from its rate only once it has run this long, seconds… */
  abandonSampleSeconds: number;
  /** …and received this many bytes (before that, the no-bytes timeout and the margin guard it). */
  abandonSampleBytes: number;
  /**
   * A viewer that neither fetches first nor relays announces its segments to its peers at most once every this many
   * target durations (kept inside activePeerTargetDurations); 0: on every change, as p2p-media-loader does.
   */
  receiverAnnounceTargetDurations: number;
  /**
   * Peers a receiver holds at most where the tracker names the swarm's earliest members (its announce reply's `named`)
   * and each of them can hold every member (offers.ts peerCap); 0: no such cap.
   */
  receiverMaxPeers: number;
}

export const policyDefaults: PolicyOptions = {
  // 4 until hls.js's catch-up was modelled: held at 4 (4.9 s of live-sync with 2 s segments), 10 000 simulated viewers
  // had too little slack for peer transfers (steady offload 94.3%, 3.98 GB of edge bytes finishing abandoned ones);
  // at 4.5, 96.4% and 0.10 GB. Real browsers at N = 8 lost no offload and played 1 s later (BENCHMARKS.md, #17).
  latencyTargetDurations: 4.5,
  safetySeconds: 0.8,
  minMarginSeconds: 1,
  marginFetchFactor: 3,
  // One first fetcher per 16 peers. At 4 the simulator lost 10 points of offload at 1k viewers for no fewer stalls; 8
  // was the default until uplinks were probed and each upload request was admitted against the margin, after which
  // 16 took steady 10k from 94.6% to 97.0% with no stalls in any scenario (BENCHMARKS.md). Real-browser runs here
  // stop at N = 8, where both give one first fetcher: the evidence for 16 over 8 is the simulator's alone.
  seederFanout: 16,
  leaderMinFanout: 4,
  minSeeders: 1,
  newcomerSeconds: 4,
  epochSeconds: 30,
  // No cap of its own: the budget follows the measured uplink (uploadShare), as the issue asks. A site or a viewer sets
  // one to give less. The old default, 8 Mbit/s, held a 1280x720 fibre first fetcher to 2.7 of its 3 receivers and
  // held nothing back on a 1 Mbit/s DSL uplink (BENCHMARKS.md, #17, session 22).
  uploadKbps: 1_000_000,
  // Four fifths: a first fetcher's 1.5x headroom (uplinkHeadroom) still fits inside it, and a fifth of the uplink
  // stays free for the viewer's own traffic (its TCP acknowledgements among it).
  uploadShare: 0.8,
  uploadBurstSeconds: 4,
  optimisticSlots: 1,
  optimisticSeconds: 20,
  uploadSlots: 4,
  blockSeconds: 120,
  // A closed tab takes ~30 s to time out in WebRTC; a live peer announces a segment every target duration.
  activePeerTargetDurations: 3,
  // One: p2p-media-loader's map arrives within a round trip of the connection, and a tick or two may pass first.
  silentPeerTargetDurations: 1,
  plannedPublishLagSeconds: 0.3,
  edgeFetchSmoothing: 0.2,
  httpConcurrency: 2,
  p2pConcurrency: 3,
  uplinkIntervalSeconds: 1,
  uplinkFloorSeconds: 5,
  uplinkHeadroom: 1.5,
  peerRateSeconds: 300,
  uplinkFullBytes: 16_384,
  // A drain shorter than this may go unseen, and under-reads its interval by at most this share of a second.
  uplinkDrainSampleSeconds: 0.2,
  // A starved device's first frame is followed by seconds in which its playhead barely moves, until hls.js jumps to
  // the live sync point, and its P2P connections cost CPU even while the strain back-off takes nothing from them
  // (BENCHMARKS.md, #17 item 4). A second of steady playback first costs a quiet machine a second or so of P2P.
  p2pStartSteadySeconds: 1,
  p2pStartPace: 0.9,
  // 256 kB: two seconds of a 1 Mbit/s DSL uplink, long enough that the probe reads the link rather than the RTT.
  uplinkProbeBytes: 262_144,
  uplinkProbeTimeoutSeconds: 6,
  // A 1 s timer a quarter-second late means the page's main thread is saturated; hls.js then feeds the buffer late.
  strainTimerLateSeconds: 0.25,
  strainDroppedFramesPercent: 10,
  strainMinFrames: 10,
  strainLongTaskPercent: 0,
  // Start-up and a joining neighbour drop a burst of frames on a busy machine; starvation shows every second.
  strainStreakTicks: 3,
  strainFirstHoldSeconds: 8,
  strainHoldSeconds: 30,
  strainMarginFactor: 2,
  // Off. With 3 copies, real browsers at N = 8 showed a tree (the largest uploader's share of upload 97% -> 42%, 7 of 8
  // viewers uploading) but lost offload where the next level's uplinks are slow: 91% -> 71-77% of the bound on dsl-heavy,
  // 92% -> 88-91% on residential (BENCHMARKS.md). Steady 10k in the simulator: 97.0% -> 96.6%. `compare --policy
  // spreadCopies=3` measures it; a rule that spreads only onto uplinks that can carry it is the next step.
  spreadCopies: 0,
  // Off until real runs under both residential and dsl-heavy support it (BENCHMARKS.md, "Upload spreads onto relays").
  spreadRelays: 0,
  sequentialUploads: 0,
  // Half a second and one 16 KiB data-channel message: enough to read the link rather than the round trip, early
  // enough that a 2 s segment's edge fetch still has most of its slack.
  abandonSampleSeconds: 0.5,
  abandonSampleBytes: 16_384,
  // Every other segment: halves a receiver's announcements (its most frequent data-channel message at N = 8) while it
  // is still heard within the 3-target-duration presence window (BENCHMARKS.md, #17 renderer CPU).
  receiverAnnounceTargetDurations: 2,
  // Off: with the tracker naming its 2 earliest members (TRACKER_NAMED_MEMBERS), receivers at 2 held under half the
  // peers at the same offload up to 16 simulated viewers and in real browsers at N = 8, but a named pair that cannot
  // lead (a DSL uplink, a CPU-strained leader) leaves receivers leading themselves: 23 points lost in the simulator, 7
  // in one real run; and no renderer saving showed (BENCHMARKS.md, "The earliest members named, in real browsers").
  receiverMaxPeers: 0,
};

const ranges: Record<keyof PolicyOptions, [number, number]> = {
  latencyTargetDurations: [3, 60],
  safetySeconds: [0, 10],
  minMarginSeconds: [0.2, 30],
  marginFetchFactor: [1, 10],
  seederFanout: [1, 100],
  leaderMinFanout: [1, 100],
  minSeeders: [1, 100],
  newcomerSeconds: [0, 60],
  epochSeconds: [5, 3600],
  uploadKbps: [0, 1_000_000],
  uploadShare: [0.05, 1],
  uploadBurstSeconds: [1, 60],
  optimisticSlots: [0, 10],
  optimisticSeconds: [0, 600],
  uploadSlots: [1, 50],
  blockSeconds: [0, 86_400],
  activePeerTargetDurations: [1, 30],
  silentPeerTargetDurations: [0.25, 30],
  plannedPublishLagSeconds: [0, 30],
  edgeFetchSmoothing: [0.01, 1],
  httpConcurrency: [1, 10],
  p2pConcurrency: [1, 20],
  uplinkIntervalSeconds: [0.2, 30],
  uplinkFloorSeconds: [0.2, 60],
  uplinkHeadroom: [1, 10],
  peerRateSeconds: [1, 3600],
  uplinkFullBytes: [1024, 16_777_216],
  uplinkDrainSampleSeconds: [0.02, 1],
  p2pStartSteadySeconds: [0, 60],
  p2pStartPace: [0.1, 1],
  uplinkProbeBytes: [0, 1_048_576],
  uplinkProbeTimeoutSeconds: [1, 60],
  strainTimerLateSeconds: [0.05, 60],
  strainDroppedFramesPercent: [1, 100],
  strainMinFrames: [1, 1000],
  strainLongTaskPercent: [0, 100],
  strainStreakTicks: [1, 60],
  strainFirstHoldSeconds: [0, 3600],
  strainHoldSeconds: [0, 3600],
  strainMarginFactor: [1, 10],
  spreadCopies: [0, 100],
  spreadRelays: [0, 100],
  sequentialUploads: [0, 1],
  abandonSampleSeconds: [0, 30],
  abandonSampleBytes: [0, 16_777_216],
  receiverAnnounceTargetDurations: [0, 30],
  receiverMaxPeers: [0, 100],
};

export function resolvePolicyOptions(partial: Partial<Record<keyof PolicyOptions, unknown>> = {}): {
  options: PolicyOptions;
  warnings: string[];
} {
  const options = { ...policyDefaults };
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(partial) as [keyof PolicyOptions, unknown][]) {
    if (value === undefined) continue;
    if (!(key in ranges)) {
      warnings.push(`unknown option ${key} ignored`);
      continue;
    }
    const [min, max] = ranges[key];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      warnings.push(`${key} must be a number; using ${policyDefaults[key]}`);
      continue;
    }
    const clamped = Math.min(max, Math.max(min, value));
    if (clamped !== value) warnings.push(`${key}=${value} is outside [${min}, ${max}]; using ${clamped}`);
    options[key] = clamped;
  }
  return { options, warnings };
}
