import sharp from 'sharp';
import { toRaw } from '../image/raw.js';
import { throwIfAborted } from '../errors.js';
import type { UpscaleInput, UpscaleOutput, UpscaleProvider } from './upscale-provider.js';

/** Classic resampling as an honest baseline: what any AI provider has to beat. */
export class InterpolationProvider implements UpscaleProvider {
  constructor(
    readonly name: 'bicubic' | 'lanczos',
    private readonly kernel: 'cubic' | 'lanczos3',
  ) {}

  get model(): string {
    return this.kernel === 'cubic' ? 'sharp cubic (Catmull-Rom)' : 'sharp lanczos3';
  }

  scaleFor(): null {
    return null;
  }

  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    input.onProgress?.({ done: 0, total: 1 });
    const image = await toRaw(
      sharp(input.bytes).toColourspace('srgb').resize(input.target.width, input.target.height, { fit: 'fill', kernel: this.kernel }),
    );
    input.onProgress?.({ done: 1, total: 1 });
    return { image, notes: [] };
  }
}

export const bicubic = () => new InterpolationProvider('bicubic', 'cubic');
export const lanczos = () => new InterpolationProvider('lanczos', 'lanczos3');
