import { describe, expect, it } from 'vitest';
import type { CohortSample } from './records';
import { linkUse, parseNetDev, tbfCommand, viewerInterfaces, viewerLinkCommands } from './viewer-links';

describe('viewer links', () => {
  it('names each viewer’s namespace and veth ends, and gives it an address on the bridge’s subnet', () => {
    expect(viewerInterfaces(0)).toEqual({
      netns: 'es-v0',
      bridgePort: 'esb0',
      viewerPort: 'esv0',
      address: '10.77.0.10',
    });
    expect(viewerInterfaces(31).address).toBe('10.77.0.41');
    expect(() => viewerInterfaces(-1)).toThrow(RangeError);
  });

  it('shapes with tbf: the rate in kbit, a bucket of a few ms but never under a few frames, a modem-sized queue', () => {
    expect(tbfCommand('esv0', 1, 'es-v0')).toBe(
      'tc -n es-v0 qdisc add dev esv0 root tbf rate 1000kbit burst 8192 latency 400ms',
    );
    expect(tbfCommand('esb0', 300)).toBe('tc qdisc add dev esb0 root tbf rate 300000kbit burst 150000 latency 400ms');
    expect(() => tbfCommand('esb0', 0)).toThrow(RangeError);
    expect(() => tbfCommand('esb0', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('builds a viewer’s link: its namespace, a veth pair onto the bridge, a default route via 10.77.0.1, up on its end, down on the bridge’s', () => {
    const commands = viewerLinkCommands(1, { downMbps: 16, upMbps: 1 });
    expect(commands).toEqual([
      'ip netns add es-v1',
      'ip link add esb1 type veth peer name esv1 netns es-v1',
      'ip link set esb1 master esbr0',
      'ip link set esb1 up',
      'ip -n es-v1 link set lo up',
      'ip -n es-v1 addr add 10.77.0.11/24 dev esv1',
      'ip -n es-v1 link set esv1 up',
      'ip -n es-v1 route add default via 10.77.0.1',
      'tc -n es-v1 qdisc add dev esv1 root tbf rate 1000kbit burst 8192 latency 400ms',
      'tc qdisc add dev esb1 root tbf rate 16000kbit burst 8192 latency 400ms',
    ]);
    // Unshaped directions get no qdisc.
    expect(viewerLinkCommands(0, { downMbps: null, upMbps: null }).some((c) => c.startsWith('tc'))).toBe(false);
  });

  it('reads bytes received and sent per interface from /proc/net/dev', () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
 esbr0: 5233384    3594    0    0    0     0          0        16 10101940    1132    0    0    0     0       0          0
  esb1: 1094666     697    0    0    0     0          0         0    45458     573    0    0    0     0       0          0`;
    const dev = parseNetDev(text);
    expect(dev.get('esb1')).toEqual({ rxBytes: 1_094_666, txBytes: 45_458 });
    expect(dev.get('esbr0')?.txBytes).toBe(10_101_940);
    expect(dev.has('face |bytes')).toBe(false);
    expect(dev.size).toBe(3);
  });

  const at = (t: number, upBytes: number, downBytes = 0): CohortSample => ({
    t,
    load1: 0,
    viewers: [],
    links: [null, { upBytes, downBytes }],
  });

  it('measures a link’s mean rates over the watch and its peaks over windows of 3 s or more', () => {
    // Joined at 1 s; 125 kB/s (1 Mbit/s) up for 3 s, then a 2 s burst at 2 Mbit/s, then idle.
    const samples = [
      at(2, 125_000),
      at(3, 250_000),
      at(4, 375_000, 1e6),
      at(5, 625_000),
      at(6, 875_000),
      at(9, 875_000),
    ];
    const use = linkUse(samples, 1, { upMbps: 1 }, 1);
    expect(use).toMatchObject({ upBytes: 875_000, downBytes: 0, windowSeconds: 3 });
    expect(use?.upMbps).toBeCloseTo((8 * 875_000) / 8 / 1e6);
    // The busiest 3 s: 3 → 6 s, 625 000 bytes.
    expect(use?.peakUpMbps).toBeCloseTo((8 * 625_000) / 3 / 1e6);
    expect(use?.upWithinCap).toBe(false);
    expect(linkUse(samples, 1, { upMbps: 2 }, 1)?.upWithinCap).toBe(true);
    expect(linkUse(samples, 1, { upMbps: null }, 1)?.upWithinCap).toBe(true);
  });

  it('treats a watch shorter than a window as one window, and no counters as no measurement', () => {
    expect(linkUse([at(2, 250_000)], 1, { upMbps: 1 }, 0)?.peakUpMbps).toBeCloseTo(1);
    expect(linkUse([at(2, 1)], 0, { upMbps: 1 }, 0)).toBeNull();
  });
});
