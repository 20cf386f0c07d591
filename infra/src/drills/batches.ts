/**
 * Which drills run at once (`npm run drills -- --jobs <n>`). A drill with viewers runs alone; drills without (a
 * publisher and an edge, their checks of bytes and order, not time) are gathered, in the registry's order, into
 * batches of up to n that run side by side, each batch where its first drill stands. Pure.
 */
export function drillBatches<T extends { browserless?: boolean }>(drills: readonly T[], jobs: number): T[][] {
  const batches: T[][] = [];
  let open: T[] | undefined;
  for (const drill of drills) {
    if (!drill.browserless || jobs <= 1) {
      batches.push([drill]);
    } else if (open && open.length < jobs) {
      open.push(drill);
    } else {
      open = [drill];
      batches.push(open);
    }
  }
  return batches;
}
