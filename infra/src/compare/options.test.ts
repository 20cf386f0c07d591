import { cliAnswer } from '@edgeswarm/origin/cli-options';
import { policyDefaults } from '@edgeswarm/policy';
import { describe, expect, it } from 'vitest';
import {
  CompareInputError,
  compareDefaults,
  hybridCohortPolicy,
  parseCompareArgs,
  parsePolicyOverrides,
  resolveCompareOptions,
  runStamp,
} from './options';

/** The options parseCompareArgs reads, or its refusal thrown. */
function read(argv: string[]) {
  const request = parseCompareArgs(argv);
  if (!request.ok) throw new CompareInputError(request.reason);
  if ('help' in request) throw new Error('asked for the usage');
  return request.value;
}

describe('compare options', () => {
  it('defaults to 8 viewers for 120 s, 3 s apart, CDN-only first, no cap', () => {
    expect(read([])).toEqual({ options: compareDefaults, warnings: [] });
    expect(compareDefaults).toMatchObject({ viewers: 8, seconds: 120, staggerSeconds: 3, order: ['cdn', 'hybrid'] });
  });

  it('reads the issue command line', () => {
    const { options } = read([
      ...['--viewers', '4', '--seconds', '30', '--url', 'http://127.0.0.1:8787/'],
      ...['--edge-mbps', '1.5', '--out', '/tmp/x', '--order', 'hybrid-first', '--stream', 'ab-1'],
    ]);
    expect(options).toMatchObject({
      viewers: 4,
      seconds: 30,
      url: 'http://127.0.0.1:8787',
      edgeMbps: 1.5,
      out: '/tmp/x',
      order: ['hybrid', 'cdn'],
      stream: 'ab-1',
    });
  });

  it('refuses what it cannot run, with the option named', () => {
    const refused = (argv: string[], message: RegExp) => {
      expect(() => read(argv)).toThrow(CompareInputError);
      expect(() => read(argv)).toThrow(message);
    };
    refused(['--viewers', '0'], /--viewers must be an integer from 1 to 32/);
    refused(['--viewers', '2.5'], /--viewers/);
    refused(['--viewers', 'many'], /--viewers must be a number/);
    refused(['--seconds', '5'], /--seconds must be a number from 10/);
    refused(['--edge-mbps', '0'], /--edge-mbps/);
    refused(['--url', 'ftp://x'], /--url must be an http\(s\) URL/);
    refused(['--url', 'not a url'], /--url/);
    refused(['--order', 'sideways'], /--order/);
    refused(['--cohorts', ''], /--cohorts/);
    refused(['--stream', '../etc'], /--stream/);
    refused(['--size', 'big'], /--size/);
    refused(['--frobnicate'], /frobnicate/);
    refused(['--network', 'adsl'], /--network must be one of residential, dsl-heavy, fibre/);
    refused(['--edge-link-mbps', '10'], /--edge-link-mbps .* needs --network/);
    refused(['--network', 'dsl', '--edge-link-mbps', '0'], /--edge-link-mbps must be a number/);
  });

  it('answers --help with the usage, and an unknown option with the one meant', () => {
    expect(parseCompareArgs(['--viewers', '4', '--help'])).toEqual({ ok: true, help: true });
    expect(parseCompareArgs(['-h'])).toEqual({ ok: true, help: true });
    expect(parseCompareArgs(['--viewer', '4'])).toEqual({
      ok: false,
      reason: 'unknown option --viewer; did you mean --viewers?',
    });
    expect(parseCompareArgs(['--viewers', 'many'])).toEqual({ ok: false, reason: '--viewers must be a number' });
  });

  it('takes a network of shaped links, by mix or profile, and a cap on the edge’s own link', () => {
    expect(compareDefaults.network).toBe('loopback');
    expect(read(['--network', 'residential']).options.network).toBe('residential');
    expect(read(['--network', 'cable', '--edge-link-mbps', '20']).options).toMatchObject({
      network: 'cable',
      edgeLinkMbps: 20,
    });
  });

  it("has the local edge's tracker name each swarm's earliest members when asked, and refuses what it cannot", () => {
    expect(compareDefaults.namedMembers).toBeUndefined();
    expect(read(['--named-members', '2']).options.namedMembers).toBe(2);
    expect(() => read(['--named-members', '2.5'])).toThrow(/--named-members must be an integer from 0 to 20/);
    expect(() => read(['--named-members', '21'])).toThrow(/--named-members must be an integer from 0 to 20/);
    expect(() => read(['--named-members', 'two'])).toThrow(/--named-members must be a number/);
    expect(() => read(['--named-members', '2', '--url', 'http://127.0.0.1:8787'])).toThrow(
      /--named-members sets the local edge's tracker .* cannot with --url/,
    );
  });

  it('puts viewers behind a NAT when asked, and refuses a spec the viewers cannot hold', () => {
    expect(compareDefaults.nat).toBeUndefined();
    expect(read(['--viewers', '8', '--nat', 'symmetric:2']).options.nat).toBe('symmetric:2');
    expect(read(['--viewers', '4', '--nat', 'symmetric:0']).options.nat).toBe('symmetric:0');
    expect(() => read(['--viewers', '4', '--nat', 'symmetric:4'])).toThrow(/only 3 of 4 viewers/);
    expect(() => read(['--nat', 'carrier:1'])).toThrow(/kind one of full-cone, cone, symmetric, udp-blocked/);
  });

  it('fails one viewer’s fragment when asked (a harness fault), and refuses a viewer the cohort does not have', () => {
    expect(compareDefaults.failFragment).toBeUndefined();
    expect(read(['--viewers', '4', '--fail-fragment', '4:2']).options.failFragment).toBe('4:2');
    expect(() => read(['--viewers', '4', '--fail-fragment', '5:2'])).toThrow(/only 4 viewers/);
    expect(() => read(['--fail-fragment', 'v2'])).toThrow(/<viewer>:<n>/);
    expect(parseCompareArgs(['--fail-fragment', '0:1'])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/<viewer>:<n>/),
    });
  });

  it('runs stock p2p-media-loader as a third cohort, in the order given, and refuses cohort lists it cannot compare', () => {
    expect(read(['--cohorts', 'cdn,p2pml,hybrid']).options.order).toEqual(['cdn', 'p2pml', 'hybrid']);
    expect(read(['--cohorts', 'hybrid, cdn']).options.order).toEqual(['hybrid', 'cdn']);
    const refused = (argv: string[], message: RegExp) => expect(() => read(argv)).toThrow(message);
    refused(['--cohorts', 'cdn,webtorrent,hybrid'], /unknown cohort "webtorrent"/);
    refused(['--cohorts', 'p2pml,hybrid'], /--cohorts must list cdn and hybrid/);
    refused(['--cohorts', 'cdn,hybrid,cdn'], /each once/);
    refused(['--cohorts', 'cdn,hybrid', '--order', 'cdn-first'], /give one/);
  });

  it('burns a share of the CPU beside every cohort when asked, never all of it', () => {
    expect(compareDefaults.burnCpuPercent).toBe(0);
    expect(read(['--burn-cpu', '40']).options.burnCpuPercent).toBe(40);
    expect(() => read(['--burn-cpu', '95'])).toThrow(/--burn-cpu must be a number from 0 to 90/);
    expect(() => read(['--burn-cpu', 'lots'])).toThrow(/--burn-cpu must be a number/);
  });

  it('starts a whole number of busy processes beside every cohort when asked', () => {
    expect(compareDefaults.burnLoad).toBe(0);
    expect(read(['--burn-load', '8']).options.burnLoad).toBe(8);
    expect(read(['--burn-load', '8', '--burn-cpu', '20']).options).toMatchObject({ burnLoad: 8, burnCpuPercent: 20 });
    expect(() => read(['--burn-load', '2.5'])).toThrow(/--burn-load must be an integer from 0 to 32/);
    expect(() => read(['--burn-load', '33'])).toThrow(/--burn-load must be an integer from 0 to 32/);
    expect(() => read(['--burn-load', '-1'])).toThrow(/--burn-load must be an integer from 0 to 32/);
    expect(() => read(['--burn-load', ''])).toThrow(/--burn-load must be a number/);
    expect(() => read(['--burn-load'])).toThrow(/burn-load/);
  });

  it("runs the busy processes at the browsers' priority unless told how many nice levels from it", () => {
    expect(compareDefaults.burnNice).toBe(0);
    expect(read(['--burn-load', '8', '--burn-nice', '-5']).options).toMatchObject({ burnLoad: 8, burnNice: -5 });
    expect(() => read(['--burn-nice', '-5'])).toThrow(/--burn-nice .* needs --burn-load/);
    expect(() => read(['--burn-load', '8', '--burn-nice', '-20'])).toThrow(
      /--burn-nice must be an integer from -19 to 19/,
    );
    expect(() => read(['--burn-load', '8', '--burn-nice', '1.5'])).toThrow(/--burn-nice must be an integer/);
  });

  it("caps each viewer's browser at a share of a core when asked, within bounds", () => {
    expect(read([]).options.viewerCpu).toBeUndefined();
    expect(read(['--viewer-cpu', '0.25']).options.viewerCpu).toBe(0.25);
    expect(read(['--viewer-cpu', '1.5', '--network', 'residential']).options).toMatchObject({
      viewerCpu: 1.5,
      network: 'residential',
    });
    expect(() => read(['--viewer-cpu', '0'])).toThrow(/--viewer-cpu must be a number from 0.02 to 32/);
    expect(() => read(['--viewer-cpu', '0.01'])).toThrow(/--viewer-cpu must be a number from 0.02 to 32/);
    expect(() => read(['--viewer-cpu', '33'])).toThrow(/--viewer-cpu must be a number from 0.02 to 32/);
    expect(() => read(['--viewer-cpu', 'half'])).toThrow(/--viewer-cpu must be a number/);
  });

  it('profiles the renderers only when asked, and --profile takes no value', () => {
    expect(compareDefaults.profile).toBe(false);
    expect(read([]).options.profile).toBe(false);
    expect(read(['--profile']).options.profile).toBe(true);
    expect(() => read(['--profile=yes'])).toThrow(/profile/);
  });

  it('clamps a stagger that would have the last viewer join after half the run, with a warning', () => {
    // 12 viewers 3 s apart join over 33 s; a 40 s run allows 20 s: 20 / 11 = 1.8 s.
    const { options, warnings } = resolveCompareOptions({ viewers: 12, seconds: 40 });
    expect(options.staggerSeconds).toBe(1.8);
    expect(warnings).toEqual([expect.stringMatching(/--stagger 3 s .* using 1\.8 s/)]);
    expect(resolveCompareOptions({ viewers: 12, seconds: 120 }).warnings).toEqual([]);
    expect(resolveCompareOptions({ viewers: 1, seconds: 10 }).options.staggerSeconds).toBe(3);
  });

  it('stamps runs in a file-name-safe UTC form', () => {
    expect(runStamp(new Date('2026-11-25T01:37:12.345Z'))).toBe('2026-11-25T01-37-12Z');
  });
});

describe('--policy', () => {
  it('runs the hybrid cohort with other policy values, named as the policy names them', () => {
    const parsed = parseCompareArgs(['--policy', 'spreadCopies=0, seederFanout=8']);
    expect(parsed).toMatchObject({ ok: true, value: { options: { policy: { spreadCopies: 0, seederFanout: 8 } } } });
    const defaults = parseCompareArgs([]);
    expect(defaults.ok && 'value' in defaults && defaults.value.options.policy).toBeUndefined();
  });

  it.each([
    ['spreadCopies', 'name=value pairs'],
    ['spreadCopies=1=2', 'name=value pairs'],
    ['=3', 'name=value pairs'],
    ['spreadcopies=3', 'spreadcopies is not a policy option'],
    ['spreadCopies=', 'spreadCopies must be a number'],
    ['spreadCopies=many', 'spreadCopies must be a number'],
    ['spreadCopies=500', 'spreadCopies=500 is outside [0, 100]'],
  ])('refuses %s: %s', (text, reason) => {
    expect(() => parsePolicyOverrides(text)).toThrow(reason);
    const parsed = parseCompareArgs(['--policy', text]);
    expect(parsed.ok).toBe(false);
  });
});

describe('hybridCohortPolicy', () => {
  it("is the policy the hybrid's pages play with: defaults, then a sweep's numeric target, then --policy", () => {
    expect(hybridCohortPolicy(undefined, undefined)).toEqual(policyDefaults);
    expect(hybridCohortPolicy('default', { spreadCopies: 3 })).toEqual({ ...policyDefaults, spreadCopies: 3 });
    expect(hybridCohortPolicy(6, undefined).latencyTargetDurations).toBe(6);
    expect(hybridCohortPolicy('low', undefined).latencyTargetDurations).toBe(policyDefaults.latencyTargetDurations);
    // The page applies --policy after the latency-target attribute.
    expect(hybridCohortPolicy(6, { latencyTargetDurations: 4 }).latencyTargetDurations).toBe(4);
  });
});

describe('--latency', () => {
  it('sweeps the latency dial: the targets in the order given, no sweep without it', () => {
    expect(read(['--latency', 'low,3,4,6']).options.latency).toEqual(['low', 3, 4, 6]);
    expect(read([]).options.latency).toBeUndefined();
    expect(read(['--latency', 'low', '--viewers', '4']).options).toMatchObject({ latency: ['low'], viewers: 4 });
    expect(read(['--latency', 'low', '--part-seconds', '0.2']).options.partSeconds).toBe(0.2);
  });

  it.each([
    [['--latency'], '--latency needs a value'],
    [['--latency', 'fast'], 'not "fast"'],
    [['--latency', '2'], 'latencyTargetDurations'],
    [['--latency', 'low,low'], 'lists low twice'],
    [['--latency', 'low', '--cohorts', 'cdn,hybrid'], 'drop --cohorts and --order'],
    [['--latency', '4', '--order', 'hybrid-first'], 'drop --cohorts and --order'],
    [['--latncy', 'low'], 'did you mean --latency?'],
    [['--part-seconds', '0.2'], 'it needs --latency'],
    [['--latency', 'low', '--part-seconds', '0.05'], '--part-seconds must be a number from 0.1 to 1'],
    [['--latency', 'low', '--part-seconds', 'short'], '--part-seconds must be a number'],
  ])('refuses %j as a usage mistake (exit 2)', (argv, reason) => {
    const parsed = parseCompareArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
    expect(cliAnswer(parsed as { ok: false; reason: string }, 'usage').exitCode).toBe(2);
  });
});
