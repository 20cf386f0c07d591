/**
 * Entry point of `npm run streams` (see streams-command.ts): the table on stdout; a wrong command line on stderr
 * with the usage, exit 2; an edge that cannot answer on stderr, exit 1.
 */
import { valueOrExit } from './cli-exit';
import { readDevVars } from './dev-vars';
import { InputError, OriginError } from './errors';
import { formatStreams, listStreams, parseStreamsArgs, streamsUsage } from './streams-command';

async function main(): Promise<void> {
  const args = valueOrExit(
    parseStreamsArgs(process.argv.slice(2), process.env, readDevVars().PUBLISH_SECRET),
    streamsUsage,
  );
  const streams = await listStreams(args);
  console.log(args.json ? JSON.stringify({ streams }, null, 2) : formatStreams(streams));
}

main().catch((error: unknown) => {
  if (error instanceof OriginError) {
    console.error(`error: ${error.message}`);
    if (error instanceof InputError) console.error(`\n${streamsUsage}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
