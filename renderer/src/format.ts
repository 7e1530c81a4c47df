export const fmt = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** Sizes in decimal units (kB = 1000 B), the same formatter the CLI prints with. */
export { GB, formatBytes as bytes } from '../../main/core/results/format-bytes';

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "about 40 s" when the range is tight, else "1 min 10 s – 2 min". */
export function durationRange(low: number, high: number): string {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return '–';
  if (high <= 0) return 'under a second';
  if (high < low * 1.15 || high - low < 2) return `about ${duration((low + high) / 2)}`;
  return `${duration(low)} – ${duration(high)}`;
}

export const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

export const PROVIDER_COLOURS: Record<string, string> = {
  'local-ai': '#2f7de1',
  sagemaker: '#e8772e',
  bicubic: '#7a8699',
  lanczos: '#3aa57a',
};

/** A shape per provider too, so the scatter does not rely on colour alone. */
export const PROVIDER_SHAPES: Record<string, 'circle' | 'triangle' | 'square' | 'diamond' | 'cross' | 'star'> = {
  'local-ai': 'circle',
  sagemaker: 'star',
  bicubic: 'triangle',
  lanczos: 'square',
};
