/**
 * The sweep's frontier and recommendation on any metric, the right way up for each (Butteraugli: lower is
 * better). main/core/results/pareto.ts does this on SSIM; this follows its rules (no other setting both
 * smaller and better; the cheapest setting reaching the target, ties on bytes to the better score) and
 * reuses its grid edges, so the app's answer on SSIM is summary.json's.
 */
import { RECOMPRESS_ONLY, type GridEdge, type SweepGrid, describeSetting, gridEdges, settingId } from '../../main/core/results/pareto';
import type { Target } from '../../main/core/results/target';
import { type MetricDef, type ScoredPoint, better, describeTarget, pointMean, reaches } from './metrics';

/** Bytes first; equal bytes, the better score first. */
const order = (m: MetricDef) => (a: ScoredPoint, b: ScoredPoint) =>
  a.stored_bytes_mean - b.stored_bytes_mean || better(m, pointMean(b, m) ?? NaN, pointMean(a, m) ?? NaN) || settingId(a).localeCompare(settingId(b));

/** The settings of one provider that no other one beats: no more bytes, no worse score, strictly better on one. */
export function frontierOn(points: readonly ScoredPoint[], m: MetricDef): ScoredPoint[] {
  const scored = points.filter((p) => pointMean(p, m) !== null);
  const beats = (q: ScoredPoint, p: ScoredPoint) => {
    const d = better(m, pointMean(q, m)!, pointMean(p, m)!);
    return q.stored_bytes_mean <= p.stored_bytes_mean && d >= 0 && (q.stored_bytes_mean < p.stored_bytes_mean || d > 0);
  };
  return scored.filter((p) => !scored.some((q) => q !== p && beats(q, p))).sort(order(m));
}

export function frontiersOn(points: readonly ScoredPoint[], m: MetricDef): Record<string, ScoredPoint[]> {
  const out: Record<string, ScoredPoint[]> = {};
  for (const provider of [...new Set(points.map((p) => p.provider))].sort()) out[provider] = frontierOn(points.filter((p) => p.provider === provider), m);
  return out;
}

export function cheapestReachingOn(points: readonly ScoredPoint[], m: MetricDef, target: number): ScoredPoint | null {
  return points.filter((p) => pointMean(p, m) !== null && reaches(m, pointMean(p, m)!, target)).sort(order(m))[0] ?? null;
}

export interface MetricRecommendation {
  point: ScoredPoint;
  /** The cheapest recompress-only setting reaching the same target (null when none does, or this is one). */
  recompress: ScoredPoint | null;
  edge: GridEdge[];
}

export function recommendOn(points: readonly ScoredPoint[], m: MetricDef, target: number, grid: SweepGrid): MetricRecommendation | null {
  const point = cheapestReachingOn(points, m, target);
  if (!point) return null;
  const tried = points.filter((p) => p.provider === RECOMPRESS_ONLY);
  const recompress = point.provider === RECOMPRESS_ONLY ? null : cheapestReachingOn(tried, m, target);
  return { point, recompress, edge: gridEdges({ ...point, recompress_only: recompress }, grid, tried.length > 0, { metric: m.key, value: target } as Target) };
}

const pct = (x: number) => `${Math.round(x)}% smaller`;
const upscaler = (p: ScoredPoint) => (!p.model || p.model === p.provider ? p.provider : p.model.startsWith(`${p.provider} `) ? p.model : `${p.provider} (${p.model})`);

/** The recommendation in one sentence, on the chosen metric (the CLI's sentence, with that metric's name and direction). */
export function recommendationSentenceOn(rec: MetricRecommendation | null, m: MetricDef, target: number, recompressTested: boolean): string {
  const goal = describeTarget(m, target);
  const score = (p: ScoredPoint) => `${m.label} ${pointMean(p, m)!.toFixed(m.digits)}`;
  if (!rec) return `no setting reached a mean ${goal}; ${m.higherIsBetter ? 'lower' : 'raise'} the target or try higher qualities or smaller factors`;
  const p = rec.point;
  if (p.provider === RECOMPRESS_ONLY) {
    return `store as ${describeSetting(p)} and serve it as it is (recompress only): ${pct(p.saved_percent_mean)}, ${score(p)}; no downscale-and-upscale setting reaches ${goal} with fewer bytes`;
  }
  const main = `store as ${describeSetting(p)} and upscale with ${upscaler(p)}: ${pct(p.saved_percent_mean)}, ${score(p)}`;
  const r = rec.recompress;
  if (!r) return recompressTested ? `${main}; no recompress-only setting (factor 1) reaches ${goal}` : main;
  return `${main}; recompress-only needs ${describeSetting(r)} for ${goal}: ${pct(r.saved_percent_mean)} (${score(r)})`;
}
