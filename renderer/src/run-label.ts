import type { UiRow } from '../../preload/ipc-contract';
import { describeSetting } from '../../main/core/results/pareto';

/** The model worth naming beside a provider ("esrgan-slim x4 int8"); the baselines' model strings only restate their kernel. */
export const modelOf = (provider: string, model: string) => (model && model !== provider && !['bicubic', 'lanczos', 'none'].includes(provider) ? model : '');

/** "local-ai · esrgan-slim x4 int8", or the provider alone. */
export const providerLabel = (provider: string, model: string) => [provider, modelOf(provider, model)].filter(Boolean).join(' · ');

/** How a row's image was stored: "webp q80 at ÷4", "png at full size", "jpeg q90 fitted" (a --fit run has no one factor). */
export const storedText = (r: Pick<UiRow, 'factor' | 'format' | 'quality'>) =>
  r.factor === null ? `${r.quality === null || r.format === 'png' ? r.format : `${r.format} q${r.quality}`} fitted to a size` : describeSetting({ factor: r.factor, format: r.format, quality: r.quality });

const unique = (xs: string[]) => [...new Set(xs)];

/** A run's stored setting(s) and its providers with their models, as the results name them. */
export function runLabel(rows: UiRow[]): { stored: string; models: string[] } {
  return { stored: unique(rows.map(storedText)).join(', '), models: unique(rows.map((r) => providerLabel(r.provider, r.model))) };
}
