/**
 * A link of fixed capacity shared equally by every transfer on it (processor
 * sharing), for the edge when it has a capacity. It is kept in virtual time:
 * V grows at capacity ÷ active transfers, and a transfer that joined at V0
 * with b bytes is done when V reaches V0 + b. So joining, leaving and finding
 * the next one to finish cost O(log n), whatever the number of transfers, and
 * a cancelled transfer stops taking capacity at once.
 */
export class SharedLink {
  private virtual = 0;
  private at = 0;
  private active = 0;
  private readonly member = new Map<number, number>();
  // Binary heap of (virtual finish, id, stamp); entries whose stamp no longer matches were removed (lazy deletion).
  private keys = new Float64Array(256);
  private ids = new Int32Array(256);
  private stamps = new Int32Array(256);
  private size = 0;
  private stamp = 0;

  constructor(readonly bytesPerSecond: number) {}

  get transfers(): number {
    return this.active;
  }

  private advance(t: number): void {
    if (this.active > 0 && t > this.at) this.virtual += ((t - this.at) * this.bytesPerSecond) / this.active;
    this.at = Math.max(this.at, t);
  }

  add(id: number, bytes: number, t: number): void {
    this.advance(t);
    const stamp = ++this.stamp;
    this.member.set(id, stamp);
    this.active++;
    this.push(this.virtual + bytes, id, stamp);
  }

  /** Takes a transfer off the link (cancelled, or finished early); false when it was not on it. */
  remove(id: number, t: number): boolean {
    if (!this.member.has(id)) return false;
    this.advance(t);
    this.member.delete(id);
    this.active--;
    return true;
  }

  /** When the next transfer finishes at the current sharing (Infinity when idle). */
  nextFinish(): number {
    this.dropStale();
    if (this.size === 0 || this.active === 0) return Number.POSITIVE_INFINITY;
    const left = Math.max(0, (this.keys[0] as number) - this.virtual);
    return this.at + (left * this.active) / this.bytesPerSecond;
  }

  /** Removes and returns the transfers finished by time t (within a byte). */
  popFinished(t: number, out: number[]): void {
    this.advance(t);
    for (;;) {
      this.dropStale();
      if (this.size === 0 || (this.keys[0] as number) > this.virtual + 1) return;
      const id = this.ids[0] as number;
      this.pop();
      this.member.delete(id);
      this.active--;
      out.push(id);
    }
  }

  private dropStale(): void {
    while (this.size > 0 && this.member.get(this.ids[0] as number) !== this.stamps[0]) this.pop();
  }

  private push(key: number, id: number, stamp: number): void {
    if (this.size === this.keys.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.keys = grow(this.keys, (n) => new Float64Array(n));
      this.ids = grow(this.ids, (n) => new Int32Array(n));
      this.stamps = grow(this.stamps, (n) => new Int32Array(n));
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.keys[parent] as number) <= key) break;
      this.keys[i] = this.keys[parent] as number;
      this.ids[i] = this.ids[parent] as number;
      this.stamps[i] = this.stamps[parent] as number;
      i = parent;
    }
    this.keys[i] = key;
    this.ids[i] = id;
    this.stamps[i] = stamp;
  }

  private pop(): void {
    const last = --this.size;
    if (last === 0) return;
    const key = this.keys[last] as number;
    const id = this.ids[last] as number;
    const stamp = this.stamps[last] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && (this.keys[child + 1] as number) < (this.keys[child] as number)) child++;
      if ((this.keys[child] as number) >= key) break;
      this.keys[i] = this.keys[child] as number;
      this.ids[i] = this.ids[child] as number;
      this.stamps[i] = this.stamps[child] as number;
      i = child;
    }
    this.keys[i] = key;
    this.ids[i] = id;
    this.stamps[i] = stamp;
  }
}
