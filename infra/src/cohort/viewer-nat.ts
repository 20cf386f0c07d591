/**
 * A viewer behind a NAT, in the harness's private network (the `bridge`
 * layout, viewer-links.ts). Instead of sitting on the bridge itself, the
 * viewer's namespace sits behind a small router namespace of its own:
 *
 *   viewer es-v<i> 192.168.<i>.2 ── esv<i> │ esl<i> 192.168.<i>.1 ── router es-r<i>
 *   router es-r<i> esw<i> 10.77.0.<10+i> ── esb<i> (a port of the bridge, 10.77.0.1)
 *
 * The router forwards and MASQUERADEs what leaves it to its bridge address.
 * Linux's NAT filters by conntrack: a packet from outside reaches the viewer
 * only as the reply of a flow the viewer opened (to that address and port).
 * Kinds (RFC 4787's terms):
 *
 * - `open`: no NAT, the viewer on the bridge as viewer-links.ts makes it;
 * - `full-cone`: MASQUERADE, and every UDP packet that reaches the router's
 *   bridge address forwarded to the viewer (DNAT): endpoint-independent
 *   mapping and filtering, as a router with the viewer as its DMZ host, or
 *   with UPnP/NAT-PMP mappings, or sold as "full cone" (what consoles call an
 *   open NAT type);
 * - `cone`: plain MASQUERADE. Linux keeps the viewer's source port for every
 *   destination when it is free: endpoint-independent mapping,
 *   address-and-port-dependent filtering (a "port-restricted cone", as most
 *   home routers built on Linux are);
 * - `symmetric`: MASQUERADE --random-fully, a fresh random port for every new
 *   destination: endpoint-dependent mapping, so the address a STUN server
 *   reports is useless to any other peer (carrier-grade and many corporate NATs);
 * - `udp-blocked`: on the bridge, but every UDP packet in or out dropped (a
 *   firewall that lets only TCP through; WebRTC without TURN over TCP/TLS).
 *
 * The link is shaped by viewer-links.ts's own `linkShapingCommands`, the same
 * path as a viewer on the bridge: uplink on the viewer's own end (esv<i>),
 * downlink on the bridge's (esb<i>), so what crossed it is still read at the
 * bridge port. `natLinks` gives a NATed viewer its profile's link, named with
 * its kind (`dsl/symmetric`), so a run's figures per profile set it apart.
 */
import type { ViewerLink } from '../link-profiles';
import { bridgeName, namespaceAddress } from '../netns';
import { linkShapingCommands, viewerInterfaces, viewerLinkCommands } from './viewer-links';

export const natKinds = ['open', 'full-cone', 'cone', 'symmetric', 'udp-blocked'] as const;
export type NatKind = (typeof natKinds)[number];

export function isNatKind(value: string): value is NatKind {
  return (natKinds as readonly string[]).includes(value);
}

export interface NatInterfaces {
  /** The router's namespace. */
  router: string;
  /** The router's end of the veth onto the bridge (its "WAN"), holding the viewer's bridge address. */
  wanPort: string;
  /** The router's end of the veth to the viewer (its "LAN"). */
  lanPort: string;
  routerLanAddress: string;
  /** The viewer's private address, behind the router. */
  viewerAddress: string;
}

/** Pure: names and addresses of viewer `i`'s router (interface names stay under 15 characters). */
export function natInterfaces(i: number): NatInterfaces {
  viewerInterfaces(i); // the same range check
  return {
    router: `es-r${i}`,
    wanPort: `esw${i}`,
    lanPort: `esl${i}`,
    routerLanAddress: `192.168.${i}.1`,
    viewerAddress: `192.168.${i}.2`,
  };
}

/** Pure: the router's NAT rules (run in its namespace). */
export function natRules(
  { wanPort, viewerAddress }: Pick<NatInterfaces, 'wanPort' | 'viewerAddress'>,
  kind: 'full-cone' | 'cone' | 'symmetric',
): string[] {
  return [
    `iptables -t nat -A POSTROUTING -o ${wanPort} -j MASQUERADE${kind === 'symmetric' ? ' --random-fully' : ''}`,
    ...(kind === 'full-cone'
      ? [`iptables -t nat -A PREROUTING -i ${wanPort} -p udp -j DNAT --to-destination ${viewerAddress}`]
      : []),
  ];
}

export interface NatSetup {
  /** Run in the harness's namespace, in order. */
  commands: string[];
  /** Every namespace the setup made, the viewer's first (its browser runs there). */
  namespaces: string[];
}

/** Pure: the commands that put viewer `i` behind a NAT of `kind` on its (optionally shaped) link. */
export function viewerNatSetup(i: number, kind: NatKind, link: Pick<ViewerLink, 'downMbps' | 'upMbps'>): NatSetup {
  const { netns, bridgePort, viewerPort, address } = viewerInterfaces(i);
  if (kind === 'open') return { commands: viewerLinkCommands(i, link), namespaces: [netns] };
  if (kind === 'udp-blocked') {
    return {
      commands: [
        ...viewerLinkCommands(i, link),
        `ip netns exec ${netns} iptables -A OUTPUT -p udp -j DROP`,
        `ip netns exec ${netns} iptables -A INPUT -p udp -j DROP`,
      ],
      namespaces: [netns],
    };
  }
  const { router, wanPort, lanPort, routerLanAddress, viewerAddress } = natInterfaces(i);
  return {
    commands: [
      `ip netns add ${router}`,
      `ip netns add ${netns}`,
      // The router's WAN: a port of the bridge, the viewer's usual bridge address.
      `ip link add ${bridgePort} type veth peer name ${wanPort} netns ${router}`,
      `ip link set ${bridgePort} master ${bridgeName}`,
      `ip link set ${bridgePort} up`,
      `ip -n ${router} link set lo up`,
      `ip -n ${router} addr add ${address}/24 dev ${wanPort}`,
      `ip -n ${router} link set ${wanPort} up`,
      `ip -n ${router} route add default via ${namespaceAddress}`,
      // The router's LAN: the viewer alone on 192.168.<i>.0/24.
      `ip -n ${router} link add ${lanPort} type veth peer name ${viewerPort} netns ${netns}`,
      `ip -n ${router} addr add ${routerLanAddress}/24 dev ${lanPort}`,
      `ip -n ${router} link set ${lanPort} up`,
      `ip -n ${netns} link set lo up`,
      `ip -n ${netns} addr add ${viewerAddress}/24 dev ${viewerPort}`,
      `ip -n ${netns} link set ${viewerPort} up`,
      `ip -n ${netns} route add default via ${routerLanAddress}`,
      `ip netns exec ${router} sysctl -qw net.ipv4.ip_forward=1`,
      ...natRules({ wanPort, viewerAddress }, kind).map((rule) => `ip netns exec ${router} ${rule}`),
      ...linkShapingCommands(i, link),
    ],
    namespaces: [netns, router],
  };
}

/**
 * Pure: each viewer's link behind its NAT: its profile's link, rates unchanged (one shaping path, viewer-links.ts),
 * a NATed viewer's profile named with its kind (`dsl/symmetric`) so that the figures per profile set it apart. A
 * viewer beyond `kinds` is open.
 */
export function natLinks(links: readonly ViewerLink[], kinds: readonly NatKind[]): ViewerLink[] {
  return links.map((link, i) => {
    const kind = kinds[i] ?? 'open';
    return kind === 'open' ? link : { ...link, profile: `${link.profile}/${kind}` };
  });
}

/**
 * Pure: which viewers sit behind which NAT, from `--nat kind:count[,kind:count…]` (e.g. `symmetric:2`), the rest
 * open. Each kind's viewers are spread across the join order, never the first to join (so the swarm has an open
 * viewer to start from, as a run without NAT has), e.g. symmetric:2 of 8 → viewers 3 and 7 (indices 2 and 6).
 */
export function parseNatSpec(spec: string, viewers: number): { kinds: NatKind[] } | { error: string } {
  const kinds: NatKind[] = Array.from({ length: viewers }, () => 'open');
  const free = () => kinds.flatMap((k, i) => (k === 'open' && i > 0 ? [i] : []));
  for (const part of spec.split(',')) {
    const match = /^([a-z-]+):(\d+)$/.exec(part.trim());
    const kind = match?.[1] ?? '';
    if (!match || !isNatKind(kind) || kind === 'open') {
      return {
        error: `--nat takes kind:count[,kind:count…], kind one of ${natKinds.filter((k) => k !== 'open').join(', ')}; not ${part}`,
      };
    }
    const count = Number(match[2]);
    const open = free();
    if (count > open.length) {
      return { error: `--nat ${part}: only ${open.length} of ${viewers} viewers can be behind a NAT (not the first)` };
    }
    for (let j = 0; j < count; j++) {
      const at = open[Math.floor(((j + 0.5) * open.length) / count)] as number;
      kinds[at] = kind;
    }
  }
  return { kinds };
}
