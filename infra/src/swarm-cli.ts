/**
 * Runs one swarm and prints its result as JSON on the last stdout line (for
 * tests and benchmarks that run it inside a network namespace) and a table on
 * stderr. Usage: swarm-cli.ts '<json SwarmOptions>'
 */
import { formatSwarm, runSwarm, type SwarmOptions } from './swarm';

const options = JSON.parse(process.argv[2] ?? '{}') as Partial<SwarmOptions>;
const result = await runSwarm(options);
process.stderr.write(`${formatSwarm(result)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
