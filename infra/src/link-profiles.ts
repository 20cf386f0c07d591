/**
 * Access links as viewers have them: one typed defaults object of profiles
 * (down/up Mbit/s) and the named mixes the harnesses and the simulator draw
 * viewers from. Plain data and pure functions, so the real-browser harnesses
 * (which shape each viewer's veth with tbf) and the simulator use the same
 * numbers.
 */

export interface LinkProfile {
  /** What the viewer can receive, Mbit/s; Infinity: unshaped. */
  downMbps: number;
  /** What the viewer can send, Mbit/s; Infinity: unshaped. */
  upMbps: number;
}

export const linkProfiles = {
  fibre: { downMbps: 300, upMbps: 100 },
  cable: { downMbps: 100, upMbps: 10 },
  dsl: { downMbps: 16, upMbps: 1 },
  mobile: { downMbps: 20, upMbps: 5 },
  /** No shaping: every figure measured so far was on this. */
  loopback: { downMbps: Number.POSITIVE_INFINITY, upMbps: Number.POSITIVE_INFINITY },
} as const satisfies Record<string, LinkProfile>;

export type ProfileName = keyof typeof linkProfiles;

/**
 * Mixes as one cycle each: viewer i (in join order) gets `cycle[i % length]`. A cycle lists one
 * of each kind it holds before repeating any, so small N still sees the mix's variety, and the
 * first viewer to join is on the mix's weakest common link (the case that tenure alone gets wrong).
 */
export const linkMixes = {
  /** Six viewers: 2 DSL, 2 cable, 1 fibre, 1 mobile. */
  residential: ['dsl', 'cable', 'fibre', 'mobile', 'dsl', 'cable'],
  /** Mostly DSL: 4 of 6, with one cable and one mobile uplink to lean on. */
  'dsl-heavy': ['dsl', 'cable', 'dsl', 'dsl', 'mobile', 'dsl'],
} as const satisfies Record<string, readonly ProfileName[]>;

export type MixName = keyof typeof linkMixes;
/** What `--network` takes: a mix, or a profile every viewer gets. */
export type NetworkName = MixName | ProfileName;

export const networkNames = [...Object.keys(linkMixes), ...Object.keys(linkProfiles)] as NetworkName[];

export function isNetworkName(value: string): value is NetworkName {
  return (networkNames as string[]).includes(value);
}

/** The profile of each of `n` viewers, in join order; deterministic. */
export function mixFor(name: NetworkName, n: number): ProfileName[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`mixFor: n must be a whole number, not ${n}`);
  if (Object.hasOwn(linkProfiles, name)) return Array.from({ length: n }, () => name as ProfileName);
  if (!Object.hasOwn(linkMixes, name))
    throw new RangeError(`unknown network ${JSON.stringify(name)}: one of ${networkNames.join(', ')}`);
  const cycle: readonly ProfileName[] = linkMixes[name as MixName];
  return Array.from({ length: n }, (_, i) => cycle[i % cycle.length] as ProfileName);
}

/** A viewer's link as a run records it: the profile's name and its caps (null: unshaped, as JSON has no Infinity). */
export interface ViewerLink {
  profile: string;
  downMbps: number | null;
  upMbps: number | null;
}

export function viewerLink(profile: string, link: LinkProfile): ViewerLink {
  const cap = (mbps: number) => (Number.isFinite(mbps) ? mbps : null);
  return { profile, downMbps: cap(link.downMbps), upMbps: cap(link.upMbps) };
}

/** The links of `n` viewers on a named network. */
export function linksFor(name: NetworkName, n: number): ViewerLink[] {
  return mixFor(name, n).map((profile) => viewerLink(profile, linkProfiles[profile]));
}

/** e.g. `dsl 16/1 Mbit/s`; an unshaped direction is ∞. */
export function linkLabel(link: ViewerLink): string {
  const mbit = (mbps: number | null) => (mbps === null ? '∞' : String(mbps));
  return `${link.profile} ${mbit(link.downMbps)}/${mbit(link.upMbps)} Mbit/s`;
}
