import { describe, expect, it } from 'vitest';
import { taskLayout } from './in-namespace';

describe('namespace tasks', () => {
  it('give viewers with links of their own a bridge, the others today’s single veth', () => {
    expect(taskLayout({ task: 'swarm', options: {} })).toBe('veth');
    expect(taskLayout({ task: 'swarm', options: { network: 'loopback' } })).toBe('veth');
    expect(taskLayout({ task: 'swarm', options: { network: 'residential' } })).toBe('bridge');
    expect(
      taskLayout({ task: 'swarm', options: { links: [{ profile: 'slow', downMbps: 20, upMbps: 1 }], viewers: 1 } }),
    ).toBe('bridge');
    const plan = {
      harness: 'compare',
      name: 'cdn' as const,
      stream: 's',
      viewers: 1,
      seconds: 10,
      staggerSeconds: 3,
      sampleSeconds: 2,
      progressSeconds: 6,
      beacons: true,
    };
    expect(taskLayout({ task: 'cohort', plan, socketPath: '/x' })).toBe('veth');
    expect(
      taskLayout({
        task: 'cohort',
        plan: { ...plan, links: [{ profile: 'dsl', downMbps: 16, upMbps: 1 }] },
        socketPath: '/x',
      }),
    ).toBe('bridge');
  });
});
