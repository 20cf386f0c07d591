/** The fault-injection route: harnesses only (FAULT_INJECTION=1), operator only; drops peers and refuses upgrades for the given time. */
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import app from '../index';

const base = 'https://edge.test';
const upgrade = (stream: string) =>
  exports.default.fetch(new Request(`${base}/v1/tracker/${stream}?region=eu`, { headers: { Upgrade: 'websocket' } }));

describe('tracker outage', () => {
  it('does not exist on an edge without FAULT_INJECTION=1 (a deployed one): 404, even with the operator secret', async () => {
    const { FAULT_INJECTION: _on, ...deployed } = env;
    const response = await app.fetch(
      new Request(`${base}/v1/tracker/out0/outage?seconds=1`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${env.PUBLISH_SECRET}` },
      }),
      deployed,
      createExecutionContext(),
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
    // The same request where the harness turned it on is served.
    expect(env.FAULT_INJECTION).toBe('1');
  });

  it('needs the operator secret and a sane duration', async () => {
    expect(
      (await exports.default.fetch(new Request(`${base}/v1/tracker/out1/outage`, { method: 'POST' }))).status,
    ).toBe(401);
    const bad = await exports.default.fetch(
      new Request(`${base}/v1/tracker/out1/outage?seconds=-1`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${env.PUBLISH_SECRET}` },
      }),
    );
    expect(bad.status).toBe(400);
  });

  it('closes connected peers and refuses new ones until it is over', async () => {
    const before = await upgrade('out2');
    expect(before.status).toBe(101);
    const socket = before.webSocket as WebSocket;
    socket.accept();
    const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
    const response = await exports.default.fetch(
      new Request(`${base}/v1/tracker/out2/outage?seconds=1`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${env.PUBLISH_SECRET}` },
      }),
    );
    expect(await response.json()).toEqual({ stream: 'out2', seconds: 1, socketsDropped: 1 });
    expect(await closed).toBe(1012);
    expect((await upgrade('out2')).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await upgrade('out2');
    expect(after.status).toBe(101);
    after.webSocket?.accept();
    after.webSocket?.close(1000, 'done');
  });
});
