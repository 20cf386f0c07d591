import { describe, expect, it } from 'vitest';
import { UploadQueue, type UploadQueueClock } from './upload-queue';

/** A clock whose timers run only when the test advances it. */
function fakeClock(): UploadQueueClock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let timers: { at: number; run: () => void; handle: number }[] = [];
  let next = 1;
  return {
    setTimeout(run, ms) {
      const handle = next++;
      timers.push({ at: now + ms, run, handle });
      return handle;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.handle !== handle);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.run();
      }
      now = until;
    },
    pending: () => timers.length,
  };
}

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('UploadQueue: one upload at a time, in the order accepted', () => {
  const a = { peer: 'a' };
  const b = { peer: 'b' };
  const c = { peer: 'c' };

  it('gives the first its turn at once and the rest theirs in order, each once the buffers are at low water', async () => {
    const clock = fakeClock();
    let buffered = 0;
    const queue = new UploadQueue(() => buffered, 32_000, clock, 10);
    const order: string[] = [];
    const track = (name: string, turn: Promise<boolean>) => turn.then((go) => order.push(`${name}:${go}`));

    track('a', queue.turn(a, 1, 68_000));
    track('b', queue.turn(b, 2, 68_000));
    track('c', queue.turn(c, 3, 50_000));
    await settle();
    expect(order).toEqual(['a:true']);
    expect(queue.waitingBytes).toBe(118_000);
    expect(queue.length).toBe(2);

    // a is written; 60 kB of it still waits in its data channel: b waits, and the buffers are read every 10 ms.
    buffered = 60_000;
    queue.written();
    await settle();
    expect(order).toEqual(['a:true']);
    clock.advance(30);
    await settle();
    expect(order).toEqual(['a:true']);
    // Down to low water (not empty: the link does not idle between the two): b's turn.
    buffered = 32_000;
    clock.advance(10);
    await settle();
    expect(order).toEqual(['a:true', 'b:true']);
    expect(queue.waitingBytes).toBe(50_000);
    expect(clock.pending()).toBe(0);

    // b written and already drained: c's turn at once, with no timer.
    buffered = 0;
    queue.written();
    await settle();
    expect(order).toEqual(['a:true', 'b:true', 'c:true']);
    expect(clock.pending()).toBe(0);

    // c written, nothing waits: the next upload has its turn at once.
    queue.written();
    const now = await queue.turn(a, 4, 1000);
    expect(now).toBe(true);
  });

  it('drops a waiting upload its requester cancelled or replaced, and names its request for the cancel', async () => {
    const queue = new UploadQueue(() => 0, 32_000, fakeClock(), 10);
    expect(await queue.turn(a, 1, 68_000)).toBe(true);
    const bTurn = queue.turn(b, 7, 68_000);
    expect(queue.waitingRequestId(b)).toBe(7);
    expect(queue.waitingRequestId(c)).toBeUndefined();
    // b asks for another segment before its turn: the first request gives way to the second.
    const bAgain = queue.turn(b, 8, 40_000);
    expect(await bTurn).toBe(false);
    expect(queue.waitingRequestId(b)).toBe(8);
    expect(queue.waitingBytes).toBe(40_000);
    // …and cancels that one too.
    expect(queue.drop(b)).toBe(true);
    expect(await bAgain).toBe(false);
    expect(queue.drop(b)).toBe(false);
    expect(queue.length).toBe(0);
    // Nothing waits when a is written: the next upload goes at once.
    queue.written();
    expect(await queue.turn(c, 9, 1000)).toBe(true);
  });

  it('closes: every waiting upload dropped, no timer left, and no turn after', async () => {
    const clock = fakeClock();
    const queue = new UploadQueue(() => 100_000, 32_000, clock, 10);
    expect(await queue.turn(a, 1, 68_000)).toBe(true);
    const waiting = queue.turn(b, 2, 68_000);
    queue.written();
    expect(clock.pending()).toBe(1);
    queue.close();
    expect(await waiting).toBe(false);
    expect(clock.pending()).toBe(0);
    expect(await queue.turn(c, 3, 1000)).toBe(false);
    queue.written();
    expect(clock.pending()).toBe(0);
  });
});
