import { describe, expect, it } from 'vitest';
import { parseSet, parseSimArgs } from './sim-args';

describe('npm run sim: the command line', () => {
  it('reads the runs asked for, with the defaults', () => {
    expect(parseSimArgs([])).toEqual({
      ok: true,
      value: {
        scenario: 'steady',
        names: ['steady'],
        viewers: [1000],
        seed: 1,
        set: {},
        real: 'bench-results/offload.json',
      },
    });
    const all = parseSimArgs(['--scenario', 'all', '--viewers', '10, 100', '--seconds', '60', '--no-baseline']);
    expect(all).toMatchObject({ ok: true, value: { viewers: [10, 100], seconds: 60, baseline: false } });
    expect(all.ok && 'value' in all && all.value.names).not.toContain('calibrate');
    expect(parseSimArgs(['--set', 'network.iceFailure=0.1', '--set', 'policy.seederFanout=4'])).toMatchObject({
      ok: true,
      value: { set: { network: { iceFailure: 0.1 }, policy: { seederFanout: 4 } } },
    });
  });

  it('answers --help with the usage, before reading anything else', () => {
    expect(parseSimArgs(['--scenario', 'nope', '--help'])).toEqual({ ok: true, help: true });
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--scenaro', 'steady'], 'unknown option --scenaro; did you mean --scenario?'],
    [['--scenario', 'nope'], 'unknown scenario nope'],
    [['--viewers', '10,abc'], '--viewers takes positive integers'],
    [['--viewers', '0'], '--viewers takes positive integers'],
    [['--seconds', '-5'], '--seconds takes a positive number'],
    [['--seed', 'x'], '--seed takes an integer'],
    [['--set', 'nowhere.x=1'], '--set nowhere.x: no such model value'],
    [['--network', 'adsl'], '--network adsl: one of'],
    [['steady'], 'unexpected argument "steady"'],
  ])('refuses %j before any run', (argv, reason) => {
    const request = parseSimArgs(argv);
    expect(request.ok ? 'ok' : request.reason).toContain(reason);
  });

  it('parses --set values as JSON where they parse', () => {
    expect(parseSet(['audience.seconds=Infinity', 'network.iceFailure=0.2'])).toEqual({
      audience: { seconds: Number.POSITIVE_INFINITY },
      network: { iceFailure: 0.2 },
    });
    expect(() => parseSet(['network'])).toThrow(/section\.key=value/);
  });

  it('sets the optional model values (no default) too, and still refuses unknown ones', () => {
    expect(parseSet(['network.natOrder=["open","udp-blocked"]'])).toEqual({
      network: { natOrder: ['open', 'udp-blocked'] },
    });
    expect(parseSet(['network.accessOrder=["dsl"]'])).toEqual({ network: { accessOrder: ['dsl'] } });
    expect(() => parseSet(['network.natOrdre=[]'])).toThrow(/no such model value/);
    expect(() => parseSet(['audience.natOrder=[]'])).toThrow(/no such model value/);
  });
});
