import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SegmentCommit } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { EdgeRejectedError, EdgeUnavailableError } from '../errors';
import { DiskQueue } from './queue';
import { Uploader } from './uploader';

const fast = { retries: Number.POSITIVE_INFINITY, baseMs: 1, maxMs: 2 };
const commit = (msn: number) => ({ rendition: 'v0', msn }) as SegmentCommit;

function flakyClient(failures: number) {
  const log: string[] = [];
  let calls = 0;
  const maybeFail = (what: string) => {
    calls++;
    if (calls <= failures) throw new EdgeUnavailableError(`edge down (${what})`);
    log.push(what);
  };
  return {
    log,
    client: {
      putObject: async (name: string, bytes: Uint8Array) => {
        maybeFail(`put ${name} ${Buffer.from(bytes).toString()}`);
        return { outcome: 'created' as const, sha256: '', size: bytes.length };
      },
      commit: async (c: SegmentCommit) => {
        maybeFail(`commit ${c.msn}`);
        return { outcome: 'appended' as const };
      },
      end: async () => {
        maybeFail('end');
        return { stream: {} as never };
      },
    },
  };
}

const newQueue = () => new DiskQueue(mkdtempSync(join(tmpdir(), 'edgeswarm-queue-')));

describe('DiskQueue', () => {
  it('is first-in first-out and survives being reopened', () => {
    const queue = newQueue();
    queue.enqueue({ put: { name: 'a' } }, new TextEncoder().encode('A'));
    queue.enqueue({ commit: commit(0) });
    const reopened = new DiskQueue(queue.dir);
    expect(reopened.depth).toBe(2);
    const first = reopened.peek();
    expect(first?.put?.name).toBe('a');
    expect(Buffer.from(first?.bytes() ?? []).toString()).toBe('A');
    reopened.remove(first?.seq ?? 0);
    expect(reopened.peek()?.commit?.msn).toBe(0);
    expect(reopened.enqueue({ end: true })).toBe(3);
  });

  it('drops payloads whose descriptor never landed', () => {
    const queue = newQueue();
    writeFileSync(join(queue.dir, '000000000009.bin'), 'orphan');
    writeFileSync(join(queue.dir, '000000000010.json.tmp'), '{');
    const reopened = new DiskQueue(queue.dir);
    expect(reopened.depth).toBe(0);
    expect(readdirSync(queue.dir)).toEqual([]);
  });
});

describe('Uploader', () => {
  it('delivers every item in order, exactly once, through an outage', async () => {
    const queue = newQueue();
    for (let msn = 0; msn < 5; msn++) {
      queue.enqueue({ put: { name: `seg-${msn}` }, commit: commit(msn) }, new TextEncoder().encode(`bytes${msn}`));
    }
    queue.enqueue({ end: true });
    const { client, log } = flakyClient(7);
    const retries: number[] = [];
    await new Uploader(queue, client, { onRetry: (_item, attempt) => retries.push(attempt) }, fast).run(true);
    expect(log).toEqual([
      'put seg-0 bytes0',
      'commit 0',
      'put seg-1 bytes1',
      'commit 1',
      'put seg-2 bytes2',
      'commit 2',
      'put seg-3 bytes3',
      'commit 3',
      'put seg-4 bytes4',
      'commit 4',
      'end',
    ]);
    expect(retries).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(queue.depth).toBe(0);
  });

  it('reports and drops an item the edge refuses, then carries on', async () => {
    const queue = newQueue();
    queue.enqueue({ commit: commit(0) });
    queue.enqueue({ commit: commit(1) });
    const seen: number[] = [];
    const rejected: string[] = [];
    const client = {
      putObject: async () => ({ outcome: 'created' as const, sha256: '', size: 0 }),
      commit: async (c: SegmentCommit) => {
        if (c.msn === 0) throw new EdgeRejectedError(409, 'gap', 'commit v0#0');
        seen.push(c.msn);
        return { outcome: 'appended' as const };
      },
      end: async () => ({ stream: {} as never }),
    };
    await new Uploader(queue, client, { onRejected: (_i, e) => rejected.push(e.message) }, fast).run(true);
    expect(rejected).toEqual(['edge refused commit v0#0: 409 gap']);
    expect(seen).toEqual([1]);
  });

  it('passes on the warning of a commit the edge accepted with one, and delivers on', async () => {
    const queue = newQueue();
    queue.enqueue({ commit: commit(0) });
    queue.enqueue({ commit: commit(1) });
    const warnings: string[] = [];
    const done: number[] = [];
    const client = {
      putObject: async () => ({ outcome: 'created' as const, sha256: '', size: 0 }),
      commit: async (c: SegmentCommit) =>
        c.msn === 0 ? { outcome: 'appended' as const, warning: 'not its parts' } : { outcome: 'appended' as const },
      end: async () => ({ stream: {} as never }),
    };
    await new Uploader(
      queue,
      client,
      {
        onWarning: (item, w) => warnings.push(`${item.commit?.msn}: ${w}`),
        onDone: (item) => done.push(item.commit?.msn ?? -1),
      },
      fast,
    ).run(true);
    expect(warnings).toEqual(['0: not its parts']);
    expect(done).toEqual([0, 1]);
  });
});
