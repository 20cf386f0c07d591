import { describe, expect, it } from 'vitest';
import {
  parseChromiumBenchArgs,
  parseEdgeBenchArgs,
  parseLiveBenchArgs,
  parseOffloadBenchArgs,
  parseTransportBenchArgs,
} from './bench-args';

const reason = (request: { ok: boolean; reason?: string }) => (request.ok ? 'ok' : request.reason);

describe('bench:edge, bench:live and bench:offload: the command line', () => {
  it('reads the settings, with the defaults', () => {
    expect(parseEdgeBenchArgs([])).toEqual({ ok: true, value: { seconds: 10, connections: 16, size: 500_000 } });
    expect(parseEdgeBenchArgs(['--seconds', '3', '--size=1000'])).toMatchObject({ value: { seconds: 3, size: 1000 } });
    expect(parseLiveBenchArgs(['--target-duration', '2'])).toEqual({
      ok: true,
      value: { parts: false, pollers: 200, segments: 15, targetDuration: 2 },
    });
    expect(parseLiveBenchArgs(['--parts'])).toEqual({
      ok: true,
      value: { parts: true, pollers: 1000, segments: 6, targetDuration: 2, partSeconds: 0.5 },
    });
    expect(parseLiveBenchArgs(['--parts', '--part-seconds', '0.2', '--pollers', '50'])).toMatchObject({
      value: { parts: true, pollers: 50, partSeconds: 0.2 },
    });
    expect(parseOffloadBenchArgs([])).toEqual({
      ok: true,
      value: { viewers: [4, 8], seconds: 30, stagger: 3, network: 'loopback' },
    });
    expect(parseOffloadBenchArgs(['--viewers', '6', '--stagger', '0', '--network', 'residential'])).toMatchObject({
      value: { viewers: [6], stagger: 0, network: 'residential' },
    });
  });

  it('answers --help and -h with the usage', () => {
    for (const parse of [parseEdgeBenchArgs, parseLiveBenchArgs, parseOffloadBenchArgs]) {
      expect(parse(['--help'])).toEqual({ ok: true, help: true });
      expect(parse(['-h'])).toEqual({ ok: true, help: true });
    }
  });

  it('refuses unknown options, with the one meant, and malformed values', () => {
    expect(reason(parseEdgeBenchArgs(['--bogus']))).toBe('unknown option --bogus');
    expect(reason(parseEdgeBenchArgs(['--conections', '4']))).toBe(
      'unknown option --conections; did you mean --connections?',
    );
    expect(reason(parseEdgeBenchArgs(['--size', '0']))).toBe('--size takes a positive integer, not "0"');
    expect(reason(parseEdgeBenchArgs(['--seconds', 'ten']))).toBe('--seconds takes a positive integer, not "ten"');
    expect(reason(parseLiveBenchArgs(['--pollers', '2.5']))).toBe('--pollers takes a positive integer, not "2.5"');
    expect(reason(parseLiveBenchArgs(['--segments']))).toBe('--segments needs a value');
    expect(reason(parseLiveBenchArgs(['--part-seconds', '0.5']))).toBe('--part-seconds goes with --parts');
    expect(reason(parseLiveBenchArgs(['--parts=yes']))).toBe('--parts takes no value');
    expect(reason(parseLiveBenchArgs(['--pollers', '5001']))).toBe('--pollers is at most 5000, not 5001');
    expect(reason(parseLiveBenchArgs(['--segments', '61', '--target-duration', '2']))).toBe(
      '--segments × --target-duration is at most 120 s per mode, not 122 s',
    );
    expect(reason(parseLiveBenchArgs(['--parts', '--part-seconds', 'x']))).toBe(
      '--part-seconds takes a positive number, not "x"',
    );
    for (const bad of ['0.05', '1.5', '0.3']) {
      expect(reason(parseLiveBenchArgs(['--parts', '--part-seconds', bad]))).toBe(
        `--part-seconds must be at least 0.1, at most half of --target-duration (2), and divide it into whole parts, not ${bad}`,
      );
    }
    expect(reason(parseOffloadBenchArgs(['--viewers', '4,x']))).toBe(
      '--viewers takes positive integers, e.g. 4,8, not 4,x',
    );
    expect(reason(parseOffloadBenchArgs(['--stagger', '-1']))).toBe('--stagger takes a non-negative number, not "-1"');
    expect(reason(parseOffloadBenchArgs(['--network', 'adsl']))).toMatch(/^--network must be one of .*, not "adsl"$/);
    expect(reason(parseOffloadBenchArgs(['8']))).toBe('unexpected argument "8"');
  });

  it('bench:chromium: pages, seconds and rounds, positive and bounded', () => {
    expect(parseChromiumBenchArgs([])).toEqual({ ok: true, value: { pages: 4, seconds: 20, rounds: 2 } });
    expect(parseChromiumBenchArgs(['--pages', '8', '--seconds', '2.5', '--rounds', '1'])).toEqual({
      ok: true,
      value: { pages: 8, seconds: 2.5, rounds: 1 },
    });
    expect(parseChromiumBenchArgs(['-h'])).toEqual({ ok: true, help: true });
    expect(reason(parseChromiumBenchArgs(['--pages', '0']))).toBe('--pages takes a positive integer, not "0"');
    expect(reason(parseChromiumBenchArgs(['--pages', '17']))).toBe('--pages is at most 16, not 17');
    expect(reason(parseChromiumBenchArgs(['--rounds', '1.5']))).toBe('--rounds takes a positive integer, not "1.5"');
    expect(reason(parseChromiumBenchArgs(['--seconds', '301']))).toBe('--seconds is at most 300, not 301');
    expect(reason(parseChromiumBenchArgs(['--page', '2']))).toBe('unknown option --page; did you mean --pages?');
  });

  it('bench:transport: sizes, counts and rounds, positive and bounded, the segment within the bytes', () => {
    expect(parseTransportBenchArgs([])).toEqual({
      ok: true,
      value: { mb: 4, segmentKb: 68, messages: 2000, connections: 10, idleSeconds: 20, rounds: 3 },
    });
    expect(parseTransportBenchArgs(['--mb', '0.5', '--segment-kb', '100', '--idle-seconds', '2.5'])).toMatchObject({
      ok: true,
      value: { mb: 0.5, segmentKb: 100, idleSeconds: 2.5 },
    });
    expect(reason(parseTransportBenchArgs(['--mb', '0']))).toBe('--mb takes a positive number, not "0"');
    expect(reason(parseTransportBenchArgs(['--messages', '1.5']))).toBe(
      '--messages takes a positive integer, not "1.5"',
    );
    expect(reason(parseTransportBenchArgs(['--mb', '65']))).toBe('--mb is at most 64, not 65');
    expect(reason(parseTransportBenchArgs(['--connections', '51']))).toBe('--connections is at most 50, not 51');
    expect(reason(parseTransportBenchArgs(['--idle-seconds', '301']))).toBe('--idle-seconds is at most 300, not 301');
    expect(reason(parseTransportBenchArgs(['--segment-kb', '600', '--mb', '0.5']))).toBe(
      '--segment-kb (600) must fit in --mb (0.5)',
    );
    expect(reason(parseTransportBenchArgs(['--rounds', '11']))).toBe('--rounds is at most 10, not 11');
    expect(parseTransportBenchArgs(['--results', 'run/results.json'])).toMatchObject({
      ok: true,
      value: { results: 'run/results.json', mb: 4 },
    });
    expect(parseTransportBenchArgs([])).not.toHaveProperty('value.results');
    expect(reason(parseTransportBenchArgs(['--results', ' ']))).toBe('--results takes a path to a results.json');
    expect(parseTransportBenchArgs(['--costs', 't.json', '--results', 'r.json'])).toMatchObject({
      value: { costs: 't.json', results: 'r.json' },
    });
    expect(reason(parseTransportBenchArgs(['--costs', '']))).toBe('--costs takes a path to a transport.json');
  });

  it('bench:transport --link-mbps: a positive rate up to 1000, absent by default', () => {
    expect(parseTransportBenchArgs(['--link-mbps', '10'])).toMatchObject({ ok: true, value: { linkMbps: 10, mb: 4 } });
    expect(parseTransportBenchArgs(['--link-mbps', '0.5'])).toMatchObject({ ok: true, value: { linkMbps: 0.5 } });
    expect(parseTransportBenchArgs([])).not.toHaveProperty('value.linkMbps');
    expect(reason(parseTransportBenchArgs(['--link-mbps', '0']))).toBe('--link-mbps takes a positive number, not "0"');
    expect(reason(parseTransportBenchArgs(['--link-mbps', 'fast']))).toBe(
      '--link-mbps takes a positive number, not "fast"',
    );
    expect(reason(parseTransportBenchArgs(['--link-mbps', '1001']))).toBe('--link-mbps is at most 1000, not 1001');
  });
});
