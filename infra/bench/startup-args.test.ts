import { describe, expect, it } from 'vitest';
import { parseStartupBenchArgs } from './startup-args';

const reason = (request: { ok: boolean; reason?: string }) => (request.ok ? 'ok' : request.reason);

describe('bench:startup: the command line', () => {
  it('reads the settings, with the defaults', () => {
    expect(parseStartupBenchArgs([])).toEqual({
      ok: true,
      value: { rounds: 16, warm: 3, network: 'loopback', warmupSeconds: 20, holdSeconds: 2, gapSeconds: 1 },
    });
    expect(
      parseStartupBenchArgs([
        '--rounds',
        '4',
        '--warm=0',
        '--network',
        'residential',
        '--hold',
        '0.5',
        '--out',
        'x.json',
      ]),
    ).toEqual({
      ok: true,
      value: {
        rounds: 4,
        warm: 0,
        network: 'residential',
        warmupSeconds: 20,
        holdSeconds: 0.5,
        gapSeconds: 1,
        out: 'x.json',
      },
    });
    expect(parseStartupBenchArgs(['--warm', '0', '--warmup', '0'])).toMatchObject({ value: { warmupSeconds: 0 } });
  });

  it('answers --help and -h with the usage', () => {
    expect(parseStartupBenchArgs(['--help'])).toEqual({ ok: true, help: true });
    expect(parseStartupBenchArgs(['--rounds', 'x', '-h'])).toEqual({ ok: true, help: true });
  });

  it('refuses unknown options, arguments, and values out of bounds', () => {
    expect(reason(parseStartupBenchArgs(['--bogus']))).toBe('unknown option --bogus');
    expect(reason(parseStartupBenchArgs(['--round', '4']))).toBe('unknown option --round; did you mean --rounds?');
    expect(reason(parseStartupBenchArgs(['now']))).toBe('unexpected argument "now"');
    expect(reason(parseStartupBenchArgs(['--rounds', '0']))).toBe('--rounds takes an integer from 1 to 100, not "0"');
    expect(reason(parseStartupBenchArgs(['--rounds', '2.5']))).toBe(
      '--rounds takes an integer from 1 to 100, not "2.5"',
    );
    expect(reason(parseStartupBenchArgs(['--warm', '9']))).toBe('--warm takes an integer from 0 to 8, not "9"');
    expect(reason(parseStartupBenchArgs(['--hold', '-1']))).toBe('--hold takes a number from 0 to 30, not "-1"');
    expect(reason(parseStartupBenchArgs(['--gap', '']))).toBe('--gap takes a number from 0 to 30, not ""');
    expect(reason(parseStartupBenchArgs(['--network', 'lan']))).toBe(
      '--network takes one of residential, dsl-heavy, fibre, cable, dsl, mobile, loopback, not "lan"',
    );
    expect(reason(parseStartupBenchArgs(['--out', ' ']))).toBe('--out takes a file path');
  });

  it('refuses a warm-up too short for the warm viewers to join and play', () => {
    expect(reason(parseStartupBenchArgs(['--warm', '4', '--warmup', '11']))).toBe(
      '--warmup must give the 4 warm viewers time to join and play: at least 12 s (3 s each)',
    );
    expect(parseStartupBenchArgs(['--warm', '4', '--warmup', '12']).ok).toBe(true);
  });
});
