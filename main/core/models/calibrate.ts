/**
 * Activation ranges for static int8 quantization: the float graph runs on a few sample images with every
 * intermediate tensor exposed, and each tensor's min/max over all of them becomes its u8 range. Min/max
 * (not a percentile) because on these models both narrower and wider ranges measured worse (README).
 */
import * as ort from 'onnxruntime-node';
import type { RawImage } from '../image/raw.js';
import { planarWindow } from '../inference/onnx-runner.js';
import { type Range, withIntermediateOutputs } from './quantize.js';

export async function calibrateRanges(floatModel: Uint8Array, images: readonly RawImage[], threads = 0): Promise<Map<string, Range>> {
  const { bytes, tensors } = withIntermediateOutputs(floatModel);
  // 'basic' keeps every named tensor; fusions at higher levels would hide some of them.
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, graphOptimizationLevel: 'basic' });
  const ranges = new Map<string, Range>();
  try {
    for (const img of images) {
      if (img.channels !== 3) throw new Error('calibration images must be RGB');
      const out = await session.run({ input: new ort.Tensor('float32', planarWindow(img), [1, 3, img.height, img.width]) });
      for (const name of tensors) {
        const v = out[name]?.data;
        if (!(v instanceof Float32Array)) continue;
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < v.length; i++) {
          const a = v[i];
          if (a < lo) lo = a;
          if (a > hi) hi = a;
        }
        const r = ranges.get(name);
        ranges.set(name, r ? { min: Math.min(r.min, lo), max: Math.max(r.max, hi) } : { min: lo, max: hi });
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}
