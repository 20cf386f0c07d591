/**
 * bench:edge: cache-hit segment fetches from the edge (wrangler dev / workerd,
 * local R2 + Cache API) vs a plain Node static file server serving the same
 * bytes, with the same load generator (wrk, one thread) in the same run.
 *
 *   npm run bench:edge -- [--seconds 10] [--connections 16] [--size 500000]
 *
 * Prints both, the ratio, and writes bench-results/edge.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { createEdgeClient } from '@edgeswarm/origin/edge-client';
import { derivePublishKey } from '@edgeswarm/protocol';
import { freePort, repoRoot, startLocalEdge } from '../src/local-edge';
import { tsxCommand } from '../src/tsx-command';
import { type LoadResult, runWrk } from '../src/wrk';
import { edgeBenchUsage, parseEdgeBenchArgs } from './bench-args';

const { seconds, connections, size } = valueOrExit(parseEdgeBenchArgs(process.argv.slice(2)), edgeBenchUsage);

async function load(label: string, url: string): Promise<LoadResult> {
  process.stderr.write(`${label}: ${connections} connections for ${seconds} s against ${url}\n`);
  return runWrk(url, { seconds, connections });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'edgeswarm-bench-edge-'));
  const file = join(work, 'segment.m4s');
  const bytes = randomBytes(size);
  writeFileSync(file, bytes);

  const secret = randomBytes(24).toString('base64url');
  const edge = await startLocalEdge({ persistDir: join(work, 'state'), vars: { PUBLISH_SECRET: secret } });
  const port = await freePort();
  const [node, ...nodeArgs] = tsxCommand(join(repoRoot, 'infra/bench/static-server.ts'), file, String(port));
  const baseline = spawn(node, nodeArgs, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => baseline.stdout?.once('data', () => resolve()));
    const client = createEdgeClient({
      edgeUrl: edge.url,
      streamId: 'bench',
      publishKey: await derivePublishKey(secret, 'bench'),
    });
    await client.putObject('v0/seg-00000.m4s', bytes);
    const edgeUrl = `${edge.url}/v1/streams/bench/v0/seg-00000.m4s`;
    await (await fetch(edgeUrl)).arrayBuffer(); // the miss that fills the cache
    const warm = await fetch(edgeUrl);
    await warm.arrayBuffer();
    if (warm.headers.get('X-Edge-Cache') !== 'HIT') throw new Error('the edge did not cache the segment');

    const staticResult = await load('static', `http://127.0.0.1:${port}/segment.m4s`);
    const edgeResult = await load('edge', edgeUrl);
    // Reference: the same runtime answering a route that does no I/O at all, i.e. the per-request floor.
    const floorResult = await load('edge-floor', `${edge.url}/healthz`);
    const metrics = (await (await fetch(`${edge.url}/v1/metrics`)).json()) as { storage: { r2Gets: number } };

    const ratio = {
      requestsPerSecond: edgeResult.requestsPerSecond / staticResult.requestsPerSecond,
      p50: edgeResult.p50Ms / staticResult.p50Ms,
      p99: edgeResult.p99Ms / staticResult.p99Ms,
    };
    const report = {
      benchmark: 'edge',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: { seconds, connections, segmentBytes: size },
      static: staticResult,
      edge: { ...edgeResult, r2GetsDuringRun: metrics.storage.r2Gets },
      edgeEmptyRoute: floorResult,
      ratio,
    };
    const out = join(repoRoot, 'bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'edge.json'), `${JSON.stringify(report, null, 2)}\n`);

    const row = (name: string, m: LoadResult) =>
      `${name.padEnd(8)} ${m.requestsPerSecond.toFixed(0).padStart(8)} ${m.p50Ms.toFixed(1).padStart(8)} ${m.p99Ms
        .toFixed(1)
        .padStart(8)} ${m.megabytesPerSecond.toFixed(1).padStart(8)} ${String(m.failed).padStart(7)}`;
    console.log(`\n${size}-byte segment, cache hits, ${connections} connections, ${seconds} s each`);
    console.log('server      req/s  p50 ms   p99 ms     MB/s  failed');
    console.log(row('static', staticResult));
    console.log(row('edge', edgeResult));
    console.log(row('healthz', floorResult), '  <- same edge, a route with no I/O (runtime floor)');
    console.log(
      `ratio edge/static: req/s ${ratio.requestsPerSecond.toFixed(2)}x, p50 ${ratio.p50.toFixed(2)}x, p99 ${ratio.p99.toFixed(2)}x`,
    );
    console.log(`R2 reads during the whole run: ${metrics.storage.r2Gets} (everything else was a cache hit)`);
    console.log('wrote bench-results/edge.json');
  } finally {
    baseline.kill();
    await edge.stop();
  }
}

await main();
