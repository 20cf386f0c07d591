import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, type OptionTable, parseCli } from './cli-options';

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
