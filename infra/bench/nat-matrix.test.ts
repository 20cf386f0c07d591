import { describe, expect, it } from 'vitest';
import {
  formatMatrix,
  type MappingProbe,
  mappingOf,
  matrixRows,
  type NatTrial,
  natBenchDefaults,
  natPairs,
  parseNatBenchArgs,
  sdpCandidates,
} from './nat-matrix';

describe('parseNatBenchArgs', () => {
  it('defaults to every kind, twice', () => {
    expect(parseNatBenchArgs([])).toEqual({
      ok: true,
      value: { kinds: ['open', 'full-cone', 'cone', 'symmetric', 'udp-blocked'], repeats: 2, timeoutSeconds: 15 },
    });
  });
  it('takes kinds, repeats and a timeout', () => {
    expect(parseNatBenchArgs(['--kinds', 'symmetric, open,symmetric', '--repeats', '3', '--timeout', '20'])).toEqual({
      ok: true,
      value: { kinds: ['symmetric', 'open'], repeats: 3, timeoutSeconds: 20 },
    });
  });
  it.each([
    [
      ['--kinds', 'open,port-restricted'],
      /--kinds takes a list of open, full-cone, cone, symmetric, udp-blocked; not "port-restricted"/,
    ],
    [['--repeats', '0'], /--repeats takes a whole number from 1 to 10/],
    [['--repeats', '1.5'], /--repeats/],
    [['--timeout', '0.5'], /--timeout takes seconds from 1 to 60/],
    [['--timeout', 'soon'], /--timeout/],
  ])('refuses %j', (argv, reason) => {
    const parsed = parseNatBenchArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('natPairs', () => {
  it('meets every kind with itself and each other once, the first given offering', () => {
    expect(natPairs(['open', 'cone', 'symmetric'])).toEqual([
      ['open', 'open'],
      ['open', 'cone'],
      ['open', 'symmetric'],
      ['cone', 'cone'],
      ['cone', 'symmetric'],
      ['symmetric', 'symmetric'],
    ]);
    expect(natPairs(natBenchDefaults.kinds)).toHaveLength(15);
  });
});

describe('sdpCandidates', () => {
  it('reads host, server-reflexive and TCP candidates out of an SDP', () => {
    const sdp = [
      'v=0',
      'a=candidate:1 1 udp 2122260223 192.168.3.2 51234 typ host generation 0 network-id 1',
      'a=candidate:2 1 UDP 1686052607 10.77.0.13 40001 typ srflx raddr 192.168.3.2 rport 51234 generation 0',
      'a=candidate:3 1 tcp 1518280447 192.168.3.2 9 typ host tcptype active generation 0',
      'a=ice-ufrag:abcd',
    ].join('\r\n');
    expect(sdpCandidates(sdp)).toEqual([
      { protocol: 'udp', address: '192.168.3.2', port: 51234, type: 'host' },
      { protocol: 'udp', address: '10.77.0.13', port: 40001, type: 'srflx' },
      { protocol: 'tcp', address: '192.168.3.2', port: 9, type: 'host' },
    ]);
    expect(sdpCandidates('v=0\n')).toEqual([]);
  });
});

describe('mappingOf', () => {
  const at = (port: number) => ({ address: '10.77.0.12', port });
  it.each([
    [[at(5000), at(5000)], 'endpoint-independent'],
    [[at(5000), at(61022)], 'endpoint-dependent'],
    [[{ address: '10.77.0.13', port: 5000 }, at(5000)], 'endpoint-dependent'],
    [[null, null], 'no answer'],
    [[at(5000), null], 'no answer'],
  ] as const)('%j is %s', (seen, mapping) => {
    expect(mappingOf({ kind: 'cone', seen: [...seen] })).toBe(mapping);
  });
});

const trial = (over: Partial<NatTrial>): NatTrial => ({
  offerer: 'open',
  answerer: 'symmetric',
  repeat: 0,
  open: false,
  connectMs: null,
  pair: null,
  candidates: { offerer: [], answerer: [] },
  iceState: { offerer: 'checking', answerer: 'checking' },
  ...over,
});
const pair = (localType: string, remoteType: string, protocol = 'udp') => ({
  localType,
  remoteType,
  local: 'a:1',
  remote: 'b:2',
  protocol,
});

describe('matrixRows and formatMatrix', () => {
  const trials = [
    trial({ open: true, connectMs: 300, pair: pair('host', 'prflx') }),
    trial({ offerer: 'symmetric', answerer: 'symmetric', iceState: { offerer: 'failed', answerer: 'failed' } }),
    trial({ repeat: 1, open: true, connectMs: 100, pair: pair('host', 'prflx') }),
    trial({
      repeat: 1,
      offerer: 'symmetric',
      answerer: 'open',
      open: true,
      connectMs: 200,
      pair: pair('prflx', 'host', 'tcp'),
    }),
    trial({ offerer: 'symmetric', answerer: 'symmetric', repeat: 1, error: 'browser crashed' }),
    trial({ offerer: 'symmetric', answerer: 'symmetric', repeat: 2, error: 'browser crashed' }),
  ];
  it('counts opened channels and chosen pairs per pair of kinds, whichever offered, with the median connect time of those that opened', () => {
    expect(matrixRows(trials)).toEqual([
      {
        kinds: ['open', 'symmetric'],
        opened: 3,
        trials: 3,
        pairs: { 'open host→symmetric prflx': 2, 'symmetric prflx→open host (tcp)': 1 },
        connectMsMedian: 200,
        errors: [],
      },
      {
        kinds: ['symmetric', 'symmetric'],
        opened: 0,
        trials: 3,
        pairs: {},
        connectMsMedian: null,
        errors: ['browser crashed'],
      },
    ]);
  });
  it('prints one line per pair and each NAT’s mapping', () => {
    const probes: MappingProbe[] = [
      {
        kind: 'symmetric',
        seen: [
          { address: '10.77.0.12', port: 1 },
          { address: '10.77.0.12', port: 2 },
        ],
      },
      { kind: 'udp-blocked', seen: [null, null] },
    ];
    const text = formatMatrix(matrixRows(trials), probes);
    expect(text).toMatch(
      /open ↔ symmetric\s+3\/3 {2}open host→symmetric prflx ×2, symmetric prflx→open host \(tcp\) ×1\s+200 ms/,
    );
    expect(text).toMatch(/symmetric ↔ symmetric\s+0\/3 {2}—\s+— {2}\(browser crashed\)/);
    expect(text).toMatch(/symmetric\s+endpoint-dependent\s+10\.77\.0\.12:1 \/ 10\.77\.0\.12:2/);
    expect(text).toMatch(/udp-blocked\s+no answer\s+no answer \/ no answer/);
  });
});
