import { existsSync } from 'node:fs';
import { BenchError } from '../errors.js';
import { DEFAULT_LOCAL_MODEL, PRECISIONS, type Precision } from './catalog.js';
import { ModelLibrary, changedModel, unknownModel } from './library.js';
import { type ModelEntry, precisionsOf } from './model-entry.js';
import { builtinEntries, findModel } from './model-list.js';

export const DEFAULT_TILE_SIZE = 256;

/** What the local-ai provider needs to run one model at one run's factor: no matter where it came from. */
export interface RunnableModel {
  entry: ModelEntry;
  precision: Precision;
  /** The scale the graph upscales by: the run's factor when the model has it, else its own. */
  scale: number;
  /** The run's factor; when it differs from `scale` the output is resized and the row says why. */
  runFactor: number;
  onnxPath: string;
  tileSize: number;
  tileOverlap: number;
  /** Records a speed measured by a run (shown by `models`); a no-op for read-only built-ins. */
  recordSpeed(mpsOut: number): Promise<void>;
}

export interface ModelRequest {
  model?: string;
  precision?: Precision;
  tileSize?: number;
  tileOverlap?: number;
  /** A run's record of the file it used: a resume refuses another. */
  modelSha256?: string;
}

/** Bytes one full-resolution activation may take: keeps a 24 MP run within the README's memory bound. */
const HR_ACTIVATION_BUDGET = 160e6;

/** Peak activation bytes a DAT/HAT tile may take per worker (a 256 px tile of full-size DAT took 2.2 GB, HAT ~4 GB). */
const ATTENTION_BUDGET = 1.5e9;

/**
 * ESRGAN-family nets convolve `hrFeatures` channels at the output resolution (conv_up2, conv_hr), so their
 * memory grows with scale² × tile²: a 256 px tile at x4 holds ~300 MB per activation (~0.9 GB per worker,
 * measured). Such nets get the largest tile whose activation fits the budget. DAT and HAT hold attention
 * scores per pixel (`attentionBytesPerPixel`): their window (tile + overlaps) fits ATTENTION_BUDGET, the
 * tile a multiple of their size multiple. Others keep the default.
 */
export function tileSizeFor(e: Pick<ModelEntry, 'hrFeatures' | 'attentionBytesPerPixel' | 'sizeMultiple'>, scale: number, overlap: number): number {
  if (e.attentionBytesPerPixel) {
    const m = Math.max(1, e.sizeMultiple ?? 1);
    const side = Math.floor((Math.sqrt(ATTENTION_BUDGET / e.attentionBytesPerPixel) - 2 * overlap) / m) * m;
    return Math.max(Math.ceil(64 / m) * m, Math.min(DEFAULT_TILE_SIZE, side));
  }
  if (!e.hrFeatures || scale < 2) return DEFAULT_TILE_SIZE;
  const window = Math.sqrt(HR_ACTIVATION_BUDGET / (4 * e.hrFeatures)) / scale;
  return Math.max(64, Math.min(DEFAULT_TILE_SIZE, Math.floor((window - 2 * overlap) / 16) * 16));
}

/** The model a local-ai spec names, ready to run at `factor`; a sentence for an unknown model, scale or build. */
export async function resolveModel(req: ModelRequest, factor: number, library = new ModelLibrary()): Promise<RunnableModel> {
  const name = req.model ?? DEFAULT_LOCAL_MODEL;
  const precision = req.precision ?? 'fp32';
  if (!PRECISIONS.includes(precision)) throw new BenchError('ERROR_BAD_SETTINGS', `unknown precision '${precision}' (${PRECISIONS.join(', ')})`);
  const entry = await findModel(name, library);
  if (!entry) throw unknownModel(name, library.dir);
  if (req.modelSha256 && entry.sha256 && entry.sha256 !== req.modelSha256) throw changedModel({ name: entry.name, sha256: entry.sha256 }, req.modelSha256);
  return runnable(entry, factor, { ...req, precision }, library);
}

/** Pure in its choices (scale, build, tiles); throws when the entry cannot run as asked. */
export function runnable(entry: ModelEntry, factor: number, req: ModelRequest & { precision: Precision }, library = new ModelLibrary()): RunnableModel {
  const { precision } = req;
  // A model with several scales runs at the run's; a one-scale model at its own, resized afterwards.
  const scale = entry.scales.includes(factor) ? factor : entry.scales.length === 1 ? entry.scales[0] : null;
  if (scale === null) throw new BenchError('ERROR_BAD_SETTINGS', `local model ${entry.name} has no x${factor} (it has ${entry.scales.map((s) => `x${s}`).join(', ')})`);
  if (!entry.builds[precision]) {
    const withIt = [...builtinEntries()].filter((e) => e.builds[precision]).map((e) => e.name);
    const how = entry.kind === 'imported' ? `make one with \`upscale-bench models quantize ${entry.name}\`, or use --precision fp32` : `use --precision fp32${withIt.length ? `; built-in models with one: ${withIt.join(', ')}` : ''}`;
    throw new BenchError('ERROR_BAD_SETTINGS', `local model ${entry.name} has no ${precision} build (it has ${precisionsOf(entry).join(', ')}): ${how}`);
  }
  const onnxPath = entry.builds[precision]!.graphs[scale];
  if (!existsSync(onnxPath)) {
    const what = `local model ${entry.name} x${scale}${precision === 'int8' ? ' int8' : ''}`;
    throw new BenchError('ERROR_BAD_SETTINGS', entry.kind === 'built-in' ? `${what} is not built (${onnxPath} missing): run \`npm run models\`` : `${what}: its graph is missing from the library (${onnxPath}); add the model again`);
  }
  const tileOverlap = req.tileOverlap ?? entry.tileOverlap;
  return {
    entry,
    precision,
    scale,
    runFactor: factor,
    onnxPath,
    tileSize: req.tileSize ?? tileSizeFor(entry, scale, tileOverlap),
    tileOverlap,
    // the library keeps speeds of its own entries only; a built-in's name finds nothing there
    recordSpeed: (mps) => library.recordSpeed(entry.name, mps, precision),
  };
}
