/** `npm run drills` options: parsed and checked at the boundary, with a clear message for a wrong one. */
import { parseArgs } from 'node:util';

export interface DrillOptions {
  quick: boolean;
  /** Drill names to run, in the registry's order; empty: every drill. */
  only: string[];
  /** Where drills.json and drills.html go. */
  outDir: string;
  list: boolean;
  help: boolean;
}

export const drillDefaults: DrillOptions = {
  quick: false,
  only: [],
  outDir: 'bench-results',
  list: false,
  help: false,
};

export const drillUsage = `usage: npm run drills -- [--quick] [--only <drill>[,<drill>…]] [--out <dir>] [--list]

  --quick        shorten every drill (as npm test runs them)
  --only         run only these drills (see --list); may be given more than once
  --out          folder for drills.json and drills.html (drills-quick.* with --quick); default bench-results
  --list         print the drills and what each must show, then exit`;

export class DrillOptionsError extends Error {
  override name = 'DrillOptionsError';
}

/** Pure: argv (after the script) → options, against the known drill names. */
export function parseDrillOptions(argv: readonly string[], known: readonly string[]): DrillOptions {
  let values: { quick?: boolean; only?: string[]; out?: string; list?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        out: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new DrillOptionsError((error as Error).message);
  }
  const only = (values.only ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new DrillOptionsError(
      `unknown drill${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the drills are: ${known.join(', ')}`,
    );
  if (values.out !== undefined && values.out.trim() === '') throw new DrillOptionsError('--out needs a folder');
  return {
    ...drillDefaults,
    quick: values.quick ?? false,
    // The registry's order, whatever order they were given in.
    only: known.filter((name) => only.includes(name)),
    outDir: values.out ?? drillDefaults.outDir,
    list: values.list ?? false,
    help: values.help ?? false,
  };
}
