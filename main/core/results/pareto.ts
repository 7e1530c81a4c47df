/**
 * The storage decision: per setting means, each provider's Pareto frontier (mean stored bytes against the
 * target's statistic: the mean, or a low percentile of per-image scores with `--at`), and the cheapest
 * setting that reaches the target. Pure and dependency-free on purpose: the renderer imports it too, so its
 * target slider moves the same recommendation summary.json holds.
 */
import { FACTORS } from '../image/geometry.js';
import { nearestRank } from './confidence.js';
import { type At, type Target, type TargetMetric, TARGET_METRICS, atPercentile, better, describeTarget, higherIsBetter, metricLabel, reaches, scoreOf, targetAt } from './target.js';

import { type CoreTimedRow, coreSeconds } from './core-seconds.js';
import { groupBy } from './group-by.js';

/** The fields of a results row this module reads (a `ResultRow` or the renderer's `UiRow` both fit). */
export interface SettingRow extends CoreTimedRow {
  status: string;
  provider: string;
  model: string;
  factor: number | null;
  format: string;
  quality: number | null;
  stored_bytes: number | null;
  saved_percent: number | null;
  ssim: number | null;
  psnr: number | null;
  orb_score: number | null;
  /** Absent in rows read from a results file older than these columns. */
  ssimulacra2?: number | null;
  butteraugli?: number | null;
  butteraugli_3norm?: number | null;
}

/** One stored setting (factor, format, quality) read back by one provider, averaged over its ok rows. */
export interface SettingPoint {
  provider: string;
  model: string;
  factor: number;
  format: string;
  quality: number | null;
  /** Rows that scored (status ok). */
  images: number;
  errors: number;
  stored_bytes_mean: number;
  saved_percent_mean: number;
  /** null when no row of the setting could be scored on SSIM (images under 11×11). */
  ssim_mean: number | null;
  /** Over finite values: identical images (infinite PSNR) are left out, as in the provider means. */
  psnr_mean: number | null;
  orb_mean: number | null;
  /** null when no row of the setting has the score (not asked for, or images under 8×8); likewise Butteraugli's. */
  ssimulacra2_mean: number | null;
  butteraugli_mean: number | null;
  butteraugli_3norm_mean: number | null;
  /** The image's own upscale compute, not its wall time (README, Results columns). */
  upscale_ms_mean: number | null;
  /** Busy core-seconds per image, what compute costs per retrieval; null where no row has a thread count. */
  upscale_core_s_mean: number | null;
  /**
   * Per target metric, the setting's finite per-image scores sorted ascending: what a target on a percentile
   * (`--at p10`) reads, for any metric the slider picks. A metric no row has is left out; absent on points made by hand.
   */
  scores?: Partial<Record<TargetMetric, number[]>>;
}

/** Each target metric's mean in a SettingPoint. */
const MEAN_KEY = {
  ssim: 'ssim_mean',
  psnr: 'psnr_mean',
  orb: 'orb_mean',
  ssimulacra2: 'ssimulacra2_mean',
  butteraugli: 'butteraugli_mean',
  butteraugli_3norm: 'butteraugli_3norm_mean',
} as const satisfies Record<TargetMetric, keyof SettingPoint>;
type MeanKey = (typeof MEAN_KEY)[TargetMetric];
const MEAN_KEYS = Object.values(MEAN_KEY);

/** The setting's mean score on the metric (null when none of its rows has one). */
export const meanOf = (p: Pick<SettingPoint, MeanKey>, metric: TargetMetric): number | null => p[MEAN_KEY[metric]];

/** Where an entry carries a statistic other than the mean: 'ssimulacra2_p10', 'butteraugli_median'. */
export type StatKey = `${TargetMetric}_${Exclude<At, 'mean'>}`;

/** The field a statistic is written under: the mean's own ('ssimulacra2_mean'), or 'ssimulacra2_p10'. */
export const statKey = (metric: TargetMetric, at: At): MeanKey | StatKey => (at === 'mean' ? MEAN_KEY[metric] : `${metric}_${at}`);

type Setting = Pick<SettingPoint, 'factor' | 'format' | 'quality' | 'stored_bytes_mean' | 'saved_percent_mean' | MeanKey>;

/**
 * A frontier entry as summary.json writes it (the provider is its key): the setting and every metric's mean,
 * and on a percentile target that statistic too, under its StatKey.
 */
export type FrontierEntry = Setting & Partial<Record<StatKey, number | null>>;

type Choice = FrontierEntry;

/**
 * The setting's `at` statistic on the metric: its mean, or the percentile of its per-image scores on the
 * metric's worse side (p10 of a distance is its 90th percentile). An entry's own StatKey field is used when
 * it has one; otherwise the point's sorted scores. null when the setting has no score on the metric.
 */
export function statisticOf(p: Pick<SettingPoint, MeanKey | 'scores'> & Partial<Record<StatKey, number | null>>, metric: TargetMetric, at: At = 'mean'): number | null {
  if (at === 'mean') return meanOf(p, metric);
  const kept = p[`${metric}_${at}`];
  if (kept !== undefined) return kept;
  const sorted = p.scores?.[metric];
  return sorted?.length ? nearestRank(sorted, atPercentile(at, higherIsBetter(metric))!) : null;
}

export interface Recommendation extends Choice {
  provider: string;
  model: string;
  /** The cheapest recompress-only (provider `none`, factor 1) setting reaching the same target, for comparison. */
  recompress_only: Choice | null;
  /** Where either pick sits at the edge of the grid, so a setting past it might change the answer (empty when neither does). */
  edge: GridEdge[];
}

/** What a sweep tried: its factors, and the qualities of each lossy format. */
export interface SweepGrid {
  factors: number[];
  qualities: Record<string, number[]>;
}

/** One pick at the edge of the grid: "at the lowest quality offered for webp (q30)", "add qualities below 30". */
export interface GridEdge {
  setting: 'recommended' | 'recompress_only';
  at: string;
  suggest: string;
}

/** Provider name of a factor-1 row: the stored copy is compared as it is, nothing upscales it. */
export const RECOMPRESS_ONLY = 'none';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const finite = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));

export const settingId = (p: Pick<SettingPoint, 'provider' | 'factor' | 'format' | 'quality'>) => `${p.provider}|${p.factor}|${p.format}|${p.quality ?? ''}`;

/** Groups rows by (provider, factor, format, quality) and averages each group; rows without a stored copy are skipped. */
export function settingPoints(rows: readonly SettingRow[]): SettingPoint[] {
  const stored = rows.filter((r) => r.factor !== null && r.format);
  const groups = groupBy(stored, (r) => settingId({ provider: r.provider, factor: r.factor!, format: r.format, quality: r.quality }));
  const points: SettingPoint[] = [];
  for (const rs of groups.values()) {
    const ok = rs.filter((r) => r.status === 'ok' && r.stored_bytes !== null);
    if (!ok.length) continue;
    const first = ok[0];
    points.push({
      provider: first.provider,
      model: first.model,
      factor: first.factor!,
      format: first.format,
      quality: first.quality,
      images: ok.length,
      errors: rs.length - ok.length,
      stored_bytes_mean: mean(ok.map((r) => r.stored_bytes!))!,
      saved_percent_mean: mean(finite(ok.map((r) => r.saved_percent))) ?? 0,
      ssim_mean: mean(finite(ok.map((r) => r.ssim))),
      psnr_mean: mean(finite(ok.map((r) => r.psnr))),
      orb_mean: mean(finite(ok.map((r) => r.orb_score))),
      ssimulacra2_mean: mean(finite(ok.map((r) => r.ssimulacra2 ?? null))),
      butteraugli_mean: mean(finite(ok.map((r) => r.butteraugli ?? null))),
      butteraugli_3norm_mean: mean(finite(ok.map((r) => r.butteraugli_3norm ?? null))),
      upscale_ms_mean: mean(finite(ok.map((r) => r.upscale_ms))),
      upscale_core_s_mean: mean(finite(ok.map(coreSeconds))),
      scores: sortedScores(ok),
    });
  }
  return points.sort((a, b) => a.stored_bytes_mean - b.stored_bytes_mean || settingId(a).localeCompare(settingId(b)));
}

/** Per target metric, the rows' finite scores sorted ascending (as the means, infinite PSNR is left out). */
function sortedScores(rows: readonly SettingRow[]): Partial<Record<TargetMetric, number[]>> {
  const out: Partial<Record<TargetMetric, number[]>> = {};
  for (const metric of TARGET_METRICS) {
    const xs = finite(rows.map((r) => scoreOf(r, metric)));
    if (xs.length) out[metric] = xs.sort((a, b) => a - b);
  }
  return out;
}

type Statistic = (p: SettingPoint) => number | null;

/** Each point's statistic, computed once: the frontier compares every pair. */
function statistics(points: readonly SettingPoint[], metric: TargetMetric, at: At): Statistic {
  const values = new Map(points.map((p) => [p, statisticOf(p, metric, at)]));
  return (p) => values.get(p) ?? null;
}

/** Fewest bytes first; equal bytes, the better statistic first (a missing one compares NaN, so falls to the id). */
const byBytesThenScore = (metric: TargetMetric, stat: Statistic) => (a: SettingPoint, b: SettingPoint): number =>
  a.stored_bytes_mean - b.stored_bytes_mean || better(metric, stat(b) ?? NaN, stat(a) ?? NaN) || settingId(a).localeCompare(settingId(b));

/**
 * The settings no other one beats on the metric's `at` statistic (the mean by default): q beats p when it
 * stores no more bytes, scores no worse, and is strictly better on one of the two. Exact ties both stay.
 * Sorted by bytes (then score, best first).
 */
export function frontier(points: readonly SettingPoint[], metric: TargetMetric, at: At = 'mean'): SettingPoint[] {
  const stat = statistics(points, metric, at);
  const scored = points.filter((p) => stat(p) !== null);
  const edge = (q: SettingPoint, p: SettingPoint) => better(metric, stat(q)!, stat(p)!);
  const beats = (q: SettingPoint, p: SettingPoint) =>
    q.stored_bytes_mean <= p.stored_bytes_mean && edge(q, p) >= 0 && (q.stored_bytes_mean < p.stored_bytes_mean || edge(q, p) > 0);
  return scored.filter((p) => !scored.some((q) => q !== p && beats(q, p))).sort(byBytesThenScore(metric, stat));
}

/** Each provider's frontier on the metric's `at` statistic, keyed by provider. */
export function frontiers(points: readonly SettingPoint[], metric: TargetMetric, at: At = 'mean'): Record<string, SettingPoint[]> {
  const out: Record<string, SettingPoint[]> = {};
  for (const provider of [...new Set(points.map((p) => p.provider))].sort()) out[provider] = frontier(points.filter((p) => p.provider === provider), metric, at);
  return out;
}

/** summary.json's `pareto` on the metric's `at` statistic: the frontiers with only the fields the file documents. */
export function paretoSummary(points: readonly SettingPoint[], metric: TargetMetric, at: At = 'mean'): Record<string, FrontierEntry[]> {
  const out: Record<string, FrontierEntry[]> = {};
  for (const [provider, list] of Object.entries(frontiers(points, metric, at))) out[provider] = list.map((p) => choice(p, metric, at));
  return out;
}

/** The cheapest point whose statistic (the target's `at`: the mean unless it says) reaches the target (ties on bytes: the better score); null when none does. */
export function cheapestReaching(points: readonly SettingPoint[], target: Target): SettingPoint | null {
  const stat = statistics(points, target.metric, targetAt(target));
  const reaching = points.filter((p) => stat(p) !== null && reaches(stat(p)!, target));
  return reaching.sort(byBytesThenScore(target.metric, stat))[0] ?? null;
}

/** A point as summary.json writes it: the setting, every metric's mean, and the statistic chosen on when it is no mean. */
const choice = (p: SettingPoint, metric: TargetMetric, at: At): Choice => {
  const means = Object.fromEntries(MEAN_KEYS.map((k) => [k, p[k]])) as Pick<SettingPoint, MeanKey>;
  const stat = at === 'mean' ? {} : { [statKey(metric, at)]: statisticOf(p, metric, at) };
  return { factor: p.factor, format: p.format, quality: p.quality, stored_bytes_mean: p.stored_bytes_mean, saved_percent_mean: p.saved_percent_mean, ...means, ...stat };
};

/**
 * The cheapest setting over all providers reaching the target, with the best recompress-only one beside it,
 * and where either sits at the edge of `grid` (by default, the settings the points cover).
 */
export function recommend(points: readonly SettingPoint[], target: Target, grid: SweepGrid = sweepGrid(points)): Recommendation | null {
  const best = cheapestReaching(points, target);
  if (!best) return null;
  const recompressTried = points.filter((p) => p.provider === RECOMPRESS_ONLY);
  const recompress = cheapestReaching(recompressTried, target);
  const at = targetAt(target);
  const base = { provider: best.provider, model: best.model, ...choice(best, target.metric, at), recompress_only: recompress ? choice(recompress, target.metric, at) : null };
  return { ...base, edge: gridEdges(base, grid, recompressTried.length > 0, target) };
}

/** The grid a sweep's rows (every setting tried, scored or not) or points show. */
export function sweepGrid(settings: readonly Pick<SettingRow, 'factor' | 'format' | 'quality'>[]): SweepGrid {
  const factors = new Set<number>();
  const qualities: Record<string, Set<number>> = {};
  for (const s of settings) {
    if (s.factor === null || !s.format) continue;
    factors.add(s.factor);
    if (s.quality !== null && s.format !== 'png') (qualities[s.format] ??= new Set()).add(s.quality);
  }
  const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
  return { factors: sorted(factors), qualities: Object.fromEntries(Object.entries(qualities).map(([f, qs]) => [f, sorted(qs)])) };
}

const LARGEST_FACTOR = Math.max(...FACTORS);

/**
 * Where a pick sits at the edge of the grid in a direction that could change the answer. Going cheaper
 * means a lower quality or a larger factor, so the lowest quality and the largest factor count for both
 * picks. The recommended setting at its format's highest quality counts too: a higher quality at a larger
 * factor may reach the target with fewer bytes. The smallest factor never does (smaller stores more).
 * When no recompress-only setting reached the target at all, that side is past the top of the grid.
 */
export function gridEdges(rec: Omit<Recommendation, 'edge'>, grid: SweepGrid, recompressTested: boolean, target: Target): GridEdge[] {
  const edges: GridEdge[] = [];
  const check = (setting: GridEdge['setting'], c: Choice) => {
    const qs = grid.qualities[c.format] ?? [];
    if (c.quality !== null && qs.length && c.quality === qs[0] && c.quality > 1) {
      edges.push({ setting, at: `at the lowest quality offered for ${c.format} (q${c.quality})`, suggest: `add qualities below ${c.quality}` });
    }
    const upscaled = grid.factors.filter((f) => f > 1);
    const largest = upscaled.length ? upscaled[upscaled.length - 1] : null;
    if (c.factor > 1 && c.factor === largest && largest < LARGEST_FACTOR) {
      const next = FACTORS.find((f) => f > largest)!;
      edges.push({ setting, at: `at the largest factor offered (÷${c.factor})`, suggest: `add factor ${next}` });
    }
    if (setting === 'recommended' && c.quality !== null && qs.length > 1 && c.quality === qs[qs.length - 1] && c.quality < 100 && c.factor < LARGEST_FACTOR) {
      edges.push({ setting, at: `at the highest quality offered for ${c.format} (q${c.quality})`, suggest: `add qualities above ${c.quality}` });
    }
  };
  check('recommended', rec);
  // a recompress-only recommendation is its own comparison
  if (rec.provider === RECOMPRESS_ONLY) return edges;
  if (rec.recompress_only) check('recompress_only', rec.recompress_only);
  else if (recompressTested) {
    const top = Math.max(...Object.values(grid.qualities).flat());
    if (Number.isFinite(top) && top < 100) {
      edges.push({ setting: 'recompress_only', at: `past the highest quality offered (none up to q${top} reaches ${describeTarget(target)})`, suggest: `add qualities above ${top}` });
    }
  }
  return edges;
}

/** The edges in words, as the CLI prints them and the app shows them; '' when there are none. */
export function edgeSentence(edges: readonly GridEdge[]): string {
  if (!edges.length) return '';
  const sides = [...new Set(edges.map((e) => e.setting))];
  const where = sides
    .map((side) => `${side === 'recommended' ? 'the recommended setting' : 'recompress-only'} is ${edges.filter((e) => e.setting === side).map((e) => e.at).join(' and ')}`)
    .join('; ');
  const what = sides.length > 1 ? 'the answer and the comparison' : sides[0] === 'recommended' ? 'the answer' : 'the comparison with recompress-only';
  // "add qualities below 30 and factor 8"
  const suggest = [...new Set(edges.map((e) => e.suggest))].map((x, i) => (i ? x.replace(/^add /, '') : x)).join(' and ');
  return `${where[0].toUpperCase()}${where.slice(1)}. Settings past the edge of the grid may change ${what}: ${suggest}.`;
}

/** "webp q80 at ÷2", "avif q80 at full size", "png at ÷4". */
export function describeSetting(s: Pick<SettingPoint, 'factor' | 'format' | 'quality'>): string {
  const fmt = s.quality === null || s.format === 'png' ? s.format : `${s.format} q${s.quality}`;
  return `${fmt} ${s.factor === 1 ? 'at full size' : `at ÷${s.factor}`}`;
}

const pct = (x: number) => `${Math.round(x)}% smaller`;

/** "72.4", "0.912", "31.20 dB", "1.83": a score to the digits its metric is read at. */
export function scoreValue(metric: TargetMetric, x: number | null): string {
  const digits = metric === 'ssim' || metric === 'orb' ? 3 : metric === 'ssimulacra2' ? 1 : 2;
  return `${x === null ? '–' : x.toFixed(digits)}${metric === 'psnr' && x !== null ? ' dB' : ''}`;
}

/** "SSIMULACRA2 72.4", "SSIM 0.912", "PSNR 31.20 dB", "Butteraugli 1.83". */
export const scoreText = (metric: TargetMetric, x: number | null): string => `${metricLabel(metric)} ${scoreValue(metric, x)}`;

/** "local-ai (esrgan-slim x2)"; a model named after its provider ("bicubic (Keys a=-0.5)") alone. */
const upscaler = (r: Pick<Recommendation, 'provider' | 'model'>) =>
  !r.model || r.model === r.provider ? r.provider : r.model.startsWith(`${r.provider} `) ? r.model : `${r.provider} (${r.model})`;

/**
 * The recommendation in one sentence, as the CLI prints it and the app shows it. On a percentile target the
 * scores named are that statistic, with the mean beside it: "p10 SSIMULACRA2 71.2 (mean 80.3)".
 */
export function recommendationSentence(rec: Recommendation | null, target: Target, recompressTested = true): string {
  const at = targetAt(target);
  const goal = describeTarget(target);
  if (!rec) return `no setting reached ${at === 'mean' ? 'a mean ' : 'a '}${goal}; ${higherIsBetter(target.metric) ? 'lower' : 'raise'} the target or try higher qualities or smaller factors`;
  const m = target.metric;
  const score = (c: Choice, inParens = false) =>
    at === 'mean'
      ? scoreText(m, meanOf(c, m))
      : `${at} ${scoreText(m, statisticOf(c, m, at))}${inParens ? `, mean ${scoreValue(m, meanOf(c, m))}` : ` (mean ${scoreValue(m, meanOf(c, m))})`}`;
  const main =
    rec.provider === RECOMPRESS_ONLY
      ? `store as ${describeSetting(rec)} and serve it as it is (recompress only): ${pct(rec.saved_percent_mean)}, ${score(rec)}`
      : `store as ${describeSetting(rec)} and upscale with ${upscaler(rec)}: ${pct(rec.saved_percent_mean)}, ${score(rec)}`;
  const r = rec.recompress_only;
  if (rec.provider === RECOMPRESS_ONLY) return `${main}; no downscale-and-upscale setting reaches ${goal} with fewer bytes`;
  if (!r) return recompressTested ? `${main}; no recompress-only setting (factor 1) reaches ${goal}` : main;
  return `${main}; recompress-only needs ${describeSetting(r)} for ${goal}: ${pct(r.saved_percent_mean)} (${score(r, true)})`;
}
