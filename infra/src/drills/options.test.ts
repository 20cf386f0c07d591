import { describe, expect, it } from 'vitest';
import { DrillOptionsError, drillDefaults, parseDrillOptions } from './options';

const known = ['publisher-kill', 'edge-outage', 'workerd-restart'];

describe('parseDrillOptions', () => {
  it('runs every drill in full by default', () => {
    expect(parseDrillOptions([], known)).toEqual(drillDefaults);
  });

  it('selects drills in the registry order, comma-separated or repeated', () => {
    const o = parseDrillOptions(['--quick', '--only', 'workerd-restart,publisher-kill', '--out', '/tmp/x'], known);
    expect(o).toMatchObject({ quick: true, only: ['publisher-kill', 'workerd-restart'], outDir: '/tmp/x' });
    expect(parseDrillOptions(['--only', 'edge-outage', '--only', 'publisher-kill'], known).only).toEqual([
      'publisher-kill',
      'edge-outage',
    ]);
  });

  it('names the drills when one is unknown, and refuses unknown flags', () => {
    expect(() => parseDrillOptions(['--only', 'nope'], known)).toThrow(
      /unknown drill nope; the drills are: publisher-kill/,
    );
    expect(() => parseDrillOptions(['--fast'], known)).toThrow(DrillOptionsError);
    expect(() => parseDrillOptions(['--out', ' '], known)).toThrow(/--out needs a folder/);
  });
});
