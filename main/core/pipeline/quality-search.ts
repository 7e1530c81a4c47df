/**
 * An adaptive sweep's search: per image and per (factor, format), the lowest quality of the ladder whose
 * stored copy some provider brings to the target, found by bisection instead of trying every quality.
 * Quality and stored bytes rise together, so within one (factor, format) that quality is the cheapest
 * setting reaching the target; the search assumes scores rise with quality too (they do in practice:
 * `sweep --adaptive` is checked against the full grid in tests and bench:perf).
 */
import type { ResultRow } from '../results/row.js';
import { type Target, reaches, scoreOf } from '../results/target.js';
import type { ImagePass } from './process-image.js';
import { groupBy } from '../results/group-by.js';

export interface QualitySearch {
  target: Target;
  /** Rows a resumed run already has, per pass (same order as the passes): used as they are, not redone. */
  known?: (ResultRow[] | undefined)[];
  /** A pass the search did not need: it writes no rows. */
  onSkip?: (pass: ImagePass) => void;
}

/** Passes that share a stored factor and format, lowest quality first (PNG: one pass, nothing to search). */
export function qualityLadders(passes: readonly ImagePass[]): number[][] {
  const groups = groupBy(passes.keys(), (i) => `${passes[i].downscale.factor}|${passes[i].downscale.format}`);
  return [...groups.values()].map((idx) => idx.sort((a, b) => passes[a].downscale.quality - passes[b].downscale.quality));
}

const reached = (rows: ResultRow[], t: Target) => rows.some((r) => r.status === 'ok' && (scoreOf(r, t.metric) ?? null) !== null && reaches(scoreOf(r, t.metric)!, t));

/**
 * Runs the passes the search needs and returns every pass's rows (empty for a skipped one). The bisection
 * finds the first quality reaching the target; when none does it ends on the highest quality, the closest.
 */
export async function searchPasses(passes: readonly ImagePass[], search: QualitySearch, run: (pass: number) => Promise<ResultRow[]>): Promise<ResultRow[][]> {
  const rows: (ResultRow[] | undefined)[] = passes.map((_, i) => search.known?.[i]);
  const evaluate = async (i: number) => (rows[i] ??= await run(i));
  for (const ladder of qualityLadders(passes)) {
    let lo = 0;
    let hi = ladder.length; // ladder.length: no quality reaches the target
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (reached(await evaluate(ladder[mid]), search.target)) hi = mid;
      else lo = mid + 1;
    }
  }
  passes.forEach((p, i) => rows[i] === undefined && search.onSkip?.(p));
  // known rows are already in the results; only what this search ran is returned as new
  return rows.map((r, i) => (r === undefined || r === search.known?.[i] ? [] : r));
}
