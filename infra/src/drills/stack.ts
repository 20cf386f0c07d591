/**
 * The pieces every drill uses, on the project's own harness modules: an edge
 * (local-edge.ts) that can be stopped and started again on its port and state,
 * and a publisher (the origin CLI, run-cli.ts) that can be stopped with Ctrl-C
 * or killed outright.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamStatus } from '@edgeswarm/protocol';
import { freePort, type LocalEdge, startLocalEdge } from '../local-edge';
import { descendants, processId } from '../process-tree';
import { type CliResult, type RunningCli, spawnOriginCli } from '../run-cli';
import { swarmPublishSecret } from '../swarm';

/** The swarm harness's secret, so runSwarm can publish on an edge a drill started. */
export const drillSecret = swarmPublishSecret;

export interface DrillEdge {
  url: string;
  current(): LocalEdge | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startDrillEdge(work: string, vars: Record<string, string> = {}): Promise<DrillEdge> {
  const port = await freePort();
  const persistDir = join(work, 'state');
  const options = { port, persistDir, vars: { PUBLISH_SECRET: drillSecret, TRACKER_REGION_OVERRIDE: '1', ...vars } };
  let edge: LocalEdge | undefined = await startLocalEdge(options);
  return {
    url: edge.url,
    current: () => edge,
    async stop() {
      await edge?.stop();
      edge = undefined;
    },
    async start() {
      edge = await startLocalEdge(options);
    },
  };
}

export interface PublisherOptions {
  stream: string;
  edgeUrl: string;
  queueDir: string;
  durationSeconds?: number;
  size?: string;
}

export function spawnPublisher(o: PublisherOptions): RunningCli {
  return spawnOriginCli(
    [
      ...['publish', '--stream', o.stream, '--edge', o.edgeUrl, '--size', o.size ?? '320x180'],
      ...(o.durationSeconds ? ['--duration', String(o.durationSeconds)] : []),
    ],
    { PUBLISH_SECRET: drillSecret, EDGESWARM_QUEUE_DIR: o.queueDir },
  );
}

/** SIGKILL to the publisher and everything it started (tsx, node, ffmpeg) at once, by pid: no handler runs. */
export function killPublisher(publisher: RunningCli): string[] {
  const root = processId(publisher.child.pid ?? 0);
  const tree = [...(root ? [root] : []), ...descendants(publisher.child.pid ?? 0)];
  for (const { pid } of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  return tree.map((p) => `${p.command} (${p.pid})`);
}

/** Ctrl-C, as a user would: ffmpeg finishes its segment, the queue drains, the stream ends. */
export async function stopPublisher(publisher: RunningCli): Promise<CliResult> {
  publisher.child.kill('SIGINT');
  return publisher.done;
}

export async function streamStatus(edgeUrl: string, stream: string): Promise<StreamStatus | undefined> {
  try {
    const response = await fetch(`${edgeUrl}/v1/streams/${stream}`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? ((await response.json()) as StreamStatus) : undefined;
  } catch {
    return undefined;
  }
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Waits until every rendition has committed at least `msn`. */
export function untilCommitted(edgeUrl: string, stream: string, msn: number, timeoutMs = 60_000) {
  return until(
    `segment ${msn} of every rendition of ${stream}`,
    async () => {
      const s = await streamStatus(edgeUrl, stream);
      return s && s.renditions.length > 0 && s.renditions.every((r) => r.lastMsn >= msn) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Lines of the publisher's stderr that say what it did about the edge and its queue. */
export function publisherNotes(stderr: string, max = 6): string[] {
  return stderr
    .split(/[\r\n]+/)
    .filter((l) => /retrying|queued items|ended:|error|unreachable|No space|ENOSPC/i.test(l))
    .slice(-max);
}
