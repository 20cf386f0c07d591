import { describe, expect, it } from 'vitest';
import { parseTrackerBenchArgs } from './tracker-args';

const reason = (request: { ok: boolean; reason?: string }) => (request.ok ? 'ok' : request.reason);

describe('bench:tracker: the command line', () => {
  it('reads the settings, with the defaults', () => {
    expect(parseTrackerBenchArgs([])).toEqual({
      ok: true,
      value: {
        clients: 1000,
        saturateClients: 4000,
        seconds: 8,
        memoryPeers: 10_000,
        rejoinClients: 1000,
        rejoinRounds: 5,
        rejoinOnly: false,
        engineSeconds: 3,
        enginePeers: 1000,
        engineOnly: false,
        rampSteps: [250, 500, 1000, 1500, 2000, 3000, 4000, 5500],
        rampSeconds: 4,
        rampOnly: false,
      },
    });
    expect(parseTrackerBenchArgs(['--ramp-only', '--ramp', '50,100', '--engine-seconds=1'])).toMatchObject({
      value: { rampOnly: true, rampSteps: [50, 100], engineSeconds: 1 },
    });
  });

  it('answers --help with the usage, and refuses unknown options and values out of bounds', () => {
    expect(parseTrackerBenchArgs(['--help'])).toEqual({ ok: true, help: true });
    expect(reason(parseTrackerBenchArgs(['--clinets', '5']))).toMatch(/--clients/);
    expect(reason(parseTrackerBenchArgs(['--engine-seconds', '0.5']))).toMatch(/--engine-seconds takes an integer/);
    expect(reason(parseTrackerBenchArgs(['--memory-peers', '20000']))).toMatch(/1 to 15000/);
    expect(reason(parseTrackerBenchArgs(['--ramp', '100,,200']))).toMatch(/--ramp takes client counts/);
  });
});
