/** Builds one int8 graph off the app's main thread (quantization and SSIMULACRA2 are synchronous work). */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { BenchError } from '../../errors.js';
import { Int8Refused } from './int8-support.js';
import { type Int8Target, buildInt8 } from './make-int8.js';

const { fp32Path, target, calibrate, force } = workerData as { fp32Path: string; target: Int8Target; calibrate?: string; force?: boolean };
try {
  const r = await buildInt8(new Uint8Array(await readFile(fp32Path)), target, { calibrate, force, onProgress: (p) => parentPort!.postMessage({ progress: p }) });
  // a graph that is a view into a larger (pooled) buffer is copied rather than that buffer transferred
  const onnx = r.onnx.byteOffset === 0 && r.onnx.byteLength === r.onnx.buffer.byteLength ? r.onnx : r.onnx.slice();
  parentPort!.postMessage({ result: { ...r, onnx } }, [onnx.buffer as ArrayBuffer]);
} catch (err) {
  const e = err as Error & { code?: string };
  const kind = err instanceof Int8Refused ? 'refused' : err instanceof BenchError ? 'bench' : 'other';
  parentPort!.postMessage({ error: { kind, code: e.code, message: e.message ?? String(err), ...(err instanceof Int8Refused ? { forcible: err.forcible } : {}) } });
}
