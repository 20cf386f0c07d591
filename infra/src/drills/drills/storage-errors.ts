/**
 * Storage fails writes: a quarter of the segment PUTs answer 503 (every fourth,
 * so each rendition in turn), half of those
 * after the bytes were stored (the answer lost, so the retry meets an object
 * that is already there). The publisher must retry each, say so, and the
 * stream must come out whole: nothing lost, every segment once, in order,
 * with its hash. Injected by the drill's proxy in front of the edge, never
 * by anything a production request can reach.
 */
import { join } from 'node:path';
import { startIngestProxy } from '../ingest-proxy';
import { drillSecret, killPublisher, publisherNotes, spawnPublisher, startDrillEdge } from '../stack';
import { checkStream, createKeepingStream } from '../stream-check';
import type { Drill } from '../types';
import { outOfOrder } from './edge-outage';

export const storageErrors: Drill = {
  name: 'storage-errors',
  title: 'storage errors injected on write (5xx)',
  holds: "retried; nothing lost; the publisher's status line says so",
  browserless: true,
  sampleSeconds: [2, 5],
  timeoutSeconds: [150, 300],
  async run(ctx) {
    const stream = 'drill-storage';
    const mediaSeconds = ctx.quick ? 16 : 60;
    const edge = await startDrillEdge(ctx.work);
    const proxy = await startIngestProxy(edge.url);
    let publisher: ReturnType<typeof spawnPublisher> | undefined;
    try {
      await createKeepingStream(edge.url, drillSecret, stream);
      let after = false;
      // Every fourth segment PUT fails (with three renditions, each in turn), before or after the bucket stored it.
      const timer = setInterval(() => {
        after = !after;
        proxy.failWrites({ every: 1 / 4, after });
      }, 1500);
      proxy.failWrites({ every: 1 / 4, after });
      publisher = spawnPublisher({
        stream,
        edgeUrl: proxy.url,
        queueDir: join(ctx.work, 'queue'),
        durationSeconds: mediaSeconds,
      });
      const done = await publisher.done;
      clearInterval(timer);
      ctx.check(
        'publisher exits 0',
        done.code === 0,
        `exit ${done.code}; ${publisherNotes(done.stderr, 3).join(' | ')}`,
      );
      const said = /^edge: .*503.*retrying.*$/m.exec(done.stderr)?.[0];
      ctx.check('the publisher says it is retrying, and why', said !== undefined, said ?? 'nothing said about a 503');
      ctx.figure('writes failed', proxy.counts.injected);
      ctx.check('errors were injected', proxy.counts.injected > 0, `${proxy.counts.injected} PUTs answered 503`);
      const check = await checkStream(edge.url, stream);
      const perRendition = check.renditions ? check.segments / check.renditions : 0;
      const expected = Math.floor(mediaSeconds / 2) - 1;
      const wrong = outOfOrder(proxy.counts.appendedOrder);
      ctx.figure('segments', check.segments);
      ctx.check(
        'each segment once, in order, with its hash',
        check.problems.length === 0,
        check.problems.slice(0, 5).join('; ') || `${check.segments} segments, ${check.renditions} renditions`,
      );
      ctx.check(
        'nothing lost',
        check.state === 'ended' && perRendition >= expected,
        `${perRendition} segments per rendition for ${mediaSeconds} s of media (at least ${expected}); state ${check.state}`,
      );
      ctx.check('appended in order', wrong.length === 0, `${wrong.length} out of order`);
    } finally {
      if (publisher && publisher.output().code === null) killPublisher(publisher);
      await proxy.close();
      await edge.stop();
    }
  },
};
