import sharp from 'sharp';
import { toRaw } from '../image/raw.js';
import { type ResampleKernel, resample } from '../image/resample.js';
import { throwIfAborted } from '../errors.js';
import { type UpscaleInput, type UpscaleOutput, type UpscaleProvider, singleThreadTiming } from './upscale-provider.js';

/** Classic resampling as an honest baseline: what any AI provider has to beat. */
export class InterpolationProvider implements UpscaleProvider {
  constructor(
    readonly name: 'bicubic' | 'lanczos',
    private readonly kernel: ResampleKernel,
  ) {}

  get model(): string {
    return this.kernel === 'cubic' ? 'bicubic (Keys a=-0.5)' : 'lanczos3';
  }

  scaleFor(): null {
    return null;
  }

  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    input.onProgress?.({ done: 0, total: 1 });
    const t0 = performance.now();
    const small = await toRaw(sharp(input.bytes).toColourspace('srgb'));
    const image = resample(small, input.target.width, input.target.height, this.kernel);
    const timing = singleThreadTiming(t0);
    input.onProgress?.({ done: 1, total: 1 });
    return { image, notes: [], timing };
  }
}

export const bicubic = () => new InterpolationProvider('bicubic', 'cubic');
export const lanczos = () => new InterpolationProvider('lanczos', 'lanczos3');
