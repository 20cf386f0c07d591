/**
 * A FIFO of publishing work on disk, so nothing is lost while the edge is
 * unreachable or when the publisher itself is restarted. Each item is a
 * payload file plus a JSON descriptor; the descriptor is renamed into place
 * last, so a crash mid-write leaves no half item behind.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SegmentCommit } from '@edgeswarm/protocol';

export interface QueueItem {
  /** Upload these bytes under this object name first (idempotent on the edge). */
  put?: { name: string };
  /** Or send these bytes as an LL-HLS part (kept by the coordinator, never stored in R2). */
  part?: { name: string; duration: number; independent: boolean };
  /** Then commit this segment to the live coordinator. */
  commit?: SegmentCommit;
  /** Then end the stream. */
  end?: true;
}

export interface QueuedItem extends QueueItem {
  seq: number;
  /** Bytes of the `put`, read from disk on demand. */
  bytes(): Uint8Array;
}

const pad = (seq: number) => String(seq).padStart(12, '0');

export class DiskQueue {
  private next: number;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const seqs = this.seqs();
    this.next = (seqs.at(-1) ?? 0) + 1;
    // Payloads whose descriptor never landed are leftovers of a crash.
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.bin') && !seqs.includes(Number(file.slice(0, 12)))) rmSync(join(dir, file), { force: true });
      if (file.endsWith('.tmp')) rmSync(join(dir, file), { force: true });
    }
  }

  private seqs(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d{12}\.json$/.test(f))
      .map((f) => Number(f.slice(0, 12)))
      .sort((a, b) => a - b);
  }

  enqueue(item: QueueItem, bytes?: Uint8Array): number {
    const seq = this.next++;
    if (bytes) writeFileSync(join(this.dir, `${pad(seq)}.bin`), bytes);
    const tmp = join(this.dir, `${pad(seq)}.json.tmp`);
    writeFileSync(tmp, JSON.stringify(item));
    renameSync(tmp, join(this.dir, `${pad(seq)}.json`));
    return seq;
  }

  peek(): QueuedItem | undefined {
    const seq = this.seqs()[0];
    if (seq === undefined) return undefined;
    const item = JSON.parse(readFileSync(join(this.dir, `${pad(seq)}.json`), 'utf8')) as QueueItem;
    return { ...item, seq, bytes: () => readFileSync(join(this.dir, `${pad(seq)}.bin`)) };
  }

  remove(seq: number): void {
    rmSync(join(this.dir, `${pad(seq)}.json`), { force: true });
    rmSync(join(this.dir, `${pad(seq)}.bin`), { force: true });
  }

  get depth(): number {
    return this.seqs().length;
  }
}
