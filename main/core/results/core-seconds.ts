/**
 * What a row's upscale cost in compute on the machine that ran it: its busy time (`upscale_ms`, the image's
 * own compute, never its wait for a slot) times the threads that time ran on. Pure and dependency-free: the
 * renderer's compute cost, the sweep table and summary.json all count it this way.
 */
export interface CoreTimedRow {
  upscale_ms: number | null;
  upscale_threads: number | null;
}

/** Core-seconds of one row; null without a busy time or a thread count (SageMaker; rows written before the column existed). */
export function coreSeconds(r: CoreTimedRow): number | null {
  if (r.upscale_ms === null || r.upscale_threads === null || !Number.isFinite(r.upscale_ms) || !Number.isFinite(r.upscale_threads)) return null;
  return (r.upscale_ms * r.upscale_threads) / 1000;
}
