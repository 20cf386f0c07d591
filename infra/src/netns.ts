/**
 * Runs a command inside a private network namespace (DESIGN §6): loopback plus
 * one veth address, 10.77.0.1, and a default route into it. Browsers on one
 * machine can then reach each other over WebRTC host candidates, and nothing
 * can reach any address outside the machine.
 */
import { spawn } from 'node:child_process';
import { findOnPath } from '@edgeswarm/origin/ffmpeg/locate';

export const namespaceAddress = '10.77.0.1';

const setup = [
  'ip link set lo up',
  'ip link add v0 type veth peer name v1',
  `ip addr add ${namespaceAddress}/24 dev v0`,
  'ip link set v0 up',
  'ip link set v1 up',
  'ip route add default dev v0',
];

/** Pure: single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function namespaceScript(command: readonly string[]): string {
  return [...setup, `exec ${command.map(shellQuote).join(' ')}`].join(' && ');
}

export function privateNetworkAvailable(): string | undefined {
  if (!findOnPath('unshare')) return 'unshare (util-linux) is not installed';
  if (!findOnPath('ip')) return 'ip (iproute2) is not installed';
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root';
  return undefined;
}

export interface NamespaceRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runInPrivateNetwork(
  command: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string) => void; timeoutMs?: number } = {},
): Promise<NamespaceRun> {
  return new Promise((resolve, reject) => {
    // Its own PID namespace too: when the command ends, or is killed on timeout, the kernel takes
    // every process it started (browsers, workerd, ffmpeg) with it, so nothing outlives a run.
    const child = spawn(
      'unshare',
      ['--net', '--pid', '--fork', '--kill-child', '--mount-proc', 'sh', '-c', namespaceScript(command)],
      { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const timer = options.timeoutMs
      ? setTimeout(() => {
          stderr += `\nnetns: killed after ${options.timeoutMs} ms\n`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      options.onStderr?.(String(chunk));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
