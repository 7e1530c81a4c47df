/**
 * A quality target on one metric: which way is better, and whether a score reaches it. Pure, so the
 * renderer shares it with summary.json.
 */
import type { Metric } from '../metrics/metric-names.js';

/** The scores a target can be set on, by the name the CLI and summary.json use (Butteraugli's max-norm is `butteraugli`). */
export const TARGET_METRICS = ['ssimulacra2', 'ssim', 'psnr', 'orb', 'butteraugli', 'butteraugli_3norm'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

export interface Target {
  metric: TargetMetric;
  value: number;
  /** The statistic of per-image scores that must reach `value` (`--at`); absent is the mean, as in every file from before it. */
  at?: At;
}

/**
 * The statistics a target can be on: the mean, or a low percentile of per-image scores, so a setting
 * qualifies only when most images, not just their average, reach the target.
 */
export const AT_CHOICES = ['mean', 'p5', 'p10', 'p25', 'median'] as const;
export type At = (typeof AT_CHOICES)[number];

/** The target's statistic ('mean' when it has none). */
export const targetAt = (t: Pick<Target, 'at'>): At => t.at ?? 'mean';

/** The target on `at`, written as files hold it: a mean target has no `at`, so it reads as every target before `--at`. */
export function withAt(t: Target, at: At = 'mean'): Target {
  return at === 'mean' ? { metric: t.metric, value: t.value } : { metric: t.metric, value: t.value, at };
}

/**
 * The percentile of per-image scores `at` asks for, on the metric's worse side; undefined for the mean.
 * p10 is the score 90% of images do at least as well as, so for a distance (Butteraugli, lower is better)
 * it is the 90th percentile of the distances.
 */
export function atPercentile(at: At, higherIsBetter: boolean): number | undefined {
  if (at === 'mean') return undefined;
  const p = at === 'median' ? 50 : Number(at.slice(1));
  return higherIsBetter ? p : 100 - p;
}

/** "p10" → 'p10' (p50 is the median); throws a sentence naming the choices. */
export function parseAt(text: string): At {
  const t = text.trim().toLowerCase();
  const at = t === 'p50' ? 'median' : t;
  if (!(AT_CHOICES as readonly string[]).includes(at)) throw new Error(`--at takes ${AT_CHOICES.join(', ')} (got '${text}')`);
  return at as At;
}

const SHARE: Record<Exclude<At, 'mean'>, string> = { p5: '19 images in 20', p10: '9 images in 10', p25: '3 images in 4', median: 'half the images' };

/** What a statistic means, in words: "p10: the score at least 9 images in 10 reach or beat" (nearest rank keeps that promise). */
export function atMeaning(at: At): string {
  if (at === 'mean') return 'mean: the average score over the images';
  return `${at}: the score at least ${SHARE[at]} reach or beat`;
}

/** SSIMULACRA2's published meanings, as libjxl's `ssimulacra2` prints them in its usage text. */
export const SSIMULACRA2_LEVELS = { lossless: 90, high: 70, medium: 50, low: 30 } as const;
export type Ssimulacra2Level = keyof typeof SSIMULACRA2_LEVELS;

/** SSIMULACRA2 ≥ 70: "high quality" is a target an analyst can picture. */
export const DEFAULT_TARGET: Target = { metric: 'ssimulacra2', value: SSIMULACRA2_LEVELS.high };

/** The results column each metric is read from. */
const COLUMN = {
  ssim: 'ssim',
  psnr: 'psnr',
  orb: 'orb_score',
  ssimulacra2: 'ssimulacra2',
  butteraugli: 'butteraugli',
  butteraugli_3norm: 'butteraugli_3norm',
} as const satisfies Record<TargetMetric, string>;

/** A row's score columns; a column may be missing (a results file older than it). */
export type ScoredRow = { [K in (typeof COLUMN)[TargetMetric]]?: number | null };

/** The score a run must compute for a target on this metric. */
export const scoredBy = (metric: TargetMetric): Metric => (metric === 'butteraugli_3norm' ? 'butteraugli' : metric);

/** Butteraugli is a distance: lower is better. Every other score is a similarity. */
export const higherIsBetter = (metric: TargetMetric): boolean => metric !== 'butteraugli' && metric !== 'butteraugli_3norm';

/** The row's score on the metric, or null when it has none (not computed, or undefined for that pair). */
export function scoreOf(row: ScoredRow, metric: TargetMetric): number | null {
  const v = row[COLUMN[metric]];
  return v === null || v === undefined || Number.isNaN(v) ? null : v;
}

export const reaches = (score: number, t: Target): boolean => (higherIsBetter(t.metric) ? score >= t.value : score <= t.value);

/** Positive when a scores better than b on the metric. */
export const better = (metric: TargetMetric, a: number, b: number): number => (higherIsBetter(metric) ? a - b : b - a);

const LABEL: Record<TargetMetric, string> = { ssimulacra2: 'SSIMULACRA2', ssim: 'SSIM', psnr: 'PSNR', orb: 'ORB', butteraugli: 'Butteraugli', butteraugli_3norm: 'Butteraugli 3-norm' };

/** The metric as people write it: "SSIMULACRA2", "Butteraugli 3-norm". */
export const metricLabel = (metric: TargetMetric): string => LABEL[metric];

/**
 * "SSIMULACRA2 ≥ 70 (high quality)", "Butteraugli ≤ 1.5", "SSIM ≥ 0.9"; a target on a percentile names it
 * first, "p10 SSIMULACRA2 ≥ 70 (high quality)" (a mean target reads as it always has).
 */
export function describeTarget(t: Target): string {
  const level = t.metric === 'ssimulacra2' ? Object.entries(SSIMULACRA2_LEVELS).find(([, v]) => v === t.value)?.[0] : undefined;
  const named = level === 'lossless' ? ' (visually lossless)' : level ? ` (${level} quality)` : '';
  const at = targetAt(t);
  return `${at === 'mean' ? '' : `${at} `}${LABEL[t.metric]} ${higherIsBetter(t.metric) ? '≥' : '≤'} ${t.value}${named}`;
}

/** Why a value cannot be a target on the metric, in a sentence, or null when it can. */
export function targetValueProblem(metric: TargetMetric, value: number): string | null {
  if (!Number.isFinite(value)) return `a ${LABEL[metric]} target must be a number`;
  if ((metric === 'ssim' || metric === 'orb') && !(value > 0 && value <= 1)) return `a ${LABEL[metric]} target must be above 0 and at most 1`;
  if (metric === 'ssimulacra2' && value > 100) return 'a SSIMULACRA2 target must be at most 100 (identical images)';
  if ((metric === 'psnr' || !higherIsBetter(metric)) && !(value > 0)) return `a ${LABEL[metric]} target must be above 0`;
  return null;
}

/** "ssimulacra2=high", "butteraugli=1.5", "ssim=0.9" → a target; throws a sentence saying what is wrong. */
export function parseTarget(text: string): Target {
  const m = /^\s*([a-z0-9_-]+)\s*=\s*(\S+)\s*$/i.exec(text);
  if (!m) throw new Error(`a target is METRIC=VALUE, e.g. ssimulacra2=70 or ssimulacra2=high (got '${text}')`);
  const metric = m[1].toLowerCase().replace('-', '_');
  if (!(TARGET_METRICS as readonly string[]).includes(metric)) throw new Error(`unknown target metric '${m[1]}': the metrics are ${TARGET_METRICS.join(', ')}`);
  const word = m[2].toLowerCase();
  const levels = Object.keys(SSIMULACRA2_LEVELS).join(', ');
  let value: number;
  if (word in SSIMULACRA2_LEVELS) {
    if (metric !== 'ssimulacra2') throw new Error(`the named levels (${levels}) are SSIMULACRA2's; give ${metric} a number`);
    value = SSIMULACRA2_LEVELS[word as Ssimulacra2Level];
  } else {
    value = m[2].trim() === '' ? NaN : Number(m[2]);
    if (Number.isNaN(value)) throw new Error(`a target value is a number${metric === 'ssimulacra2' ? ` or one of ${levels}` : ''} (got '${m[2]}')`);
  }
  const problem = targetValueProblem(metric as TargetMetric, value);
  if (problem) throw new Error(problem);
  return { metric: metric as TargetMetric, value };
}

/** Whether a value read from JSON (settings.json, an IPC request) is a target. */
export const isTarget = (v: unknown): v is Target =>
  !!v &&
  typeof v === 'object' &&
  (TARGET_METRICS as readonly string[]).includes((v as Target).metric) &&
  typeof (v as Target).value === 'number' &&
  targetValueProblem((v as Target).metric, (v as Target).value) === null &&
  ((v as Target).at === undefined || (AT_CHOICES as readonly string[]).includes((v as Target).at!));
