/**
 * What the real-browser harnesses measured, read for calibration: both
 * bench:offload's `offload.json` (a row per N) and the compare harness's
 * `results.json` (one N per file) come out as the same plain rows.
 */

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
}

interface OffloadFile {
  settings?: { seconds?: string | number };
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
  options: { viewers: number; seconds: number; staggerSeconds: number; edgeMbps?: number };
  cohorts: {
    name?: string;
    p2p: boolean;
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
    const s = hybrid.summary;
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
      },
    ];
  }
  const d = data as OffloadFile;
  if (!Array.isArray(d.rows)) throw new Error(`${source}: neither bench:offload's nor compare's results`);
  // bench:offload watches --seconds after the last join.
  const seconds = Number(d.settings?.seconds ?? Number.NaN);
  if (!Number.isFinite(seconds)) throw new Error(`${source}: no settings.seconds`);
  return d.rows.map((r) => ({
    viewers: r.viewers,
    secondsAfterLastJoin: seconds,
    source: `${source} (bench:offload)`,
    hybrid: {
      offloadPercent: r.hybrid.offloadPercent,
      stalls: r.hybrid.stalls,
      stalledSeconds: r.hybrid.stalledSeconds,
      latencyP50: r.hybrid.latencyP50,
      startupP50: r.hybrid.startupP50Ms / 1000,
    },
  }));
}
