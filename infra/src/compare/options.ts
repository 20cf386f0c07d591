/**
 * What `npm run compare` takes, its defaults, and their validation: a wrong
 * value fails with a clear message; a stagger that would leave the last viewer
 * too little time is clamped with a warning. Pure.
 */
import { type CliRequest, type OptionTable, type OptionValues, parseOptions } from '@edgeswarm/origin/cli-options';
import { type PolicyOptions, policyDefaults, resolvePolicyOptions } from '@edgeswarm/policy';
import { maxNamedMembers } from '../../../edge/src/tracker/limits';
import { parseFragmentFault } from '../cohort/fragment-fault';
import { type CohortName, cohortNames, isCohortName } from '../cohort/records';
import { viewerCpuLimits } from '../cohort/viewer-cpu';
import { parseNatSpec } from '../cohort/viewer-nat';
import { isNetworkName, type NetworkName, networkNames } from '../link-profiles';
import { type LatencyTarget, parseLatencyTargets } from './frontier';

export type { CohortName };

export interface CompareOptions {
  /** Viewers per cohort. */
  viewers: number;
  /** How long each cohort runs, from its first viewer joining to the end, seconds. */
  seconds: number;
  /** Seconds between two viewers joining. */
  staggerSeconds: number;
  /** Target this edge instead of starting a local one. */
  url?: string;
  /** Cap on the edge's HLS egress, Mbit/s, applied by the harness's proxy. */
  edgeMbps?: number;
  /**
   * Each viewer's access link (link-profiles.ts): a mix or one profile for all. `loopback`: every viewer
   * in one browser on the namespace's loopback, unshaped; anything else: a namespace and a tbf-shaped
   * veth per viewer. Both cohorts get the same links in the same join order.
   */
  network: NetworkName;
  /** Cap on the edge's own link (what the edge and tracker send into the viewers' links), Mbit/s; needs links. */
  edgeLinkMbps?: number;
  /**
   * The local edge's tracker names this many of each swarm's earliest members in its announce replies
   * (TRACKER_NAMED_MEMBERS), in every cohort; with `--policy receiverMaxPeers=2` the hybrid's receivers then hold 2
   * peers. Absent: none named, as a deployed edge. Needs the local edge (not --url).
   */
  namedMembers?: number;
  /**
   * Viewers behind a NAT (`--nat symmetric:2`, cohort/viewer-nat.ts's parseNatSpec: kinds spread over the join order,
   * never the first viewer), every cohort the same. With it every viewer has a namespace and link of its own (unshaped
   * on loopback) and its player asks the STUN server on the bridge (`ice-servers`); `symmetric:0` is the same run
   * with nobody behind a NAT. Absent: no NAT, no STUN.
   */
  nat?: string;
  /**
   * A harness-only fault (`--fail-fragment 4:2`, cohort/fragment-fault.ts): viewer 4's 2nd request for a fragment of
   * the top rendition fails once as a network error, in every cohort, through the automation (never a page's URL).
   * Absent: no fault.
   */
  failFragment?: string;
  /** Output directory; absent: bench-results/compare-<timestamp>/. */
  out?: string;
  /** Stream id to publish; absent: compare-<timestamp>. */
  stream?: string;
  /**
   * The cohorts, in the order they run: CDN-only and the hybrid always, stock p2p-media-loader when asked for
   * (`--cohorts cdn,p2pml,hybrid`). `--order hybrid-first` is the short form for the hybrid before CDN-only.
   */
  order: CohortName[];
  /**
   * Share of the machine's CPU (all cores) burnt by busy loops beside every cohort, percent: a stand-in for a
   * slower device, the same for every cohort. 0: none.
   */
  burnCpuPercent: number;
  /**
   * Busy processes started beside every cohort, each at the browsers' priority and never sleeping, so they queue for
   * the cores like that many more browsers (the load average rises by about this many). 0: none.
   */
  burnLoad: number;
  /**
   * The --burn-load processes' priority, in nice levels from the harness's (and so the browsers'): negative puts them
   * ahead of the browsers, as other work at a higher priority would be (root only). 0: the browsers' own.
   */
  burnNice: number;
  /**
   * A CPU quota per viewer, in cores (`--viewer-cpu 0.25`: a quarter of one core): each viewer's browser, with all its
   * processes and threads, runs in a cgroup of its own capped at this, as on a slow phone; the publisher, the edge and
   * the harness are not capped (cohort/viewer-cpu.ts). Every viewer gets a browser of its own. Absent: no quota.
   */
  viewerCpu?: number;
  /**
   * Profile every viewer's renderer (V8's sampling profiler): the top sources and functions per cohort in the log and
   * results.json, the raw profiles in <out>/profiles/. The profiler costs a little CPU itself.
   */
  profile: boolean;
  /**
   * Policy values the hybrid cohort runs with instead of the player's defaults (`--policy spreadCopies=0`), to measure
   * one against another on the same links; names are the policy's options (policy/src/options.ts). Absent: defaults.
   */
  policy?: Record<string, number>;
  /**
   * The latency dial, measured (`--latency low,3,4,6`): instead of the cohorts of `order`, CDN-only HLS and CDN-only
   * LL-HLS, then the hybrid at each of these latency targets, on the same stream; the run adds the offload–latency
   * frontier (frontier.ts). Absent: no sweep.
   */
  latency?: LatencyTarget[];
  /** A sweep's LL-HLS part length, seconds (the publisher's --part-seconds); absent: the publisher's default. */
  partSeconds?: number;
  /** Publish key for --url (else the publisher derives it from $PUBLISH_SECRET or .dev.vars). */
  key?: string;
  /** Test pattern size: small, so ffmpeg leaves the CPU to the viewers. */
  size: string;
  segmentSeconds: number;
  /** How often each viewer's counters are sampled for the time series. */
  sampleSeconds: number;
  /** How often a progress line is printed. */
  progressSeconds: number;
  /** Wait after a cohort before reading the edge's count: the edge flushes its byte counts every 2 s. */
  settleSeconds: number;
}

export const compareDefaults: CompareOptions = {
  viewers: 8,
  seconds: 120,
  staggerSeconds: 3,
  order: ['cdn', 'hybrid'],
  burnCpuPercent: 0,
  burnLoad: 0,
  burnNice: 0,
  profile: false,
  network: 'loopback',
  size: '320x180',
  segmentSeconds: 2,
  sampleSeconds: 2,
  progressSeconds: 6,
  settleSeconds: 5,
};

export const compareLimits = {
  viewers: { min: 1, max: 32 },
  seconds: { min: 10, max: 3600 },
  /** The last viewer joins no later than this share of the cohort's run. */
  joinShare: 0.5,
  /** Leaves the viewers something: at 100% they would get no CPU at all. */
  burnCpuPercent: { max: 90 },
  /** Busy processes: 32 is a load far past anything a 2-core machine plays video under. */
  burnLoad: { max: 32 },
  burnNice: { min: -19, max: 19 },
};

export class CompareInputError extends Error {
  override name = 'CompareInputError';
}

export const compareUsage = `usage: npm run compare -- [--viewers 8] [--seconds 120] [--url <edge>] [--edge-mbps <cap>]
       [--network loopback|residential|dsl-heavy|<profile>] [--edge-link-mbps <cap>] [--nat <kind>:<count>[,…]]
       [--named-members <count>]
       [--cohorts cdn,p2pml,hybrid | --order cdn-first|hybrid-first] [--burn-cpu <percent>]
       [--burn-load <processes> [--burn-nice <levels>]] [--viewer-cpu <cores>] [--profile] [--stagger 3] [--out <dir>] [--stream <id>] [--key <publish key>] [--size 320x180]
       [--policy <name>=<value>[,<name>=<value>…]] [--latency low,3,4,6 [--part-seconds 0.5]] [--fail-fragment <viewer>:<n>]

Runs a CDN-only and a hybrid cohort of N headless Chromium viewers (and, with --cohorts,
stock p2p-media-loader with its default settings on our tracker), one after the other in
the order given, on one live test stream, inside a private network namespace; prints a
side-by-side table and writes results.json and report.html. --network puts each viewer
behind a shaped link of its own (profiles: ${networkNames.join(', ')}). --nat symmetric:2
puts 2 viewers (spread over the join order, never the first) behind a NAT of that kind (cone,
symmetric, udp-blocked), with a STUN server on the bridge for every viewer. --burn-cpu burns
that share of the machine's CPU beside every cohort, a stand-in for slower devices; --burn-load
starts that many never-sleeping processes beside every cohort, which queue for the cores like
as many more browsers (the load average rises by about that much); --burn-nice -5 runs them
5 nice levels ahead of the browsers (both starve the whole machine, the edge and publisher
too). --viewer-cpu 0.25 starves the viewers alone, as slow phones: each viewer's browser,
every process of it, runs in a cgroup capped at a quarter of one core (cgroup v1, root);
the edge, publisher and harness run uncapped. --profile profiles every
viewer's renderer and prints where its time went (raw profiles in <out>/profiles/). --policy
runs the hybrid cohort with other policy values (e.g. spreadCopies=0), to compare them.
--named-members 2 has the local edge's tracker name each swarm's 2 earliest members in its
announce replies; with --policy receiverMaxPeers=2 the hybrid's other viewers hold 2 peers.
--latency sweeps the latency dial instead: CDN-only HLS and CDN-only LL-HLS, then the hybrid
at each latency target (low, or target durations), and prints the offload–latency frontier,
with the stalls beside each point (a chart in report.html, the rows in results.json);
--part-seconds sets the stream's LL-HLS part length. --fail-fragment 4:2 fails viewer 4's
2nd request for a fragment of the top rendition once, as a network error, in every cohort
(a harness fault: it shows whether the viewer comes back to that rendition and its swarm).`;

function numberIn(name: string, value: number, min: number, max: number, integer = false): number {
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new CompareInputError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return value;
}

/** Merges over the defaults and validates; returns warnings for what it clamped. */
export function resolveCompareOptions(partial: Partial<CompareOptions> = {}): {
  options: CompareOptions;
  warnings: string[];
} {
  const o: CompareOptions = { ...compareDefaults, ...partial };
  const warnings: string[] = [];
  numberIn('viewers', o.viewers, compareLimits.viewers.min, compareLimits.viewers.max, true);
  numberIn('seconds', o.seconds, compareLimits.seconds.min, compareLimits.seconds.max);
  numberIn('stagger', o.staggerSeconds, 0, 600);
  numberIn('segment-seconds', o.segmentSeconds, 1, 10);
  numberIn('sample-seconds', o.sampleSeconds, 0.5, 60);
  if (o.edgeMbps !== undefined) numberIn('edge-mbps', o.edgeMbps, 0.01, 100_000);
  if (!isNetworkName(o.network)) {
    throw new CompareInputError(
      `--network must be one of ${networkNames.join(', ')}, not ${JSON.stringify(o.network)}`,
    );
  }
  if (o.edgeLinkMbps !== undefined) {
    numberIn('edge-link-mbps', o.edgeLinkMbps, 0.01, 100_000);
    if (o.network === 'loopback') {
      throw new CompareInputError(
        '--edge-link-mbps shapes the link between the edge and the viewers: it needs --network',
      );
    }
  }
  if (o.namedMembers !== undefined) {
    numberIn('named-members', o.namedMembers, 0, maxNamedMembers, true);
    if (o.url !== undefined) {
      throw new CompareInputError(
        "--named-members sets the local edge's tracker (TRACKER_NAMED_MEMBERS): it cannot with --url",
      );
    }
  }
  if (o.nat !== undefined) {
    const nat = parseNatSpec(o.nat, o.viewers);
    if ('error' in nat) throw new CompareInputError(nat.error);
  }
  if (o.failFragment !== undefined) {
    const fault = parseFragmentFault(o.failFragment, o.viewers);
    if ('error' in fault) throw new CompareInputError(fault.error);
  }
  if (o.url !== undefined) {
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      throw new CompareInputError(`--url must be an http(s) URL, not ${JSON.stringify(o.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CompareInputError(`--url must be an http(s) URL, not ${JSON.stringify(o.url)}`);
    }
    o.url = url.origin;
  }
  if (o.stream !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,50}$/.test(o.stream)) {
    throw new CompareInputError('--stream must be 1–51 of [A-Za-z0-9_-], starting with a letter or digit');
  }
  if (!/^\d{2,4}x\d{2,4}$/.test(o.size)) throw new CompareInputError('--size must look like 320x180');
  if (
    new Set(o.order).size !== o.order.length ||
    !o.order.every(isCohortName) ||
    !o.order.includes('cdn') ||
    !o.order.includes('hybrid')
  ) {
    throw new CompareInputError(
      `--cohorts must list cdn and hybrid, and may add p2pml, each once (of ${cohortNames.join(', ')}), not ${o.order.join(',')}`,
    );
  }
  if (o.partSeconds !== undefined) {
    if (!o.latency) throw new CompareInputError('--part-seconds sets the parts of a latency sweep: it needs --latency');
    numberIn('part-seconds', o.partSeconds, 0.1, o.segmentSeconds / 2);
  }
  numberIn('burn-cpu', o.burnCpuPercent, 0, compareLimits.burnCpuPercent.max);
  numberIn('burn-load', o.burnLoad, 0, compareLimits.burnLoad.max, true);
  numberIn('burn-nice', o.burnNice, compareLimits.burnNice.min, compareLimits.burnNice.max, true);
  if (o.viewerCpu !== undefined) numberIn('viewer-cpu', o.viewerCpu, viewerCpuLimits.min, viewerCpuLimits.max);
  if (o.burnNice !== 0 && o.burnLoad === 0)
    throw new CompareInputError("--burn-nice sets the priority of --burn-load's processes: it needs --burn-load");
  const latestJoin = compareLimits.joinShare * o.seconds;
  if (o.viewers > 1 && (o.viewers - 1) * o.staggerSeconds > latestJoin) {
    const clamped = Math.floor((10 * latestJoin) / (o.viewers - 1)) / 10;
    warnings.push(
      `--stagger ${o.staggerSeconds} s would have the last of ${o.viewers} viewers join after half of the ${o.seconds} s run; using ${clamped} s`,
    );
    o.staggerSeconds = clamped;
  }
  return { options: o, warnings };
}

const compareOptionTable = {
  viewers: { type: 'string' },
  seconds: { type: 'string' },
  stagger: { type: 'string' },
  url: { type: 'string' },
  'edge-mbps': { type: 'string' },
  network: { type: 'string' },
  'edge-link-mbps': { type: 'string' },
  'named-members': { type: 'string' },
  nat: { type: 'string' },
  'fail-fragment': { type: 'string' },
  out: { type: 'string' },
  stream: { type: 'string' },
  order: { type: 'string' },
  cohorts: { type: 'string' },
  'burn-cpu': { type: 'string' },
  'burn-load': { type: 'string' },
  'burn-nice': { type: 'string' },
  'viewer-cpu': { type: 'string' },
  profile: { type: 'boolean' },
  key: { type: 'string' },
  size: { type: 'string' },
  policy: { type: 'string' },
  latency: { type: 'string' },
  'part-seconds': { type: 'string' },
} satisfies OptionTable;

/** Parses the command line (what follows `npm run compare --`): the options and warnings, the usage, or the mistake. */
export function parseCompareArgs(argv: readonly string[]): CliRequest<{ options: CompareOptions; warnings: string[] }> {
  const parsed = parseOptions(argv, compareOptionTable);
  if (!parsed.ok || 'help' in parsed) return parsed;
  try {
    return { ok: true, value: compareOptionsFrom(parsed.value.values) };
  } catch (error) {
    if (error instanceof CompareInputError) return { ok: false, reason: error.message };
    throw error;
  }
}

function compareOptionsFrom(values: OptionValues<typeof compareOptionTable>): {
  options: CompareOptions;
  warnings: string[];
} {
  const partial: Partial<CompareOptions> = {};
  const num = (name: Exclude<keyof typeof values, 'profile'>) => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    if (raw.trim() === '' || Number.isNaN(Number(raw))) throw new CompareInputError(`--${name} must be a number`);
    return Number(raw);
  };
  const viewers = num('viewers');
  if (viewers !== undefined) partial.viewers = viewers;
  const seconds = num('seconds');
  if (seconds !== undefined) partial.seconds = seconds;
  const stagger = num('stagger');
  if (stagger !== undefined) partial.staggerSeconds = stagger;
  const cap = num('edge-mbps');
  if (cap !== undefined) partial.edgeMbps = cap;
  const linkCap = num('edge-link-mbps');
  if (linkCap !== undefined) partial.edgeLinkMbps = linkCap;
  const named = num('named-members');
  if (named !== undefined) partial.namedMembers = named;
  if (values.network !== undefined) partial.network = values.network as NetworkName;
  if (values.nat !== undefined) partial.nat = values.nat;
  if (values['fail-fragment'] !== undefined) partial.failFragment = values['fail-fragment'];
  if (values.url !== undefined) partial.url = values.url;
  if (values.out !== undefined) partial.out = values.out;
  if (values.stream !== undefined) partial.stream = values.stream;
  if (values.key !== undefined) partial.key = values.key;
  if (values.size !== undefined) partial.size = values.size;
  const burn = num('burn-cpu');
  if (burn !== undefined) partial.burnCpuPercent = burn;
  const burnLoad = num('burn-load');
  if (burnLoad !== undefined) partial.burnLoad = burnLoad;
  const burnNice = num('burn-nice');
  if (burnNice !== undefined) partial.burnNice = burnNice;
  const viewerCpu = num('viewer-cpu');
  if (viewerCpu !== undefined) partial.viewerCpu = viewerCpu;
  if (values.profile === true) partial.profile = true;
  if (values.policy !== undefined) partial.policy = parsePolicyOverrides(values.policy);
  if (values.latency !== undefined) {
    if (values.order !== undefined || values.cohorts !== undefined) {
      throw new CompareInputError(
        '--latency runs its own cohorts (CDN-only HLS and LL-HLS, then the hybrid at each target): drop --cohorts and --order',
      );
    }
    const targets = parseLatencyTargets(values.latency);
    if (!targets.ok) throw new CompareInputError(targets.reason);
    partial.latency = targets.value;
  }
  const partSeconds = num('part-seconds');
  if (partSeconds !== undefined) partial.partSeconds = partSeconds;
  if (values.order !== undefined && values.cohorts !== undefined) {
    throw new CompareInputError('--order and --cohorts both set the order: give one');
  }
  if (values.cohorts !== undefined) {
    const names = values.cohorts.split(',').map((name) => name.trim());
    const unknown = names.find((name) => !isCohortName(name));
    if (unknown !== undefined) {
      throw new CompareInputError(`--cohorts: unknown cohort ${JSON.stringify(unknown)} (${cohortNames.join(', ')})`);
    }
    partial.order = names as CohortName[];
  }
  if (values.order !== undefined) {
    if (values.order === 'cdn-first') partial.order = ['cdn', 'hybrid'];
    else if (values.order === 'hybrid-first') partial.order = ['hybrid', 'cdn'];
    else throw new CompareInputError('--order must be cdn-first or hybrid-first');
  }
  return resolveCompareOptions(partial);
}

/**
 * Pure: `--policy spreadCopies=0,seederFanout=8` as policy values. Every name must be a policy option and every value
 * within its range: a benchmark run with a value the player would have clamped measures something else.
 */
export function parsePolicyOverrides(text: string): Record<string, number> {
  const policy: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [name = '', raw, ...rest] = pair.split('=').map((part) => part.trim());
    if (raw === undefined || rest.length > 0 || name === '') {
      throw new CompareInputError(`--policy takes name=value pairs separated by commas, not ${JSON.stringify(pair)}`);
    }
    if (!(name in policyDefaults)) {
      throw new CompareInputError(`--policy: ${name} is not a policy option (policy/src/options.ts)`);
    }
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value)) throw new CompareInputError(`--policy: ${name} must be a number`);
    const { warnings } = resolvePolicyOptions({ [name]: value });
    if (warnings.length > 0) throw new CompareInputError(`--policy: ${warnings.join('; ')}`);
    policy[name] = value;
  }
  return policy;
}

/**
 * Pure: the whole policy a hybrid cohort's pages play with: the player's defaults, then the cohort's latency-target
 * (a sweep's number; `low` and the default leave the policy's), then --policy's values, which the page applies last.
 * results.json records it, so that the simulator's calibration plays the same (infra/sim/real-runs.ts).
 */
export function hybridCohortPolicy(
  latency: LatencyTarget | 'default' | undefined,
  overrides: Readonly<Record<string, number>> | undefined,
): PolicyOptions {
  return resolvePolicyOptions({
    ...(typeof latency === 'number' ? { latencyTargetDurations: latency } : {}),
    ...overrides,
  }).options;
}

/** A file-name-safe UTC timestamp, e.g. 2026-11-25T01-37-12Z. */
export function runStamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
}
