/**
 * What bench:startup takes, read and checked before anything starts (no wrangler for a typo), as the other
 * benches' (bench-args.ts). Pure: argv in, the settings, the usage or the mistake out.
 */
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';
import { isNetworkName, type NetworkName, networkNames } from '../src/link-profiles';

export const startupBenchUsage = `usage: npm run bench:startup -- [--rounds 16] [--warm 3] [--network loopback|residential|dsl-heavy|<profile>]
       [--warmup 20] [--hold 2] [--gap 1] [--out bench-results/startup-<time>.json]

Time to first frame, CDN-only against the hybrid, one newcomer at a time on one live stream on the local edge
(wrangler dev), in a private network namespace. A warm swarm of --warm hybrid viewers plays throughout (from
--warmup s before the first round), so a hybrid newcomer has peers, as in real life. Each round opens one CDN-only
page and one hybrid page, one after the other (ABBA: the order swaps every round), each closed --hold s after its
first frame, --gap s between pages. With --network each newcomer and each warm viewer sits behind its own shaped
link (a round's two newcomers behind the same one).
Prints p50/p90 of each cohort (navigation start to the player's first \`playing\`, as the player's own
playback.startedAt; also the player's construction to it, compare's start-up figure, and the first frame
presented), the hybrid ÷ CDN-only ratio with its per-round spread and a bootstrap interval, and the CPU load;
writes the JSON (default bench-results/startup-<time>.json).`;

const startupOptions = {
  rounds: { type: 'string', default: '16' },
  warm: { type: 'string', default: '3' },
  network: { type: 'string', default: 'loopback' },
  warmup: { type: 'string', default: '20' },
  hold: { type: 'string', default: '2' },
  gap: { type: 'string', default: '1' },
  out: { type: 'string' },
} satisfies OptionTable;

export interface StartupBenchArgs {
  rounds: number;
  warm: number;
  network: NetworkName;
  warmupSeconds: number;
  holdSeconds: number;
  gapSeconds: number;
  out?: string;
}

/** Seconds of warm-up each warm viewer needs: its join, at most 2 s after the previous one, and its first segments. */
export const startupWarmupPerViewer = 3;

/** Bounded: two cores, and the run must end within minutes. */
const bounds = {
  rounds: { min: 1, max: 100 },
  warm: { min: 0, max: 8 },
  warmup: { min: 0, max: 120 },
  hold: { min: 0, max: 30 },
  gap: { min: 0, max: 30 },
} as const;

function numberIn(name: keyof typeof bounds, raw: string, integer: boolean): number | string {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const { min, max } = bounds[name];
  const fits = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  return fits
    ? value
    : `--${name} takes ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(raw)}`;
}

export function parseStartupBenchArgs(argv: readonly string[]): CliRequest<StartupBenchArgs> {
  const parsed = parseOptions(argv, startupOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  const read = {
    rounds: numberIn('rounds', values.rounds, true),
    warm: numberIn('warm', values.warm, true),
    warmup: numberIn('warmup', values.warmup, false),
    hold: numberIn('hold', values.hold, false),
    gap: numberIn('gap', values.gap, false),
  };
  for (const value of Object.values(read)) if (typeof value === 'string') return { ok: false, reason: value };
  if (!isNetworkName(values.network)) {
    return {
      ok: false,
      reason: `--network takes one of ${networkNames.join(', ')}, not ${JSON.stringify(values.network)}`,
    };
  }
  if ((read.warm as number) > 0 && (read.warmup as number) < startupWarmupPerViewer * (read.warm as number)) {
    return {
      ok: false,
      reason: `--warmup must give the ${read.warm} warm viewers time to join and play: at least ${startupWarmupPerViewer * (read.warm as number)} s (${startupWarmupPerViewer} s each)`,
    };
  }
  if (values.out !== undefined && values.out.trim() === '') return { ok: false, reason: '--out takes a file path' };
  const n = (name: keyof typeof read) => read[name] as number;
  return {
    ok: true,
    value: {
      rounds: n('rounds'),
      warm: n('warm'),
      network: values.network,
      warmupSeconds: n('warmup'),
      holdSeconds: n('hold'),
      gapSeconds: n('gap'),
      ...(values.out === undefined ? {} : { out: values.out }),
    },
  };
}
