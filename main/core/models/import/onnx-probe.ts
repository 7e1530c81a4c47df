/**
 * Runs an ONNX graph on a few small inputs and waits for the answer synchronously: the importers are
 * synchronous, and onnxruntime-node only runs asynchronously, so the graph runs in a worker thread while
 * this thread blocks on a shared flag (for seconds at most, at import time only).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { startWorker } from '../../workers/start-worker.js';

export interface ProbeInput {
  data: Float32Array;
  dims: number[];
}
export type ProbeOutput = { dims: number[]; data: Float32Array; error?: undefined } | { error: string; dims?: undefined; data?: undefined };

export interface ProbeAnswer {
  /** onnxruntime could not load the graph at all. */
  error?: string;
  results: ProbeOutput[];
}

/** Blocks while flag[0] === value, up to ms; false on timeout. */
function waitWhile(flag: Int32Array, value: number, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (Atomics.load(flag, 0) === value) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    try {
      Atomics.wait(flag, 0, value, left);
    } catch {
      // a thread that may not block (a browser-like main thread) polls instead, for the few seconds this takes
      for (const until = Math.min(deadline, Date.now() + 5); Date.now() < until && Atomics.load(flag, 0) === value; );
    }
  }
  return true;
}

export function probeOnnxSync(onnx: Uint8Array, probes: ProbeInput[], timeoutMs = 180_000): ProbeAnswer {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker(import.meta.url, 'onnx-probe-worker', {
    workerData: { onnx, probes, flag, port: port2, threads: Math.min(4, availableParallelism()) },
    transferList: [port2],
  });
  try {
    // 0 → 2 when the worker runs (a worker that fails to start cannot say so to a blocked thread), 2 → 1 when done
    if (!waitWhile(flag, 0, 30_000)) return { error: 'the probe worker did not start', results: [] };
    if (!waitWhile(flag, 2, timeoutMs)) return { error: `no answer from onnxruntime within ${timeoutMs / 1000} s`, results: [] };
    const msg = receiveMessageOnPort(port1)?.message as { error?: string; results?: ProbeOutput[] } | undefined;
    if (!msg) return { error: 'the probe worker gave no answer', results: [] };
    return { error: msg.error, results: msg.results ?? [] };
  } finally {
    port1.close();
    void worker.terminate();
  }
}
