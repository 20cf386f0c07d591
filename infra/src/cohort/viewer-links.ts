/**
 * A link per viewer. Inside the harness's private namespace (netns.ts, the
 * `bridge` layout) each viewer gets a named network namespace of its own and
 * a veth pair: one end in its namespace (10.77.0.<10+i>, default route via
 * the bridge's 10.77.0.1), the other a port of the bridge, where the edge, the
 * tracker and every other viewer are. Each end is shaped with tbf:
 *
 *   viewer end, egress  = what the viewer sends  = its uplink
 *   bridge end, egress  = what the viewer receives = its downlink
 *
 * Viewer to viewer traffic crosses the sender's uplink and the receiver's
 * downlink, as on the internet. The bridge end's counters are what crossed
 * the link (after the shaping), so they verify it. Chromium joins the
 * namespace through `ip netns exec` (browser.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ViewerLink } from '../link-profiles';
import { bridgeName, namespaceAddress } from '../netns';
import type { CohortSample, LinkCounters, LinkUse } from './records';

export const linkShaping = {
  /** tbf's bucket: this many ms at the link's rate, at least minBurstBytes (a few full-size frames). */
  burstMs: 4,
  minBurstBytes: 8 * 1024,
  /** How long a packet may queue at the cap before it is dropped: a residential modem's buffer. */
  queueMs: 400,
  /** A measured rate may exceed its cap by this share (tbf's bucket, a sampling instant off). */
  tolerance: 0.1,
  /** Peak rates are over windows at least this long. */
  verifyWindowSeconds: 3,
};

export interface ViewerInterfaces {
  /** Named network namespace (ip netns). */
  netns: string;
  /** The veth end on the bridge, in the harness's namespace. */
  bridgePort: string;
  /** The veth end in the viewer's namespace. */
  viewerPort: string;
  address: string;
}

/** Pure: the names and address of viewer `i`'s link (interface names stay under 15 characters). */
export function viewerInterfaces(i: number): ViewerInterfaces {
  if (!Number.isInteger(i) || i < 0 || i > 200) throw new RangeError(`viewer index ${i} out of 0–200`);
  const [a, b, c] = namespaceAddress.split('.');
  return { netns: `es-v${i}`, bridgePort: `esb${i}`, viewerPort: `esv${i}`, address: `${a}.${b}.${c}.${10 + i}` };
}

/** Pure: a tbf qdisc as the root of `dev` (optionally inside a named namespace) at `mbps`. */
export function tbfCommand(dev: string, mbps: number, netns?: string, shaping = linkShaping): string {
  if (!(mbps > 0) || !Number.isFinite(mbps)) throw new RangeError(`a shaped rate must be positive, not ${mbps}`);
  const bytesPerSecond = (mbps * 1e6) / 8;
  const burst = Math.max(shaping.minBurstBytes, Math.round((bytesPerSecond * shaping.burstMs) / 1000));
  const kbit = Math.max(1, Math.round(mbps * 1000));
  return `tc ${netns ? `-n ${netns} ` : ''}qdisc add dev ${dev} root tbf rate ${kbit}kbit burst ${burst} latency ${shaping.queueMs}ms`;
}

/**
 * Pure: the qdiscs that shape viewer `i`'s link, whatever sits between its two ends (nothing, or a NAT's router,
 * viewer-nat.ts): its uplink on its own veth end inside its namespace, its downlink on the bridge's end, so what
 * crossed the link is read at the bridge port either way. An unshaped direction gets no qdisc.
 */
export function linkShapingCommands(i: number, link: Pick<ViewerLink, 'downMbps' | 'upMbps'>): string[] {
  const { netns, bridgePort, viewerPort } = viewerInterfaces(i);
  return [
    ...(link.upMbps === null ? [] : [tbfCommand(viewerPort, link.upMbps, netns)]),
    ...(link.downMbps === null ? [] : [tbfCommand(bridgePort, link.downMbps)]),
  ];
}

/** Pure: the commands that give viewer `i` its namespace and its shaped link (run in the harness's namespace). */
export function viewerLinkCommands(i: number, link: Pick<ViewerLink, 'downMbps' | 'upMbps'>): string[] {
  const { netns, bridgePort, viewerPort, address } = viewerInterfaces(i);
  return [
    `ip netns add ${netns}`,
    `ip link add ${bridgePort} type veth peer name ${viewerPort} netns ${netns}`,
    `ip link set ${bridgePort} master ${bridgeName}`,
    `ip link set ${bridgePort} up`,
    `ip -n ${netns} link set lo up`,
    `ip -n ${netns} addr add ${address}/24 dev ${viewerPort}`,
    `ip -n ${netns} link set ${viewerPort} up`,
    `ip -n ${netns} route add default via ${namespaceAddress}`,
    ...linkShapingCommands(i, link),
  ];
}

/** Pure: bytes received and sent per interface, from /proc/net/dev. */
export function parseNetDev(text: string): Map<string, { rxBytes: number; txBytes: number }> {
  const out = new Map<string, { rxBytes: number; txBytes: number }>();
  for (const line of text.split('\n')) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    const fields = (match[2] ?? '').trim().split(/\s+/).map(Number);
    if (fields.length < 9 || fields.some((f) => !Number.isFinite(f))) continue;
    out.set(match[1] ?? '', { rxBytes: fields[0] ?? 0, txBytes: fields[8] ?? 0 });
  }
  return out;
}

/**
 * Pure: what crossed viewer `index`'s link over its watch, from the samples' counters (its link was
 * created, at zero, when it joined). Peaks are over the shortest runs of samples spanning at least
 * `windowSeconds`; a watch shorter than that is one window.
 */
export function linkUse(
  samples: readonly CohortSample[],
  index: number,
  link: Pick<ViewerLink, 'upMbps'>,
  joinedAtSeconds: number,
  shaping = linkShaping,
): LinkUse | null {
  const points: [number, LinkCounters][] = [[joinedAtSeconds, { upBytes: 0, downBytes: 0 }]];
  for (const s of samples) {
    const c = s.links?.[index];
    if (c && s.t > joinedAtSeconds) points.push([s.t, c]);
  }
  if (points.length < 2) return null;
  const mbps = (bytes: number, seconds: number) => (seconds > 0 ? (8 * bytes) / seconds / 1e6 : 0);
  let peakUp = 0;
  let peakDown = 0;
  for (let i = 0, j = 0; i < points.length - 1; i++) {
    const [t0, c0] = points[i] as [number, LinkCounters];
    j = Math.max(j, i + 1);
    while (j < points.length - 1 && (points[j]?.[0] ?? 0) - t0 < shaping.verifyWindowSeconds) j++;
    const [t1, c1] = points[j] as [number, LinkCounters];
    if (t1 - t0 < shaping.verifyWindowSeconds && i > 0) break; // the tail is shorter than a window
    peakUp = Math.max(peakUp, mbps(c1.upBytes - c0.upBytes, t1 - t0));
    peakDown = Math.max(peakDown, mbps(c1.downBytes - c0.downBytes, t1 - t0));
  }
  const [tFirst] = points[0] as [number, LinkCounters];
  const [tLast, last] = points.at(-1) as [number, LinkCounters];
  return {
    upBytes: last.upBytes,
    downBytes: last.downBytes,
    upMbps: mbps(last.upBytes, tLast - tFirst),
    downMbps: mbps(last.downBytes, tLast - tFirst),
    peakUpMbps: peakUp,
    peakDownMbps: peakDown,
    windowSeconds: shaping.verifyWindowSeconds,
    upWithinCap: link.upMbps === null || peakUp <= (1 + shaping.tolerance) * link.upMbps,
  };
}

function sh(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { timeout: 20_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${script.split(' && ')[0]}…: ${stderr || error.message}`));
      else resolve();
    });
  });
}

/** The viewers' links, created as they join; run in the harness's namespace (`bridge` layout). */
export class ViewerNetwork {
  private readonly links = new Map<number, ViewerInterfaces>();
  /** Every namespace each viewer's setup made (a NAT's router too). */
  private readonly namespaces = new Map<number, readonly string[]>();

  /**
   * Creates viewer `i`'s namespace and shaped link (or the given setup of it, e.g. behind a NAT, viewer-nat.ts);
   * returns the namespace its browser runs in.
   */
  async add(
    i: number,
    link: Pick<ViewerLink, 'downMbps' | 'upMbps'>,
    setup?: { commands: readonly string[]; namespaces: readonly string[] },
  ): Promise<string> {
    const names = viewerInterfaces(i);
    this.namespaces.set(i, setup?.namespaces ?? [names.netns]);
    this.links.set(i, names);
    await sh((setup?.commands ?? viewerLinkCommands(i, link)).join(' && '));
    return setup?.namespaces[0] ?? names.netns;
  }

  /** Caps everything the harness's namespace (the edge, the tracker) sends to the viewers. */
  async capEdge(mbps: number): Promise<void> {
    await sh(tbfCommand(bridgeName, mbps));
  }

  /** Every viewer's counters now, by index (null: no link); plus the edge's, at the bridge. */
  read(viewers: number): { links: (LinkCounters | null)[]; edge: LinkCounters | null } {
    let dev: Map<string, { rxBytes: number; txBytes: number }>;
    try {
      dev = parseNetDev(readFileSync('/proc/net/dev', 'utf8'));
    } catch {
      dev = new Map();
    }
    const links = Array.from({ length: viewers }, (_, i) => {
      const names = this.links.get(i);
      const port = names && dev.get(names.bridgePort);
      // The bridge end receives what the viewer sends, and sends what it receives.
      return port ? { upBytes: port.rxBytes, downBytes: port.txBytes } : null;
    });
    const bridge = dev.get(bridgeName);
    return { links, edge: bridge ? { upBytes: bridge.rxBytes, downBytes: bridge.txBytes } : null };
  }

  async remove(i: number): Promise<void> {
    for (const netns of this.namespaces.get(i) ?? []) await sh(`ip netns del ${netns}`).catch(() => {});
    this.namespaces.delete(i);
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.keys()].map((i) => this.remove(i)));
    this.links.clear();
  }
}
