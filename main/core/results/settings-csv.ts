import { stringify } from 'csv-stringify/sync';
import { escapeFormula } from './csv-format.js';
import { type SettingPoint, frontiers, settingId } from './pareto.js';
import type { At, TargetMetric } from './target.js';

/** Columns of the per-setting table (the app's sweep table, exported). */
export const SETTING_COLUMNS = [
  'provider',
  'model',
  'factor',
  'format',
  'quality',
  'images',
  'errors',
  'stored_bytes_mean',
  'saved_percent_mean',
  'ssim_mean',
  'ssimulacra2_mean',
  'butteraugli_mean',
  'butteraugli_3norm_mean',
  'psnr_mean',
  'orb_mean',
  'upscale_ms_mean',
  'upscale_core_s_mean',
  'on_frontier',
] as const;

const DECIMALS: Partial<Record<(typeof SETTING_COLUMNS)[number], number>> = { stored_bytes_mean: 1, saved_percent_mean: 2, ssim_mean: 4, ssimulacra2_mean: 4, butteraugli_mean: 4, butteraugli_3norm_mean: 4, psnr_mean: 3, orb_mean: 4, upscale_ms_mean: 1, upscale_core_s_mean: 3 };

/** One line per setting and provider, in the order given; `on_frontier` says whether the provider's frontier on `metric` (its `at` statistic) holds it. */
export function settingsCsv(points: SettingPoint[], metric: TargetMetric, at: At = 'mean'): string {
  const onFrontier = new Set(Object.values(frontiers(points, metric, at)).flatMap((f) => f.map(settingId)));
  const cells = points.map((p) =>
    SETTING_COLUMNS.map((c) => {
      if (c === 'on_frontier') return onFrontier.has(settingId(p)) ? 'yes' : 'no';
      const v = p[c];
      if (v === null) return '';
      if (typeof v === 'number') return DECIMALS[c] === undefined ? String(v) : String(Number(v.toFixed(DECIMALS[c])));
      return escapeFormula(v);
    }),
  );
  return stringify([[...SETTING_COLUMNS], ...cells], { record_delimiter: '\n' });
}
