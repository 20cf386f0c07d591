/**
 * The simulator's event queue: a 4-ary min-heap over (time, insertion order)
 * in typed arrays, so a few hundred thousand pending events cost a few
 * megabytes and no garbage. Ties in time pop in insertion order, which keeps
 * runs deterministic.
 *
 * The heap holds only each event's time, order and a payload slot; the payload
 * (a kind and three integers) stays put in a pool, so a sift moves three
 * numbers per level instead of six, and four children per node halve the
 * depth. Events are never removed; a handler that may be superseded carries a
 * generation number and is ignored when it no longer matches (lazy deletion).
 */
export class EventQueue {
  private time: Float64Array;
  private order: Float64Array;
  private slot: Int32Array;
  private kind: Uint8Array;
  private a: Int32Array;
  private b: Int32Array;
  private c: Int32Array;
  private free: Int32Array;
  private freeTop = 0;
  private count = 0;
  private inserted = 0;
  /** Largest number of events pending at once: the queue's share of peak memory. */
  peak = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.slot = new Int32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.c = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
    // Every payload slot starts free.
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  get size(): number {
    return this.count;
  }

  push(time: number, kind: number, a: number, b = 0, c = 0): void {
    if (this.count === this.time.length) this.grow();
    const p = this.free[--this.freeTop] as number;
    this.kind[p] = kind;
    this.a[p] = a;
    this.b[p] = b;
    this.c[p] = c;
    const order = this.inserted++;
    let i = this.count++;
    if (this.count > this.peak) this.peak = this.count;
    // Sift up: move parents down until the new event fits.
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = this.time[parent] as number;
      if (pt < time || (pt === time && (this.order[parent] as number) < order)) break;
      this.time[i] = pt;
      this.order[i] = this.order[parent] as number;
      this.slot[i] = this.slot[parent] as number;
      i = parent;
    }
    this.time[i] = time;
    this.order[i] = order;
    this.slot[i] = p;
  }

  /** Time of the next event (Infinity when empty). */
  peekTime(): number {
    return this.count > 0 ? (this.time[0] as number) : Number.POSITIVE_INFINITY;
  }

  /** Pops the next event into `out` and returns false when the queue is empty. */
  pop(out: PoppedEvent): boolean {
    if (this.count === 0) return false;
    const p = this.slot[0] as number;
    out.time = this.time[0] as number;
    out.kind = this.kind[p] as number;
    out.a = this.a[p] as number;
    out.b = this.b[p] as number;
    out.c = this.c[p] as number;
    this.free[this.freeTop++] = p;
    const last = --this.count;
    if (last === 0) return true;
    const time = this.time[last] as number;
    const order = this.order[last] as number;
    const slot = this.slot[last] as number;
    // Sift down the last event from the root, choosing the earliest of up to four children.
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= last) break;
      let best = first;
      let bt = this.time[first] as number;
      let bo = this.order[first] as number;
      const end = Math.min(first + 4, last);
      for (let ch = first + 1; ch < end; ch++) {
        const ct = this.time[ch] as number;
        if (ct < bt || (ct === bt && (this.order[ch] as number) < bo)) {
          best = ch;
          bt = ct;
          bo = this.order[ch] as number;
        }
      }
      if (time < bt || (time === bt && order < bo)) break;
      this.time[i] = bt;
      this.order[i] = bo;
      this.slot[i] = this.slot[best] as number;
      i = best;
    }
    this.time[i] = time;
    this.order[i] = order;
    this.slot[i] = slot;
    return true;
  }

  private grow(): void {
    const old = this.time.length;
    const size = old * 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(a);
      return next;
    };
    this.time = grow(this.time, (n) => new Float64Array(n));
    this.order = grow(this.order, (n) => new Float64Array(n));
    this.slot = grow(this.slot, (n) => new Int32Array(n));
    this.kind = grow(this.kind, (n) => new Uint8Array(n));
    this.a = grow(this.a, (n) => new Int32Array(n));
    this.b = grow(this.b, (n) => new Int32Array(n));
    this.c = grow(this.c, (n) => new Int32Array(n));
    // The queue is full when it grows, so no slot is free: the new ones are.
    const free = new Int32Array(size);
    for (let i = 0; i < size - old; i++) free[i] = size - 1 - i;
    this.free = free;
    this.freeTop = size - old;
  }
}

export interface PoppedEvent {
  time: number;
  kind: number;
  a: number;
  b: number;
  c: number;
}
