/**
 * bench:nat, the pure part: which NAT kinds meet, what one trial records,
 * and the matrix it prints. A trial is two real Chromiums, each in its own
 * namespace behind a NAT of a kind (cohort/viewer-nat.ts), connecting one
 * data channel the way the P2P stack does it (simple-peer with trickle off,
 * as p2p-media-loader's tracker client makes it: every candidate in the
 * offer and the answer, gathered against the STUN server on the bridge).
 */
import { type CliRequest, type OptionTable, parseOptions } from '@edgeswarm/origin/cli-options';
import { isNatKind, type NatKind, natKinds } from '../src/cohort/viewer-nat';

export const natBenchDefaults = {
  kinds: [...natKinds] as NatKind[],
  repeats: 2,
  /** From the answer reaching the offerer to the channel open and a message echoed; past it, "no". */
  timeoutSeconds: 15,
  /** simple-peer's iceCompleteTimeout: it sends what it has gathered after this long. */
  gatherTimeoutMs: 5000,
  stunPorts: [3478, 3479],
};

export const natBenchUsage = `usage: npm run bench:nat -- [--kinds ${natKinds.join(',')}] [--repeats ${natBenchDefaults.repeats}]
       [--timeout ${natBenchDefaults.timeoutSeconds}]

Which viewers can reach which without TURN: for every pair of NAT kinds, two headless Chromiums, each in a
network namespace of its own behind a router namespace (full-cone: MASQUERADE and all inbound UDP
forwarded to the viewer; cone: MASQUERADE; symmetric: MASQUERADE --random-fully; udp-blocked: every UDP
packet dropped; open: no NAT), with a STUN server on the bridge
(nothing leaves the machine), try to open a WebRTC data channel within --timeout seconds, --repeats times.
Prints, per pair, how many opened and over which candidate pair types, and each NAT's mapping as the STUN
server saw it; writes bench-results/nat-matrix.json.`;

export interface NatBenchArgs {
  kinds: NatKind[];
  repeats: number;
  timeoutSeconds: number;
}

const options = {
  kinds: { type: 'string', default: natBenchDefaults.kinds.join(',') },
  repeats: { type: 'string', default: String(natBenchDefaults.repeats) },
  timeout: { type: 'string', default: String(natBenchDefaults.timeoutSeconds) },
} satisfies OptionTable;

export function parseNatBenchArgs(argv: readonly string[]): CliRequest<NatBenchArgs> {
  const parsed = parseOptions(argv, options);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  const kinds = String(values.kinds)
    .split(',')
    .map((k) => k.trim());
  const unknown = kinds.find((k) => !isNatKind(k));
  if (unknown !== undefined || kinds.length === 0) {
    return { ok: false, reason: `--kinds takes a list of ${natKinds.join(', ')}; not ${JSON.stringify(unknown)}` };
  }
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 10) {
    return { ok: false, reason: `--repeats takes a whole number from 1 to 10, not ${JSON.stringify(values.repeats)}` };
  }
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds >= 1 && timeoutSeconds <= 60)) {
    return { ok: false, reason: `--timeout takes seconds from 1 to 60, not ${JSON.stringify(values.timeout)}` };
  }
  return { ok: true, value: { kinds: [...new Set(kinds)] as NatKind[], repeats, timeoutSeconds } };
}

/** Pure: every unordered pair of kinds, each with itself too, in the order given (the first offers on even repeats). */
export function natPairs(kinds: readonly NatKind[]): [NatKind, NatKind][] {
  return kinds.flatMap((a, i) => kinds.slice(i).map((b) => [a, b] as [NatKind, NatKind]));
}

export interface SdpCandidate {
  protocol: string;
  address: string;
  port: number;
  type: string;
}

/** Pure: the candidates an SDP carries (`a=candidate:` lines). */
export function sdpCandidates(sdp: string): SdpCandidate[] {
  const out: SdpCandidate[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    // a=candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> …
    const m = /^a=candidate:\S+ \d+ (\S+) \d+ (\S+) (\d+) typ (\S+)/.exec(line);
    if (m)
      out.push({ protocol: (m[1] ?? '').toLowerCase(), address: m[2] ?? '', port: Number(m[3]), type: m[4] ?? '' });
  }
  return out;
}

/** The pair ICE chose, as the offerer's stats tell it. */
export interface ChosenPair {
  localType: string;
  remoteType: string;
  local: string;
  remote: string;
  protocol: string;
}

export interface NatTrial {
  offerer: NatKind;
  answerer: NatKind;
  repeat: number;
  /** The data channel opened on both sides and a message crossed it both ways, within the timeout. */
  open: boolean;
  /** From the answer set on the offerer to the echo back, ms; null when it never came. */
  connectMs: number | null;
  pair: ChosenPair | null;
  candidates: { offerer: SdpCandidate[]; answerer: SdpCandidate[] };
  iceState: { offerer: string; answerer: string };
  error?: string;
}

export interface MappingProbe {
  kind: NatKind;
  /** What the STUN server on each port saw the same socket come from; null: no answer. */
  seen: ({ address: string; port: number } | null)[];
}

/** Pure: RFC 4787's mapping behaviour, from one socket's view through two STUN ports. */
export function mappingOf(probe: MappingProbe): 'endpoint-independent' | 'endpoint-dependent' | 'no answer' {
  const [a, b] = probe.seen;
  if (!a || !b) return 'no answer';
  return a.address === b.address && a.port === b.port ? 'endpoint-independent' : 'endpoint-dependent';
}

export interface PairRow {
  /** The pair's kinds in natKinds' order; trials alternate which of them offers. */
  kinds: [NatKind, NatKind];
  opened: number;
  trials: number;
  /** Each chosen pair as `local→remote` candidate types from the offerer's side, with how often. */
  pairs: Record<string, number>;
  connectMsMedian: number | null;
  errors: string[];
}

const median = (values: number[]) =>
  values.length === 0 ? null : ([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? null);

/** Pure: the trials folded into one row per pair of kinds (whichever offered), in the order they first ran. */
export function matrixRows(trials: readonly NatTrial[]): PairRow[] {
  const rows = new Map<string, PairRow>();
  const connect = new Map<string, number[]>();
  for (const t of trials) {
    const kinds = [t.offerer, t.answerer].sort((a, b) => natKinds.indexOf(a) - natKinds.indexOf(b)) as [
      NatKind,
      NatKind,
    ];
    const key = kinds.join('|');
    const row = rows.get(key) ?? {
      kinds,
      opened: 0,
      trials: 0,
      pairs: {},
      connectMsMedian: null,
      errors: [],
    };
    row.trials++;
    if (t.open) {
      row.opened++;
      if (t.connectMs !== null) connect.set(key, [...(connect.get(key) ?? []), t.connectMs]);
    }
    if (t.pair) {
      const name = `${t.offerer} ${t.pair.localType}→${t.answerer} ${t.pair.remoteType}${t.pair.protocol === 'udp' ? '' : ` (${t.pair.protocol})`}`;
      row.pairs[name] = (row.pairs[name] ?? 0) + 1;
    }
    if (t.error && !row.errors.includes(t.error)) row.errors.push(t.error);
    rows.set(key, row);
  }
  return [...rows.entries()].map(([key, row]) => ({ ...row, connectMsMedian: median(connect.get(key) ?? []) }));
}

/** Pure: the printed matrix, one line per pair, and the NATs' mappings. */
export function formatMatrix(rows: readonly PairRow[], probes: readonly MappingProbe[]): string {
  const lines = [
    "pair                         opened  chosen pair (the offerer's candidate → the answerer's)   connect p50",
  ];
  for (const r of rows) {
    const pairs = Object.entries(r.pairs)
      .map(([name, n]) => `${name} ×${n}`)
      .join(', ');
    lines.push(
      [
        `${r.kinds[0]} ↔ ${r.kinds[1]}`.padEnd(28),
        `${r.opened}/${r.trials}`.padStart(6),
        `  ${(pairs || '—').padEnd(56)}`,
        r.connectMsMedian === null ? '  —' : `  ${r.connectMsMedian.toFixed(0)} ms`,
        r.errors.length > 0 ? `  (${r.errors.join('; ')})` : '',
      ].join(''),
    );
  }
  lines.push('', 'mapping as the STUN server saw it (one socket, two server ports):');
  for (const p of probes) {
    const seen = p.seen.map((s) => (s ? `${s.address}:${s.port}` : 'no answer')).join(' / ');
    lines.push(`  ${p.kind.padEnd(12)} ${mappingOf(p).padEnd(21)} ${seen}`);
  }
  return lines.join('\n');
}
