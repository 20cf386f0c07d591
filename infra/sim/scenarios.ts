/**
 * The scenarios the issue asks for, each a small override of the model's
 * defaults for a given audience size, plus the calibration scenario that
 * mirrors the real-browser benchmark (bench:offload / the compare harness).
 */
import type { SimOverrides } from './model';
import { residentialNatMixAssumption } from './nat';

export interface Scenario {
  name: string;
  /** What it asks. */
  question: string;
  /** Overrides for an audience of `viewers`. */
  overrides(viewers: number): SimOverrides;
  /** Also run a CDN-only cohort under the same conditions, as the same-run baseline. */
  baseline: boolean;
}

/** A steady audience: joins spread over the first minute, 20-minute sessions on average, departures replaced. */
const steady = (viewers: number): SimOverrides => ({
  audience: { viewers, rampSeconds: 60, meanSessionSeconds: 1200, replaceDepartures: true, seconds: 600 },
});

export const scenarios: Record<string, Scenario> = {
  steady: {
    name: 'steady',
    question: 'A steady audience with churn: offload, stalls, start-up and latency as N grows.',
    overrides: steady,
    baseline: true,
  },
  'flash-crowd': {
    name: 'flash-crowd',
    question: '1 000 extra viewers join within 10 s, two minutes in.',
    overrides: (viewers) => ({
      ...steady(viewers),
      audience: { ...steady(viewers).audience, flash: { viewers: 1000, atSeconds: 120, overSeconds: 10 } },
    }),
    baseline: false,
  },
  'free-riders': {
    name: 'free-riders',
    question: 'Half the audience has upload disabled (policy uploadKbps 0).',
    overrides: (viewers) => ({ ...steady(viewers), audience: { ...steady(viewers).audience, freeRiderFraction: 0.5 } }),
    baseline: false,
  },
  'nat-blocked': {
    name: 'nat-blocked',
    question:
      '30% of viewers cannot make any direct connection: UDP blocked, no TURN (bench:nat: udp-blocked reaches nobody).',
    overrides: (viewers) => ({ ...steady(viewers), network: { natMix: { 'udp-blocked': 0.3 } } }),
    baseline: false,
  },
  'nat-symmetric': {
    name: 'nat-symmetric',
    question:
      '30% of viewers behind a symmetric NAT, no TURN: they reach open and full-cone peers, never each other (bench:nat, real Chromium).',
    overrides: (viewers) => ({
      ...steady(viewers),
      network: { natMix: { symmetric: 0.3 } },
    }),
    baseline: false,
  },
  'nat-mix': {
    name: 'nat-mix',
    question:
      'A residential NAT mix (an assumption, nat.ts): 12% open, 20% full cone, 55% port-restricted cone, 10% symmetric, 3% UDP blocked; no TURN, reach per NAT class pair (bench:nat, RFC 4787).',
    overrides: (viewers) => ({ ...steady(viewers), network: { natMix: residentialNatMixAssumption } }),
    baseline: false,
  },
  'tracker-down': {
    name: 'tracker-down',
    question:
      'The tracker is unreachable for one minute (3:00–4:00); clients reconnect on the player’s 2–30 s backoff.',
    overrides: (viewers) => ({ ...steady(viewers), tracker: { outages: [{ fromSeconds: 180, toSeconds: 240 }] } }),
    baseline: false,
  },
  'edge-capped': {
    name: 'edge-capped',
    question: 'The edge can send only half of what the whole audience watches.',
    overrides: (viewers) => ({
      ...steady(viewers),
      // Half the audience's total demand at the mean bitrate.
      edge: { capacityMbps: (0.5 * viewers * 274) / 1000 },
    }),
    baseline: true,
  },
  calibrate: {
    name: 'calibrate',
    question: 'The real-browser benchmark’s set-up: N viewers joining 3 s apart on one machine, 30 s after the last.',
    overrides: (viewers) => calibration(viewers, 30),
    baseline: true,
  },
};

export const scenarioNames = Object.keys(scenarios);

/** What the harness's timing looks like from inside the simulator (tuned). */
export const calibrationWorld = {
  /**
   * Seconds between joins. Both harnesses now share the cohort runner, which opens each page on a fixed schedule
   * (cohort/runner.ts joinTimes, 3 s apart) rather than sleeping 3 s after the previous page loaded: in the shaped
   * compare runs at N = 8 consecutive viewers held 1.57 segments (3.1 s) fewer each (per-viewer segment counts), where
   * the old bench:offload's held 2 (4 s, this value until then). A compare run's own --stagger overrides it (cli.ts).
   */
  staggerSeconds: 3,
  /** Page loads vary: each join lands up to this much later than its slot. */
  staggerJitterSeconds: 1,
  /** ffmpeg, then PUT and commit to a local workerd on a loaded machine: slower than the player's 0.3 s plan. */
  publishLagSeconds: 0.8,
  /** Page, bundle, hls.js and MSE set-up before the first playlist request (fits the CDN cohort's start-up p50). */
  startupOverheadSeconds: 0.35,
};

/**
 * bench:offload's world: every viewer is a Chromium page on one 2-core machine, in one region shard with no ASN or
 * country (the harness passes region=eu only), talking to a local workerd edge. Links are loopback; what limits
 * them is the CPU. The values marked "tuned" were fitted to the real run (see BENCHMARKS.md, sim: calibration).
 */
export function calibration(viewers: number, secondsAfterLastJoin: number): SimOverrides {
  return {
    audience: {
      viewers,
      staggerSeconds: calibrationWorld.staggerSeconds,
      staggerJitterSeconds: calibrationWorld.staggerJitterSeconds,
      rampSeconds: 0,
      meanSessionSeconds: Number.POSITIVE_INFINITY,
      replaceDepartures: false,
      seconds: (viewers - 1) * calibrationWorld.staggerSeconds + secondsAfterLastJoin,
    },
    network: {
      regions: [{ name: 'eu', weight: 1, countries: 0, asnsPerCountry: 0 }],
      access: [
        {
          name: 'loopback',
          weight: 1,
          downMbps: { kind: 'fixed', value: 200 },
          upMbps: { kind: 'fixed', value: 50 },
        },
      ],
      peerRttMs: { sameAsn: 1, sameCountry: 1, sameRegion: 1 },
      edgeRttMs: { kind: 'fixed', value: 1 },
      p2pEfficiency: 1,
      connectSeconds: 1,
      iceFailure: 0,
      natMix: {},
    },
    stream: { publishLagSeconds: calibrationWorld.publishLagSeconds },
    // workerd under wrangler dev on a loaded 2-core machine: tens of ms per request.
    edge: { requestSeconds: 0.05 },
    player: { startupOverheadSeconds: calibrationWorld.startupOverheadSeconds },
  };
}
