/**
 * The command line, parsed and checked. Pure: argv and the option table in, plain data out.
 *
 * Node's own strict parseArgs answers a typo with advice about positionals that start with a dash;
 * this answers with the option the user most likely meant.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
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

/** `<command> [options] [positionals]` against the known commands and options. */
export function parseCli(argv: readonly string[], commands: readonly string[], options: OptionTable): ParsedCli {
  const [command, ...rest] = argv;
  if (command !== undefined && !command.startsWith('-') && !commands.includes(command)) {
    return { ok: false, reason: `unknown command ${JSON.stringify(command)}${suggestion(command, commands)}` };
  }
  const args = command === undefined || command.startsWith('-') ? [...argv] : rest;
  const { values, positionals, tokens } = parseArgs({
    args,
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
  return {
    ok: true,
    command: command === undefined || command.startsWith('-') ? undefined : command,
    values: values as Record<string, string | boolean | undefined>,
    positionals,
  };
}
