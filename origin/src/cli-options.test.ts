import { describe, expect, it } from 'vitest';
import { cliAnswer, didYouMean, editDistance, type OptionTable, parseCli, parseOptions } from './cli-options';

const options: OptionTable = {
  stream: { type: 'string' },
  edge: { type: 'string', default: 'http://127.0.0.1:8787' },
  'segment-seconds': { type: 'string', default: '2' },
  'rtmp-key': { type: 'string' },
  'no-audio': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
};
const commands = ['vod', 'publish', 'key'];

describe('editDistance', () => {
  it.each([
    ['stream', 'stream', 0],
    ['sream', 'stream', 1],
    ['straem', 'stream', 2],
    ['', 'abc', 3],
  ])('%s → %s: %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('didYouMean', () => {
  const names = Object.keys(options);
  it.each([
    ['sream', 'stream'],
    ['straem', 'stream'],
    ['segment-second', 'segment-seconds'],
    ['segment', 'segment-seconds'], // the only option it abbreviates
    ['rtmpkey', 'rtmp-key'],
    ['noaudio', 'no-audio'],
  ])('%s → %s', (input, meant) => {
    expect(didYouMean(input, names)).toBe(meant);
  });
  it('suggests nothing for what is nowhere near', () => {
    expect(didYouMean('verbose', names)).toBeUndefined();
    expect(didYouMean('x', names)).toBeUndefined();
  });
});

describe('parseCli', () => {
  it('parses a command, its options (with defaults) and positionals', () => {
    expect(parseCli(['vod', 'movie.mp4', '--stream', 'trailer', '--no-audio'], commands, options)).toEqual({
      ok: true,
      command: 'vod',
      values: { stream: 'trailer', edge: 'http://127.0.0.1:8787', 'segment-seconds': '2', 'no-audio': true },
      positionals: ['movie.mp4'],
    });
    expect(parseCli(['publish', '--stream=live', '--edge', 'http://x'], commands, options)).toMatchObject({
      ok: true,
      values: { stream: 'live', edge: 'http://x' },
    });
  });

  it('answers a typo with the option meant', () => {
    expect(parseCli(['vod', 'a.mp4', '--sream', 'trailer'], commands, options)).toEqual({
      ok: false,
      reason: 'unknown option --sream; did you mean --stream?',
    });
    expect(parseCli(['publish', '--verbose'], commands, options)).toEqual({
      ok: false,
      reason: 'unknown option --verbose',
    });
    expect(parseCli(['publish', '-x'], commands, options)).toEqual({ ok: false, reason: 'unknown option -x' });
  });

  it('answers an unknown command with the command meant', () => {
    expect(parseCli(['pubish', '--stream', 'a'], commands, options)).toEqual({
      ok: false,
      reason: 'unknown command "pubish"; did you mean publish?',
    });
  });

  it('refuses a value option without its value, and a value on a flag', () => {
    expect(parseCli(['vod', 'a.mp4', '--stream'], commands, options)).toEqual({
      ok: false,
      reason: '--stream needs a value',
    });
    expect(parseCli(['publish', '--no-audio=yes'], commands, options)).toEqual({
      ok: false,
      reason: '--no-audio takes no value',
    });
  });

  it('takes --help without a command', () => {
    expect(parseCli(['--help'], commands, options)).toMatchObject({
      ok: true,
      command: undefined,
      values: { help: true },
    });
    expect(parseCli([], commands, options)).toMatchObject({ ok: true, command: undefined });
  });
});

describe('parseOptions', () => {
  const table = {
    viewers: { type: 'string', default: '4,8' },
    seconds: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    'no-baseline': { type: 'boolean' },
  } satisfies OptionTable;

  it('reads options with their defaults, repeated ones in order', () => {
    expect(parseOptions(['--seconds', '30', '--set', 'a.b=1', '--set=c.d=2', '--no-baseline'], table)).toEqual({
      ok: true,
      value: {
        values: { viewers: '4,8', seconds: '30', set: ['a.b=1', 'c.d=2'], 'no-baseline': true },
        positionals: [],
      },
    });
  });

  it('answers --help or -h anywhere with the usage, even beside a mistake', () => {
    for (const argv of [['--help'], ['-h'], ['--seconds', '3', '--help'], ['--bogus', '-h'], ['--help=yes']]) {
      expect(parseOptions(argv, table), argv.join(' ')).toEqual({ ok: true, help: true });
    }
    // After --, it is an argument like any other.
    expect(parseOptions(['--', '--help'], table)).toEqual({ ok: false, reason: 'unexpected argument "--help"' });
  });

  it('refuses an unknown option with the one meant, a missing value and stray arguments', () => {
    expect(parseOptions(['--viewer', '8'], table)).toEqual({
      ok: false,
      reason: 'unknown option --viewer; did you mean --viewers?',
    });
    expect(parseOptions(['--bogus'], table)).toEqual({ ok: false, reason: 'unknown option --bogus' });
    expect(parseOptions(['-x'], table)).toEqual({ ok: false, reason: 'unknown option -x' });
    expect(parseOptions(['--seconds'], table)).toEqual({ ok: false, reason: '--seconds needs a value' });
    expect(parseOptions(['--no-baseline=1'], table)).toEqual({ ok: false, reason: '--no-baseline takes no value' });
    expect(parseOptions(['steady'], table)).toEqual({ ok: false, reason: 'unexpected argument "steady"' });
    expect(parseOptions(['movie.mp4'], table, { positionals: true })).toMatchObject({
      ok: true,
      value: { positionals: ['movie.mp4'] },
    });
  });
});

describe('cliAnswer', () => {
  const usage = 'usage: npm run thing -- [--seconds 30]';
  it('prints the usage on stdout with exit 0 for --help', () => {
    expect(cliAnswer({ ok: true, help: true }, usage)).toEqual({ stdout: `${usage}\n`, stderr: '', exitCode: 0 });
  });
  it('prints one error line, then the usage, on stderr with exit 2 for a mistake', () => {
    expect(cliAnswer({ ok: false, reason: 'unknown option --bogus\nmore' }, usage)).toEqual({
      stdout: '',
      stderr: `error: unknown option --bogus\n\n${usage}\n`,
      exitCode: 2,
    });
  });
});
