/**
 * What the real-browser harnesses measured, read for calibration: both
 * bench:offload's `offload.json` (a row per N) and the compare harness's
 * `results.json` (one N per file) come out as the same plain rows.
 */
import type { PolicyOptions } from '@edgeswarm/policy';
import { parseNatSpec } from '../src/cohort/viewer-nat';
import type { SimOverrides } from './model';
import type { NatClass } from './nat';
import { calibrationWorld } from './scenarios';

/**
 * The latency target, in target durations, of every hybrid in a file that does not record its policy: the player's
 * default until 4.5 became it, and the harnesses recorded the hybrid's whole policy from then on.
 */
export const unrecordedLatencyTargetDurations = 4;

/**
 * The P2P start gate (p2p-start.ts) of a hybrid whose file does not record it: off, P2P asked for at the first frame, as
 * every player did before 57a167e added the gate (the harnesses recorded the whole policy from c91be3b on, so a
 * recorded policy without the key is from before the gate too).
 */
export const ungatedP2PStartSteadySeconds = 0;

/** The policy a file records, with what it cannot record read as the player was then. */
function asPlayed(policy: Partial<PolicyOptions>): Partial<PolicyOptions> {
  return policy.p2pStartSteadySeconds === undefined
    ? { ...policy, p2pStartSteadySeconds: ungatedP2PStartSteadySeconds }
    : policy;
}

export interface RealRun {
  viewers: number;
  /** How long the viewers watched after the last of them joined, as the simulator's calibration counts it. */
  secondsAfterLastJoin: number;
  /** Which file and harness it came from. */
  source: string;
  /** Seconds between the harness's joins (compare's --stagger); absent: the calibration world's. */
  staggerSeconds?: number;
  hybrid: { offloadPercent: number; stalls: number; stalledSeconds: number; latencyP50: number; startupP50: number };
  /** The hybrid's offload per link profile (compare with --network); absent on loopback runs. */
  byProfile?: { profile: string; viewers: number; offloadPercent: number }[];
  /** Each viewer's NAT by join order (compare's --nat, as its harness placed them); absent: nobody behind a NAT. */
  nat?: NatClass[];
  /**
   * The policy the real hybrid played with, as far as its file says: the whole of it where the harness recorded it,
   * else the latency target it then had (`unrecordedLatencyTargetDurations`, or the cohort's `--latency`) and the
   * values `--policy` changed. The simulated hybrid plays with it, so that the calibration sets like beside like.
   */
  policy: Partial<PolicyOptions>;
}

interface OffloadFile {
  settings?: { seconds?: string | number };
  policy?: PolicyOptions;
  rows?: {
    viewers: number;
    hybrid: {
      offloadPercent: number;
      stalls: number;
      stalledSeconds: number;
      latencyP50: number;
      startupP50Ms: number;
    };
  }[];
}

interface CompareFile {
  kind: 'edgeswarm-compare';
  options: {
    viewers: number;
    seconds: number;
    staggerSeconds: number;
    edgeMbps?: number;
    nat?: string;
    policy?: Partial<Record<keyof PolicyOptions, number>>;
  };
  cohorts: {
    name?: string;
    p2p: boolean;
    /** In a latency sweep: the cohort's latency-target. */
    latency?: 'low' | 'default' | number;
    /** The hybrid's whole policy, as the harness set it. */
    policy?: PolicyOptions;
    summary: {
      viewers: number;
      offloadPercent: number;
      stalls: number;
      stalledSeconds: number;
      latencyP50Seconds: number | null;
      startupP50Ms: number | null;
    };
    byProfile?: { profile: string; viewers: number; offloadPercent: number }[];
  }[];
}

/** Rows from one parsed file; throws with the reason when it is neither format. */
export function realRunsFrom(data: unknown, source: string): RealRun[] {
  if (typeof data !== 'object' || data === null) throw new Error(`${source}: not a JSON object`);
  if ((data as { kind?: unknown }).kind === 'edgeswarm-compare') {
    const d = data as CompareFile;
    if (d.options.edgeMbps !== undefined) {
      throw new Error(`${source}: a run with the edge capped (--edge-mbps) is not the calibration set-up`);
    }
    // The hybrid cohort by name; files from before stock p2p-media-loader was a cohort have only `p2p`.
    const hybrid = d.cohorts.find((c) => c.name === 'hybrid') ?? d.cohorts.find((c) => c.name === undefined && c.p2p);
    if (!hybrid) throw new Error(`${source}: no hybrid cohort`);
    if (hybrid.latency === 'low') {
      throw new Error(
        `${source}: its hybrid played in low-latency mode (LL-HLS parts), which the simulator does not model`,
      );
    }
    const s = hybrid.summary;
    const nat = d.options.nat === undefined ? undefined : parseNatSpec(d.options.nat, d.options.viewers);
    if (nat && 'error' in nat) throw new Error(`${source}: ${nat.error}`);
    const policy = asPlayed(
      hybrid.policy ?? {
        latencyTargetDurations: typeof hybrid.latency === 'number' ? hybrid.latency : unrecordedLatencyTargetDurations,
        ...d.options.policy,
      },
    );
    return [
      {
        viewers: s.viewers,
        // A compare cohort lasts --seconds from its first join.
        secondsAfterLastJoin: d.options.seconds - (s.viewers - 1) * d.options.staggerSeconds,
        source: `${source} (compare)`,
        staggerSeconds: d.options.staggerSeconds,
        hybrid: {
          offloadPercent: s.offloadPercent,
          stalls: s.stalls,
          stalledSeconds: s.stalledSeconds,
          latencyP50: s.latencyP50Seconds ?? Number.NaN,
          startupP50: (s.startupP50Ms ?? Number.NaN) / 1000,
        },
        ...(hybrid.byProfile?.some((p) => p.profile !== 'loopback')
          ? {
              byProfile: hybrid.byProfile.map((p) => ({
                profile: p.profile,
                viewers: p.viewers,
                offloadPercent: p.offloadPercent,
              })),
            }
          : {}),
        ...(nat?.kinds.some((k) => k !== 'open') ? { nat: nat.kinds } : {}),
        policy,
      },
    ];
  }
  const d = data as OffloadFile;
  if (!Array.isArray(d.rows)) throw new Error(`${source}: neither bench:offload's nor compare's results`);
  // bench:offload watches --seconds after the last join.
  const seconds = Number(d.settings?.seconds ?? Number.NaN);
  if (!Number.isFinite(seconds)) throw new Error(`${source}: no settings.seconds`);
  const policy = asPlayed(d.policy ?? { latencyTargetDurations: unrecordedLatencyTargetDurations });
  return d.rows.map((r) => ({
    viewers: r.viewers,
    secondsAfterLastJoin: seconds,
    source: `${source} (bench:offload)`,
    policy,
    hybrid: {
      offloadPercent: r.hybrid.offloadPercent,
      stalls: r.hybrid.stalls,
      stalledSeconds: r.hybrid.stalledSeconds,
      latencyP50: r.hybrid.latencyP50,
      startupP50: r.hybrid.startupP50Ms / 1000,
    },
  }));
}

/**
 * A calibration run's overrides for N viewers, set beside the real run of that N (if any): it watches as long after
 * the last join as the real run did (or `seconds`), its viewers join as far apart, and its hybrid plays with the
 * policy the real one recorded. `set` (--set) is applied under these, except its policy values, which win.
 */
export function calibrationOverrides(
  viewers: number,
  real: RealRun | undefined,
  set: SimOverrides,
  seconds?: number,
): SimOverrides {
  const overrides: SimOverrides = { ...set };
  const after = seconds ?? real?.secondsAfterLastJoin;
  const stagger = real?.staggerSeconds;
  if (after !== undefined || stagger !== undefined) {
    const apart = stagger ?? calibrationWorld.staggerSeconds;
    overrides.audience = {
      ...set.audience,
      ...(after === undefined ? {} : { seconds: (viewers - 1) * apart + after }),
      ...(stagger === undefined ? {} : { staggerSeconds: stagger }),
    };
  }
  if (real) overrides.policy = { ...real.policy, ...set.policy };
  // The same viewers behind the same NATs as in the real run, unless --set places them itself.
  if (real?.nat && !set.network?.natOrder) overrides.network = { ...set.network, natOrder: real.nat };
  return overrides;
}
