/**
 * What bench:edge, bench:live and bench:offload take, read and checked before anything starts (no
 * wrangler, no browser for a typo). Pure: argv in, the settings, the usage or the mistake out.
 */
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';
import { isNetworkName, type NetworkName, networkNames } from '../src/link-profiles';

export const edgeBenchUsage = `usage: npm run bench:edge -- [--seconds 10] [--connections 16] [--size 500000]

Cache-hit segment fetches from the edge (wrangler dev / workerd) vs a plain Node static server serving
the same bytes, with wrk (one thread) in the same run: --seconds of load with --connections each, on a
segment of --size bytes. Prints both and the ratio; writes bench-results/edge.json.`;

export const liveBenchUsage = `usage: npm run bench:live -- [--pollers 200] [--segments 15] [--target-duration 1]

What a live stream's pollers cost with blocking playlist reload vs naive polling, against the same local
edge in the same run: requests, coordinator calls, wake-ups and storage reads per new segment, and
publish-to-playable lag. Writes bench-results/live.json.`;

export const offloadBenchUsage = `usage: npm run bench:offload -- [--viewers 4,8] [--seconds 30] [--stagger 3]
       [--network loopback|residential|dsl-heavy|<profile>]

A CDN-only and a hybrid cohort of headless viewers per N, one after the other, each in a private network
namespace; with --network each viewer behind a shaped link (profiles: ${networkNames.join(', ')}).
Prints offload against the (N−1)/N bound, edge bytes, stalls, start-up and latency, with hybrid ÷ CDN
ratios; writes bench-results/offload.json.`;

type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A number from the command line, positive (or, with `zero`, not negative), whole when `integer`. */
function count(name: string, raw: string, { integer = true, zero = false } = {}): Checked<number> {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const fits = Number.isFinite(value) && (zero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (fits) return { ok: true, value };
  const what = `${zero ? 'a non-negative' : 'a positive'} ${integer ? 'integer' : 'number'}`;
  return { ok: false, reason: `--${name} takes ${what}, not ${JSON.stringify(raw)}` };
}

/** Each of the named options as a number, or the first that is not one. */
function counts<K extends string>(
  values: NoInfer<Record<K, string>>,
  rules: Record<K, { integer?: boolean; zero?: boolean }>,
): Checked<Record<K, number>> {
  const out = {} as Record<K, number>;
  for (const name of Object.keys(rules) as K[]) {
    const checked = count(name, values[name], rules[name]);
    if (!checked.ok) return checked;
    out[name] = checked.value;
  }
  return { ok: true, value: out };
}

const edgeOptions = {
  seconds: { type: 'string', default: '10' },
  connections: { type: 'string', default: '16' },
  size: { type: 'string', default: '500000' },
} satisfies OptionTable;

export function parseEdgeBenchArgs(
  argv: readonly string[],
): CliRequest<{ seconds: number; connections: number; size: number }> {
  const parsed = parseOptions(argv, edgeOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  return counts(parsed.value.values, { seconds: {}, connections: {}, size: {} });
}

const liveOptions = {
  pollers: { type: 'string', default: '200' },
  segments: { type: 'string', default: '15' },
  'target-duration': { type: 'string', default: '1' },
} satisfies OptionTable;

export function parseLiveBenchArgs(
  argv: readonly string[],
): CliRequest<{ pollers: number; segments: number; targetDuration: number }> {
  const parsed = parseOptions(argv, liveOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const read = counts(parsed.value.values, { pollers: {}, segments: {}, 'target-duration': {} });
  if (!read.ok) return read;
  const { pollers, segments, 'target-duration': targetDuration } = read.value;
  return { ok: true, value: { pollers, segments, targetDuration } };
}

const offloadOptions = {
  viewers: { type: 'string', default: '4,8' },
  seconds: { type: 'string', default: '30' },
  stagger: { type: 'string', default: '3' },
  network: { type: 'string', default: 'loopback' },
} satisfies OptionTable;

export function parseOffloadBenchArgs(
  argv: readonly string[],
): CliRequest<{ viewers: number[]; seconds: number; stagger: number; network: NetworkName }> {
  const parsed = parseOptions(argv, offloadOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  const viewers: number[] = [];
  for (const raw of values.viewers.split(',')) {
    const n = count('viewers', raw);
    if (!n.ok) return { ok: false, reason: `--viewers takes positive integers, e.g. 4,8, not ${values.viewers}` };
    viewers.push(n.value);
  }
  const read = counts(values, { seconds: { integer: false }, stagger: { integer: false, zero: true } });
  if (!read.ok) return read;
  if (!isNetworkName(values.network)) {
    return {
      ok: false,
      reason: `--network must be one of ${networkNames.join(', ')}, not ${JSON.stringify(values.network)}`,
    };
  }
  return { ok: true, value: { viewers, ...read.value, network: values.network } };
}
