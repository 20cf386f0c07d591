/**
 * Fixed-bin histograms for percentiles that have to be merged across buckets
 * and kept for hours in little space. A value v falls in the first bin whose
 * upper edge is ≥ v; a percentile is reported as that bin's upper edge, so it
 * errs high by at most one bin width and values that sit on an edge are exact.
 */

/** Sparse counts: bin index → samples. */
export type Histogram = Record<string, number>;

/** Upper bin edges from `[upTo, step]` runs, e.g. [[1, 0.5], [3, 1]] → [0.5, 1, 2, 3]. */
export function binEdges(runs: readonly (readonly [upTo: number, step: number])[]): number[] {
  const edges: number[] = [];
  let edge = 0;
  for (const [upTo, step] of runs) {
    // Integer steps from the run's start, so 0.25 × n never drifts.
    const from = edge;
    for (let i = 1; from + i * step <= upTo + 1e-9; i++) {
      edge = from + i * step;
      edges.push(Math.round(edge * 1e6) / 1e6);
    }
  }
  return edges;
}

/** Index of the bin holding `value`; values above the last edge go in the last bin. */
export function binOf(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function addSample(histogram: Histogram, edges: readonly number[], value: number, count = 1): Histogram {
  const key = String(binOf(edges, value));
  return { ...histogram, [key]: (histogram[key] ?? 0) + count };
}

export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  const merged = { ...a };
  for (const [key, count] of Object.entries(b)) merged[key] = (merged[key] ?? 0) + count;
  return merged;
}

export function sampleCount(histogram: Histogram): number {
  return Object.values(histogram).reduce((sum, count) => sum + count, 0);
}

/** Nearest-rank percentile (p in 0–100): the upper edge of the bin holding the ⌈p·n/100⌉-th sample. */
export function percentile(histogram: Histogram, edges: readonly number[], p: number): number | null {
  const n = sampleCount(histogram);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  const bins = Object.keys(histogram)
    .map(Number)
    .sort((x, y) => x - y);
  for (const bin of bins) {
    seen += histogram[String(bin)] ?? 0;
    if (seen >= rank) return edges[bin] ?? null;
  }
  return edges[bins.at(-1) ?? 0] ?? null;
}

/** The same nearest-rank percentile over exact values (for the few gauges held per viewer). */
export function exactPercentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? null;
}
