import type { DownscaleSettings } from '../image/downscale.js';
import type { ProviderSpec, RunSettings } from './settings.js';

/** One way an image is stored (factor, format, quality), and the providers that read that copy back. */
export interface StoredSetting {
  /** Folder name that keeps a sweep's copies apart (`f2-webp-q80`); null for a run's single setting. */
  tag: string | null;
  downscale: DownscaleSettings;
  providers: ProviderSpec[];
}

/** At factor 1 the copy is full size: nothing upscales it, it is scored as it is (provider `none`). */
export const isRecompressOnly = (d: DownscaleSettings) => d.factor === 1 && !d.fit;

export function settingTag(d: DownscaleSettings): string {
  return d.format === 'png' ? `f${d.factor}-png` : `f${d.factor}-${d.format}-q${d.quality}`;
}

/** Where a setting's copy of `rel` lives in the store and the upscaled folder: under its tag in a sweep. */
export const underTag = (tag: string | null, rel: string): string => (tag ? `${tag}/${rel}` : rel);

/** A run's one setting, or a sweep's grid in factor, format, quality order (PNG once per factor). */
export function storedSettings(s: RunSettings): StoredSetting[] {
  const withProviders = (downscale: DownscaleSettings, tag: string | null): StoredSetting => ({
    tag,
    downscale,
    providers: isRecompressOnly(downscale) ? [{ name: 'none' }] : s.providers,
  });
  if (!s.sweep) return [withProviders(s.downscale, null)];
  const out: StoredSetting[] = [];
  const seen = new Set<string>();
  for (const factor of s.sweep.factors) {
    for (const format of s.sweep.formats) {
      for (const quality of format === 'png' ? [s.sweep.qualities[0] ?? s.downscale.quality] : s.sweep.qualities) {
        const downscale: DownscaleSettings = { factor, format, quality, kernel: s.downscale.kernel };
        const tag = settingTag(downscale);
        if (seen.has(tag)) continue;
        seen.add(tag);
        out.push(withProviders(downscale, tag));
      }
    }
  }
  return out;
}

/** Rows a run writes per input image. */
export const rowsPerImage = (settings: StoredSetting[]) => settings.reduce((n, s) => n + s.providers.length, 0);
