/** Entry point of `npm run streams` (see streams-command.ts): the table on stdout, errors on stderr, exit 1. */
import { readDevVars } from './dev-vars';
import { InputError, OriginError } from './errors';
import { formatStreams, listStreams, parseStreamsArgs, streamsUsage } from './streams-command';

async function main(): Promise<void> {
  const args = parseStreamsArgs(process.argv.slice(2), process.env, readDevVars().PUBLISH_SECRET);
  if (!args.ok) throw new InputError(args.reason);
  if ('help' in args) {
    console.log(streamsUsage);
    return;
  }
  const streams = await listStreams(args.value);
  console.log(args.value.json ? JSON.stringify({ streams }, null, 2) : formatStreams(streams));
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
