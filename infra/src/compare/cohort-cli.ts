/**
 * The namespace side of a compare run: started by the harness inside a
 * private network namespace, it relays the namespace's loopback to the
 * harness's proxy (a Unix socket), runs one cohort in headless Chromium and
 * prints the run as JSON on the last stdout line; progress goes to stderr.
 * Usage: cohort-cli.ts '<json CohortCliInput>'
 */
import { launchChromium } from '../browser';
import { type CohortCliInput, runCohort } from './cohort';
import { startUnixRelay } from './unix-relay';

const input = JSON.parse(process.argv[2] ?? '{}') as CohortCliInput;
const relay = await startUnixRelay({ socketPath: input.socketPath });
const browser = await launchChromium();
try {
  const { socketPath: _socketPath, ...plan } = input;
  const run = await runCohort(browser, { ...plan, pageBase: relay.url }, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(run)}\n`);
} finally {
  await browser.close();
  await relay.close();
}
