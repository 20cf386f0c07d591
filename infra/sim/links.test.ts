import { describe, expect, it } from 'vitest';
import { linkMixes, linkProfiles } from '../src/link-profiles';
import { networkFor } from './links';
import { resolveSimConfig } from './model';
import { runSimulation } from './swarm-sim';

describe('the harnesses’ link profiles in the simulator', () => {
  it('turns a mix into fixed access kinds, weighted by count, assigned in the mix’s join order', () => {
    const net = networkFor('residential');
    expect(net.accessOrder).toEqual(linkMixes.residential);
    expect(net.access.map((a) => [a.name, a.weight, a.downMbps, a.upMbps])).toEqual([
      ['dsl', 2, { kind: 'fixed', value: 16 }, { kind: 'fixed', value: 1 }],
      ['cable', 2, { kind: 'fixed', value: 100 }, { kind: 'fixed', value: 10 }],
      ['fibre', 1, { kind: 'fixed', value: 300 }, { kind: 'fixed', value: 100 }],
      ['mobile', 1, { kind: 'fixed', value: 20 }, { kind: 'fixed', value: 5 }],
    ]);
  });

  it('puts everyone on one profile, and refuses a name it does not know', () => {
    expect(networkFor('dsl')).toEqual({
      access: [{ name: 'dsl', weight: 1, downMbps: { kind: 'fixed', value: 16 }, upMbps: { kind: 'fixed', value: 1 } }],
    });
    expect(linkProfiles.dsl.upMbps).toBe(1);
    expect(() => networkFor('adsl')).toThrow(/--network adsl: one of residential, dsl-heavy/);
  });

  it('keeps the DSL viewer that joins first from leading once its uplink is measured', () => {
    // Six viewers 4 s apart on the residential mix: viewer 0 is DSL (1 Mbit/s up) and joins first.
    const config = resolveSimConfig({
      audience: {
        viewers: 6,
        rampSeconds: 0,
        staggerSeconds: 4,
        meanSessionSeconds: Number.POSITIVE_INFINITY,
        replaceDepartures: false,
        seconds: 120,
      },
      network: {
        ...networkFor('residential'),
        regions: [{ name: 'eu', weight: 1, countries: 0, asnsPerCountry: 0 }],
        iceFailure: 0,
      },
    });
    const r = runSimulation(config);
    const lead = r.viewers?.map((v) => v.leadDecisionsAfterFirstEpoch) ?? [];
    expect(lead).toHaveLength(6);
    // Viewer 0 (DSL, first to join) stops leading once its uplink is measured; someone else leads instead.
    expect(lead[0]).toBe(0);
    expect(lead.slice(1).some((n) => n > 0)).toBe(true);
    expect(r.summary.stalls).toBe(0);
  });
});
