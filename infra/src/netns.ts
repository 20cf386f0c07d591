/**
 * Runs a command inside a private network namespace (DESIGN §6), and nothing
 * in it can reach any address outside the machine. Two layouts:
 *
 * - `veth` (browsers share the namespace): loopback plus one veth address,
 *   10.77.0.1, and a default route into it. Browsers in it reach each other
 *   over WebRTC host candidates on that address.
 * - `bridge` (a namespace per viewer, cohort/viewer-links.ts): loopback and a
 *   Linux bridge holding 10.77.0.1/24, the gateway. Each viewer's namespace
 *   joins it later through a veth pair; /run/netns is a tmpfs private to this
 *   namespace's mount namespace, so named viewer namespaces vanish with it.
 */
import { spawn } from 'node:child_process';
import { findOnPath } from '@edgeswarm/origin/ffmpeg/locate';

export const namespaceAddress = '10.77.0.1';
export const bridgeName = 'esbr0';

export type NamespaceLayout = 'veth' | 'bridge';

const setups: Record<NamespaceLayout, string[]> = {
  veth: [
    'ip link set lo up',
    'ip link add v0 type veth peer name v1',
    `ip addr add ${namespaceAddress}/24 dev v0`,
    'ip link set v0 up',
    'ip link set v1 up',
    'ip route add default dev v0',
  ],
  bridge: [
    'ip link set lo up',
    `ip link add ${bridgeName} type bridge`,
    `ip addr add ${namespaceAddress}/24 dev ${bridgeName}`,
    `ip link set ${bridgeName} up`,
    `ip route add default dev ${bridgeName}`,
    'mkdir -p /run/netns',
    'mount -t tmpfs -o size=1m,mode=755 edgeswarm-netns /run/netns',
  ],
};

/** Pure: single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function namespaceScript(command: readonly string[], layout: NamespaceLayout = 'veth'): string {
  return [...setups[layout], `exec ${command.map(shellQuote).join(' ')}`].join(' && ');
}

/** Why a private network namespace (and, for shaped links, tc) cannot be had here; undefined when it can. */
export function privateNetworkAvailable(options: { shaped?: boolean } = {}): string | undefined {
  if (!findOnPath('unshare')) return 'unshare (util-linux) is not installed';
  if (!findOnPath('ip')) return 'ip (iproute2) is not installed';
  if (options.shaped && !findOnPath('tc')) return 'tc (iproute2) is not installed: shaped links need it';
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
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    onStderr?: (chunk: string) => void;
    timeoutMs?: number;
    layout?: NamespaceLayout;
  } = {},
): Promise<NamespaceRun> {
  return new Promise((resolve, reject) => {
    // Its own PID namespace too: when the command ends, or is killed on timeout, the kernel takes
    // every process it started (browsers, workerd, ffmpeg) with it, so nothing outlives a run.
    const child = spawn(
      'unshare',
      [
        '--net',
        '--pid',
        '--fork',
        '--kill-child',
        '--mount-proc',
        'sh',
        '-c',
        namespaceScript(command, options.layout),
      ],
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
