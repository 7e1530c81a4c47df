import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { resizeRaw, toRaw, type RawImage } from '../main/core/image/raw.js';
import { psnr } from '../main/core/metrics/psnr.js';
import { calibrateRanges } from '../main/core/models/calibrate.js';
import { LOCAL_MODELS } from '../main/core/models/catalog.js';
import { onnxModelPath, packageDir, tfjsModelJson } from '../main/core/models/model-files.js';
import { openSession, sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { activationParams, quantizeGraph } from '../main/core/models/quantize.js';
import { convertTfjsModel } from '../main/core/models/tfjs-to-onnx.js';
import { createLocalAiProvider } from '../main/core/providers/local-ai.js';
import { fixture } from './helpers/images.js';

const { onnx } = onnxProto;
const require = createRequire(import.meta.url);
const opCounts = (m: InstanceType<typeof onnx.ModelProto>) => {
  const c: Record<string, number> = {};
  for (const n of m.graph!.node!) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
  return c;
};

let photo: RawImage;
beforeAll(async () => {
  // A real photo patch that was not among the calibration images.
  photo = await toRaw(sharp(fixture('photos', 'chelsea.png')).extract({ left: 120, top: 40, width: 96, height: 64 }).removeAlpha());
});

/** A dusk sky at full resolution: a slow two-colour gradient with faint cloud swells, nothing sharp. */
function smoothSky(width: number, height: number): RawImage {
  const data = Buffer.alloc(width * height * 3);
  const [top, bottom] = [[150, 140, 205], [240, 190, 205]];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const t = y / (height - 1);
      const swell = 3 * Math.sin(x / 37 + y / 53) * Math.sin(y / 29);
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(top[c] + (bottom[c] - top[c]) * t + swell);
    }
  return { data, width, height, channels: 3 };
}

const upscaleX4 = async (precision: 'fp32' | 'int8', img: RawImage) => {
  const s = await openSession(onnxModelPath('thick', 4, precision), 2);
  try {
    return await upscaleTiled(sessionRunner(s), img, { scale: 4, tileSize: 256, overlap: 10 });
  } finally {
    await s.release();
  }
};

describe('thick --precision int8', () => {
  it('runs on onnxruntime int8 kernels, with only the last three convolutions in float', async () => {
    const path = onnxModelPath('thick', 4, 'int8');
    const float = await convertTfjsModel(tfjsModelJson(packageDir(LOCAL_MODELS.thick.package, require), 4), { splitConcat: false });
    const convs = opCounts(onnx.ModelProto.decode(float.onnx)).Conv;
    const optimized = join(await mkdtemp(join(tmpdir(), 'int8-')), 'optimized.onnx');
    const session = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, intraOpNumThreads: 1 });
    await session.release();
    const ops = opCounts(onnx.ModelProto.decode(await readFile(optimized)));
    expect(ops.QLinearConv).toBe(convs - 3);
    expect(ops.Conv).toBe(3);
    expect(ops.QLinearConcat).toBeGreaterThan(100);
  });

  it('stores weights as 7-bit per-channel integers (u8×s8 pairs cannot saturate on AVX2)', async () => {
    const m = onnx.ModelProto.decode(await readFile(onnxModelPath('thick', 4, 'int8')));
    const weights = m.graph!.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.INT8 && t.name!.endsWith('_i8'));
    expect(weights.length).toBeGreaterThan(100);
    let max = 0;
    for (const w of weights) for (const v of new Int8Array(w.rawData!.buffer, w.rawData!.byteOffset, w.rawData!.byteLength)) max = Math.max(max, Math.abs(v));
    expect(max).toBe(63);
  });

  it('stays close to fp32 on a photo it was not calibrated on, and is no copy of it', async () => {
    const [fp32, int8] = [await upscaleX4('fp32', photo), await upscaleX4('int8', photo)];
    const close = psnr(fp32, int8);
    // Measured 51.5 dB. For scale: bicubic is 36.8 dB from fp32 here, and the first int8 attempt (8-bit
    // weights saturating on AVX2, u8 residuals) was 41.5 dB.
    expect(close).toBeGreaterThan(47);
    expect(Number.isFinite(close)).toBe(true);
  });

  it('loses on a smooth sky no more than the documented worst case', async () => {
    // Smooth areas are where int8 costs most (README): fp32 rebuilds them almost exactly, so int8's own
    // rounding noise (46–52 dB from fp32) is most of what remains. Measured −2.6 dB here (fp32 45.1 dB);
    // the README's worst photo is −2.9 dB, and −3.5 leaves room for other CPUs' int8 kernels. The earlier
    // claim of 0 to −0.10 dB, made on busy photos, would have failed here.
    const original = smoothSky(256, 192);
    const small = await resizeRaw(original, 64, 48);
    const [fp32, int8] = [await upscaleX4('fp32', small), await upscaleX4('int8', small)];
    const loss = psnr(original, int8) - psnr(original, fp32);
    expect(loss).toBeGreaterThan(-3.5);
  });

  it('refuses int8 for a model without an int8 build', async () => {
    await expect(createLocalAiProvider({ name: 'local-ai', model: 'slim', precision: 'int8' }, { factor: 4 })).rejects.toThrow(/slim has no int8 build \(it has fp32\): use --precision fp32; built-in models with one: thick/);
    expect((await createLocalAiProvider({ name: 'local-ai', model: 'thick', precision: 'int8' }, { factor: 4 })).model).toBe('esrgan-thick x4 int8');
  });
});

describe('quantizer pieces', () => {
  it('u8 parameters keep zero exact and the calibrated range within half a step', () => {
    for (const r of [{ min: -0.47, max: 1.01 }, { min: 0.2, max: 3 }, { min: -2, max: -1 }, { min: 0, max: 0 }, { min: -5.93, max: 5.62 }]) {
      const { scale, zeroPoint } = activationParams(r);
      expect(scale).toBeGreaterThan(0);
      // zero (padding, ReLU's floor) is the integer zeroPoint itself
      expect(Number.isInteger(zeroPoint) && zeroPoint >= 0 && zeroPoint <= 255).toBe(true);
      expect(Math.min(0, r.min)).toBeGreaterThanOrEqual(-zeroPoint * scale - scale / 2);
      expect(Math.max(0, r.max)).toBeLessThanOrEqual((255 - zeroPoint) * scale + scale / 2);
    }
  });

  it('calibration covers every intermediate tensor, and a quantized slim graph stays near its float self', async () => {
    const float = await convertTfjsModel(tfjsModelJson(packageDir(LOCAL_MODELS.slim.package, require), 2), { splitConcat: false });
    const ranges = await calibrateRanges(float.onnx, [photo], 1);
    const named = onnx.ModelProto.decode(float.onnx).graph!.node!.flatMap((n) => n.output!).filter((t) => t !== 'output');
    for (const t of named) expect(ranges.has(t), t).toBe(true);
    for (const r of ranges.values()) expect(r.min).toBeLessThanOrEqual(r.max);
    const q = quantizeGraph(float.onnx, ranges);
    expect(opCounts(onnx.ModelProto.decode(q)).QuantizeLinear).toBeGreaterThan(5);
    const [a, b] = await Promise.all(
      [float.onnx, q].map(async (bytes) => {
        const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
        const out = await upscaleTiled(sessionRunner(s), photo, { scale: 2, tileSize: 256, overlap: 0 });
        await s.release();
        return out;
      }),
    );
    // measured 53.7 dB
    expect(psnr(a, b)).toBeGreaterThan(48);
  });
});
