/**
 * The tracker's per address bound on real workerd (limits.ts, trackerAddressDefaults): a flood that opens more
 * sockets than one address may hold is refused, every socket it held is closed, and another address's peer never
 * hears of it.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { trackerAddressDefaults } from './limits';
import { id, newStream, realSwarms } from './test-peers';

const upgrade = (stream: string, address: string) =>
  exports.default.fetch(
    new Request(`https://edge.test/v1/tracker/${stream}`, {
      headers: { Upgrade: 'websocket', 'CF-Connecting-IP': address },
    }),
  );

async function open(stream: string, address: string) {
  const response = await upgrade(stream, address);
  expect(response.status).toBe(101);
  const ws = response.webSocket as WebSocket;
  ws.accept();
  const messages: Record<string, unknown>[] = [];
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(String(e.data)));
  });
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
  return { ws, messages, closed };
}

describe('tracker sockets per client address', () => {
  it('refuses an address over its bound, closes what it held, and keeps it away from other peers', async () => {
    const stream = newStream();
    const [infoHash] = (await realSwarms(stream)) as [string];
    const viewer = await open(stream, '203.0.113.9');
    const flood: Awaited<ReturnType<typeof open>>[] = [];
    for (let i = 0; i < trackerAddressDefaults.maxSocketsPerAddress; i++)
      flood.push(await open(stream, '198.51.100.7'));
    const over = await upgrade(stream, '198.51.100.7');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('Retry-After'))).toBe(trackerAddressDefaults.penaltyMs / 1000);
    expect(await over.json()).toMatchObject({ error: 'too_many_requests' });
    expect(new Set(await Promise.all(flood.map((f) => f.closed)))).toEqual(new Set([4029]));
    // Still refused while penalised, whatever it tries.
    expect((await upgrade(stream, '198.51.100.7')).status).toBe(429);
    // The other address's viewer announces into an empty swarm: no flood peer is there to be offered.
    viewer.ws.send(
      JSON.stringify({
        action: 'announce',
        info_hash: infoHash,
        peer_id: id('viewer'),
        numwant: 5,
        offers: [{ offer_id: id('o1'), offer: { type: 'offer', sdp: 'v=0' } }],
      }),
    );
    await expect.poll(() => viewer.messages.find((m) => 'interval' in m)).toMatchObject({ incomplete: 1 });
    expect(viewer.messages.some((m) => 'offer' in m || 'answer' in m)).toBe(false);
    expect((await upgrade(stream, '203.0.113.9')).status).toBe(101);
  });

  it('does not bound loopback or an unknown address (the local harnesses)', async () => {
    const stream = newStream();
    await realSwarms(stream);
    for (let i = 0; i <= trackerAddressDefaults.maxSocketsPerAddress; i++) {
      expect((await upgrade(stream, '127.0.0.1')).status).toBe(101);
    }
  });
});
