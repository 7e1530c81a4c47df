/**
 * The quality metrics the app can judge by, named as the CLI's `--metrics` and `--target` name them: how to
 * show each, which way is better, what it means in plain words, and the named levels a target slider marks.
 */
import type { UiRow } from '../../preload/ipc-contract';
import type { SettingPoint } from '../../main/core/results/pareto';

export type MetricKey = 'orb' | 'psnr' | 'ssim' | 'ssimulacra2' | 'butteraugli' | 'butteraugli_3norm';

export interface MetricDef {
  key: MetricKey;
  label: string;
  /** The results column it is read from. */
  column: 'orb_score' | 'psnr' | 'ssim' | 'ssimulacra2' | 'butteraugli' | 'butteraugli_3norm';
  unit: string;
  digits: number;
  /** False for a distance (Butteraugli): lower is better, a target is reached at ≤. */
  higherIsBetter: boolean;
  /** Where the scale itself stops (SSIM ≤ 1, Butteraugli ≥ 0…), so a slider never offers a value past it. */
  bounds: [number | null, number | null];
  step: number;
  /** A target to start from when the user switches to this metric. */
  defaultTarget: number;
  /** Published meanings on the scale, marked on the target slider. */
  levels: { value: number; label: string }[];
  /** What a target on it means, beside the slider. */
  help: string;
}

export const METRICS: readonly MetricDef[] = [
  {
    key: 'psnr',
    label: 'PSNR',
    column: 'psnr',
    unit: ' dB',
    digits: 2,
    higherIsBetter: true,
    bounds: [0, null],
    step: 0.1,
    defaultTarget: 30,
    levels: [],
    help: 'A setting passes when its images’ PSNR against the originals, averaged, is at least this many dB (higher = closer pixel by pixel). PSNR rewards blur over invented detail and ignores what people notice; judge by SSIMULACRA2 where the run has it.',
  },
  {
    key: 'ssim',
    label: 'SSIM',
    column: 'ssim',
    unit: '',
    digits: 3,
    higherIsBetter: true,
    bounds: [0, 1],
    step: 0.001,
    defaultTarget: 0.9,
    levels: [],
    help: 'A setting passes when its images’ SSIM against the originals, averaged, is at least this (1 = identical; lower lets more detail go). SSIM favours blur over invented detail, so look at candidates in the viewer, or judge by SSIMULACRA2 where the run has it.',
  },
  {
    key: 'orb',
    label: 'ORB',
    column: 'orb_score',
    unit: '',
    digits: 3,
    higherIsBetter: true,
    bounds: [0, 1],
    step: 0.001,
    defaultTarget: 0.9,
    levels: [],
    help: 'A setting passes when its images’ ORB similarity, averaged, is at least this: the share of the original’s keypoints (corners, edges) found again in the same place (1 = all of them). It says whether shapes survive, not whether they look right.',
  },
  {
    key: 'ssimulacra2',
    label: 'SSIMULACRA2',
    column: 'ssimulacra2',
    unit: '',
    digits: 1,
    higherIsBetter: true,
    bounds: [null, 100],
    step: 0.5,
    defaultTarget: 70,
    levels: [
      { value: 30, label: 'low' },
      { value: 50, label: 'medium' },
      { value: 70, label: 'high' },
      { value: 90, label: 'visually lossless' },
    ],
    help: 'A setting passes when its images’ SSIMULACRA2, averaged, is at least this. It is fitted to how people rate images: about 90 is visually lossless, 70 high quality, 50 medium, 30 low (100 = identical). Unlike SSIM and PSNR it does not reward blur over invented detail.',
  },
  {
    key: 'butteraugli',
    label: 'Butteraugli',
    column: 'butteraugli',
    unit: '',
    digits: 2,
    higherIsBetter: false,
    bounds: [0, null],
    step: 0.05,
    defaultTarget: 2,
    levels: [{ value: 1, label: 'just noticeable' }],
    help: 'A setting passes when its images’ Butteraugli distance, averaged, is at most this: lower is better (0 = identical). It is the most visible difference anywhere in the image: about 1 is just noticeable, 2–3 plainly visible. One bad spot sets it, so look at the heat map in the viewer.',
  },
  {
    key: 'butteraugli_3norm',
    label: 'Butteraugli 3-norm',
    column: 'butteraugli_3norm',
    unit: '',
    digits: 2,
    higherIsBetter: false,
    bounds: [0, null],
    step: 0.05,
    defaultTarget: 1,
    levels: [{ value: 1, label: 'just noticeable' }],
    help: 'A setting passes when its images’ Butteraugli 3-norm, averaged, is at most this: lower is better (0 = identical). It pools the visible difference over the whole image rather than its worst spot, and is what the JPEG XL encoder aims at: about 1 is just noticeable.',
  },
];

export const metricDef = (key: MetricKey): MetricDef => METRICS.find((m) => m.key === key)!;

/** The row's score, or null where it has none; an identical image's PSNR (∞) counts as none, as in the means. */
export function scoreOf(row: UiRow, m: MetricDef): number | null {
  const v = row[m.column];
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** The metrics some ok row of the run has a score on, in the order above (the tables' order) (a metric the run did not compute is hidden). */
export const availableMetrics = (rows: readonly UiRow[]): MetricDef[] => METRICS.filter((m) => rows.some((r) => r.status === 'ok' && scoreOf(r, m) !== null));

/** Positive when a scores better than b. */
export const better = (m: MetricDef, a: number, b: number): number => (m.higherIsBetter ? a - b : b - a);

export const reaches = (m: MetricDef, score: number, target: number): boolean => (m.higherIsBetter ? score >= target : score <= target);

/** "SSIMULACRA2 ≥ 70", "Butteraugli ≤ 1.5". */
export const describeTarget = (m: MetricDef, value: number): string => `${m.label} ${m.higherIsBetter ? '≥' : '≤'} ${Number(value.toFixed(m.digits + 1))}${m.unit}`;

/** The default chosen metric: the perceptual one when the run has it, else SSIM, else the first it has. */
export function defaultMetric(available: readonly MetricDef[]): MetricKey {
  return (available.find((m) => m.key === 'ssimulacra2') ?? available.find((m) => m.key === 'ssim') ?? available[0] ?? metricDef('ssim')).key;
}

/** A setting with every metric's mean, as the engine's `settingPoints` gives it. */
export type ScoredPoint = SettingPoint;

export function pointMean(p: ScoredPoint, m: MetricDef): number | null {
  const v = (p as unknown as Record<string, number | null | undefined>)[`${m.key}_mean`];
  return v === undefined || v === null || !Number.isFinite(v) ? null : v;
}

/**
 * The slider's range for a metric: the values the settings reach, widened to the target, to a round step,
 * and to the named levels; never past the scale's own bounds.
 */
export function sliderRange(m: MetricDef, values: readonly number[], target: number): { min: number; max: number } {
  const xs = [...values, target, ...m.levels.map((l) => l.value)];
  const unit = m.step * 10;
  let min = Math.floor(Math.min(...xs) / unit) * unit;
  let max = Math.ceil(Math.max(...xs) / unit) * unit;
  if (m.bounds[0] !== null) min = Math.max(m.bounds[0], min);
  if (m.bounds[1] !== null) max = Math.min(m.bounds[1], m.higherIsBetter ? Math.max(max, m.bounds[1]) : max);
  if (max <= min) max = min + unit;
  return { min: Number(min.toFixed(6)), max: Number(max.toFixed(6)) };
}

/** Decimals a target on this metric is shown with (those of its slider step). */
export const stepDigits = (m: MetricDef): number => Math.max(0, -Math.floor(Math.log10(m.step) + 1e-9));
