import sharp from 'sharp';
import { throwIfAborted } from '../errors.js';
import { toRaw } from '../image/raw.js';
import { RECOMPRESS_ONLY } from '../results/pareto.js';
import { type UpscaleInput, type UpscaleOutput, type UpscaleProvider, singleThreadTiming } from './upscale-provider.js';

/**
 * Factor 1: the image was only re-encoded at full size, so nothing upscales it; the stored copy is decoded
 * and scored as it is. The baseline every downscale-and-upscale setting has to beat at the same bytes.
 */
export class RecompressOnlyProvider implements UpscaleProvider {
  readonly name = RECOMPRESS_ONLY;
  readonly model = 'recompress only';

  scaleFor(): number {
    return 1;
  }

  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    const t0 = performance.now();
    const image = await toRaw(sharp(input.bytes).toColourspace('srgb'));
    const timing = singleThreadTiming(t0);
    input.onProgress?.({ done: 1, total: 1 });
    return { image, notes: [], timing };
  }
}
