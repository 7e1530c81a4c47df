/**
 * What an int8 build gains and costs against its fp32 graph, measured when it is made, on the calibration
 * photos:
 * - speed: both graphs in this process, back to back, same tiles and threads;
 * - closeness: int8's output against fp32's on the photos themselves (PSNR, SSIMULACRA2);
 * - cost, what an analyst loses: each photo brought down ×scale (lanczos3, as a run's default downscale)
 *   and upscaled by each graph; int8's PSNR and SSIMULACRA2 against the original minus fp32's.
 */
import { throwIfAborted } from '../../errors.js';
import { type RawImage, resizeRaw } from '../../image/raw.js';
import { openSessionFrom, sessionRunner, upscaleTiled } from '../../inference/onnx-runner.js';
import { psnr } from '../../metrics/psnr.js';
import { ssimulacra2 } from '../../metrics/ssimulacra2.js';
import type { Int8Stat } from '../model-entry.js';
import type { CalibrationPhoto } from './calibration-set.js';

export interface MeasureOptions {
  scale: number;
  tileSize: number;
  tileOverlap: number;
  align: number;
  threads: number;
  /** Timed rounds per graph (default 3; after the first, only the first RETIMED photos). */
  rounds?: number;
  signal?: AbortSignal;
}

export interface PhotoMeasurement {
  name: string;
  psnrVsFp32: number;
  ssimulacra2VsFp32: number | null;
  psnrCost: number;
  ssimulacra2Cost: number | null;
}

export interface Int8Measurement {
  fp32MpsOut: number;
  int8MpsOut: number;
  photos: PhotoMeasurement[];
  vsFp32: { psnr: Int8Stat; ssimulacra2: Int8Stat | null };
  cost: { psnr: Int8Stat; ssimulacra2: Int8Stat | null };
}

/** Photos timed again in the later rounds. */
const RETIMED = 3;

/** PSNR of identical images is infinite; 99 dB stands for it in records and means. */
const finitePsnr = (a: RawImage, b: RawImage) => Math.min(99, psnr(a, b));

function stat(values: (number | null)[]): Int8Stat | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? { mean: v.reduce((a, b) => a + b, 0) / v.length, worst: Math.min(...v) } : null;
}

export async function measureInt8(fp32: Uint8Array, int8: Uint8Array, photos: readonly CalibrationPhoto[], o: MeasureOptions): Promise<Int8Measurement> {
  const sessions = { fp32: await openSessionFrom(fp32, o.threads), int8: await openSessionFrom(int8, o.threads) };
  try {
    const run = (p: 'fp32' | 'int8', img: RawImage) => upscaleTiled(sessionRunner(sessions[p]), img, { scale: o.scale, tileSize: o.tileSize, overlap: o.tileOverlap, align: o.align });
    // first runs allocate; they are not timed
    await run('fp32', photos[0].image);
    await run('int8', photos[0].image);
    // Each photo is timed on both graphs back to back, in alternating order; the first few photos again in
    // more rounds (a big net takes seconds a photo). The fastest time per photo and graph counts, so load
    // from elsewhere moves both or neither.
    const best = { fp32: photos.map(() => Infinity), int8: photos.map(() => Infinity) };
    const outputs: Record<'fp32' | 'int8', RawImage[]> = { fp32: [], int8: [] };
    const rounds = o.rounds ?? 3;
    for (let r = 0; r < rounds; r++) {
      for (const [i, { image }] of photos.entries()) {
        if (r > 0 && i >= RETIMED) break;
        throwIfAborted(o.signal);
        for (const p of (r + i) % 2 ? (['int8', 'fp32'] as const) : (['fp32', 'int8'] as const)) {
          const t0 = performance.now();
          outputs[p][i] = await run(p, image);
          best[p][i] = Math.min(best[p][i], performance.now() - t0);
        }
      }
    }
    const total = (p: 'fp32' | 'int8') => best[p].reduce((a, b) => a + b, 0);
    const outPixels = photos.reduce((a, { image }) => a + image.width * image.height * o.scale * o.scale, 0);
    const measured: PhotoMeasurement[] = [];
    for (const [i, { name, image }] of photos.entries()) {
      throwIfAborted(o.signal);
      const small = await resizeRaw(image, image.width / o.scale, image.height / o.scale, 'lanczos3');
      const [up32, up8] = [await run('fp32', small), await run('int8', small)];
      const s32 = ssimulacra2(image, up32);
      const s8 = ssimulacra2(image, up8);
      measured.push({
        name,
        psnrVsFp32: finitePsnr(outputs.fp32[i], outputs.int8[i]),
        ssimulacra2VsFp32: ssimulacra2(outputs.fp32[i], outputs.int8[i]),
        psnrCost: finitePsnr(image, up8) - finitePsnr(image, up32),
        ssimulacra2Cost: s32 === null || s8 === null ? null : s8 - s32,
      });
    }
    return {
      fp32MpsOut: outPixels / 1e6 / (total('fp32') / 1000),
      int8MpsOut: outPixels / 1e6 / (total('int8') / 1000),
      photos: measured,
      vsFp32: { psnr: stat(measured.map((m) => m.psnrVsFp32))!, ssimulacra2: stat(measured.map((m) => m.ssimulacra2VsFp32)) },
      cost: { psnr: stat(measured.map((m) => m.psnrCost))!, ssimulacra2: stat(measured.map((m) => m.ssimulacra2Cost)) },
    };
  } finally {
    await sessions.fp32.release();
    await sessions.int8.release();
  }
}
