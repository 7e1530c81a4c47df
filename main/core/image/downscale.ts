import sharp from 'sharp';
import { type RawImage, rawInput } from './raw.js';
import { type StoreFormat, storeFormatFor } from './formats.js';
import { type Factor, type FitRange, targetSize } from './geometry.js';

export { FACTORS, type Factor, type FitRange, fitSize, targetSize } from './geometry.js';

export const KERNELS = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const;
export type Kernel = (typeof KERNELS)[number];

export interface DownscaleSettings {
  /** Divide each side by this, or… */
  factor: Factor;
  /** …bring the longest side into this range, as the original sample's downscaler did. Wins over factor. */
  fit?: FitRange;
  /** 'original' keeps the input's format where it can be encoded, else PNG. */
  format: StoreFormat | 'original';
  quality: number;
  kernel: Kernel;
}

export const DEFAULT_DOWNSCALE: DownscaleSettings = { factor: 4, format: 'original', quality: 90, kernel: 'lanczos3' };

export interface Downscaled {
  bytes: Buffer;
  format: StoreFormat;
  width: number;
  height: number;
  notes: string[];
}

export async function downscale(img: RawImage, originalFormat: string, s: DownscaleSettings): Promise<Downscaled> {
  const format = s.format === 'original' ? storeFormatFor(originalFormat) : s.format;
  const notes: string[] = [];
  if (s.format === 'original' && format !== originalFormat) notes.push(`${originalFormat} stored as ${format}`);
  const size = targetSize(img.width, img.height, s);
  let pipeline = sharp(img.data, rawInput(img));
  // same size (factor 1, or a fit already in range): re-encode only; a resize to the same size still filters
  if (size.width !== img.width || size.height !== img.height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: s.kernel });
  if (format === 'jpeg' && img.channels === 4) {
    notes.push('alpha flattened onto white for JPEG');
    pipeline = pipeline.flatten({ background: '#ffffff' });
  }
  const q = s.quality;
  switch (format) {
    case 'png':
      // no `effort`: for PNG it switches sharp to a lossy 256-colour palette
      pipeline = pipeline.png({ compressionLevel: 9 });
      break;
    case 'jpeg':
      pipeline = pipeline.jpeg({ quality: q, mozjpeg: false });
      break;
    case 'webp':
      pipeline = pipeline.webp({ quality: q });
      break;
    case 'avif':
      pipeline = pipeline.avif({ quality: q });
      break;
  }
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { bytes: data, format, width: info.width, height: info.height, notes };
}
