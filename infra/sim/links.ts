/**
 * The harnesses' link profiles (infra/src/link-profiles.ts) as the simulator's
 * network model: the same down/up figures, and for a mix the same order of
 * links in join order, so a simulated `--network residential` run and a real
 * one put the same viewer on the same link.
 */
import { linkMixes, linkProfiles, type NetworkName, networkNames } from '../src/link-profiles';
import type { AccessKind, NetworkModel } from './model';

export function networkFor(name: string): Pick<NetworkModel, 'access'> & Partial<Pick<NetworkModel, 'accessOrder'>> {
  if (!(networkNames as string[]).includes(name)) {
    throw new Error(`--network ${name}: one of ${networkNames.join(', ')}`);
  }
  const order: readonly string[] =
    name in linkMixes ? linkMixes[name as keyof typeof linkMixes] : [name as keyof typeof linkProfiles];
  const kinds = [...new Set(order)];
  const access: AccessKind[] = kinds.map((kind) => {
    const link = linkProfiles[kind as keyof typeof linkProfiles];
    // Unshaped (loopback) has no figure: the simulator needs one; take the calibration world's loopback.
    const down = Number.isFinite(link.downMbps) ? link.downMbps : 200;
    const up = Number.isFinite(link.upMbps) ? link.upMbps : 50;
    return {
      name: kind,
      weight: order.filter((k) => k === kind).length,
      downMbps: { kind: 'fixed', value: down },
      upMbps: { kind: 'fixed', value: up },
    };
  });
  return kinds.length > 1 ? { access, accessOrder: order } : { access };
}

export type { NetworkName };
