import sharp from 'sharp';
import { BenchError, throwIfAborted } from '../errors.js';
import { type RawImage, rgbOnly, toRaw } from '../image/raw.js';
import { resample } from '../image/resample.js';
import { DEFAULT_LOCAL_MODEL, LOCAL_MODELS, PRECISIONS, hasInt8, type LocalModelName, type Precision } from '../models/catalog.js';
import { onnxModelPath } from '../models/model-files.js';
import { type LibraryEntry, ModelLibrary, changedModel, unknownModel } from '../models/library.js';
import { upscaleTiled } from '../inference/onnx-runner.js';
import { defaultTileOverlap } from '../inference/tile-overlap.js';
import { ComputeClock } from '../inference/compute-clock.js';
import { InferenceScheduler } from '../inference/inference-scheduler.js';
import type { InferenceSlots } from '../inference/inference-slots.js';
import type { ProviderSpec } from '../pipeline/settings.js';
import type { ProviderContext } from './registry.js';
import type { UpscaleInput, UpscaleOutput, UpscaleProvider } from './upscale-provider.js';

/** Outputs this large release idle inference sessions before scoring (see upscale()). */
const LARGE_OUTPUT_PIXELS = 8_000_000;

export const DEFAULT_TILE_SIZE = 256;
export const DEFAULT_TILE_OVERLAP = 10;

/** An imported model from the library, resolved by name for one run. */
export interface ImportedModel {
  onnxPath: string;
  /** The run's factor; the model runs at its own scale and the row says why its output is resized. */
  runFactor: number;
  library: ModelLibrary;
  /** Tile windows start on multiples of this; the graph pads sizes itself. */
  sizeMultiple: number;
}

/** ESRGAN on the CPU through onnxruntime: offline, no account, the app's default provider. */
export class LocalAiProvider implements UpscaleProvider {
  readonly name = 'local-ai';
  private scheduler?: InferenceScheduler;
  private busy = { active: 0, since: 0, ms: 0, pixels: 0 };

  constructor(
    readonly modelName: string,
    readonly scale: number,
    private readonly tileSize = DEFAULT_TILE_SIZE,
    private readonly overlap = DEFAULT_TILE_OVERLAP,
    readonly precision: Precision = 'fp32',
    private readonly imported?: ImportedModel,
    private readonly slots?: InferenceSlots,
  ) {
    if (imported) return;
    if (!(LOCAL_MODELS[modelName as LocalModelName].scales as readonly number[]).includes(scale)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `local model ${modelName} has no x${scale}`);
    }
    if (precision === 'int8' && !hasInt8(modelName as LocalModelName)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `local model ${modelName} has no int8 build (int8: ${Object.keys(LOCAL_MODELS).filter((m) => hasInt8(m as LocalModelName)).join(', ')})`);
    }
  }

  get model(): string {
    if (this.imported) return `${this.modelName} x${this.scale}`;
    return `esrgan-${this.modelName} x${this.scale}${this.precision === 'int8' ? ' int8' : ''}`;
  }

  /** An imported model runs at its own scale, and its output is resized to the run's factor. */
  scaleFor(): number {
    return this.imported?.runFactor ?? this.scale;
  }

  warm(): void {
    this.sessions().warm();
  }

  /** One scheduler for every image this provider runs: their tiles share one set of workers. */
  private sessions(): InferenceScheduler {
    return (this.scheduler ??= new InferenceScheduler(this.imported?.onnxPath ?? onnxModelPath(this.modelName as LocalModelName, this.scale, this.precision), this.slots));
  }

  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    const notes: string[] = [];
    // the image's own compute: its tiles' time inside onnxruntime plus this provider's work around them
    const clock = new ComputeClock();
    let t0 = performance.now();
    const decoded = await toRaw(sharp(input.bytes).toColourspace('srgb'));
    const { rgb, alpha } = splitAlpha(decoded);
    clock.add(performance.now() - t0);
    const scheduler = this.sessions();
    let up: RawImage;
    this.busyStart();
    try {
      up = await upscaleTiled(scheduler.forImage(clock), rgb, {
        scale: this.scale,
        tileSize: this.tileSize,
        overlap: this.overlap,
        align: this.imported?.sizeMultiple ?? 1,
        signal: input.signal,
        onTile: (done, total) => input.onProgress?.({ done, total }),
        // every worker busy on this image, and one tile ready for whichever frees first
        parallel: scheduler.workers + 1,
        clock,
      });
      this.busy.pixels += up.width * up.height;
    } finally {
      this.busyEnd();
    }
    // Re-opening a session costs about a second; for a large image that is nothing beside its scoring,
    // whose memory peak then no longer stacks on the idle sessions' (measured: 24 MP through RRDBNet-23).
    if (up.width * up.height >= LARGE_OUTPUT_PIXELS) this.scheduler?.releaseIfIdle();
    const resizeReason = this.imported && this.imported.runFactor !== this.scale ? `model is x${this.scale}, run factor ${this.imported.runFactor}` : undefined;
    const timing = () => ({ busyMs: clock.busyMs, waitMs: clock.waitMs, threads: scheduler.plan.threadsEach });
    if (!alpha) return { image: up, notes, resizeReason, timing: timing() };
    notes.push('alpha upscaled with bicubic');
    t0 = performance.now();
    const image = joinAlpha(up, resample(alpha, up.width, up.height, 'cubic'));
    clock.add(performance.now() - t0);
    return { image, notes, resizeReason, timing: timing() };
  }

  /** Wall time with at least one image upscaling: the machine's throughput for this model. */
  private busyStart() {
    if (this.busy.active++ === 0) this.busy.since = Date.now();
  }

  private busyEnd() {
    if (--this.busy.active === 0) this.busy.ms += Date.now() - this.busy.since;
  }

  async dispose(): Promise<void> {
    await this.scheduler?.close();
    this.scheduler = undefined;
    // An imported model's speed on this machine, shown by `models`; a tiny image says little, so skip those.
    if (this.imported && this.busy.pixels >= 1e5 && this.busy.ms > 0) await this.imported.library.recordSpeed(this.modelName, this.busy.pixels / 1e6 / (this.busy.ms / 1000));
  }
}

export async function createLocalAiProvider(spec: ProviderSpec, ctx: ProviderContext): Promise<UpscaleProvider> {
  const s = spec as Extract<ProviderSpec, { name: 'local-ai' }>;
  const model = s.model ?? DEFAULT_LOCAL_MODEL;
  const precision = s.precision ?? 'fp32';
  if (!PRECISIONS.includes(precision)) throw new BenchError('ERROR_BAD_SETTINGS', `unknown precision '${precision}' (${PRECISIONS.join(', ')})`);
  if (model in LOCAL_MODELS) return new LocalAiProvider(model, ctx.factor, s.tileSize, s.tileOverlap, precision, undefined, ctx.inference);
  const { library, entry } = await resolveImported(model, s.modelSha256);
  if (precision === 'int8') throw new BenchError('ERROR_BAD_SETTINGS', `imported model '${entry.name}' has no int8 build; use --precision fp32`);
  // Importers pad sizes inside the graph; sizeMultiple > 1 only asks for windows that start on its grid.
  const overlap = importedTileOverlap(entry, s.tileOverlap);
  return new LocalAiProvider(entry.name, entry.scale, s.tileSize ?? importedTileSize(entry, overlap), overlap, 'fp32', {
    onnxPath: library.onnxPath(entry),
    runFactor: ctx.factor,
    library,
    sizeMultiple: entry.sizeMultiple ?? 1,
  }, ctx.inference);
}

/** `--tile-overlap`, else what the model's import recorded, else (older entries) its architecture's default. */
export function importedTileOverlap(e: LibraryEntry, given?: number): number {
  return given ?? e.tileOverlap ?? defaultTileOverlap(e);
}

/** Bytes one full-resolution activation of an imported ESRGAN may take: keeps a 24 MP run within the README's memory bound. */
const HR_ACTIVATION_BUDGET = 160e6;

/**
 * ESRGAN-family nets convolve `features` channels at the output resolution (conv_up2, conv_hr), so their
 * memory grows with scale² × tile²: a 256 px tile at x4 holds ~300 MB per activation (~0.9 GB per worker,
 * measured). Such nets get the largest tile whose activation fits the budget; others keep the default.
 */
export function importedTileSize(e: LibraryEntry, overlap = DEFAULT_TILE_OVERLAP): number {
  if (!/^ESRGAN|RRDB/i.test(e.architecture) || e.scale < 2) return DEFAULT_TILE_SIZE;
  const features = typeof e.details?.features === 'number' ? e.details.features : 64;
  const window = Math.sqrt(HR_ACTIVATION_BUDGET / (4 * features)) / e.scale;
  return Math.max(64, Math.min(DEFAULT_TILE_SIZE, Math.floor((window - 2 * overlap) / 16) * 16));
}

/** An imported model by name; with `sha256` (a run's record), only the very file that run used. */
export async function resolveImported(name: string, sha256?: string) {
  const library = new ModelLibrary();
  const entry = await library.find(name);
  if (!entry) throw unknownModel(name, library.dir);
  if (sha256 && entry.sha256 !== sha256) throw changedModel(entry, sha256);
  return { library, entry };
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
