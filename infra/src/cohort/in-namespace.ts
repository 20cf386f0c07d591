/**
 * Runs a harness task (cli.ts) inside its own private network namespace and
 * PID namespace, and returns what it printed: every browser, workerd and
 * ffmpeg it started dies with it. Tasks whose viewers have links of their own
 * get the `bridge` layout; the others the single veth of today.
 */
import { join } from 'node:path';
import { repoRoot } from '../local-edge';
import { type NamespaceLayout, runInPrivateNetwork } from '../netns';
import type { SwarmOptions, SwarmResult } from '../swarm';
import { swarmDefaults, swarmLinks } from '../swarm';
import { tsxCommand } from '../tsx-command';
import type { CohortRun } from './records';
import type { CohortPlan } from './runner';

export type NamespaceTask =
  | { task: 'swarm'; options: Partial<Omit<SwarmOptions, 'log'>> }
  | { task: 'cohort'; plan: Omit<CohortPlan, 'pageBase'>; socketPath: string };

type TaskResult<T extends NamespaceTask> = T extends { task: 'swarm' } ? SwarmResult : CohortRun;

/** Pure: the namespace layout a task needs. */
export function taskLayout(task: NamespaceTask): NamespaceLayout {
  const links =
    task.task === 'swarm'
      ? swarmLinks({
          viewers: task.options.viewers ?? swarmDefaults.viewers,
          network: task.options.network ?? swarmDefaults.network,
          links: task.options.links,
          outage: task.options.outage,
        })
      : task.plan.links;
  return links ? 'bridge' : 'veth';
}

export class NamespaceTaskError extends Error {
  override name = 'NamespaceTaskError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export async function runInNamespace<T extends NamespaceTask>(
  task: T,
  options: {
    /** The namespace is killed, with all in it, after this long. */
    timeoutMs?: number;
    /** Each complete stderr line as it comes (progress). */
    onLine?: (line: string) => void;
  } = {},
): Promise<TaskResult<T>> {
  let partial = '';
  const run = await runInPrivateNetwork(tsxCommand(join(repoRoot, 'infra/src/cohort/cli.ts'), JSON.stringify(task)), {
    cwd: repoRoot,
    layout: taskLayout(task),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    onStderr: (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    },
  });
  if (run.code !== 0) {
    throw new NamespaceTaskError(`the ${task.task} task failed (${run.code}):\n${run.stderr.slice(-3000)}`, run.stderr);
  }
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as TaskResult<T>;
}
