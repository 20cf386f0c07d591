/**
 * The command line, parsed and checked. Pure: argv and the option table in, plain data out.
 *
 * Node's own strict parseArgs answers a typo with advice about positionals that start with a dash
 * (and a script that forgets to catch it, with a stack trace); this answers with the option the user
 * most likely meant. Every npm script reads its options here, so they all answer alike: `--help` or
 * `-h` with the usage on stdout and exit 0, a mistake with one `error: …` line and the usage on
 * stderr and exit 2 (cliAnswer; cli-exit.ts prints it).
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Given more than once: every value, in order. */
  multiple?: boolean;
  default?: string | boolean | string[];
}

export type OptionTable = Record<string, OptionSpec>;

export type ParsedCli =
  | {
      ok: true;
      command: string | undefined;
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    }
  | { ok: false; reason: string };

/** What a script's command line asks for: a run with these arguments, or the usage; or why it cannot be read. */
export type CliRequest<T> = { ok: true; value: T } | { ok: true; help: true } | { ok: false; reason: string };

type ValueOf<S extends OptionSpec> = S extends { multiple: true }
  ? string[]
  : S extends { type: 'boolean' }
    ? boolean
    : string;

/** The values an option table yields: an option with a default is always there. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K] extends { default: unknown } ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

/** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The closest candidate, if it is close enough to be what was meant: within a third of the
 * longer name's length in edits (at least 1, at most 3), or the only candidate it abbreviates.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const abbreviated = candidates.filter((c) => input.length >= 2 && c.startsWith(input));
  if (abbreviated.length === 1) return abbreviated[0];
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3)));
  return best.distance <= allowed ? best.candidate : undefined;
}

const suggestion = (input: string, candidates: readonly string[], prefix = '') => {
  const near = didYouMean(input, candidates);
  return near ? `; did you mean ${prefix}${near}?` : '';
};

/** Options and positionals, every option known and given the way its spec says (Node's non-strict parse, checked). */
function readOptions(
  args: readonly string[],
  options: OptionTable,
):
  | { ok: true; values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }
  | { ok: false; reason: string } {
  const { values, positionals, tokens } = parseArgs({
    args: [...args],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const names = Object.keys(options);
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) {
      const written = token.rawName.startsWith('--') ? token.rawName.slice(2) : token.rawName.slice(1);
      return { ok: false, reason: `unknown option ${token.rawName}${suggestion(written, names, '--')}` };
    }
    if (spec.type === 'string' && token.value === undefined) {
      return { ok: false, reason: `${token.rawName} needs a value` };
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      return { ok: false, reason: `${token.rawName} takes no value` };
    }
  }
  return { ok: true, values, positionals };
}

/** `<command> [options] [positionals]` against the known commands and options. */
export function parseCli(argv: readonly string[], commands: readonly string[], options: OptionTable): ParsedCli {
  const [command, ...rest] = argv;
  if (command !== undefined && !command.startsWith('-') && !commands.includes(command)) {
    return { ok: false, reason: `unknown command ${JSON.stringify(command)}${suggestion(command, commands)}` };
  }
  const args = command === undefined || command.startsWith('-') ? [...argv] : rest;
  const read = readOptions(args, options);
  if (!read.ok) return read;
  const { values, positionals } = read;
  return {
    ok: true,
    command: command === undefined || command.startsWith('-') ? undefined : command,
    values: values as Record<string, string | boolean | undefined>,
    positionals,
  };
}

/**
 * A script's options, with no command: `--help` or `-h` anywhere asks for the usage (the table need not
 * list it); an unknown option, a missing value or, unless `positionals` allows them, any other argument
 * is a mistake.
 */
export function parseOptions<T extends OptionTable>(
  argv: readonly string[],
  options: T,
  { positionals: allowPositionals = false }: { positionals?: boolean } = {},
): CliRequest<{ values: OptionValues<T>; positionals: string[] }> {
  const table: OptionTable = { help: { type: 'boolean', short: 'h' }, ...options };
  // Asked for wherever it is, even beside a mistake: the usage is what such a user needs.
  const tokens = parseArgs({
    args: [...argv],
    options: table,
    allowPositionals: true,
    strict: false,
    tokens: true,
  }).tokens;
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { ok: true, help: true };
  const read = readOptions(argv, table);
  if (!read.ok) return read;
  const [extra] = read.positionals;
  if (!allowPositionals && extra !== undefined)
    return { ok: false, reason: `unexpected argument ${JSON.stringify(extra)}` };
  const { help: _, ...values } = read.values;
  return { ok: true, value: { values: values as OptionValues<T>, positionals: read.positionals } };
}

/** What a script prints, and exits with, for a request it does not run. */
export interface CliAnswer {
  stdout: string;
  stderr: string;
  exitCode: 0 | 2;
}

/** The usage on stdout and 0 for `--help`; for a mistake, one line saying what is wrong, the usage, and 2. */
export function cliAnswer(request: { ok: true; help: true } | { ok: false; reason: string }, usage: string): CliAnswer {
  if (request.ok) return { stdout: `${usage}\n`, stderr: '', exitCode: 0 };
  const line = request.reason.split('\n', 1)[0];
  return { stdout: '', stderr: `error: ${line}\n\n${usage}\n`, exitCode: 2 };
}
