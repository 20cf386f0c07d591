/** The uplink probe on real workerd: counted and dropped, bounded, and a clear 4xx for what it cannot take. */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { uplinkProbeLimits } from './meta';

const url = 'https://edge.test/v1/probe/uplink';

describe('POST /v1/probe/uplink', () => {
  it('counts the body and stores nothing', async () => {
    const body = new Uint8Array(256 * 1024).fill(7);
    const response = await exports.default.fetch(new Request(url, { method: 'POST', body }));
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toEqual({ bytes: body.byteLength });
  });

  it('refuses a body over the limit before reading it, with a JSON reason', async () => {
    const body = new Uint8Array(uplinkProbeLimits.maxBytes + 1);
    const response = await exports.default.fetch(new Request(url, { method: 'POST', body }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('refuses a probe without a declared length', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
        controller.close();
      },
    });
    const response = await exports.default.fetch(
      new Request(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'bad_request',
      reason: expect.stringMatching(/Content-Length/),
    });
  });

  it('is POST only', async () => {
    const response = await exports.default.fetch(new Request(url));
    expect(response.status).toBe(404);
  });
});
