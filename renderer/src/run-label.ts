import type { UiRow } from '../../preload/ipc-contract';
import { describeSetting } from '../../main/core/results/pareto';

/** The model worth naming beside a provider ("esrgan-slim x4 int8"); the baselines' model strings only restate their kernel. */
export const modelOf = (provider: string, model: string) => (model && model !== provider && !['bicubic', 'lanczos', 'none'].includes(provider) ? model : '');

/** "local-ai · esrgan-slim x4 int8", or the provider alone. */
export const providerLabel = (provider: string, model: string) => [provider, modelOf(provider, model)].filter(Boolean).join(' · ');

const formatText = (r: Pick<UiRow, 'format' | 'quality'>) => (r.quality === null || r.format === 'png' ? r.format : `${r.format} q${r.quality}`);
const sizeText = (r: Pick<UiRow, 'factor'>) => (r.factor === null ? 'fitted to a size' : r.factor === 1 ? 'at full size' : `at ÷${r.factor}`);

/** How a row's image was stored: "webp q80 at ÷4", "png at full size", "jpeg q90 fitted to a size" (a --fit run has no one factor). */
export const storedText = (r: Pick<UiRow, 'factor' | 'format' | 'quality'>) => `${formatText(r)} ${sizeText(r)}`;

const unique = (xs: string[]) => [...new Set(xs)];

/**
 * A run's stored setting and its providers with their models: "png, jpeg q90 at ÷4" (a run keeping each
 * image's own format stores several) and "local-ai · esrgan-slim x4". Rows that stored nothing are left out.
 */
export function runLabel(rows: UiRow[]): { stored: string; models: string[] } {
  const stored = rows.filter((r) => r.format);
  const sizes = unique(stored.map(sizeText)).map((size) => `${unique(stored.filter((r) => sizeText(r) === size).map(formatText)).join(', ')} ${size}`);
  return { stored: sizes.join('; '), models: unique(rows.map((r) => providerLabel(r.provider, r.model))) };
}
