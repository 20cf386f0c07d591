import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeUnavailableError, PreflightError } from './errors';
import {
  explainListing,
  formatBytes,
  formatStreams,
  type ListedStream,
  listStreams,
  parseStreamsArgs,
  streamsCommandDefaults,
} from './streams-command';

describe('parseStreamsArgs', () => {
  it('takes the edge and secret from options, then the environment, then .dev.vars', () => {
    expect(parseStreamsArgs(['--edge', 'http://e:1/', '--secret', 's'], {}, undefined)).toEqual({
      ok: true,
      value: { edge: 'http://e:1', secret: 's', json: false },
    });
    expect(parseStreamsArgs(['--json'], { EDGE_URL: 'https://x', PUBLISH_SECRET: 'env' }, 'dev')).toEqual({
      ok: true,
      value: { edge: 'https://x', secret: 'env', json: true },
    });
    expect(parseStreamsArgs([], {}, 'dev')).toEqual({
      ok: true,
      value: { edge: streamsCommandDefaults.edge, secret: 'dev', json: false },
    });
    expect(parseStreamsArgs(['-h'], {}, undefined)).toEqual({ ok: true, help: true });
    expect(parseStreamsArgs(['--bogus', '--help'], {}, undefined)).toEqual({ ok: true, help: true });
  });

  it('fails clearly without a secret, with a typo, a stray argument or a bad edge', () => {
    expect(parseStreamsArgs([], {}, undefined)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('--secret'),
    });
    expect(parseStreamsArgs(['--secet', 'x'], {}, 'dev')).toEqual({
      ok: false,
      reason: 'unknown option --secet; did you mean --secret?',
    });
    expect(parseStreamsArgs(['list'], {}, 'dev')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"list"'),
    });
    expect(parseStreamsArgs(['--edge', 'ftp://x'], {}, 'dev')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('--edge'),
    });
  });
});

describe('explainListing', () => {
  const edge = 'http://127.0.0.1:9';
  it.each([
    [
      { unreachable: 'ECONNREFUSED' },
      EdgeUnavailableError,
      /cannot reach the edge .*ECONNREFUSED.*--edge \(or EDGE_URL\)/,
    ],
    [{ status: 401, reason: 'no' }, PreflightError, /refused the operator secret: 401 no; pass .*--secret/],
    [{ status: 403, reason: 'no' }, PreflightError, /refused the operator secret: 403/],
    [{ status: 404, reason: '' }, PreflightError, /not an edgeswarm edge/],
    [{ status: 503, reason: 'closed' }, EdgeUnavailableError, /no operator secret configured: closed/],
    [{ status: 500, reason: 'boom' }, EdgeUnavailableError, /could not list streams: 500 boom/],
  ])('%j', (answer, type, message) => {
    const error = explainListing(edge, answer);
    expect(error).toBeInstanceOf(type);
    expect(error?.message).toMatch(message);
  });
  it('lets a 200 through', () => expect(explainListing(edge, { status: 200, reason: '' })).toBeUndefined());
});

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [20 * 1024 * 1024, '20 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
  ])('%i bytes → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it('lines streams up in columns, with totals', () => {
    const streams: ListedStream[] = [
      {
        id: 'live',
        state: 'live',
        createdAt: '2026-12-01T05:00:00.000Z',
        viewers: 12,
        objects: 120,
        bytes: 30 * 1024 * 1024,
      },
      { id: 'demo', state: 'vod', viewers: 0, objects: 40, bytes: 2048, sizeIsLowerBound: true },
    ];
    expect(formatStreams(streams)).toBe(
      [
        'STREAM  STATE  VIEWERS       SIZE  OBJECTS  CREATED',
        'live    live        12     30 MiB      120  2026-12-01T05:00:00.000Z',
        'demo    vod          0  ≥ 2.0 KiB       40  -',
        '2 streams, 12 viewers, 30 MiB',
      ].join('\n'),
    );
    expect(formatStreams([])).toBe('no streams');
  });
});

describe('listStreams against a loopback server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('follows the cursor across pages, sending the secret', async () => {
    const seen: string[] = [];
    const edge = await serve((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      const second = req.url?.includes('cursor=');
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify(
          second
            ? { streams: [{ id: 'b', state: 'vod', viewers: 0, objects: 1, bytes: 1 }] }
            : { streams: [{ id: 'a', state: 'live', viewers: 2, objects: 3, bytes: 4 }], cursor: 'c/1' },
        ),
      );
    });
    const streams = await listStreams({ edge, secret: 's3cret' });
    expect(streams.map((s) => s.id)).toEqual(['a', 'b']);
    expect(seen).toEqual(['/v1/streams Bearer s3cret', '/v1/streams?cursor=c%2F1 Bearer s3cret']);
  });

  it('fails with the edge reason and a hint on a wrong secret', async () => {
    const edge = await serve((_, res) => {
      res.statusCode = 403;
      res.end(JSON.stringify({ error: 'forbidden', reason: 'this needs the operator secret (PUBLISH_SECRET)' }));
    });
    await expect(listStreams({ edge, secret: 'wrong' })).rejects.toThrow(
      /refused the operator secret: 403 this needs the operator secret \(PUBLISH_SECRET\); pass/,
    );
  });

  it('fails fast on an edge that does not answer, and on one that is not ours', async () => {
    const silent = await serve(() => {});
    const started = Date.now();
    await expect(
      listStreams({ edge: silent, secret: 's' }, { ...streamsCommandDefaults, checkTimeoutMs: 300 }),
    ).rejects.toThrow(/cannot reach the edge .*no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const other = await serve((_, res) => res.end('<html>hello</html>'));
    await expect(listStreams({ edge: other, secret: 's' })).rejects.toThrow(/without a stream list/);
  });

  it('fails at once on a closed port', async () => {
    const edge = await serve(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    await expect(listStreams({ edge, secret: 's' })).rejects.toThrow(/cannot reach the edge .*ECONNREFUSED/);
  });
});
