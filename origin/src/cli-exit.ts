/** Where a script's command line meets the process: the one impure step after cli-options.ts's parse. */
import { type CliRequest, cliAnswer } from './cli-options';

/** The arguments to run with; for `--help` or a mistake, prints cliAnswer's answer and exits (0 or 2). */
export function valueOrExit<T>(request: CliRequest<T>, usage: string): T {
  if (request.ok && 'value' in request) return request.value;
  const answer = cliAnswer(request, usage);
  // Synchronous for files and terminals, and for pipes on Linux; elsewhere a usage is far smaller than a
  // pipe's buffer, so libuv's first write attempt takes it whole: nothing is lost to process.exit.
  process.stdout.write(answer.stdout);
  process.stderr.write(answer.stderr);
  process.exit(answer.exitCode);
}
