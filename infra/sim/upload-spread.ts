/**
 * How upload spread over an audience, from each viewer's uploaded bytes: the simulator's summary and the compare
 * harness's both use it. A star (one uploader feeding everyone) shows as a top share near 100%.
 */
export interface UploadSpread {
  /** Share of all uploaded bytes sent by the top 1% of uploaders (at least one viewer), percent. */
  topPercentShare: number;
  /** Share of all uploaded bytes sent by the single largest uploader, percent. */
  topViewerShare: number;
  /** Viewers that uploaded anything, percent of all. */
  uploadersPercent: number;
}

/** How evenly upload spread over the viewers, from each viewer's uploaded bytes. */
export function uploadSpread(uploaded: ArrayLike<number>): UploadSpread {
  const sorted = Array.from(uploaded).sort((a, b) => b - a);
  const total = sorted.reduce((sum, bytes) => sum + bytes, 0);
  if (sorted.length === 0 || total <= 0) return { topPercentShare: 0, topViewerShare: 0, uploadersPercent: 0 };
  const top = Math.max(1, Math.floor(sorted.length / 100));
  const topBytes = sorted.slice(0, top).reduce((sum, bytes) => sum + bytes, 0);
  return {
    topPercentShare: (100 * topBytes) / total,
    topViewerShare: (100 * (sorted[0] ?? 0)) / total,
    uploadersPercent: (100 * sorted.filter((bytes) => bytes > 0).length) / sorted.length,
  };
}
