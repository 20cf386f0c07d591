import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tsxCommand, tsxLoader } from './tsx-command';

describe('tsxCommand', () => {
  it("runs the script with Node and tsx's loader, not tsx's CLI (no IPC pipe named by a pid)", () => {
    const [command, ...args] = tsxCommand('/repo/infra/src/x.ts', '--a', '{"b":1}');
    expect(command).toBe(process.execPath);
    expect(args).toEqual(['--import', tsxLoader, '/repo/infra/src/x.ts', '--a', '{"b":1}']);
    expect(args.join(' ')).not.toMatch(/\.bin\/tsx/);
  });

  it('points at the loader tsx exports', () => {
    expect(existsSync(fileURLToPath(tsxLoader))).toBe(true);
  });
});
