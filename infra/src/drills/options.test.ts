import { describe, expect, it } from 'vitest';
import { drillDefaults, parseDrillOptions, quickJobs } from './options';

const known = ['publisher-kill', 'edge-outage', 'workerd-restart'];
const value = (argv: string[]) => {
  const read = parseDrillOptions(argv, known);
  if (!(read.ok && 'value' in read)) throw new Error(JSON.stringify(read));
  return read.value;
};

describe('parseDrillOptions', () => {
  it('runs every drill in full by default', () => {
    expect(value([])).toEqual(drillDefaults);
  });

  it('selects drills in the registry order, comma-separated or repeated', () => {
    const o = value(['--quick', '--only', 'workerd-restart,publisher-kill', '--out', '/tmp/x']);
    expect(o).toMatchObject({ quick: true, only: ['publisher-kill', 'workerd-restart'], outDir: '/tmp/x' });
    expect(value(['--only', 'edge-outage', '--only', 'publisher-kill']).only).toEqual([
      'publisher-kill',
      'edge-outage',
    ]);
  });

  it('asks for the usage, names the drills when one is unknown, and refuses unknown options', () => {
    expect(parseDrillOptions(['--quick', '--help'], known)).toEqual({ ok: true, help: true });
    expect(parseDrillOptions(['--only', 'nope'], known)).toEqual({
      ok: false,
      reason: 'unknown drill nope; the drills are: publisher-kill, edge-outage, workerd-restart',
    });
    expect(parseDrillOptions(['--quik'], known)).toMatchObject({ ok: false, reason: expect.stringMatching(/--quick/) });
    expect(parseDrillOptions(['--out', ' '], known)).toEqual({ ok: false, reason: '--out needs a folder' });
    for (const jobs of ['0', '1.5', 'two', '']) {
      expect(parseDrillOptions(['--jobs', jobs], known)).toEqual({
        ok: false,
        reason: `--jobs needs a whole number of at least 1, not ${JSON.stringify(jobs)}`,
      });
    }
  });

  it('runs one drill at a time unless told more; with --quick, the drills without viewers side by side', () => {
    expect(value([]).jobs).toBe(1);
    expect(value(['--jobs', '4']).jobs).toBe(4);
    expect(value(['--quick']).jobs).toBe(quickJobs);
    expect(quickJobs).toBe(4);
    expect(value(['--quick', '--jobs', '1']).jobs).toBe(1);
  });
});
