/**
 * `npm run drills` options, read with the parser every npm script shares (origin's cli-options.ts): `--help` prints
 * the usage and exits 0; a mistake gets one `error: …` line, the usage, and exit 2 (cli-exit.ts). Pure.
 */
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';

export interface DrillOptions {
  quick: boolean;
  /** Drill names to run, in the registry's order; empty: every drill. */
  only: string[];
  /** Where drills.json and drills.html go. */
  outDir: string;
  list: boolean;
  /** Up to this many browserless drills at once (the drills with viewers always run alone). */
  jobs: number;
}

export const drillDefaults: DrillOptions = { quick: false, only: [], outDir: 'bench-results', list: false, jobs: 1 };

/**
 * --quick's --jobs when none is given: the four drills without viewers side by side (each in namespaces of its own,
 * their checks of bytes and order), so that `npm run drills -- --quick` is what npm test runs. The full run keeps
 * one at a time: its times are a benchmark's.
 */
export const quickJobs = 4;

export const drillUsage = `usage: npm run drills -- [--quick] [--only <drill>[,<drill>…]] [--jobs <n>] [--out <dir>] [--list]

Every fault the system claims to survive, against a real local stack (workerd, the origin publisher and
ffmpeg, Chromium viewers in a private network namespace), one drill at a time. Prints a row per drill
(pass or FAIL, and its figures) and writes drills.json and a self-contained drills.html (memory over time).

  --quick        shorten every drill, as npm test runs them
  --only         run only these drills (see --list); may be given more than once
  --jobs         run up to n drills without viewers at once (publisher and edge only; their checks are
                 of bytes and order, not time); drills with viewers always run alone; default 1, 4 with --quick
  --out          folder for drills.json and drills.html (drills-quick.* with --quick); default bench-results
  --list         print the drills and what each must show, then exit`;

const table = {
  quick: { type: 'boolean' },
  only: { type: 'string', multiple: true },
  out: { type: 'string' },
  list: { type: 'boolean' },
  jobs: { type: 'string' },
} satisfies OptionTable;

/** Pure: argv (after the script) → options, against the known drill names. */
export function parseDrillOptions(argv: readonly string[], known: readonly string[]): CliRequest<DrillOptions> {
  const read = parseOptions(argv, table);
  if (!(read.ok && 'value' in read)) return read;
  const values = read.value.values;
  const only = (values.only ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    return {
      ok: false,
      reason: `unknown drill${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the drills are: ${known.join(', ')}`,
    };
  if (values.out !== undefined && values.out.trim() === '') return { ok: false, reason: '--out needs a folder' };
  const quick = values.quick ?? false;
  const jobs = values.jobs === undefined ? (quick ? quickJobs : drillDefaults.jobs) : Number(values.jobs);
  if (!(Number.isInteger(jobs) && jobs >= 1))
    return { ok: false, reason: `--jobs needs a whole number of at least 1, not ${JSON.stringify(values.jobs)}` };
  return {
    ok: true,
    value: {
      quick,
      // The registry's order, whatever order they were given in.
      only: known.filter((name) => only.includes(name)),
      outDir: values.out ?? drillDefaults.outDir,
      list: values.list ?? false,
      jobs,
    },
  };
}
