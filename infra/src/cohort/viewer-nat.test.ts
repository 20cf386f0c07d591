import { describe, expect, it } from 'vitest';
import { linksFor } from '../link-profiles';
import { linkShapingCommands, viewerLinkCommands } from './viewer-links';
import { isNatKind, natInterfaces, natLinks, natRules, parseNatSpec, viewerNatSetup } from './viewer-nat';

const unshaped = { downMbps: null, upMbps: null };

describe('viewer NAT', () => {
  it('names each viewer’s router and gives the viewer a private subnet of its own', () => {
    expect(natInterfaces(3)).toEqual({
      router: 'es-r3',
      wanPort: 'esw3',
      lanPort: 'esl3',
      routerLanAddress: '192.168.3.1',
      viewerAddress: '192.168.3.2',
    });
    expect(() => natInterfaces(201)).toThrow(RangeError);
  });

  it('masquerades a cone NAT plainly, a symmetric one with a random port per flow, and a full cone lets all UDP in', () => {
    const names = { wanPort: 'esw1', viewerAddress: '192.168.1.2' };
    expect(natRules(names, 'cone')).toEqual(['iptables -t nat -A POSTROUTING -o esw1 -j MASQUERADE']);
    expect(natRules(names, 'symmetric')).toEqual([
      'iptables -t nat -A POSTROUTING -o esw1 -j MASQUERADE --random-fully',
    ]);
    expect(natRules(names, 'full-cone')).toEqual([
      'iptables -t nat -A POSTROUTING -o esw1 -j MASQUERADE',
      'iptables -t nat -A PREROUTING -i esw1 -p udp -j DNAT --to-destination 192.168.1.2',
    ]);
  });

  it('leaves an open viewer on the bridge, exactly as a link of its own', () => {
    const link = { downMbps: 16, upMbps: 1 };
    expect(viewerNatSetup(2, 'open', link)).toEqual({ commands: viewerLinkCommands(2, link), namespaces: ['es-v2'] });
  });

  it('drops every UDP packet of a udp-blocked viewer, in and out, and nothing else', () => {
    const setup = viewerNatSetup(2, 'udp-blocked', unshaped);
    expect(setup.namespaces).toEqual(['es-v2']);
    expect(setup.commands.slice(0, -2)).toEqual(viewerLinkCommands(2, unshaped));
    expect(setup.commands.slice(-2)).toEqual([
      'ip netns exec es-v2 iptables -A OUTPUT -p udp -j DROP',
      'ip netns exec es-v2 iptables -A INPUT -p udp -j DROP',
    ]);
  });

  it('puts a NATed viewer behind a router on the bridge, shaped as any link: up on its end, down on the bridge’s', () => {
    const setup = viewerNatSetup(1, 'symmetric', { downMbps: 16, upMbps: 1 });
    expect(setup.namespaces).toEqual(['es-v1', 'es-r1']);
    expect(setup.commands).toEqual([
      'ip netns add es-r1',
      'ip netns add es-v1',
      'ip link add esb1 type veth peer name esw1 netns es-r1',
      'ip link set esb1 master esbr0',
      'ip link set esb1 up',
      'ip -n es-r1 link set lo up',
      'ip -n es-r1 addr add 10.77.0.11/24 dev esw1',
      'ip -n es-r1 link set esw1 up',
      'ip -n es-r1 route add default via 10.77.0.1',
      'ip -n es-r1 link add esl1 type veth peer name esv1 netns es-v1',
      'ip -n es-r1 addr add 192.168.1.1/24 dev esl1',
      'ip -n es-r1 link set esl1 up',
      'ip -n es-v1 link set lo up',
      'ip -n es-v1 addr add 192.168.1.2/24 dev esv1',
      'ip -n es-v1 link set esv1 up',
      'ip -n es-v1 route add default via 192.168.1.1',
      'ip netns exec es-r1 sysctl -qw net.ipv4.ip_forward=1',
      'ip netns exec es-r1 iptables -t nat -A POSTROUTING -o esw1 -j MASQUERADE --random-fully',
      'tc -n es-v1 qdisc add dev esv1 root tbf rate 1000kbit burst 8192 latency 400ms',
      'tc qdisc add dev esb1 root tbf rate 16000kbit burst 8192 latency 400ms',
    ]);
    const cone = viewerNatSetup(1, 'cone', unshaped).commands;
    expect(cone.at(-1)).toBe('ip netns exec es-r1 iptables -t nat -A POSTROUTING -o esw1 -j MASQUERADE');
    expect(cone.some((c) => c.startsWith('tc'))).toBe(false);
  });

  it('composes --network residential with --nat symmetric:2: every viewer its profile’s link, the NATed ones behind a router', () => {
    const spec = parseNatSpec('symmetric:2', 8);
    if ('error' in spec) throw new Error(spec.error);
    const links = natLinks(linksFor('residential', 8), spec.kinds);
    expect(links.map((l) => l.profile)).toEqual([
      'dsl',
      'cable',
      'fibre/symmetric',
      'mobile',
      'dsl',
      'cable',
      'dsl/symmetric',
      'cable',
    ]);
    // The rates are the profile's, NAT or not: fibre 300/100 and DSL 16/1.
    expect(links[2]).toEqual({ profile: 'fibre/symmetric', downMbps: 300, upMbps: 100 });
    expect(links[6]).toEqual({ profile: 'dsl/symmetric', downMbps: 16, upMbps: 1 });
    const setups = links.map((link, i) => viewerNatSetup(i, spec.kinds[i] ?? 'open', link));
    setups.forEach((setup, i) => {
      const link = links[i] ?? { downMbps: null, upMbps: null };
      const tc = setup.commands.filter((c) => c.startsWith('tc '));
      // One shaping path: the same two qdiscs a viewer on the bridge gets, up on its own end, down on the bridge's.
      expect(tc).toEqual(linkShapingCommands(i, link));
      expect(tc).toHaveLength(2);
      expect(tc[0]).toMatch(
        new RegExp(`^tc -n es-v${i} qdisc add dev esv${i} root tbf rate ${(link.upMbps ?? 0) * 1000}kbit`),
      );
      expect(tc[1]).toMatch(new RegExp(`^tc qdisc add dev esb${i} root tbf rate ${(link.downMbps ?? 0) * 1000}kbit`));
      const natted = spec.kinds[i] === 'symmetric';
      expect(setup.namespaces).toEqual(natted ? [`es-v${i}`, `es-r${i}`] : [`es-v${i}`]);
      expect(setup.commands.some((c) => c.endsWith('MASQUERADE --random-fully'))).toBe(natted);
      // The shaping comes after the namespaces and veths it applies to exist.
      expect(setup.commands.slice(-2)).toEqual(tc);
    });
    // Nothing in the plan depends on anything but its input: a NAT of 0 viewers is the plain residential plan.
    const none = parseNatSpec('symmetric:0', 8);
    if ('error' in none) throw new Error(none.error);
    const plain = linksFor('residential', 8);
    expect(natLinks(plain, none.kinds)).toEqual(plain);
    expect(plain.map((link, i) => viewerNatSetup(i, 'open', link).commands)).toEqual(
      plain.map((link, i) => viewerLinkCommands(i, link)),
    );
  });

  it.each([
    ['symmetric:2', 8, ['open', 'open', 'symmetric', 'open', 'open', 'open', 'symmetric', 'open']],
    ['cone:1,symmetric:1', 4, ['open', 'open', 'cone', 'symmetric']],
    ['symmetric:0', 3, ['open', 'open', 'open']],
    ['udp-blocked:3', 4, ['open', 'udp-blocked', 'udp-blocked', 'udp-blocked']],
  ])('spreads --nat %s over %i viewers, never the first', (spec, viewers, kinds) => {
    expect(parseNatSpec(spec, viewers)).toEqual({ kinds });
  });

  it.each([
    ['symmetric', /kind:count/],
    ['open:1', /kind:count/],
    ['port-restricted:1', /kind:count/],
    ['symmetric:-1', /kind:count/],
    ['symmetric:4', /only 3 of 4 viewers/],
    ['cone:2,symmetric:2', /symmetric:2: only 1 of 4/],
  ])('refuses --nat %s', (spec, error) => {
    const parsed = parseNatSpec(spec, 4);
    expect('error' in parsed && parsed.error).toMatch(error);
  });

  it('knows its kinds', () => {
    expect(isNatKind('symmetric')).toBe(true);
    expect(isNatKind('full-cone')).toBe(true);
    expect(isNatKind('port-restricted')).toBe(false);
  });
});
