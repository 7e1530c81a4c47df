/**
 * How fast a converted graph runs on this CPU, measured at import so `models add` can say it before any
 * run: one session set up as runs set theirs up (threads from the worker plan, full graph optimisation), a
 * small warm-up, then one timed tile. Output megapixels per second for the whole machine (one session's
 * speed × the plan's workers). Runs on real images record their own figure later, which replaces this one.
 */
import * as ort from 'onnxruntime-node';
import { workerPlan } from '../../inference/worker-plan.js';

export interface ImportSpeed {
  mpsOut: number;
  /** Side of the square input tile that was timed. */
  side: number;
  workers: number;
  threadsEach: number;
}

/** Times `onnx` on a `side`² tile (rounded up to the model's size multiple); undefined if it cannot run. */
export async function measureSpeed(onnx: Uint8Array, d: { scale: number; sizeMultiple?: number; inChannels?: number }, side = 64): Promise<ImportSpeed | undefined> {
  const m = Math.max(1, d.sizeMultiple || 1);
  const n = Math.ceil(side / m) * m;
  const warm = Math.ceil(Math.min(32, n) / m) * m;
  const plan = workerPlan();
  const c = d.inChannels ?? 3;
  const input = (s: number) => new ort.Tensor('float32', new Float32Array(c * s * s).map((_, i) => (i * 37) % 256), [1, c, s, s]);
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(onnx, {
      intraOpNumThreads: plan.threadsEach,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { 'intra_op.allow_spinning': '0', 'inter_op.allow_spinning': '0' } },
    });
    await session.run({ input: input(warm) });
    const t0 = performance.now();
    await session.run({ input: input(n) });
    const secs = (performance.now() - t0) / 1000;
    const mps = (n * d.scale) ** 2 / 1e6 / secs;
    return { mpsOut: Number((mps * plan.workers).toPrecision(3)), side: n, workers: plan.workers, threadsEach: plan.threadsEach };
  } catch {
    // A speed is information, not a condition of the import: the probe has already checked the graph runs.
    return undefined;
  } finally {
    await session?.release();
  }
}
