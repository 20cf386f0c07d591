import { describe, expect, it } from 'vitest';
import { inspectorPortOf } from './isolate-heap';

describe('inspectorPortOf', () => {
  const cmdline = (...args: string[]) => args.join('\0');

  it("reads wrangler dev's inspector port", () => {
    expect(
      inspectorPortOf(
        cmdline('node', '/repo/node_modules/.bin/wrangler', 'dev', '--port', '8787', '--inspector-port', '42809', ''),
      ),
    ).toBe(42809);
  });

  it('is undefined for anything else', () => {
    expect(
      inspectorPortOf(cmdline('node', '/repo/node_modules/.bin/wrangler', 'dev', '--port', '8787')),
    ).toBeUndefined();
    expect(inspectorPortOf(cmdline('node', 'other.js', 'dev', '--inspector-port', '1'))).toBeUndefined();
    expect(inspectorPortOf(cmdline('node', 'wrangler', 'deploy', '--inspector-port', '1'))).toBeUndefined();
    expect(inspectorPortOf(cmdline('node', 'wrangler', 'dev', '--inspector-port', 'x'))).toBeUndefined();
  });
});
