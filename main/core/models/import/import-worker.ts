/** Runs one import off the app's main thread (conversion is synchronous and takes seconds for big nets). */
import { parentPort, workerData } from 'node:worker_threads';
import { BenchError } from '../../errors.js';
import { importModelFile } from './import-model.js';
import type { OnnxInputRange } from './onnx-file.js';
import { ModelImportError } from './state-dict.js';

const { path, inputRange } = workerData as { path: string; inputRange?: OnnxInputRange };
try {
  const r = await importModelFile(path, { inputRange, onProgress: (p) => parentPort!.postMessage({ progress: p }) });
  parentPort!.postMessage({ result: r }, [r.onnx.buffer as ArrayBuffer]);
} catch (err) {
  const e = err as Error & { code?: string };
  const kind = err instanceof ModelImportError ? 'import' : err instanceof BenchError ? 'bench' : 'other';
  parentPort!.postMessage({ error: { kind, code: e.code, message: e.message ?? String(err) } });
}
