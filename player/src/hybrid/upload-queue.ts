/**
 * Uploads one at a time (policy sequentialUploads): each accepted upload waits its turn, in the order accepted, and
 * is written into its data channel only when the one before it has nearly left the machine. So it goes out at the
 * whole uplink instead of a slice of it: the first requester has its segment soonest, and none of them finishes late
 * because all of them were being sent at once. p2p-media-loader writes every accepted upload at once (its connections
 * then share the link); p2p-shim.ts gateUploads holds each one back through this queue.
 *
 * Plain data and an injected clock; the buffers it waits on are read through `buffered` (uploadQueuedBytes).
 */

export const uploadQueueDefaults = {
  /** While the upload before it drains, the data channels' buffers are read this often, ms. */
  pollMs: 10,
};

export interface UploadQueueClock {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const windowClock: UploadQueueClock = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Waiting {
  /** Who the upload is for (its peer); one waiting upload each. */
  peer: object;
  requestId: number;
  bytes: number;
  go(turn: boolean): void;
}

export class UploadQueue {
  private readonly waiting: Waiting[] = [];
  /** An upload has its turn: it is being written, or what it wrote is draining. */
  private sending = false;
  private poll: unknown;
  private closed = false;

  /**
   * @param buffered bytes written for peers that have not left the machine yet (every connection's buffers)
   * @param lowWaterBytes the next upload starts once no more than this waits in them: enough that the link does not
   *   idle between two uploads, and at least the tick's uplinkFullBytes, so a queue that never ran dry is not read as
   *   one that drained
   */
  constructor(
    private readonly buffered: () => number,
    private readonly lowWaterBytes: number,
    private readonly clock: UploadQueueClock = windowClock,
    private readonly pollMs = uploadQueueDefaults.pollMs,
  ) {}

  /** Bytes accepted that wait for their turn (not written yet, so not in `buffered`). */
  get waitingBytes(): number {
    let bytes = 0;
    for (const w of this.waiting) bytes += w.bytes;
    return bytes;
  }

  /** Uploads waiting for their turn. */
  get length(): number {
    return this.waiting.length;
  }

  /**
   * Resolves true when this upload may be written (call `written` once it is), false if it was dropped before its
   * turn: its requester cancelled it or asked for another segment (`drop`), or the queue closed.
   */
  turn(peer: object, requestId: number, bytes: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!this.sending && this.waiting.length === 0) {
      this.sending = true;
      return Promise.resolve(true);
    }
    this.drop(peer);
    return new Promise((go) => this.waiting.push({ peer, requestId, bytes, go }));
  }

  /** The upload whose turn it was is written (or gave up): the next goes once the buffers are down to low water. */
  written(): void {
    if (this.closed) return;
    this.clock.clearTimeout(this.poll);
    const check = () => {
      this.poll = undefined;
      if (this.closed) return;
      if (this.buffered() > this.lowWaterBytes) {
        this.poll = this.clock.setTimeout(check, this.pollMs);
        return;
      }
      const next = this.waiting.shift();
      this.sending = next !== undefined;
      next?.go(true);
    };
    check();
  }

  /** The request id of the upload waiting for this peer, if one is (p2p-media-loader's cancel names it). */
  waitingRequestId(peer: object): number | undefined {
    return this.waiting.find((w) => w.peer === peer)?.requestId;
  }

  /** Drops the upload waiting for this peer, if one is: its turn resolves false. */
  drop(peer: object): boolean {
    const at = this.waiting.findIndex((w) => w.peer === peer);
    if (at < 0) return false;
    const [dropped] = this.waiting.splice(at, 1);
    dropped?.go(false);
    return true;
  }

  /** Drops every waiting upload and stops looking at the buffers (the player is destroyed). */
  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.poll);
    for (const w of this.waiting.splice(0)) w.go(false);
  }
}
