/**
 * Fixed-bin histograms: a million latency samples cost the same few kilobytes
 * as ten, which keeps a 100k-viewer run's memory bounded. A quantile is read
 * as the upper edge of its bin, so it is exact to one bin width.
 */
export class Histogram {
  private readonly bins: Float64Array;
  count = 0;
  sum = 0;
  max = 0;

  constructor(
    readonly binWidth: number,
    readonly limit: number,
  ) {
    this.bins = new Float64Array(Math.ceil(limit / binWidth) + 1);
  }

  add(value: number, weight = 1): void {
    const v = Math.max(0, value);
    const bin = Math.min(this.bins.length - 1, Math.floor(v / this.binWidth));
    this.bins[bin] = (this.bins[bin] as number) + weight;
    this.count += weight;
    this.sum += v * weight;
    if (v > this.max) this.max = v;
  }

  /** Upper edge of the bin holding the q-quantile (nearest rank); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i] as number;
      if (seen >= rank) return Math.min(this.max, (i + 1) * this.binWidth);
    }
    return this.max;
  }

  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }
}
