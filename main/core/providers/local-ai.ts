import sharp from 'sharp';
import { BenchError, throwIfAborted } from '../errors.js';
import { type RawImage, rgbOnly, toRaw } from '../image/raw.js';
import { resample } from '../image/resample.js';
import { DEFAULT_LOCAL_MODEL, LOCAL_MODELS, PRECISIONS, hasInt8, type LocalModelName, type Precision } from '../models/catalog.js';
import { onnxModelPath } from '../models/model-files.js';
import { upscaleTiled } from '../models/onnx-runner.js';
import { OnnxWorkerPool } from '../models/onnx-pool.js';
import type { ProviderSpec } from '../pipeline/settings.js';
import type { ProviderContext } from './registry.js';
import type { UpscaleInput, UpscaleOutput, UpscaleProvider } from './upscale-provider.js';

export const DEFAULT_TILE_SIZE = 256;
export const DEFAULT_TILE_OVERLAP = 10;

/** ESRGAN on the CPU through onnxruntime: offline, no account, the app's default provider. */
export class LocalAiProvider implements UpscaleProvider {
  readonly name = 'local-ai';
  private pool?: OnnxWorkerPool;

  constructor(
    readonly modelName: LocalModelName,
    readonly scale: number,
    private readonly threads: number,
    /** Images that may run at once: one worker (and session) each. */
    private readonly workers = 1,
    private readonly tileSize = DEFAULT_TILE_SIZE,
    private readonly overlap = DEFAULT_TILE_OVERLAP,
    readonly precision: Precision = 'fp32',
  ) {
    if (!(LOCAL_MODELS[modelName].scales as readonly number[]).includes(scale)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `local model ${modelName} has no x${scale}`);
    }
    if (precision === 'int8' && !hasInt8(modelName)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `local model ${modelName} has no int8 build (int8: ${Object.keys(LOCAL_MODELS).filter((m) => hasInt8(m as LocalModelName)).join(', ')})`);
    }
  }

  get model(): string {
    return `esrgan-${this.modelName} x${this.scale}${this.precision === 'int8' ? ' int8' : ''}`;
  }

  scaleFor(): number {
    return this.scale;
  }


  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    const notes: string[] = [];
    const decoded = await toRaw(sharp(input.bytes).toColourspace('srgb'));
    const { rgb, alpha } = splitAlpha(decoded);
    this.pool ??= new OnnxWorkerPool(onnxModelPath(this.modelName, this.scale, this.precision), this.workers, this.threads);
    const worker = this.pool.acquire();
    let up: RawImage;
    try {
      up = await upscaleTiled(worker.run, rgb, {
        scale: this.scale,
        tileSize: this.tileSize,
        overlap: this.overlap,
        signal: input.signal,
        onTile: (done, total) => input.onProgress?.({ done, total }),
      });
    } finally {
      worker.release();
    }
    if (!alpha) return { image: up, notes };
    notes.push('alpha upscaled with bicubic');
    const a = resample(alpha, up.width, up.height, 'cubic');
    return { image: joinAlpha(up, a), notes };
  }

  async dispose(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}

export async function createLocalAiProvider(spec: ProviderSpec, ctx: ProviderContext): Promise<UpscaleProvider> {
  const s = spec as Extract<ProviderSpec, { name: 'local-ai' }>;
  const model = (s.model ?? DEFAULT_LOCAL_MODEL) as LocalModelName;
  if (!(model in LOCAL_MODELS)) throw new BenchError('ERROR_BAD_SETTINGS', `unknown local model '${model}' (${Object.keys(LOCAL_MODELS).join(', ')})`);
  const precision = s.precision ?? 'fp32';
  if (!PRECISIONS.includes(precision)) throw new BenchError('ERROR_BAD_SETTINGS', `unknown precision '${precision}' (${PRECISIONS.join(', ')})`);
  return new LocalAiProvider(model, ctx.factor, ctx.threads, ctx.workers ?? 1, s.tileSize, s.tileOverlap, precision);
}

function splitAlpha(img: RawImage): { rgb: RawImage; alpha?: RawImage } {
  if (img.channels !== 4) return { rgb: rgbOnly(img) };
  const n = img.width * img.height;
  const alpha = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) alpha[i] = img.data[4 * i + 3];
  return { rgb: rgbOnly(img), alpha: { ...img, data: alpha, channels: 1 } };
}

function joinAlpha(rgb: RawImage, alpha: RawImage): RawImage {
  const n = rgb.width * rgb.height;
  const out = Buffer.allocUnsafe(n * 4);
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb.data[3 * i];
    out[4 * i + 1] = rgb.data[3 * i + 1];
    out[4 * i + 2] = rgb.data[3 * i + 2];
    out[4 * i + 3] = alpha.data[i];
  }
  return { data: out, width: rgb.width, height: rgb.height, channels: 4 };
}
