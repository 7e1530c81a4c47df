/**
 * The sweep's frontier and recommendation on the chosen metric and statistic (`at`: the mean, or a low
 * percentile of per-image scores): pareto.ts's own (`frontiers`, `recommend`, the right way up for each
 * metric), handed back as the app's points, so the app's answer is summary.json's. The sentence keeps the
 * app's wording (the slider's value, rounded to its step).
 */
import { RECOMPRESS_ONLY, type GridEdge, type SweepGrid, describeSetting, frontiers, recommend, settingId, statisticOf } from '../../main/core/results/pareto';
import { type At, atMeaning } from '../../main/core/results/target';
import { type MetricDef, type ScoredPoint, describeTarget, pointMean } from './metrics';

/** Each provider's frontier on the metric's `at` statistic (pareto.ts filters the points it is given, so these are the app's own). */
export const frontiersOn = (points: readonly ScoredPoint[], m: MetricDef, at: At = 'mean'): Record<string, ScoredPoint[]> => frontiers(points, m.key, at);

/** The setting's `at` statistic on the metric (its mean, or a percentile of its sorted scores): what the slider is held against. */
export function pointStatistic(p: ScoredPoint, m: MetricDef, at: At): number | null {
  const v = at === 'mean' ? pointMean(p, m) : statisticOf(p, m.key, at);
  return v === null || !Number.isFinite(v) ? null : v;
}

/** How many of the setting's images reach the target on their own (from its sorted scores, no pass over rows). */
export function imagesReaching(p: ScoredPoint, m: MetricDef, target: number): { reaching: number; of: number } | null {
  const sorted = p.scores?.[m.key];
  if (!sorted?.length) return null;
  // the first index whose score is ≥ target (a similarity) or > target (a distance, which reaches at ≤)
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.higherIsBetter ? sorted[mid] < target : sorted[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return { reaching: m.higherIsBetter ? sorted.length - lo : lo, of: sorted.length };
}

export interface MetricRecommendation {
  point: ScoredPoint;
  /** The cheapest recompress-only setting reaching the same target (null when none does, or this is one). */
  recompress: ScoredPoint | null;
  edge: GridEdge[];
}

export function recommendOn(points: readonly ScoredPoint[], m: MetricDef, target: number, grid: SweepGrid, at: At = 'mean'): MetricRecommendation | null {
  const rec = recommend(points, { metric: m.key, value: target, ...(at === 'mean' ? {} : { at }) }, grid);
  if (!rec) return null;
  const byId = new Map(points.map((p) => [settingId(p), p]));
  const recompress = rec.provider === RECOMPRESS_ONLY || !rec.recompress_only ? null : (byId.get(settingId({ provider: RECOMPRESS_ONLY, ...rec.recompress_only })) ?? null);
  return { point: byId.get(settingId(rec))!, recompress, edge: rec.edge };
}

const pct = (x: number) => `${Math.round(x)}% smaller`;
const upscaler = (p: ScoredPoint) => (!p.model || p.model === p.provider ? p.provider : p.model.startsWith(`${p.provider} `) ? p.model : `${p.provider} (${p.model})`);

/**
 * The recommendation in one sentence, on the chosen metric (the CLI's sentence, with that metric's name and
 * direction). On a percentile the scores named are that statistic with the mean beside it, as the CLI's:
 * "p10 SSIMULACRA2 72.0 (mean 73.0)".
 */
export function recommendationSentenceOn(rec: MetricRecommendation | null, m: MetricDef, target: number, recompressTested: boolean, at: At = 'mean'): string {
  const goal = `${at === 'mean' ? '' : `${at} `}${describeTarget(m, target)}`;
  const mean = (p: ScoredPoint) => pointMean(p, m)!.toFixed(m.digits);
  const score = (p: ScoredPoint, inParens = false) =>
    at === 'mean' ? `${m.label} ${mean(p)}` : `${at} ${m.label} ${pointStatistic(p, m, at)!.toFixed(m.digits)}${inParens ? `, mean ${mean(p)}` : ` (mean ${mean(p)})`}`;
  if (!rec) return `no setting reached ${at === 'mean' ? 'a mean ' : 'a '}${goal}; ${m.higherIsBetter ? 'lower' : 'raise'} the target or try higher qualities or smaller factors`;
  const p = rec.point;
  if (p.provider === RECOMPRESS_ONLY) {
    return `store as ${describeSetting(p)} and serve it as it is (recompress only): ${pct(p.saved_percent_mean)}, ${score(p)}; no downscale-and-upscale setting reaches ${goal} with fewer bytes`;
  }
  const main = `store as ${describeSetting(p)} and upscale with ${upscaler(p)}: ${pct(p.saved_percent_mean)}, ${score(p)}`;
  const r = rec.recompress;
  if (!r) return recompressTested ? `${main}; no recompress-only setting (factor 1) reaches ${goal}` : main;
  return `${main}; recompress-only needs ${describeSetting(r)} for ${goal}: ${pct(r.saved_percent_mean)} (${score(r, true)})`;
}

/**
 * What a target on the metric's `at` statistic means, beside the slider: the metric's own help, whose first
 * sentence (a mean's) is said of the percentile instead.
 */
export function targetHelp(m: MetricDef, at: At): string {
  if (at === 'mean') return m.help;
  const rest = m.help.replace(/^A setting passes when [^.]*\. /, '');
  return `On ${atMeaning(at)}: a setting passes when that ${m.label} of its images is ${m.higherIsBetter ? 'at least' : 'at most'} this, so its worst images count, not only its average. ${rest}`;
}
