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

/** "SSIMULACRA2 ≥ 70 (high quality)", "Butteraugli ≤ 1.5", "SSIM ≥ 0.9". */
export function describeTarget(t: Target): string {
  const level = t.metric === 'ssimulacra2' ? Object.entries(SSIMULACRA2_LEVELS).find(([, v]) => v === t.value)?.[0] : undefined;
  const named = level === 'lossless' ? ' (visually lossless)' : level ? ` (${level} quality)` : '';
  return `${LABEL[t.metric]} ${higherIsBetter(t.metric) ? '≥' : '≤'} ${t.value}${named}`;
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
  !!v && typeof v === 'object' && (TARGET_METRICS as readonly string[]).includes((v as Target).metric) && typeof (v as Target).value === 'number' && targetValueProblem((v as Target).metric, (v as Target).value) === null;
