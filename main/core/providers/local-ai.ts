import sharp from 'sharp';
import { throwIfAborted } from '../errors.js';
import { type RawImage, rgbOnly, toRaw } from '../image/raw.js';
import { resample } from '../image/resample.js';
import { type RunnableModel, resolveModel } from '../models/resolve-model.js';
import { upscaleTiled } from '../inference/onnx-runner.js';
import { upscaleTwoStage } from '../inference/two-stage.js';
import { type TwoStageRun, twoStageRun } from '../inference/stage-graphs.js';
import { ComputeClock } from '../inference/compute-clock.js';
import { InferenceScheduler } from '../inference/inference-scheduler.js';
import type { InferenceSlots } from '../inference/inference-slots.js';
import type { ProviderSpec } from '../pipeline/settings.js';
import type { ProviderContext } from './registry.js';
import type { UpscaleInput, UpscaleOutput, UpscaleProvider } from './upscale-provider.js';

/** Outputs this large release idle inference sessions before scoring (see upscale()). */
const LARGE_OUTPUT_PIXELS = 8_000_000;

/** A model from the library (built in or imported: the provider does not ask) on the CPU through onnxruntime. */
export class LocalAiProvider implements UpscaleProvider {
  readonly name = 'local-ai';
  private scheduler?: InferenceScheduler;
  private busy = { active: 0, since: 0, ms: 0, pixels: 0 };

  /** `stages`: the model runs in two stages (inference/two-stage.ts); its tile size is then the body's. */
  constructor(
    readonly runnable: RunnableModel,
    private readonly slots?: InferenceSlots,
    readonly stages?: TwoStageRun & { tileSize: number; overlap: number },
  ) {}

  get modelName(): string {
    return this.runnable.entry.name;
  }

  get scale(): number {
    return this.runnable.scale;
  }

  get precision() {
    return this.runnable.precision;
  }

  get model(): string {
    const r = this.runnable;
    return `${r.entry.label} x${r.scale}${r.precision === 'int8' ? ' int8' : ''}`;
  }

  /** A model runs at its own scale when it lacks the run's factor; its output is then resized to the factor. */
  scaleFor(): number {
    return this.runnable.runFactor;
  }

  warm(): void {
    this.sessions().warm();
  }

  /** One scheduler for every image this provider runs: their tiles share one set of workers. */
  private sessions(): InferenceScheduler {
    return (this.scheduler ??= new InferenceScheduler(this.stages?.graphs ?? this.runnable.onnxPath, this.slots));
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
      const tiling = {
        tileSize: this.stages?.tileSize ?? this.runnable.tileSize,
        overlap: this.stages?.overlap ?? this.runnable.tileOverlap,
        align: this.runnable.entry.sizeMultiple,
        signal: input.signal,
        onTile: (done: number, total: number) => input.onProgress?.({ done, total }),
        // every worker busy on this image, and one tile ready for whichever frees first
        parallel: scheduler.workers + 1,
        clock,
      };
      const stages = this.stages;
      up = stages
        ? await upscaleTwoStage(scheduler.forImage(clock), rgb, { ...tiling, facts: stages.facts, headTileSize: stages.headTileSize, bodyLanes: scheduler.workers })
        : await upscaleTiled(scheduler.forImage(clock), rgb, { ...tiling, scale: this.runnable.scale });
      this.busy.pixels += up.width * up.height;
    } finally {
      this.busyEnd();
    }
    // Re-opening a session costs about a second; for a large image that is nothing beside its scoring,
    // whose memory peak then no longer stacks on the idle sessions' (measured: 24 MP through RRDBNet-23).
    if (up.width * up.height >= LARGE_OUTPUT_PIXELS) this.scheduler?.releaseIfIdle();
    const { scale, runFactor } = this.runnable;
    const resizeReason = runFactor !== scale ? `model is x${scale}, run factor ${runFactor}` : undefined;
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
    // The model's speed on this machine, shown by `models`; a tiny image says little, so skip those.
    if (this.busy.pixels >= 1e5 && this.busy.ms > 0) await this.runnable.recordSpeed(this.busy.pixels / 1e6 / (this.busy.ms / 1000));
  }
}

export async function createLocalAiProvider(spec: ProviderSpec, ctx: ProviderContext): Promise<LocalAiProvider> {
  const s = spec as Extract<ProviderSpec, { name: 'local-ai' }>;
  const runnable = await resolveModel(s, ctx.factor);
  return new LocalAiProvider(runnable, ctx.inference, await twoStagesFor(runnable, s.tileSize, s.tileOverlap));
}

/**
 * A net that convolves at the output's resolution (an ESRGAN's upsampling head, which caps its one-stage
 * tiles) runs in two stages when its graph (fp32 or int8) splits: the body on large tiles (`tileSize` sets
 * the body's), the head in sub-tiles. Other nets run in one stage as before.
 */
async function twoStagesFor(r: RunnableModel, tileSize?: number, givenOverlap?: number): Promise<(TwoStageRun & { tileSize: number; overlap: number }) | undefined> {
  if (!r.entry.hrFeatures) return undefined;
  // int8 rounds every activation, so a small difference near a seam can flip roundings further in: YandereNeo's
  // int8 body needed 32 px where its fp32 body needs 16 (16 px: up to 9 grey levels; 32: none). Large body
  // windows make the extra context cheap; --tile-overlap still decides.
  const overlap = givenOverlap ?? (r.precision === 'int8' ? Math.min(48, 2 * r.tileOverlap) : r.tileOverlap);
  const stages = await twoStageRun(r.onnxPath, overlap);
  return stages && { ...stages, tileSize: tileSize ?? stages.tileSize, overlap };
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
