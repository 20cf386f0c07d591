/** The StreamStats object on real workerd: what it writes to SQLite, and that a restart keeps it. */
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { type Beacon, zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';

let counter = 0;
const newId = () => `sdo${Date.now().toString(36)}${counter++}`;
const stub = (stream: string) => env.STATS.get(env.STATS.idFromName(stream));

function beacon(stream: string, overrides: Partial<Beacon> = {}): Beacon {
  return {
    v: 1,
    stream,
    viewer: 'viewer-do-1234',
    seq: 0,
    mode: 'hybrid',
    intervalMs: 5000,
    ...zeroCounters(),
    httpBytes: 1000,
    p2pBytes: 3000,
    httpSegments: 1,
    p2pSegments: 1,
    peers: 2,
    bufferSeconds: 3,
    ...overrides,
  };
}

const tableNames = (stream: string) =>
  runInDurableObject(stub(stream), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .toArray()
      .map((row) => row.name),
  );

describe('StreamStats', () => {
  it('creates no tables for a stream whose stats are only read', async () => {
    const id = newId();
    expect((await stub(id).snapshot(id)).startedAt).toBeNull();
    expect(await tableNames(id)).not.toContain('totals');
  });

  it('writes buckets, totals and the viewer row through to SQLite', async () => {
    const id = newId();
    expect(await stub(id).ingest(beacon(id))).toEqual({ ok: true });
    await stub(id).recordServed({ bytes: 1000, requests: 1, fromMs: Date.now() - 1000, toMs: Date.now() });
    await stub(id).reject('not_json');
    const rows = await runInDurableObject(stub(id), (_instance, state) => {
      const sql = state.storage.sql;
      return {
        totals: JSON.parse(sql.exec<{ json: string }>('SELECT json FROM totals').one().json),
        buckets: sql.exec('SELECT start FROM buckets').toArray().length,
        viewers: sql.exec<{ id: string }>('SELECT id FROM viewers').toArray(),
      };
    });
    expect(rows.totals).toMatchObject({
      httpBytes: 1000,
      p2pBytes: 3000,
      servedBytes: 1000,
      beacons: 1,
      rejected: { not_json: 1 },
    });
    expect(rows.buckets).toBeGreaterThanOrEqual(1);
    expect(rows.viewers).toEqual([{ id: 'viewer-do-1234' }]);
  });

  it('keeps totals, buckets and each viewer’s last seq across a restart', async () => {
    const id = newId();
    await stub(id).ingest(beacon(id, { seq: 4 }));
    const before = await stub(id).snapshot(id);
    await abortAllDurableObjects();
    const after = await stub(id).snapshot(id);
    expect(after.totals).toEqual(before.totals);
    expect(after.series.httpBytesPerSecond).toEqual(before.series.httpBytesPerSecond);
    // The viewer's seq survived: 4 again is still a duplicate.
    expect(await stub(id).ingest(beacon(id, { seq: 4 }))).toMatchObject({ ok: false, reason: 'duplicate' });
    expect(await stub(id).ingest(beacon(id, { seq: 5 }))).toEqual({ ok: true });
  });
});
