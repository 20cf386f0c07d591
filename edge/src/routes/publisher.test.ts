/** The publisher check on real workerd: who may publish, and that asking changes nothing. */
import { env, exports } from 'cloudflare:workers';
import { derivePublishKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';

const secret = 'test-publish-secret';

function check(stream: string, key?: string) {
  return exports.default.fetch(
    new Request(`https://edge.test/v1/streams/${stream}/publisher`, {
      headers: key === undefined ? {} : { Authorization: `Bearer ${key}` },
    }),
  );
}

describe('GET /v1/streams/:stream/publisher', () => {
  it("answers 200 for the stream's own key, and for the operator secret", async () => {
    const own = await check('checked', await derivePublishKey(secret, 'checked'));
    expect(own.status).toBe(200);
    expect(own.headers.get('Cache-Control')).toBe('no-store');
    expect(await own.json()).toEqual({ ok: true, stream: 'checked', role: 'publisher', published: false });
    expect(await (await check('checked', secret)).json()).toMatchObject({ role: 'operator' });
  });

  it('refuses a missing key with 401 and a wrong one (or another stream key) with 403, with a reason', async () => {
    const missing = await check('checked');
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { reason: string }).reason).toMatch(/publish key is required/);
    const wrong = await check('checked', 'not-the-key');
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { reason: string }).reason).toMatch(/not valid for stream checked/);
    expect((await check('checked', await derivePublishKey(secret, 'other'))).status).toBe(403);
  });

  it('refuses a bad stream id with 400, and writes nothing', async () => {
    expect((await check('Bad%20Id', secret)).status).toBe(400);
    await check('untouched', await derivePublishKey(secret, 'untouched'));
    expect((await env.MEDIA.list({ prefix: 'streams/untouched/' })).objects).toEqual([]);
  });
});
