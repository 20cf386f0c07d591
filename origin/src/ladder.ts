/**
 * The ABR ladder: which renditions to encode for a source. Pure. The top
 * rendition never exceeds the source (no upscaling), and there are always at
 * least `minRenditions`, filled in below the source when the standard rungs
 * are all too tall for it.
 */
export interface Rendition {
  name: string;
  width: number;
  height: number;
  videoKbps: number;
}

export interface LadderOptions {
  /** Standard rung sides, tallest first. */
  rungs: number[];
  minRenditions: number;
  maxRenditions: number;
  /** Bits per pixel per frame for H.264 at these sizes; sets each rung's bitrate. */
  bitsPerPixel: number;
  minVideoKbps: number;
  /** Rungs within this fraction of a taller one are skipped as redundant. */
  minStep: number;
}

export const ladderDefaults: LadderOptions = {
  rungs: [1080, 720, 480, 360, 240, 144],
  minRenditions: 3,
  maxRenditions: 4,
  bitsPerPixel: 0.1,
  minVideoKbps: 64,
  minStep: 0.15,
};

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

export function buildLadder(
  source: { width: number; height: number; frameRate: number },
  options: Partial<LadderOptions> = {},
): Rendition[] {
  const o = { ...ladderDefaults, ...options };
  // Rungs name the short side (a 1080p portrait video is 1080 wide), so portrait sources ladder like landscape ones.
  const short = Math.min(source.width, source.height);
  const top = Math.min(even(short), o.rungs[0] ?? short);
  const sides = [top]; // short sides, tallest first
  for (const rung of o.rungs) {
    const last = sides[sides.length - 1] ?? top;
    if (sides.length >= o.maxRenditions) break;
    if (rung < last * (1 - o.minStep)) sides.push(rung);
  }
  // Too few standard rungs fit under a small source: add fractions of it.
  for (const fraction of [2 / 3, 1 / 2, 1 / 3, 1 / 4]) {
    if (sides.length >= o.minRenditions) break;
    const height = even(top * fraction);
    if (height < (sides[sides.length - 1] ?? top)) sides.push(height);
  }
  return sides.map((side, index) => {
    const width = even((source.width * side) / short);
    const height = even((source.height * side) / short);
    const kbps = Math.round((width * height * source.frameRate * o.bitsPerPixel) / 1000);
    return { name: `v${index}`, width, height, videoKbps: Math.max(o.minVideoKbps, kbps) };
  });
}
