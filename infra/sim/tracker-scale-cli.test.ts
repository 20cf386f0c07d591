import { describe, expect, it } from 'vitest';
import { trackerScaleDefaults } from './tracker-scale';
import { parseTrackerScaleArgs } from './tracker-scale-cli';

describe('npm run sim -- --scenario tracker-scale: the command line', () => {
  it('reads the run, over the defaults', () => {
    const request = parseTrackerScaleArgs(['--viewers', '5000', '--set', 'scale.rampSeconds=60', '--out', '/tmp/x']);
    expect(request).toMatchObject({ ok: true, value: { config: { viewers: 5000, rampSeconds: 60 }, out: '/tmp/x' } });
    expect(parseTrackerScaleArgs([])).toMatchObject({ ok: true, value: { config: { ...trackerScaleDefaults } } });
  });

  it('answers --help with the usage, and a mistake with what is wrong', () => {
    expect(parseTrackerScaleArgs(['--viewers', 'x', '-h'])).toEqual({ ok: true, help: true });
    const reason = (argv: string[]) => {
      const request = parseTrackerScaleArgs(argv);
      return request.ok ? 'ok' : request.reason;
    };
    expect(reason(['--bogus'])).toBe('unknown option --bogus');
    expect(reason(['--viewrs', '10'])).toBe('unknown option --viewrs; did you mean --viewers?');
    expect(reason(['--viewers', '0'])).toMatch(/--viewers takes a positive integer/);
    expect(reason(['--seed', 'x'])).toBe('--seed takes an integer, not x');
    expect(reason(['--set', 'scale.nothing=1'])).toMatch(/--set takes scale.<key>=value/);
  });
});
