/**
 * Runs the edge locally: `wrangler dev` (workerd) on loopback with persisted
 * local R2/Durable Object state. Used by `npm start`, the end-to-end tests and
 * the benchmarks, so all three exercise the same stack.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { descendants, type ProcessId, processId, running, stopProcesses } from './process-tree';
import { portsOf } from './tracker-proc';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalEdgeOptions {
  /** 0 or absent: pick a free port. */
  port?: number;
  /** Address to listen on: loopback by default; a private namespace's own address for viewers on links of their own. */
  host?: string;
  persistDir: string;
  /** Extra bindings (e.g. PUBLISH_SECRET), written to a private env file. Absent: wrangler reads .dev.vars. */
  vars?: Record<string, string>;
  /** Where wrangler's own output goes; absent keeps only the tail for error messages. */
  onOutput?: (chunk: string) => void;
  readyTimeoutMs?: number;
  /**
   * Start a watchdog (edge-watchdog.ts) that stops everything this process started (wrangler,
   * each workerd, ffmpeg) if it dies without doing so (npm start; a test runner stops its edges itself).
   */
  watchdog?: boolean;
}

export interface LocalEdge {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A free port is only free when asked: another process (an outgoing connection's ephemeral port
 * included) can take it before wrangler binds it. Such a start is retried on fresh ports.
 */
export async function startLocalEdge(options: LocalEdgeOptions, attempts = 3): Promise<LocalEdge> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const taken = error instanceof Error && /Address already in use/.test(error.message);
      if (!taken || attempt >= attempts) throw error;
      await sleep(250 * attempt);
    }
  }
}

async function startOnce(options: LocalEdgeOptions): Promise<LocalEdge> {
  const port = options.port || (await freePort());
  const args = [
    'dev',
    '--ip',
    options.host ?? '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(await freePort()),
    '--persist-to',
    options.persistDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  ];
  if (options.vars) {
    const envFile = join(mkdtempSync(join(tmpdir(), 'edgeswarm-env-')), 'edge.env');
    writeFileSync(
      envFile,
      Object.entries(options.vars)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
      { mode: 0o600 },
    );
    args.push('--env-file', envFile);
  }
  const child = spawn(join(repoRoot, 'node_modules/.bin/wrangler'), args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      // Nothing leaves the machine: no telemetry, and no fetch of request.cf data from Cloudflare.
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_HIDE_BANNER: 'true', // the banner asks the npm registry for a newer wrangler
      NO_UPDATE_NOTIFIER: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() takes workerd down with it
  });
  let tail = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-4000);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve();
    }),
  );

  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  // Every process wrangler starts, remembered while the tree is whole: once wrangler is gone, a
  // workerd it left is reparented and nothing links it to us any more.
  const known = new Map<string, ProcessId>();
  const remember = () => {
    for (const id of [processId(child.pid ?? 0), ...descendants(child.pid ?? 0)]) {
      if (id) known.set(`${id.pid}:${id.startTicks}`, id);
    }
  };
  remember();
  const census = setInterval(remember, 2000);
  census.unref();
  const watchdog = options.watchdog
    ? spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'infra/src/edge-watchdog.ts'), String(process.pid)], {
        cwd: repoRoot,
        stdio: 'ignore',
        detached: true,
      })
    : undefined;
  watchdog?.unref();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(census);
      if (exited === undefined) remember();
      // wrangler first (by its group, as before, and by pid), then whatever it left, by pid.
      try {
        process.kill(-(child.pid ?? 0), 'SIGTERM');
      } catch {}
      const left = await stopProcesses([...known.values()]);
      if (left.length > 0) {
        options.onOutput?.(`could not stop ${left.map((id) => `${id.command} (${id.pid})`).join(', ')}\n`);
      }
      if (exited === undefined) await Promise.race([exit, sleep(1000)]);
      watchdog?.kill('SIGTERM');
    })();
    return stopping;
  };
  /** Readiness counts only if the port is ours: another server answering /healthz there is not this edge. */
  const ownsPort = () => {
    remember();
    return running([...known.values()]).some((id) => {
      try {
        return portsOf(id.pid).includes(port);
      } catch {
        return false;
      }
    });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`wrangler dev exited with ${exited} before it was ready:\n${tail}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && ownsPort()) return { url, port, process: child, stop };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`wrangler dev did not become ready on ${url}:\n${tail}`);
}
