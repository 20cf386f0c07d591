/**
 * Both floods at once, while four viewers play (hybrid, beacons on): the issue's "tracker flood" and "beacon flood"
 * rows, run together on one stack so they cost one set of viewers. The viewers settle, play a baseline window
 * without a flood, then a window of the same length with both floods on (floods.ts):
 *
 * - tracker flood: 1 000 sockets from one address, each announcing into the stream's real swarms at the per-socket
 *   rate limit (2 a second) and reconnecting when closed or refused. The edge's per-address bound (tracker/limits.ts,
 *   trackerAddressDefaults) must refuse it (429 at the upgrade, the sockets it holds closed 4029) and never serve it:
 *   no flood announce answered, no viewer's offer relayed to it, no answer to its offers. The viewers must not stall,
 *   and their offload in the flood window must be within 5 points of the baseline window's.
 * - beacon flood: 40 beacons a second from one address (ten times the per-address limit of 4 a second), half under
 *   made-up viewer ids, half under four reused ones, claiming a stalling CDN-only viewer from a region of its own. Every one past its address's burst must be answered 429, and none may count: the dashboard
 *   (the stats endpoint) must show the real viewers' figures only, as the viewers' own counters have them.
 *
 * What the drill can not show: a flood from many addresses (a botnet) gets each address's allowance (64 tracker
 * sockets, 4 beacons a second); a flood fast enough to spend an address's beacon burst within the hold (3 s) counts
 * nothing, a slower one at most its address's steady rate (stats/held-beacons.ts). Locally the viewers reach the
 * edge from loopback, which the per-address limits leave alone (lib/address-limiter.ts); the floods come from
 * documentation addresses sent as CF-Connecting-IP, which a client cannot set in production. All of it shares the
 * machine's cores: the harness, which sends the floods, lowers its own priority while they run (the flood's CPU is
 * the attacker's), while workerd, Chromium and ffmpeg keep theirs.
 */
import { setPriority } from 'node:os';
import type { StatsSnapshot } from '@edgeswarm/protocol';
import { beaconAddressDefaults } from '../../../../edge/src/stats/aggregate';
import { trackerAddressDefaults } from '../../../../edge/src/tracker/limits';
import type { CohortSample } from '../../cohort/records';
import { runSwarm } from '../../swarm';
import {
  type BeaconFloodTally,
  type FloodOptions,
  floodDefaults,
  type RunningFlood,
  realInfoHashes,
  startBeaconFlood,
  startTrackerFlood,
  type TrackerFloodTally,
  trackerFloodVerdict,
} from '../floods';
import { startDrillEdge } from '../stack';
import type { Drill } from '../types';

export const floodsLimits = {
  /** The viewers' offload in the flood window within this many points of the baseline window's. */
  offloadPoints: 5,
  /** The dashboard's offload within this many points of the viewers' own (beacons lag the samples by up to 5 s). */
  dashboardOffloadPoints: 5,
  /** Seconds (quick, full): P2P settling after the last join, then each window. */
  settleSeconds: [8, 30] as [number, number],
  /**
   * A 2 s segment that three viewers fetch from the edge instead of a peer (a hiccup, flood or not) moves a window's
   * offload by 150 ÷ seconds points: 5 in 30 s, 2.5 in 60 s.
   */
  windowSeconds: [30, 60] as [number, number],
  /** After the floods stop: the beacon hold (3 s) and a beacon interval (5 s), so the dashboard has caught up. */
  tailSeconds: 9,
  /**
   * --quick (npm test): the same two floods, smaller, still far past every per-address limit (floodFor's test
   * checks it): 200 sockets in two batches of 100 half a second apart (an address may hold 64 and open 4 a second, so
   * the first batch alone is refused past its 64th socket, before any of them announces, as in full), and 20 beacons
   * a second (5× the address's 4). Locally every flood request, refused or not, is handled by the one workerd
   * thread that also answers the viewers' playlists and segments, behind wrangler's dev proxy, on the same two cores:
   * the full form's 1 000 sockets (200 a second for 5 s, then about 60 retries a second) and 40 beacons a second
   * cost about 0.65 of a core at their onset on a quiet machine, and with the machine otherwise busy queued the
   * viewers' requests behind them for seconds (BENCHMARKS.md, #13); in production the refusals are spread over
   * Cloudflare's machines. Opened 20 at a time instead, the first 64 sockets were a household's for 1.5 s and served
   * (offers relayed to them), which the drill's verdict rightly fails.
   */
  quickFlood: { sockets: 200, openBatch: 100, openEveryMs: 500, beaconsPerSecond: 20 },
};

/** Pure: the floods a run sends: the issue's in full, the smaller ramped ones with --quick. */
export function floodFor(quick: boolean): FloodOptions {
  return quick ? { ...floodDefaults, ...floodsLimits.quickFlood } : floodDefaults;
}

const nearest = (samples: readonly CohortSample[], t: number) =>
  samples.reduce<CohortSample | undefined>(
    (best, s) => (best === undefined || Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best),
    undefined,
  );

const share = (p2p: number, http: number) => (p2p + http > 0 ? (100 * p2p) / (p2p + http) : Number.NaN);

/** Pure: the viewers' offload (percent) between the samples nearest `from` and `to` (seconds since the first join). */
export function windowOffload(samples: readonly CohortSample[], from: number, to: number): number {
  const a = nearest(samples, from);
  const b = nearest(samples, to);
  if (!(a && b)) return Number.NaN;
  let p2p = 0;
  let http = 0;
  for (const [i, later] of b.viewers.entries()) {
    if (!later) continue;
    const earlier = a.viewers[i];
    p2p += later.p2pBytes - (earlier?.p2pBytes ?? 0);
    http += later.httpBytes - (earlier?.httpBytes ?? 0);
  }
  return share(p2p, http);
}

/** Pure: the viewers' own offload (percent) at the sample nearest `t`, over everything they fetched until then. */
export function offloadAt(samples: readonly CohortSample[], t: number): number {
  const at = nearest(samples, t);
  const live = at?.viewers.filter((v) => v !== null) ?? [];
  return share(
    live.reduce((s, v) => s + v.p2pBytes, 0),
    live.reduce((s, v) => s + v.httpBytes, 0),
  );
}

export const floods: Drill = {
  name: 'floods',
  title: 'tracker flood (1 000 sockets at the rate limit) and beacon flood (10× the rate limit), 4 viewers playing',
  holds:
    "no stalls; offload within 5 points of the window without the flood; the flood refused, never served; the dashboard's figures are the real viewers' only",
  sampleSeconds: [2, 5],
  timeoutSeconds: [240, 480],
  async run(ctx) {
    const stream = 'drill-floods';
    const viewers = 4;
    const stagger = 2;
    const lastJoin = (viewers - 1) * stagger;
    const settle = floodsLimits.settleSeconds[ctx.quick ? 0 : 1];
    const window = floodsLimits.windowSeconds[ctx.quick ? 0 : 1];
    const baselineFrom = lastJoin + settle;
    const floodFrom = baselineFrom + window;
    const floodTo = floodFrom + window;
    const readAt = floodTo + floodsLimits.tailSeconds;
    const flood = floodFor(ctx.quick);
    const edge = await startDrillEdge(ctx.work);
    let tracker: RunningFlood<TrackerFloodTally> | undefined;
    let beacons: RunningFlood<BeaconFloodTally> | undefined;
    let trackerTally: TrackerFloodTally | undefined;
    let beaconTally: BeaconFloodTally | undefined;
    let before: StatsSnapshot | undefined;
    let after: StatsSnapshot | undefined;
    const stats = async () => {
      const response = await fetch(`${edge.url}/v1/streams/${stream}/stats`);
      if (!response.ok) throw new Error(`the stats endpoint answered ${response.status}`);
      return (await response.json()) as StatsSnapshot;
    };
    try {
      const result = await runSwarm({
        viewers,
        seconds: readAt - lastJoin + 1,
        staggerSeconds: stagger,
        stream,
        edgeUrl: edge.url,
        beacons: true,
        log: ctx.log,
        events: [
          {
            atSeconds: floodFrom,
            run: async () => {
              before = await stats();
              // The flood's own CPU is the attacker's, not the viewers' or the edge's: in full, this process (the
              // harness, which sends the floods) yields to them; workerd, Chromium and ffmpeg keep their priority.
              // Not with --quick, whose flood is small: on a busy machine a harness at nice 19 got so little CPU that
              // its paced openings fired in bursts and its own events came late.
              if (!ctx.quick) setPriority(19);
              const infoHashes = await realInfoHashes(edge.url, stream);
              tracker = startTrackerFlood(edge.url, stream, infoHashes, flood);
              beacons = startBeaconFlood(edge.url, stream, flood);
              ctx.log(
                `floods on: ${flood.sockets} tracker sockets (${(flood.openBatch * 1000) / flood.openEveryMs} opened a second) into ${infoHashes.length} swarms; ${flood.beaconsPerSecond} beacons a second`,
              );
            },
          },
          {
            atSeconds: floodTo,
            run: async () => {
              trackerTally = await tracker?.stop();
              beaconTally = await beacons?.stop();
              ctx.log('floods off');
            },
          },
          {
            atSeconds: readAt,
            run: async () => {
              after = await stats();
            },
          },
        ],
      });
      // A harness short of CPU can reach the cohort's end before the events due just before it: the floods then ran
      // to the end of the watch, and are stopped and read now.
      trackerTally ??= await tracker?.stop();
      beaconTally ??= await beacons?.stop();
      if (trackerTally && beaconTally && !after) {
        ctx.log('the floods ran to the end of the watch');
        after = await stats();
      }
      if (!(trackerTally && beaconTally && before && after)) throw new Error('the floods never ran');

      // The tracker flood.
      const verdict = trackerFloodVerdict(trackerTally, trackerAddressDefaults.maxSocketsPerAddress);
      const served = trackerTally.announcesAnswered + trackerTally.offersReceived + trackerTally.answersReceived;
      ctx.figure('tracker upgrades', trackerTally.attempts);
      ctx.figure('refused 429', trackerTally.refused429);
      ctx.figure('opened', trackerTally.opened);
      ctx.figure('served', served);
      ctx.check(
        'the tracker flood is refused: at most the per-address bound opened, nothing served or relayed to it once refused',
        verdict.ok,
        verdict.detail,
      );
      const stalls = result.viewers.reduce((s, v) => s + v.stalls, 0);
      ctx.figure('stalls', stalls);
      ctx.check(
        'the viewers never stall',
        stalls === 0 && result.viewers.length === viewers && result.viewers.every((v) => v.startupMs !== null),
        result.viewers
          .map((v) => `v${v.viewer + 1} ${v.startupMs === null ? 'never started' : `${v.stalls} stalls`}`)
          .join(', '),
      );
      const baseline = windowOffload(result.samples, baselineFrom, floodFrom);
      const flooded = windowOffload(result.samples, floodFrom, floodTo);
      ctx.figure('offload % before', Number(baseline.toFixed(0)));
      ctx.figure('offload % flood', Number(flooded.toFixed(0)));
      ctx.check(
        `their offload within ${floodsLimits.offloadPoints} points of the window without the flood`,
        Math.abs(flooded - baseline) <= floodsLimits.offloadPoints,
        `${baseline.toFixed(1)}% in the ${window} s before, ${flooded.toFixed(1)}% in the ${window} s of the flood`,
      );

      // The beacon flood.
      const refused = beaconTally.byStatus['429'] ?? 0;
      const admitted = (beaconTally.byStatus['202'] ?? 0) + (beaconTally.byStatus['204'] ?? 0);
      ctx.figure('beacons sent', beaconTally.sent);
      ctx.figure('beacons 429', refused);
      // At most the address's burst (and what refills while it is spent and the requests in flight land) is admitted.
      const burst = beaconAddressDefaults.capacity + 2 * beaconAddressDefaults.refillPerSecond;
      ctx.check(
        "the beacon flood is refused with 429 past its address's burst",
        beaconTally.sent > 0 && refused >= 0.9 * beaconTally.sent && admitted <= burst,
        `${beaconTally.sent} sent under ${beaconTally.viewerIds} viewer ids: ${Object.entries(beaconTally.byStatus)
          .map(([status, n]) => `${n} answered ${status}`)
          .join(', ')}`,
      );
      const dashboardOffload = after.totals.offloadPercent ?? Number.NaN;
      const ownOffload = offloadAt(result.samples, readAt);
      const claims = flood.claims;
      const floodRegion = after.current.regions.find((r) => r.region === claims.region);
      const floodMode = after.totals.byMode[claims.mode];
      const realStallMs = result.viewers.reduce((s, v) => s + v.stalledMs, 0);
      ctx.figure('dashboard viewers', after.totals.viewersSeen);
      ctx.figure('dashboard offload %', Number(dashboardOffload.toFixed(0)));
      const problems = [
        after.totals.viewersSeen !== viewers && `${after.totals.viewersSeen} viewers seen`,
        after.current.viewers !== viewers && `${after.current.viewers} viewers now`,
        floodMode.viewerMs + floodMode.httpBytes > 0 &&
          `${Math.round(floodMode.httpBytes / 1e3)} kB and ${Math.round(floodMode.viewerMs / 1e3)} s of ${claims.mode} viewing`,
        floodRegion && `${floodRegion.viewers} viewers in region ${claims.region}`,
        after.totals.stallMs > realStallMs + 1000 &&
          `${Math.round(after.totals.stallMs)} ms of stalls against the viewers' own ${Math.round(realStallMs)}`,
        after.totals.startups !== viewers && `${after.totals.startups} startups`,
        !(Math.abs(dashboardOffload - ownOffload) <= floodsLimits.dashboardOffloadPoints) &&
          `offload ${dashboardOffload.toFixed(1)}% against the viewers' own ${ownOffload.toFixed(1)}%`,
      ].filter((p): p is string => typeof p === 'string');
      ctx.check(
        "the dashboard's figures are the real viewers' only",
        problems.length === 0,
        problems.length
          ? `the flood counted: ${problems.join('; ')}`
          : `${after.totals.viewersSeen} viewers seen, ${after.current.viewers} now, no ${claims.mode} viewing, no region ${claims.region}, no stalls, ${after.totals.startups} startups; offload ${dashboardOffload.toFixed(1)}% against the viewers' own ${ownOffload.toFixed(1)}%; beacons counted ${before.totals.beacons} before the flood, ${after.totals.beacons} after; refused for their address: ${after.rejections.byReason.rate_limited ?? 0}`,
      );
    } finally {
      await tracker?.stop();
      await beacons?.stop();
      await edge.stop();
    }
  },
};
