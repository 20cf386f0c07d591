/**
 * npm run compare -- --viewers 8 --seconds 120 [--url <edge>] [--edge-mbps <cap>] [--network residential]
 * npm run compare -- --latency low,3,4,6 …   (the latency dial: frontier.ts)
 *
 * A CDN-only and a hybrid cohort of N headless Chromium viewers on one live
 * test stream; prints a side-by-side table and writes results.json and a
 * self-contained report.html (harness.ts says how).
 */
import { relative } from 'node:path';
import { valueOrExit } from '@edgeswarm/origin/cli-exit';
import { repoRoot } from '../local-edge';
import { formatFrontierTable } from './frontier';
import { compareUsage, parseCompareArgs } from './options';
import { formatProfileTable, formatTable } from './table';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<void> {
  const { options, warnings } = valueOrExit(parseCompareArgs(argv), compareUsage);
  // Loaded once the command line holds: the harness brings Playwright, which --help has no use for.
  const { runCompare } = await import('./harness');
  // Ctrl-C reaches the publisher and the cohort's browsers too (same process group); staying alive lets the
  // harness stop the edge, which runs in its own group, instead of leaving it behind. A second Ctrl-C quits.
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts === 1) log('\ncompare: stopping (Ctrl-C again to quit at once and leave the edge running)');
    else process.exit(130);
  });
  for (const warning of warnings) log(`compare: warning: ${warning}`);
  const command = ['npm run compare --', ...argv].join(' ');
  const run = await runCompare(options, log, { command, warnings });
  console.log(`\n${formatTable(run.results)}`);
  if (run.results.frontier) {
    console.log(
      `\nthe latency dial (edge egress against CDN-only HLS of this run):\n${formatFrontierTable(run.results.frontier)}`,
    );
  }
  if (options.network !== 'loopback' || options.nat !== undefined)
    console.log(`\nper link profile:\n${formatProfileTable(run.results)}`);
  for (const warning of run.results.warnings) console.log(`warning: ${warning}`);
  const shown = (path: string) => (path.startsWith(repoRoot) ? relative(repoRoot, path) : path);
  console.log(`results: ${shown(run.resultsPath)}`);
  console.log(`report: ${shown(run.reportPath)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `error: ${error.message}` : error);
  process.exitCode = 1;
});
