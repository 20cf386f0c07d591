/**
 * Who reaches whom without TURN: one cell per pair of NAT classes, each saying whether two viewers of those classes
 * open a data channel, and on what that rests. Cells marked `measured` are bench:nat's (real Chromium WebRTC, simple-peer
 * with trickle off as p2p-media-loader's tracker client signals, each viewer behind a real Linux NAT in a network
 * namespace of its own, a STUN server on the bridge; BENCHMARKS.md, "Viewers behind a NAT, without TURN"). Cells marked
 * `rfc` were not measured here (or measured otherwise for a reason local to Linux) and follow the NAT behaviour RFC 4787
 * defines and RFC 5780 classifies: mapping (endpoint-independent or not) and filtering (endpoint-independent,
 * address-dependent, address-and-port-dependent), with ICE (RFC 8445) sending checks from both sides.
 */

/**
 * NAT classes, as bench:nat names its kinds (RFC 4787 terms in brackets):
 * - `open`: no NAT, no filtering (a public address).
 * - `full-cone`: endpoint-independent mapping and filtering (a DMZ host, UPnP/NAT-PMP mappings).
 * - `cone`: endpoint-independent mapping, address-and-port-dependent filtering (a port-restricted cone; Linux
 *   MASQUERADE and most home routers).
 * - `symmetric`: address-and-port-dependent mapping (a new port for every destination; carrier-grade and corporate
 *   NATs).
 * - `udp-blocked`: no UDP at all (a firewall passing only TCP); Chromium offered no TCP candidates.
 */
export const natClasses = ['open', 'full-cone', 'cone', 'symmetric', 'udp-blocked'] as const;
export type NatClass = (typeof natClasses)[number];

export interface NatReachCell {
  /** A data channel opens between the two, without TURN. */
  connects: boolean;
  /** `measured`: by bench:nat on this machine; `rfc`: what RFC 4787/5780 behaviour gives, not measured here. */
  basis: 'measured' | 'rfc';
}

export type NatReachTable = Record<NatClass, Record<NatClass, NatReachCell>>;

const measured = (connects: boolean): NatReachCell => ({ connects, basis: 'measured' });
const rfc = (connects: boolean): NatReachCell => ({ connects, basis: 'rfc' });

/** The defaults: every cell once per ordered pair (the table is symmetric; a unit test holds it so). */
export const natReachDefaults: NatReachTable = {
  open: {
    open: measured(true), // 6/6
    'full-cone': measured(true), // 4/4
    cone: measured(true), // 6/6: the cone's check opens its filter for the open viewer's address and port
    symmetric: measured(true), // 6/6: the symmetric viewer's port learnt from its checks (peer-reflexive)
    'udp-blocked': measured(false), // 0/8 with any kind: no candidate but its host one
  },
  'full-cone': {
    open: measured(true),
    'full-cone': measured(true), // 4/4
    cone: measured(true), // 4/4
    symmetric: measured(true), // 4/4: a full cone takes packets from any port
    // Not in the runs that had full-cone; nothing reaches a viewer without UDP (0/8 with every kind measured).
    'udp-blocked': rfc(false),
  },
  cone: {
    open: measured(true),
    'full-cone': measured(true),
    // Measured 0/6 here: the first check to reach a Linux router before its own viewer has written to that peer
    // leaves an unreplied conntrack entry, so MASQUERADE maps the viewer's own packets to another port, which the
    // peer's router filters out (netfilter's behaviour, traced in BENCHMARKS). RFC 4787 cones keep one mapping per
    // internal endpoint (REQ-1), so checks from both sides open both filters: port-restricted cones hole-punch each
    // other in the wider world, and the model takes that.
    cone: rfc(true),
    symmetric: measured(false), // 0/6: the symmetric viewer's port for this peer is new, and the cone filters it
    'udp-blocked': measured(false),
  },
  symmetric: {
    open: measured(true),
    'full-cone': measured(true),
    cone: measured(false),
    symmetric: measured(false), // 0/6: neither can predict the other's port
    'udp-blocked': measured(false),
  },
  'udp-blocked': {
    open: measured(false),
    'full-cone': rfc(false),
    cone: measured(false),
    symmetric: measured(false),
    'udp-blocked': measured(false),
  },
};

/**
 * Shares of the audience behind each NAT class; the rest is `open`. Each in [0, 1], together at most 1. Throws, saying
 * what is wrong, otherwise.
 */
export type NatMix = Partial<Record<NatClass, number>>;

export function checkNatMix(mix: NatMix): void {
  let total = 0;
  for (const [name, share] of Object.entries(mix)) {
    if (!(natClasses as readonly string[]).includes(name)) {
      throw new Error(`network.natMix: no NAT class ${name}; one of ${natClasses.join(', ')}`);
    }
    if (typeof share !== 'number' || !(share >= 0 && share <= 1)) {
      throw new Error(`network.natMix.${name} must be a share in [0, 1], not ${String(share)}`);
    }
    total += share;
  }
  if (total > 1 + 1e-9) throw new Error(`network.natMix: the shares add up to ${total}, more than 1`);
}

/**
 * The class of a viewer whose uniform draw is `u`: the classes other than `open` take [0, share) in the order of
 * natClasses, one after another; the rest is open. One draw per viewer, so a mix of one class draws as a single share
 * did before this table (the nat-blocked and nat-symmetric scenarios' audiences are unchanged).
 */
export function natClassOf(u: number, mix: NatMix): NatClass {
  let upTo = 0;
  for (const name of natClasses) {
    if (name === 'open') continue;
    upTo += mix[name] ?? 0;
    if (u < upTo) return name;
  }
  return 'open';
}

/** Pure: the table as a flat matrix by class index, for the simulator's hot path. */
export function reachMatrix(table: NatReachTable): Uint8Array {
  const n = natClasses.length;
  const out = new Uint8Array(n * n);
  for (const [i, a] of natClasses.entries()) {
    for (const [j, b] of natClasses.entries()) out[i * n + j] = table[a][b].connects ? 1 : 0;
  }
  return out;
}

/**
 * An assumed residential mix, for the nat-mix scenario (not a measurement, and not taken from a published survey):
 * most home routers keep one mapping per internal endpoint (cones; Linux-based ones port-restricted, some full-cone
 * through UPnP or a DMZ), symmetric NATs are mostly carrier-grade NATs (mobile) and corporate firewalls, and a few
 * networks pass no UDP at all. With these shares about one pair of viewers in six cannot connect without TURN.
 */
export const residentialNatMixAssumption: NatMix = {
  'full-cone': 0.2,
  cone: 0.55,
  symmetric: 0.1,
  'udp-blocked': 0.03,
};
