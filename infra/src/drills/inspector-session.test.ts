import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { openInspector } from './inspector-session';

/** A stand-in inspector on loopback: answers each command by id, after any events `script` sends first. */
function fakeInspector(script: (method: string, send: (message: object) => void) => void): Promise<WebSocketServer> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.once('listening', () => resolve(server));
    server.on('connection', (socket) =>
      socket.on('message', (data) => {
        const { id, method } = JSON.parse(String(data)) as { id: number; method: string };
        script(method, (message) => socket.send(JSON.stringify(message)));
        if (method !== 'Never.answered') socket.send(JSON.stringify({ id, result: { echo: method } }));
      }),
    );
  });
}

const urlOf = (server: WebSocketServer) => `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

let server: WebSocketServer | undefined;
afterEach(() => server?.close());

describe('openInspector', () => {
  it('answers each call with its own result, and passes events to listeners', async () => {
    server = await fakeInspector((method, send) => {
      if (method === 'HeapProfiler.takeHeapSnapshot') {
        send({ method: 'HeapProfiler.addHeapSnapshotChunk', params: { chunk: 'a' } });
        send({ method: 'HeapProfiler.addHeapSnapshotChunk', params: { chunk: 'b' } });
      }
    });
    const session = await openInspector(urlOf(server), 2000);
    const chunks: string[] = [];
    session.onEvent((method, params) => method.endsWith('Chunk') && chunks.push(String(params.chunk)));
    const [first, second] = await Promise.all([session.call('One.first'), session.call('Two.second')]);
    expect(first).toEqual({ echo: 'One.first' });
    expect(second).toEqual({ echo: 'Two.second' });
    await session.call('HeapProfiler.takeHeapSnapshot');
    expect(chunks.join('')).toBe('ab');
    session.close();
  });

  it('rejects a call that is never answered once the timeout is over', async () => {
    server = await fakeInspector(() => {});
    const session = await openInspector(urlOf(server), 200);
    await expect(session.call('Never.answered')).rejects.toThrow('Never.answered timed out');
    session.close();
  });

  it('rejects when nothing listens at the address', async () => {
    server = undefined;
    await expect(openInspector('ws://127.0.0.1:1', 2000)).rejects.toThrow();
  });
});
