/**
 * What `npm run sim` takes, read and checked before any run starts. Pure: argv in, the runs' arguments,
 * the usage, or the mistake out (cli.ts runs them).
 */
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';
import { policyDefaults } from '@edgeswarm/policy';
import { networkFor } from './links';
import { type SimOverrides, simDefaults } from './model';
import { scenarioNames, scenarios } from './scenarios';

/** The defaults of the command line, in one place. */
export const cliDefaults = {
  scenario: 'steady',
  viewers: '1000',
  seed: '1',
  real: 'bench-results/offload.json',
};

export const simUsage = `usage: npm run sim -- [--scenario ${[...scenarioNames, 'all'].join('|')}]
       [--viewers 10,100,1000] [--seconds 600] [--seed 1] [--baseline | --no-baseline] [--set path=value ...]
       [--network residential|dsl-heavy|fibre|cable|dsl|mobile|loopback] [--isolate]
       [--out bench-results/sim-<scenario>-<viewers>] [--real bench-results/offload.json[,<compare dir>/results.json]]

Runs the swarm simulator, hybrid and (--baseline, the default for most scenarios) CDN-only, for each
scenario and viewer count; prints a row per run and writes <out>.json and <out>.html. --seconds is
stream seconds after the first join (for calibrate: after the last join, as bench:offload's). --set
overrides any model value (e.g. --set network.iceFailure=0.1). --network puts the viewers on the
real-browser harnesses' link profiles. --isolate runs each in a child process (the default for several).
--scenario tracker-scale is a model of its own, with options of its own: add --help to it for them.`;

const simOptionTable = {
  scenario: { type: 'string', default: cliDefaults.scenario },
  viewers: { type: 'string', default: cliDefaults.viewers },
  seconds: { type: 'string' },
  seed: { type: 'string', default: cliDefaults.seed },
  baseline: { type: 'boolean' },
  'no-baseline': { type: 'boolean' },
  set: { type: 'string', multiple: true, default: [] },
  network: { type: 'string' },
  out: { type: 'string' },
  real: { type: 'string', default: cliDefaults.real },
  isolate: { type: 'boolean' },
  /** One run request as JSON, from a parent sim (runs.ts): run it here and print its record. */
  child: { type: 'string' },
} satisfies OptionTable;

export interface SimArgs {
  /** As given: a scenario name or `all`. */
  scenario: string;
  /** The scenarios it means. */
  names: string[];
  viewers: number[];
  /** Absent: the scenario's own (calibrate: the real run's). */
  seconds?: number;
  seed: number;
  /** Absent: the scenario's own. */
  baseline?: boolean;
  set: SimOverrides;
  out?: string;
  /** Comma-separated result files of real runs, for calibrate. */
  real: string;
  isolate?: boolean;
  child?: string;
}

/** Model values with no default (absent unless set), which --set may still give. */
const optionalModelValues: Record<string, readonly string[]> = { network: ['accessOrder', 'natOrder'] };

/** `a.b=c` into a nested override; values are JSON where they parse, else strings ("Infinity" is Infinity). */
export function parseSet(items: readonly string[]): SimOverrides {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const path = item.slice(0, eq).split('.');
    if (eq < 0 || path.length !== 2 || !path[0] || !path[1]) {
      throw new Error(`--set expects section.key=value (e.g. network.iceFailure=0.1), got ${item}`);
    }
    const [section, key] = path as [string, string];
    const known = section === 'policy' ? policyDefaults : (simDefaults as unknown as Record<string, unknown>)[section];
    if (
      (typeof known !== 'object' || known === null || !(key in known)) &&
      !optionalModelValues[section]?.includes(key)
    ) {
      throw new Error(`--set ${section}.${key}: no such model value (see the Assumptions in the report)`);
    }
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    if (raw === 'Infinity') value = Number.POSITIVE_INFINITY;
    else {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    out[path[0]] = { ...out[path[0]], [path[1]]: value };
  }
  return out as SimOverrides;
}

/** The command line (what follows `npm run sim --`): the runs' arguments, the usage, or the mistake. */
export function parseSimArgs(argv: readonly string[]): CliRequest<SimArgs> {
  const parsed = parseOptions(argv, simOptionTable);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const values = parsed.value.values;
  const child = values.child;
  if (child !== undefined) return { ok: true, value: { ...defaultsOnly(), child } };
  const names = values.scenario === 'all' ? scenarioNames.filter((n) => n !== 'calibrate') : [values.scenario];
  const unknown = names.find((name) => !scenarios[name]);
  if (unknown !== undefined) {
    return { ok: false, reason: `unknown scenario ${unknown}; one of ${scenarioNames.join(', ')}, all` };
  }
  const viewers = values.viewers.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
  if (viewers.some((v) => !Number.isInteger(v) || v < 1)) {
    return { ok: false, reason: `--viewers takes positive integers, not ${values.viewers}` };
  }
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0 && Number.isFinite(seconds))) {
    return { ok: false, reason: `--seconds takes a positive number, not ${values.seconds}` };
  }
  const seed = Number(values.seed);
  if (values.seed.trim() === '' || !Number.isInteger(seed)) {
    return { ok: false, reason: `--seed takes an integer, not ${values.seed}` };
  }
  let set: SimOverrides;
  try {
    set = parseSet(values.set);
    // The harnesses' link profiles: every viewer on one, or a mix assigned in join order (links.ts).
    if (values.network) set.network = { ...set.network, ...networkFor(values.network) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  return {
    ok: true,
    value: {
      scenario: values.scenario,
      names,
      viewers,
      seed,
      set,
      real: values.real,
      ...(seconds === undefined ? {} : { seconds }),
      ...(values['no-baseline'] ? { baseline: false } : values.baseline ? { baseline: true } : {}),
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(values.isolate === undefined ? {} : { isolate: values.isolate }),
    },
  };
}

const defaultsOnly = (): SimArgs => ({
  scenario: cliDefaults.scenario,
  names: [cliDefaults.scenario],
  viewers: [Number(cliDefaults.viewers)],
  seed: Number(cliDefaults.seed),
  set: {},
  real: cliDefaults.real,
});
