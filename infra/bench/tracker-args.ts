/**
 * What bench:tracker takes, read and checked before anything starts (no wrangler for a typo), as the
 * other benches' (bench-args.ts). Pure: argv in, the settings, the usage or the mistake out.
 */
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';

export const trackerBenchUsage = `usage: npm run bench:tracker -- [--clients 1000] [--saturate-clients 4000] [--seconds 8]
       [--memory-peers 10000] [--rejoin-clients 1000] [--rejoin-rounds 5] [--rejoin-only]
       [--engine-seconds 3] [--engine-peers 1000] [--engine-only]
       [--ramp 250,500,1000,1500,2000,3000,4000,5500] [--ramp-seconds 4] [--ramp-only]

Our tracker (one Durable Object on workerd under wrangler dev) against bittorrent-tracker's own server,
with the same load generator in the same run: the engine alone per core (JSON in and out), memory per
peer, latency at a moderate load, the saturated rate, announces/s until relay p99 passes 100 ms, and
rejoin after a shard restart. Prints ratios; writes bench-results/tracker.json (--engine-only:
tracker-engine.json, without wrangler; --ramp-only: tracker-ramp.json; --rejoin-only: tracker-rejoin.json).`;

const trackerOptions = {
  clients: { type: 'string', default: '1000' },
  'saturate-clients': { type: 'string', default: '4000' },
  seconds: { type: 'string', default: '8' },
  'memory-peers': { type: 'string', default: '10000' },
  'rejoin-clients': { type: 'string', default: '1000' },
  'rejoin-rounds': { type: 'string', default: '5' },
  'rejoin-only': { type: 'boolean', default: false },
  'engine-seconds': { type: 'string', default: '3' },
  'engine-peers': { type: 'string', default: '1000' },
  'engine-only': { type: 'boolean', default: false },
  ramp: { type: 'string', default: '250,500,1000,1500,2000,3000,4000,5500' },
  'ramp-seconds': { type: 'string', default: '4' },
  'ramp-only': { type: 'boolean', default: false },
} satisfies OptionTable;

export interface TrackerBenchArgs {
  clients: number;
  saturateClients: number;
  seconds: number;
  memoryPeers: number;
  rejoinClients: number;
  rejoinRounds: number;
  rejoinOnly: boolean;
  engineSeconds: number;
  enginePeers: number;
  engineOnly: boolean;
  rampSteps: number[];
  rampSeconds: number;
  rampOnly: boolean;
}

/** Bounded: every client is a socket on this machine (the fd limit here is 20 000), and the run must end. */
const bounds = {
  clients: 6000,
  'saturate-clients': 6000,
  seconds: 60,
  'memory-peers': 15_000,
  'rejoin-clients': 6000,
  'rejoin-rounds': 50,
  'engine-seconds': 60,
  'engine-peers': 100_000,
  'ramp-seconds': 60,
  ramp: 6000,
} as const;

function whole(name: keyof typeof bounds, raw: string): number | string {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isInteger(value) && value >= 1 && value <= bounds[name]
    ? value
    : `--${name} takes an integer from 1 to ${bounds[name]}, not ${JSON.stringify(raw)}`;
}

export function parseTrackerBenchArgs(argv: readonly string[]): CliRequest<TrackerBenchArgs> {
  const parsed = parseOptions(argv, trackerOptions);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  const numbers: Record<string, number> = {};
  for (const name of Object.keys(bounds) as (keyof typeof bounds)[]) {
    if (name === 'ramp') continue;
    const value = whole(name, values[name]);
    if (typeof value === 'string') return { ok: false, reason: value };
    numbers[name] = value;
  }
  const rampSteps: number[] = [];
  for (const raw of values.ramp.split(',')) {
    const step = whole('ramp', raw);
    if (typeof step === 'string') {
      return { ok: false, reason: `--ramp takes client counts from 1 to 6000, e.g. 500,1000, not ${values.ramp}` };
    }
    rampSteps.push(step);
  }
  const n = (name: keyof typeof bounds) => numbers[name] as number;
  return {
    ok: true,
    value: {
      clients: n('clients'),
      saturateClients: n('saturate-clients'),
      seconds: n('seconds'),
      memoryPeers: n('memory-peers'),
      rejoinClients: n('rejoin-clients'),
      rejoinRounds: n('rejoin-rounds'),
      rejoinOnly: values['rejoin-only'],
      engineSeconds: n('engine-seconds'),
      enginePeers: n('engine-peers'),
      engineOnly: values['engine-only'],
      rampSteps,
      rampSeconds: n('ramp-seconds'),
      rampOnly: values['ramp-only'],
    },
  };
}
