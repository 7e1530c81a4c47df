/**
 * A quality target on one metric: which way is better, and whether a score reaches it. Pure, so the
 * renderer shares it with summary.json.
 */

/** The scores a target can be set on, by the name the CLI and summary.json use. */
export const TARGET_METRICS = ['ssim', 'psnr', 'orb'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

export interface Target {
  metric: TargetMetric;
  value: number;
}

/** The results column each metric is read from. */
const COLUMN = { ssim: 'ssim', psnr: 'psnr', orb: 'orb_score' } as const satisfies Record<TargetMetric, string>;

export type ScoredRow = { [K in (typeof COLUMN)[TargetMetric]]: number | null };

/** Every metric here is higher-is-better; a distance (Butteraugli) will not be. */
export const higherIsBetter = (_metric: TargetMetric): boolean => true;

/** The row's score on the metric, or null when it has none (not computed, or undefined for that pair). */
export function scoreOf(row: ScoredRow, metric: TargetMetric): number | null {
  const v = row[COLUMN[metric]];
  return v === null || Number.isNaN(v) ? null : v;
}

export const reaches = (score: number, t: Target): boolean => (higherIsBetter(t.metric) ? score >= t.value : score <= t.value);

/** Positive when a scores better than b on the metric. */
export const better = (metric: TargetMetric, a: number, b: number): number => (higherIsBetter(metric) ? a - b : b - a);

export const describeTarget = (t: Target): string => `${t.metric.toUpperCase()} ${higherIsBetter(t.metric) ? '≥' : '≤'} ${t.value}`;
