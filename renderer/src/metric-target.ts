/**
 * The sweep's frontier and recommendation on the chosen metric: pareto.ts's own (`frontiers`, `recommend`,
 * the right way up for each metric), handed back as the app's points, so the app's answer is summary.json's.
 * The sentence keeps the app's wording (the slider's value, rounded to its step).
 */
import { RECOMPRESS_ONLY, type GridEdge, type SweepGrid, describeSetting, frontiers, recommend, settingId } from '../../main/core/results/pareto';
import { type MetricDef, type ScoredPoint, describeTarget, pointMean } from './metrics';

/** Each provider's frontier on the metric (pareto.ts filters the points it is given, so these are the app's own). */
export const frontiersOn = (points: readonly ScoredPoint[], m: MetricDef): Record<string, ScoredPoint[]> => frontiers(points, m.key);

export interface MetricRecommendation {
  point: ScoredPoint;
  /** The cheapest recompress-only setting reaching the same target (null when none does, or this is one). */
  recompress: ScoredPoint | null;
  edge: GridEdge[];
}

export function recommendOn(points: readonly ScoredPoint[], m: MetricDef, target: number, grid: SweepGrid): MetricRecommendation | null {
  const rec = recommend(points, { metric: m.key, value: target }, grid);
  if (!rec) return null;
  const byId = new Map(points.map((p) => [settingId(p), p]));
  const recompress = rec.provider === RECOMPRESS_ONLY || !rec.recompress_only ? null : (byId.get(settingId({ provider: RECOMPRESS_ONLY, ...rec.recompress_only })) ?? null);
  return { point: byId.get(settingId(rec))!, recompress, edge: rec.edge };
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
