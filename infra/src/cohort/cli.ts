/**
 * The namespace side of every harness: started inside a private network
 * namespace (in-namespace.ts), it runs one task and prints its result as JSON
 * on the last stdout line; progress goes to stderr.
 *
 * - `swarm`: the edge, a publisher and one cohort, all in here (swarm.ts);
 *   bench:offload and the P2P end-to-end tests.
 * - `cohort`: one cohort of viewers on an edge outside, reached through a
 *   relay to the harness's proxy socket (compare).
 *
 * Usage: cli.ts '<json NamespaceTask>'
 */
import { startUnixRelay } from '../compare/unix-relay';
import { namespaceAddress } from '../netns';
import { startStunServer } from '../stun-server';
import { formatSwarm, runSwarm } from '../swarm';
import type { NamespaceTask } from './in-namespace';
import { runCohort } from './runner';

const log = (line: string) => process.stderr.write(`${line}\n`);
const task = JSON.parse(process.argv[2] ?? '{}') as NamespaceTask;

if (task.task === 'swarm') {
  const result = await runSwarm({ ...task.options, log });
  log(formatSwarm(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (task.task === 'cohort') {
  // Viewers behind links of their own reach the relay across the bridge; otherwise on this loopback.
  const relay = await startUnixRelay({
    socketPath: task.socketPath,
    host: task.plan.links ? namespaceAddress : '127.0.0.1',
  });
  // A NAT run: every player asks a STUN server on the bridge for its mapped address (nothing leaves the machine).
  const stun = task.plan.nat ? await startStunServer({ host: namespaceAddress }) : undefined;
  try {
    const run = await runCohort({ ...task.plan, pageBase: relay.url, ...(stun ? { iceServers: stun.url } : {}) }, log);
    // The players did ask it (none in a CDN-only cohort, which opens no peer connection).
    if (stun) log(`${task.plan.harness}: the STUN server at ${stun.url} answered ${stun.answered()} binding requests`);
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    await relay.close();
    await stun?.close();
  }
} else {
  throw new Error(`unknown task ${JSON.stringify((task as { task?: unknown }).task)}`);
}
