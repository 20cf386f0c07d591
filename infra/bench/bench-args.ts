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

/** Bounds on a bench:live run: pollers are Node fetch loops on this machine, and each mode runs twice. */
export const liveBenchLimits = {
  maxPollers: 5000,
  /** --segments × --target-duration, per mode. */
  maxSecondsPerMode: 120,
};

export const liveBenchUsage = `usage: npm run bench:live -- [--pollers 200] [--segments 15] [--target-duration 1]
       npm run bench:live -- --parts [--part-seconds 0.5] [--pollers 1000] [--segments 6] [--target-duration 2]

What a live stream's pollers cost with blocking playlist reload vs naive polling, against the same local
edge in the same run: requests, coordinator calls, wake-ups and storage reads per new segment, and
publish-to-playable lag. Writes bench-results/live.json.
--parts: the publisher sends LL-HLS parts (--part-seconds each, a whole number of them to a segment);
blocking pollers reload with _HLS_msn/_HLS_part and fetch each preload-hinted part, naive ones poll every
half part and fetch each new part; figures per part. Writes bench-results/live-parts.json.
At most ${liveBenchLimits.maxPollers} pollers and ${liveBenchLimits.maxSecondsPerMode} s of publishing per mode.`;

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

/** Defaults per mode: whole segments as before; parts as the row asks (1 000 pollers, 0.5 s parts of 2 s segments). */
export const liveBenchDefaults = {
  segments: { pollers: 200, segments: 15, targetDuration: 1 },
  parts: { pollers: 1000, segments: 6, targetDuration: 2, partSeconds: 0.5 },
};

const liveOptions = {
  pollers: { type: 'string' },
  segments: { type: 'string' },
  'target-duration': { type: 'string' },
  parts: { type: 'boolean', default: false },
  'part-seconds': { type: 'string' },
} satisfies OptionTable;

export type LiveBenchSettings =
  | { parts: false; pollers: number; segments: number; targetDuration: number }
  | { parts: true; pollers: number; segments: number; targetDuration: number; partSeconds: number };

export function parseLiveBenchArgs(argv: readonly string[]): CliRequest<LiveBenchSettings> {
  const parsed = parseOptions(argv, liveOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  const parts = values.parts === true;
  if (!parts && values['part-seconds'] !== undefined) {
    return { ok: false, reason: '--part-seconds goes with --parts' };
  }
  const defaults = parts ? liveBenchDefaults.parts : liveBenchDefaults.segments;
  const read = counts(
    {
      pollers: values.pollers ?? String(defaults.pollers),
      segments: values.segments ?? String(defaults.segments),
      'target-duration': values['target-duration'] ?? String(defaults.targetDuration),
    },
    { pollers: {}, segments: {}, 'target-duration': {} },
  );
  if (!read.ok) return read;
  const { pollers, segments, 'target-duration': targetDuration } = read.value;
  if (pollers > liveBenchLimits.maxPollers) {
    return { ok: false, reason: `--pollers is at most ${liveBenchLimits.maxPollers}, not ${pollers}` };
  }
  if (segments * targetDuration > liveBenchLimits.maxSecondsPerMode) {
    return {
      ok: false,
      reason: `--segments × --target-duration is at most ${liveBenchLimits.maxSecondsPerMode} s per mode, not ${segments * targetDuration} s`,
    };
  }
  if (!parts) return { ok: true, value: { parts, pollers, segments, targetDuration } };
  const part = count('part-seconds', values['part-seconds'] ?? String(liveBenchDefaults.parts.partSeconds), {
    integer: false,
  });
  if (!part.ok) return part;
  const partSeconds = part.value;
  // The edge's own rule (resolvePartTarget), and a whole number of parts to a segment, so the preload hint always names a part that comes.
  const perSegment = targetDuration / partSeconds;
  if (partSeconds < 0.1 || partSeconds > targetDuration / 2 || Math.abs(perSegment - Math.round(perSegment)) > 1e-9) {
    return {
      ok: false,
      reason: `--part-seconds must be at least 0.1, at most half of --target-duration (${targetDuration}), and divide it into whole parts, not ${partSeconds}`,
    };
  }
  return { ok: true, value: { parts, pollers, segments, targetDuration, partSeconds } };
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

export const chromiumBenchUsage = `usage: npm run bench:chromium -- [--pages 4] [--seconds 20] [--rounds 2]

What a viewer page costs in each Chromium build the harnesses can run (infra/src/browser.ts), in the same
run: Debian's headless shell against the full browser, the full browser as the baseline. Each round launches
each build in turn (the order swapped every round), opens --pages pages one after the other, each playing a
320x180 30 fps clip in a <video>, then lets them play --seconds. Chromium's own per-process CPU times give
CPU seconds per page opened and the playing pages' CPU, % of a core per page. Prints both builds and the
shell ÷ full ratios; writes bench-results/chromium.json.`;

export interface ChromiumBenchSettings {
  pages: number;
  seconds: number;
  rounds: number;
}

const chromiumOptions = {
  pages: { type: 'string', default: '4' },
  seconds: { type: 'string', default: '20' },
  rounds: { type: 'string', default: '2' },
} satisfies OptionTable;

/** Bounds on a bench:chromium run: browsers on this machine, every round launching both builds. */
export const chromiumBenchLimits = { maxPages: 16, maxSeconds: 300, maxRounds: 10 };

export function parseChromiumBenchArgs(argv: readonly string[]): CliRequest<ChromiumBenchSettings> {
  const parsed = parseOptions(argv, chromiumOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const read = counts(parsed.value.values, { pages: {}, seconds: { integer: false }, rounds: {} });
  if (!read.ok) return read;
  const { pages, seconds, rounds } = read.value;
  const { maxPages, maxSeconds, maxRounds } = chromiumBenchLimits;
  if (pages > maxPages) return { ok: false, reason: `--pages is at most ${maxPages}, not ${pages}` };
  if (seconds > maxSeconds) return { ok: false, reason: `--seconds is at most ${maxSeconds}, not ${seconds}` };
  if (rounds > maxRounds) return { ok: false, reason: `--rounds is at most ${maxRounds}, not ${rounds}` };
  return { ok: true, value: read.value };
}

export const transportBenchUsage = `usage: npm run bench:transport -- [--mb 4] [--segment-kb 68] [--messages 2000] [--connections 10]
       [--idle-seconds 20] [--rounds 3] [--link-mbps <n>] [--results bench-results/<compare run>/results.json]
       [--costs bench-results/transport.json]

What moving a viewer's segments onto WebRTC costs the receiving renderer, against fetching the same bytes over
HTTP, in the same run: two headless Chromium browsers in a private network namespace, nothing else. Each round
measures, by Chromium's own per-process CPU times and the renderer's threads, (1) --mb MB fetched over HTTP as
segments of --segment-kb, (2) the same segments over one data channel as p2p-media-loader sends them (a request,
then chunks of at most 64 KiB), (3) --messages small messages like its segment announcements, (4) --connections
connections opened and closed, (5) as many offers nobody answers, (6) --connections connections held open and idle
for --idle-seconds, each less the browsers' own idle CPU over the same time. --link-mbps puts every byte between
the two browsers and the server through a link of that rate (tbf on the namespace's loopback, its MTU 1500, as
compare shapes a viewer's veth): the packets then arrive as a real link delivers them, not in loopback's bursts. Prints CPU per MB, per 1 000 messages,
per connection, per unanswered offer and per connection-minute, the data channel ÷ HTTP ratio, and what they predict for a hybrid viewer; writes
bench-results/transport.json. --results takes a compare run's results.json (one from a run that counted each
viewer's transport) and sets, per P2P cohort, the renderer CPU its viewers spent over their CDN-only counterparts
beside what these costs predict for the transport they counted. --costs prices with an earlier run's readings
(its transport.json) instead of measuring: no browser starts and nothing is written.`;

export interface TransportBenchSettings {
  mb: number;
  segmentKb: number;
  messages: number;
  connections: number;
  idleSeconds: number;
  rounds: number;
  /** Every byte through a link of this rate (tbf on the namespace's loopback); absent: loopback's own speed. */
  linkMbps?: number;
  /** A compare run's results.json to explain. */
  results?: string;
  /** An earlier bench:transport's transport.json, whose readings are priced instead of measuring. */
  costs?: string;
}

const transportOptions = {
  mb: { type: 'string', default: '4' },
  'segment-kb': { type: 'string', default: '68' },
  messages: { type: 'string', default: '2000' },
  connections: { type: 'string', default: '10' },
  'idle-seconds': { type: 'string', default: '20' },
  rounds: { type: 'string', default: '3' },
  'link-mbps': { type: 'string' },
  results: { type: 'string' },
  costs: { type: 'string' },
} satisfies OptionTable;

/** Bounds on a bench:transport run: two browsers on this machine, every round repeating every phase. */
export const transportBenchLimits = {
  mb: 64,
  'segment-kb': 4096,
  messages: 100_000,
  connections: 50,
  'idle-seconds': 300,
  rounds: 10,
  'link-mbps': 1000,
};

export function parseTransportBenchArgs(argv: readonly string[]): CliRequest<TransportBenchSettings> {
  const parsed = parseOptions(argv, transportOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { results, costs, 'link-mbps': linkMbps, ...values } = parsed.value.values;
  const link = linkMbps === undefined ? undefined : count('link-mbps', linkMbps, { integer: false });
  if (link && !link.ok) return link;
  if (link && link.value > transportBenchLimits['link-mbps'])
    return { ok: false, reason: `--link-mbps is at most ${transportBenchLimits['link-mbps']}, not ${link.value}` };
  if (results !== undefined && results.trim() === '')
    return { ok: false, reason: '--results takes a path to a results.json' };
  if (costs !== undefined && costs.trim() === '')
    return { ok: false, reason: '--costs takes a path to a transport.json' };
  const read = counts(values, {
    mb: { integer: false },
    'segment-kb': {},
    messages: {},
    connections: {},
    'idle-seconds': { integer: false },
    rounds: {},
  });
  if (!read.ok) return read;
  for (const [flag, max] of Object.entries(transportBenchLimits) as [keyof typeof read.value, number][]) {
    if (flag in read.value && read.value[flag] > max)
      return { ok: false, reason: `--${flag} is at most ${max}, not ${read.value[flag]}` };
  }
  const settings: TransportBenchSettings = {
    mb: read.value.mb,
    segmentKb: read.value['segment-kb'],
    messages: read.value.messages,
    connections: read.value.connections,
    idleSeconds: read.value['idle-seconds'],
    rounds: read.value.rounds,
    ...(link ? { linkMbps: link.value } : {}),
    ...(results === undefined ? {} : { results }),
    ...(costs === undefined ? {} : { costs }),
  };
  if (settings.segmentKb * 1000 > settings.mb * 1e6)
    return { ok: false, reason: `--segment-kb (${settings.segmentKb}) must fit in --mb (${settings.mb})` };
  return { ok: true, value: settings };
}
