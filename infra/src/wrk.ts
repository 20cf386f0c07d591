/**
 * wrk (a C load generator from Debian's `wrk` package) as the shared load
 * generator for benchmarks. A Node-based generator saturates before the
 * servers do on these 2-core machines, which would make every ratio 1.0.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findOnPath } from '@edgeswarm/origin/ffmpeg/locate';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  megabytesPerSecond: number;
  requests: number;
  failed: number;
}

const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const byteUnits: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Pure: wrk's `--latency` report → numbers. */
export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
  const latency = (percentile: string) => {
    const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return match ? Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1) : Number.NaN;
  };
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    megabytesPerSecond: transfer ? (Number(transfer[1]) * (byteUnits[transfer[2] ?? 'B'] ?? 1)) / 1e6 : Number.NaN,
    requests: number(/(\d+) requests in/),
    failed:
      (Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0) || 0) +
      (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

export async function runWrk(url: string, options: { seconds: number; connections: number; threads?: number }) {
  const wrk = findOnPath('wrk');
  if (!wrk) throw new Error('wrk is not installed: apt-get install wrk');
  const { stdout } = await promisify(execFile)(wrk, [
    ...['-t', String(options.threads ?? 1), '-c', String(options.connections), '-d', `${options.seconds}s`],
    ...['--latency', url],
  ]);
  return parseWrk(stdout);
}
