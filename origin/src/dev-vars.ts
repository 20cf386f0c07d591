/** Reads the local `.dev.vars` (wrangler's dotenv-style secrets file) so local tools share the dev secret. */
import { readFileSync } from 'node:fs';

/** Pure: `KEY=value` lines, `#` comments, optional quotes. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const [, key = '', raw = ''] = match;
    vars[key] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return vars;
}

export function readDevVars(path = '.dev.vars'): Record<string, string> {
  try {
    return parseDevVars(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}
