/**
 * A fault injector between the publisher and the edge, owned by the drills
 * harness: the publisher is pointed at it (--edge), so no production URL,
 * header or page parameter can ever reach a fault. It forwards every request
 * to the edge and counts what crossed it (PUTs by object name, commits by
 * segment name, with the edge's outcome), and on command:
 *
 * - `down`: every connection is cut at once, as for an edge that is unreachable;
 * - `hold`: requests wait, unanswered, until the mode changes (a stalled edge);
 * - `failWrites`: PUTs of media segments answer 503, as when the bucket fails a
 *   write; `after` forwards the PUT first (stored, but the answer is lost), so a
 *   retry must be idempotent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'pass' | 'down' | 'hold';

export interface WriteFaults {
  /** Fail this share of segment PUTs (0–1), deterministically: every k-th. */
  every: number;
  /** Forward the PUT before answering 503 (the object is stored; the answer is lost). */
  after: boolean;
}

export interface ProxyCounts {
  /** Requests answered by the edge, by object name: how often each was PUT and answered 2xx. */
  puts: Map<string, number>;
  /** Commits by segment name: outcomes the edge answered. */
  commits: Map<string, { appended: number; duplicate: number }>;
  /** Commit names in the order the edge appended them. */
  appendedOrder: string[];
  /** Connections cut or requests failed by the proxy on purpose. */
  injected: number;
  /** Requests forwarded to the edge. */
  forwarded: number;
}

export interface IngestProxy {
  url: string;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  failWrites(faults: WriteFaults | undefined): void;
  counts: ProxyCounts;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startIngestProxy(edgeUrl: string): Promise<IngestProxy> {
  let mode: ProxyMode = 'pass';
  let faults: WriteFaults | undefined;
  let segmentPuts = 0;
  const held: (() => void)[] = [];
  const counts: ProxyCounts = { puts: new Map(), commits: new Map(), appendedOrder: [], injected: 0, forwarded: 0 };

  const forward = async (req: IncomingMessage, bytes: Buffer) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    counts.forwarded++;
    return fetch(new URL(req.url ?? '/', edgeUrl), {
      method: req.method ?? 'GET',
      headers,
      ...(bytes.length > 0 ? { body: new Uint8Array(bytes) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    while (mode === 'hold') await new Promise<void>((resolve) => held.push(resolve));
    // A request held past its sender's death (a killed publisher) never reaches the edge.
    if (req.socket.destroyed) return;
    if (mode === 'down') {
      counts.injected++;
      req.socket.destroy();
      return;
    }
    const bytes = await body(req);
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const object = /^\/v1\/streams\/[^/]+\/(v\d+\/.+)$/.exec(path)?.[1];
    const isSegmentPut = req.method === 'PUT' && object?.endsWith('.m4s');
    if (isSegmentPut && faults && faults.every > 0) {
      segmentPuts++;
      if (segmentPuts % Math.max(1, Math.round(1 / faults.every)) === 0) {
        counts.injected++;
        if (faults.after) await (await forward(req, bytes)).arrayBuffer();
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'storage_unavailable', reason: 'injected: the bucket failed the write' }));
        return;
      }
    }
    const answer = await forward(req, bytes);
    const text = Buffer.from(await answer.arrayBuffer());
    if (answer.ok && req.method === 'PUT' && object) counts.puts.set(object, (counts.puts.get(object) ?? 0) + 1);
    if (answer.ok && req.method === 'POST' && path.endsWith('/commits')) {
      const commit = JSON.parse(bytes.toString()) as { name: string };
      const outcome = (JSON.parse(text.toString()) as { outcome?: string }).outcome;
      const entry = counts.commits.get(commit.name) ?? { appended: 0, duplicate: 0 };
      if (outcome === 'duplicate') entry.duplicate++;
      else {
        entry.appended++;
        counts.appendedOrder.push(commit.name);
      }
      counts.commits.set(commit.name, entry);
    }
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name))
        headers[name] = value;
    });
    res.writeHead(answer.status, headers);
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'proxy', reason: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    mode: () => mode,
    setMode(next) {
      mode = next;
      if (next === 'down') server.closeAllConnections();
      if (next !== 'hold') for (const release of held.splice(0)) release();
    },
    failWrites(next) {
      faults = next;
    },
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        mode = 'down';
        for (const release of held.splice(0)) release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
