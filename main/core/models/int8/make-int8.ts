/**
 * An int8 build of an imported model: its fp32 graph calibrated on the calibration photos (and on the same
 * photos brought down ×scale, which is what runs feed it), channel-equalized, quantized, then measured
 * against fp32 (measure.ts). It is kept only when it is worth it: at least MIN_SPEEDUP× fp32's speed here,
 * and on average at most COST_BOUND_DB of PSNR below fp32 against the originals; otherwise refused with a
 * sentence that gives what was measured (`--force` keeps it anyway, the cost recorded and said).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { BenchError, type ErrorCode, throwIfAborted } from '../../errors.js';
import { resizeRaw } from '../../image/raw.js';
import { startWorker } from '../../workers/start-worker.js';
import { calibrateRanges } from '../calibrate.js';
import { LOCAL_MODELS } from '../catalog.js';
import { ModelLibrary, type LibraryEntry, type LibraryInt8, unknownModel } from '../library.js';
import type { Int8Quality } from '../model-entry.js';
import { importedEntry } from '../model-list.js';
import { quantizeGraph } from '../quantize.js';
import { tileSizeFor } from '../resolve-model.js';
import { loadCalibrationSet } from './calibration-set.js';
import { equalizeChannels } from './equalize.js';
import { Int8Refused, prepareForInt8 } from './int8-support.js';
import { measureInt8 } from './measure.js';
import { int8WeightBits } from './weight-bits.js';

/** The most an int8 build may cost: mean PSNR against the originals, below fp32's, in dB. */
export const COST_BOUND_DB = 0.3;
/** Below this speed-up an int8 build buys too little for what it costs. */
export const MIN_SPEEDUP = 1.1;

export interface Int8Progress {
  stage: 'calibrating' | 'quantizing' | 'measuring' | 'saving';
}

export interface Int8Options {
  /** A folder of images to calibrate and measure on instead of the bundled photos. */
  calibrate?: string;
  /** Keep the build even when it is over the bound or not faster (the record says so). */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?(p: Int8Progress): void;
}

/** What a model needs to be built for (an imported entry's facts). */
export interface Int8Target {
  name: string;
  architecture: string;
  scale: number;
  sizeMultiple: number;
  tileSize: number;
  tileOverlap: number;
}

const fixed = (v: number, d: number) => v.toFixed(d).replace(/^-(0\.0*)$/, '$1');
const signed = (v: number, d: number) => (v >= 0 ? '+' : '−') + fixed(Math.abs(v), d);

/** The plain sentence `models` shows beside the int8 build. */
export function int8Summary(q: Int8Quality): string {
  const c = q.cost;
  const s2 = c.ssimulacra2 ? `, SSIMULACRA2 ${signed(c.ssimulacra2.mean, 1)} (worst ${signed(c.ssimulacra2.worst, 1)})` : '';
  const photos = q.calibration === 'bundled' ? `${q.photos} calibration photos` : `${q.photos} photos from ${q.calibration}`;
  const over = [...(c.withinBound ? [] : [`over the ${c.boundDb} dB bound`]), ...(q.speed.speedup >= MIN_SPEEDUP ? [] : [`short of the ${MIN_SPEEDUP}× speed-up worth a loss`])];
  return (
    `${q.speed.speedup.toFixed(1)}× ${q.speed.speedup >= 1 ? 'faster than fp32' : "fp32's speed (slower)"} here; against the originals of ${photos} (÷${q.speed.scale} and back): ` +
    `PSNR ${signed(c.psnr.mean, 2)} dB (worst ${signed(c.psnr.worst, 2)})${s2} vs fp32; output ${q.vsFp32.psnr.mean.toFixed(1)} dB PSNR from fp32's (worst ${q.vsFp32.psnr.worst.toFixed(1)})` +
    (over.length ? `; ${over.join(' and ')}, kept with --force` : '')
  );
}

/** Builds and measures; throws Int8Refused (with the measured numbers) when the build is not worth keeping. */
export async function buildInt8(fp32: Uint8Array, m: Int8Target, opts: Int8Options = {}): Promise<{ onnx: Uint8Array; int8: Omit<LibraryInt8, 'measured'> }> {
  const { signal, onProgress } = opts;
  const prepared = prepareForInt8(fp32, m.architecture);
  onProgress?.({ stage: 'calibrating' });
  const set = await loadCalibrationSet(opts.calibrate, { scale: m.scale, sizeMultiple: m.sizeMultiple });
  const small = await Promise.all(set.photos.map(({ image }) => resizeRaw(image, image.width / m.scale, image.height / m.scale, 'lanczos3')));
  const threads = Math.max(1, Math.min(4, availableParallelism()));
  throwIfAborted(signal);
  const calibrated = await calibrateRanges(prepared.bytes, [...set.photos.map((p) => p.image), ...small], threads);
  // The graph's input is pixels 0–255 (the runner's contract): exact in u8 at scale 1.
  calibrated.set('input', { min: 0, max: 255 });
  throwIfAborted(signal);

  onProgress?.({ stage: 'quantizing' });
  await new Promise((r) => setImmediate(r));
  const { bytes, ranges } = equalizeChannels(prepared.bytes, calibrated);
  const weightBits = await int8WeightBits();
  const onnx = quantizeGraph(bytes, ranges, { weightBits, floatConvs: prepared.floatConvs, floatTailConvs: 0 });
  throwIfAborted(signal);

  onProgress?.({ stage: 'measuring' });
  const measured = await measureInt8(fp32, onnx, set.photos, { scale: m.scale, tileSize: m.tileSize, tileOverlap: m.tileOverlap, align: m.sizeMultiple, threads, signal });
  const speedup = measured.int8MpsOut / measured.fp32MpsOut;
  const withinBound = measured.cost.psnr.mean >= -COST_BOUND_DB;
  const where = `${set.photos.length} ${set.source === 'bundled' ? 'calibration photos' : `photos from ${set.source}`} brought down ÷${m.scale} and upscaled back`;
  const c = measured.cost;
  const found =
    `${c.psnr.mean <= 0 ? `cost ${fixed(-c.psnr.mean, 2)}` : `gained ${fixed(c.psnr.mean, 2)}`} dB PSNR against the originals on average relative to fp32 ` +
    `(worst photo ${signed(c.psnr.worst, 2)} dB${c.ssimulacra2 ? `, SSIMULACRA2 ${signed(c.ssimulacra2.mean, 1)}` : ''}) at ${speedup.toFixed(2)}× fp32's speed here`;
  const problems = [...(withinBound ? [] : [`more than the ${COST_BOUND_DB} dB bound`]), ...(speedup >= MIN_SPEEDUP ? [] : [`short of the ${MIN_SPEEDUP}× speed-up that would be worth any loss`])];
  if (problems.length && !opts.force) {
    throw new Int8Refused(`int8 build of '${m.name}' refused: on ${where}, it ${found}: ${problems.join(', and ')}; the model stays fp32-only`, true);
  }
  const quality: Int8Quality = {
    photos: set.photos.length,
    calibration: set.source,
    weightBits,
    speed: { fp32MpsOut: round(measured.fp32MpsOut), int8MpsOut: round(measured.int8MpsOut), speedup: Number(speedup.toFixed(2)), threads, scale: m.scale },
    vsFp32: { psnr: stat2(measured.vsFp32.psnr), ssimulacra2: measured.vsFp32.ssimulacra2 && stat2(measured.vsFp32.ssimulacra2) },
    cost: { psnr: stat2(measured.cost.psnr, 3), ssimulacra2: measured.cost.ssimulacra2 && stat2(measured.cost.ssimulacra2), boundDb: COST_BOUND_DB, withinBound },
    at: new Date().toISOString(),
  };
  return { onnx, int8: { onnxBytes: onnx.byteLength, sha256: createHash('sha256').update(onnx).digest('hex'), summary: int8Summary(quality), quality } };
}

const round = (v: number) => Number(v.toPrecision(3));
const stat2 = (s: { mean: number; worst: number }, d = 2) => ({ mean: Number(s.mean.toFixed(d)), worst: Number(s.worst.toFixed(d)) });

/** `models quantize NAME`: builds an imported model's int8 graph and keeps it beside the fp32 one. */
export async function quantizeModel(name: string, opts: Int8Options & { library?: ModelLibrary; inWorker?: boolean } = {}): Promise<{ entry: LibraryEntry; ms: number }> {
  const t0 = Date.now();
  const library = opts.library ?? new ModelLibrary();
  const found = await library.find(name);
  if (!found) {
    const builtIn = Object.hasOwn(LOCAL_MODELS, name.toLowerCase());
    throw builtIn ? new BenchError('ERROR_BAD_SETTINGS', `'${name}' is a built-in model; its builds come with the app (thick has an int8 one)`) : unknownModel(name, library.dir);
  }
  const e = importedEntry(found, library);
  const target: Int8Target = { name: found.name, architecture: found.architecture, scale: found.scale, sizeMultiple: e.sizeMultiple, tileOverlap: e.tileOverlap, tileSize: tileSizeFor(e, found.scale, e.tileOverlap) };
  const fp32Path = library.onnxPath(found);
  const { onnx, int8 } = opts.inWorker ? await buildInt8InWorker(fp32Path, target, opts) : await buildInt8(new Uint8Array(await readFile(fp32Path)), target, opts);
  opts.onProgress?.({ stage: 'saving' });
  throwIfAborted(opts.signal);
  const entry = await library.setInt8(found.name, found.sha256, onnx, int8);
  return { entry, ms: Date.now() - t0 };
}

/** buildInt8 in a worker thread: the app's main process stays free, and abort ends the work at once. */
function buildInt8InWorker(fp32Path: string, target: Int8Target, opts: Int8Options): Promise<{ onnx: Uint8Array; int8: Omit<LibraryInt8, 'measured'> }> {
  throwIfAborted(opts.signal);
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'int8-worker', { workerData: { fp32Path, target, calibrate: opts.calibrate, force: opts.force } });
    const onAbort = () => {
      void worker.terminate();
      reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => opts.signal?.removeEventListener('abort', onAbort);
    worker.on('message', (m: { progress?: Int8Progress; result?: { onnx: Uint8Array; int8: Omit<LibraryInt8, 'measured'> }; error?: { kind: string; code?: string; message: string; forcible?: boolean } }) => {
      if (m.progress) opts.onProgress?.(m.progress);
      else if (m.result) {
        done();
        resolve(m.result);
      } else if (m.error) {
        done();
        const { kind, code, message, forcible } = m.error;
        reject(kind === 'refused' ? new Int8Refused(message, forcible) : kind === 'bench' ? new BenchError(code as ErrorCode, message) : new Error(message));
      }
    });
    worker.on('error', (err) => {
      done();
      reject(new BenchError('ERROR_INTERNAL', `the int8 build stopped: ${err.message}`));
    });
    worker.on('exit', () => {
      done();
      reject(new BenchError('ERROR_INTERNAL', 'the int8 build stopped without an answer'));
    });
  });
}
