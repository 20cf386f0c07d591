/** The rejoin measurement against a loopback tracker stand-in that drops every socket on "restart". */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { measureRejoin, summariseRejoin } from './tracker-rejoin';

describe('summariseRejoin', () => {
  it('gives per-client percentiles and the time the last client was back', () => {
    const times = Array.from({ length: 20 }, (_, i) => (i + 1) * 100);
    expect(summariseRejoin(times, 20, 3)).toEqual({
      clients: 20,
      rejoined: 20,
      p50Ms: 1000,
      p95Ms: 1900,
      allMs: 2000,
      failedAttempts: 3,
    });
    // A client that never came back: the swarm was never whole.
    expect(summariseRejoin(times, 21).allMs).toBeNaN();
  });
});

describe('measureRejoin', () => {
  it('every client reconnects and re-announces after all sockets are dropped; refused attempts are retried', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    let refuseNext = 5; // the first reconnects after the restart find the tracker still down
    let restarted = false;
    const sockets = new Set<import('ws').default>();
    server.on('connection', (ws) => {
      if (restarted && refuseNext-- > 0) return ws.close(1013, 'try again');
      sockets.add(ws);
      ws.on('message', (data) => {
        const { info_hash } = JSON.parse(String(data)) as { info_hash: string };
        ws.send(JSON.stringify({ action: 'announce', interval: 30, info_hash, complete: 0, incomplete: 1 }));
      });
    });
    const result = await measureRejoin({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      clients: 40,
      swarmSize: 10,
      swarms: ['a', 'b', 'c', 'd'].map((s) => s.padEnd(20, '_')),
      restart: async () => {
        restarted = true;
        for (const ws of sockets) ws.close(1012, 'restart');
        sockets.clear();
      },
      delayMs: (retries) => 5 * (retries + 1),
      timeoutMs: 10_000,
    });
    server.close();
    expect(result).toMatchObject({ clients: 40, rejoined: 40, failedAttempts: 5 });
    expect(result.allMs).toBeGreaterThan(0);
    expect(result.p95Ms).toBeLessThanOrEqual(result.allMs);
  });
});
