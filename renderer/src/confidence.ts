/**
 * How sure the app's means are: 95% intervals, paired comparisons and the stopping rule from the engine's
 * own pure functions (results/confidence, intervals, comparisons, stopping), at summary.json's seed and
 * resamples, so the app shows the numbers summary.json holds, on whichever metric the user judges by.
 * A bootstrap is seconds of work at 54,000 rows: callers memoise these per metric, never per slider step.
 */
import type { UiRow } from '../../preload/ipc-contract';
import { type BootstrapOptions, type Interval, LEVEL, clusterMeanInterval } from '../../main/core/results/confidence';
import type { MetricAccess } from '../../main/core/results/comparisons';
import { groupBy } from '../../main/core/results/group-by';
import { valuesByImage } from '../../main/core/results/intervals';
import { type MetricDef, scoreOf } from './metrics';

export type { Interval };

/** The metric as the engine's comparisons read a row (an identical image's PSNR, ∞, counts as none, as in the app's means). */
export const accessOf = (m: MetricDef): MetricAccess<UiRow> => ({ label: m.label, score: (r) => scoreOf(r, m), higherIsBetter: m.higherIsBetter });

/** The seed, resamples and level summary.json's intervals were made with (its `confidence`), else the engine's defaults. */
export function bootstrapOptions(summary: Record<string, unknown> | null | undefined): BootstrapOptions {
  const c = summary?.confidence as Record<string, unknown> | undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { seed: num(c?.seed), resamples: num(c?.resamples), level: num(c?.level) };
}

/**
 * The 95% interval of the metric's mean over each group of rows (`key`), resampling images (a sweep's rows
 * of one image together), as summary.json's `ci` gives it for a provider or a setting.
 */
export function meanIntervalsBy(rows: readonly UiRow[], key: (r: UiRow) => string, m: MetricDef, opts: BootstrapOptions = {}): Map<string, Interval> {
  const out = new Map<string, Interval>();
  for (const [k, rs] of groupBy(rows, key)) {
    const { sums, counts } = valuesByImage(rs, m.column);
    out.set(k, clusterMeanInterval(sums, counts, opts));
  }
  return out;
}

const signedText = (x: number, digits: number) => {
  const s = Math.abs(x).toFixed(digits);
  return Number(s) === 0 || x >= 0 ? s : `−${s}`;
};

/**
 * "0.905…0.919": the interval's ends at the mean's decimals (one or two more where those would show one
 * number twice), true minus signs; '' when there is none (one image, no scores).
 */
export function rangeText(iv: Interval | null | undefined, digits: number): string {
  if (!iv || iv.low === null || iv.high === null) return '';
  let d = digits;
  while (d < digits + 2 && iv.low !== iv.high && iv.low.toFixed(d) === iv.high.toFixed(d)) d++;
  return `${signedText(iv.low, d)}…${signedText(iv.high, d)}`;
}

/** What an interval is, for a tooltip: "95% interval over 25 images: bootstrap percentile of the mean, …". */
export function intervalTitle(iv: Interval | null | undefined): string {
  if (!iv) return '';
  return iv.low === null ? iv.method : `${Math.round(LEVEL * 100)}% interval over ${iv.n} image${iv.n === 1 ? '' : 's'}: ${iv.method}`;
}

/** recharts' ErrorBar lengths below and above the mean; null without an interval. */
export function errorOf(iv: Interval | null | undefined): [number, number] | null {
  if (!iv || iv.mean === null || iv.low === null || iv.high === null) return null;
  return [Math.max(0, iv.mean - iv.low), Math.max(0, iv.high - iv.mean)];
}
