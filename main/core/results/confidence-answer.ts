/**
 * summary.json's confidence: a 95% interval on every mean of the providers, the Pareto sets and the
 * recommendation, the paired comparisons with their sentences, and the recommendation's stopping rule.
 * Added beside the answer it qualifies (each entry gets `ci`), so nothing already there changes.
 */
import { type BootstrapOptions, type Interval, DEFAULT_RESAMPLES, DEFAULT_SEED, LEVEL, statName } from './confidence.js';
import { type Comparison, type MetricAccess, type PairedRow, pairedComparisons } from './comparisons.js';
import { meanIntervals } from './intervals.js';
import { type Stopping, recommendationStopping } from './stopping.js';

export type WithCi<T> = T & { ci?: Record<string, Interval> };

/** How the intervals were made, stated once at the top of summary.json's `confidence`. */
export interface ConfidenceInfo {
  level: number;
  method: string;
  seed: number;
  resamples: number;
  /** The score the comparisons and the stopping rule are on. */
  metric: string;
  /** The statistic of per-image scores a setting must bring to the target ('mean' unless --at says otherwise). */
  statistic: string;
}

interface Setting {
  provider: string;
  factor: number | null;
  format: string;
  quality: number | null;
}

const settingKey = (provider: string, s: Omit<Setting, 'provider'>) => `${provider}|${s.factor}|${s.format}|${s.quality ?? ''}`;

/** The parts of a summary this fills in (any of them may be absent: a fit run has no storage answer). */
export interface Answer<P, F, R> {
  providers: P[];
  pareto?: Record<string, F[]>;
  recommendation?: R | null;
}

/**
 * Adds `ci` to each provider, Pareto entry and the recommendation (and its recompress-only side), the
 * stopping rule to the recommendation, and returns the comparisons and the method. `describe` names a
 * setting in sentences ("webp q30 at ÷2").
 */
export function addConfidence<
  Row extends PairedRow,
  P extends { provider: string; model: string },
  F extends Omit<Setting, 'provider'>,
  R extends Setting & { recompress_only?: Omit<Setting, 'provider'> | null },
>(
  answer: Answer<P, F, R>,
  rows: readonly Row[],
  metric: MetricAccess<Row>,
  target: number | null,
  describe: (s: { factor: number; format: string; quality: number | null }) => string,
  opts: BootstrapOptions = {},
): { comparisons: Comparison[]; confidence: ConfidenceInfo } {
  const bySetting = new Map<string, Row[]>();
  const byProvider = new Map<string, Row[]>();
  for (const r of rows) {
    const s = settingKey(r.provider, r);
    if (!bySetting.has(s)) bySetting.set(s, []);
    bySetting.get(s)!.push(r);
    const p = `${r.provider}\0${r.model}`;
    if (!byProvider.has(p)) byProvider.set(p, []);
    byProvider.get(p)!.push(r);
  }
  // means are of every score, and comparisons of mean differences: the percentile is the target statistic's only
  const meanOpts = { ...opts, percentile: undefined, statistic: undefined };
  for (const p of answer.providers) Object.assign(p, { ci: meanIntervals(p, byProvider.get(`${p.provider}\0${p.model}`) ?? [], meanOpts) });
  for (const [provider, list] of Object.entries(answer.pareto ?? {})) {
    for (const e of list) Object.assign(e, { ci: meanIntervals(e, bySetting.get(settingKey(provider, e)) ?? [], meanOpts) });
  }
  const rec = answer.recommendation;
  if (rec) {
    Object.assign(rec, { ci: meanIntervals(rec, bySetting.get(settingKey(rec.provider, rec)) ?? [], meanOpts) });
    if (rec.recompress_only) Object.assign(rec.recompress_only, { ci: meanIntervals(rec.recompress_only, bySetting.get(settingKey('none', rec.recompress_only)) ?? [], meanOpts) });
    if (target !== null) {
      const pick = { provider: rec.provider, factor: rec.factor!, format: rec.format, quality: rec.quality };
      const stopping: Stopping = recommendationStopping(rows, pick, metric, target, opts, (s) => `${s.provider} ${describe(s)}`);
      Object.assign(rec, { stopping });
    }
  }
  const { seed = DEFAULT_SEED, resamples = DEFAULT_RESAMPLES, level = LEVEL } = opts;
  return {
    comparisons: pairedComparisons(rows, metric, meanOpts, (r) => describe({ factor: r.factor!, format: r.format, quality: r.quality })),
    confidence: {
      level,
      method: `percentile bootstrap over images (a sweep's rows of one image resampled together), ${resamples} resamples, seed ${seed}; shares of images won: Clopper–Pearson exact`,
      seed,
      resamples,
      metric: metric.label,
      statistic: opts.percentile === undefined ? 'mean' : (opts.statistic ?? statName(opts.percentile)),
    },
  };
}

/**
 * What the CLI prints after the answer: a plain run's comparisons (all at its one setting); for a sweep, each
 * upscaler's comparisons at its frontier setting nearest the recommendation in mean bytes (the pick's own
 * setting when an upscaler was picked), then the stopping sentence.
 */
export function confidenceLines(
  comparisons: readonly Comparison[],
  recommendation: (Omit<Setting, 'provider'> & { stored_bytes_mean: number; stopping?: Stopping }) | null | undefined,
  sweep: boolean,
  pareto: Record<string, readonly (Omit<Setting, 'provider'> & { stored_bytes_mean: number })[]> = {},
): string[] {
  if (!sweep) return comparisons.map((c) => c.sentence);
  if (!recommendation) return [];
  const lines = nearRecommendation(comparisons, recommendation, pareto).map((c) => c.sentence);
  if (recommendation.stopping) lines.push(`the recommendation is ${recommendation.stopping.sentence}`);
  return lines;
}

/**
 * A sweep's comparisons worth reading beside its recommendation: each upscaler's at its frontier setting
 * nearest the recommendation in mean bytes (the pick's own, for the provider picked). The CLI prints these; the app shows them.
 */
export function nearRecommendation<C extends Comparison>(
  comparisons: readonly C[],
  recommendation: { stored_bytes_mean: number },
  pareto: Record<string, readonly (Omit<Setting, 'provider'> & { stored_bytes_mean: number })[]>,
): C[] {
  const near = nearestSettings(recommendation, pareto);
  return comparisons.filter((c) => near.has(settingKey(c.provider, c)));
}

/** Each provider's frontier setting nearest the recommendation in mean bytes, as `provider|factor|format|quality` (pareto's settingId). */
export function nearestSettings(
  recommendation: { stored_bytes_mean: number },
  pareto: Record<string, readonly (Omit<Setting, 'provider'> & { stored_bytes_mean: number })[]>,
): Set<string> {
  const near = new Set<string>();
  for (const [provider, list] of Object.entries(pareto)) {
    const best = [...list].sort((a, b) => Math.abs(a.stored_bytes_mean - recommendation.stored_bytes_mean) - Math.abs(b.stored_bytes_mean - recommendation.stored_bytes_mean))[0];
    if (best) near.add(settingKey(provider, best));
  }
  return near;
}
