import { workerData, type MessagePort } from 'node:worker_threads';
import type { ProbeInput, ProbeOutput } from './onnx-probe.js';

// Runs a graph on a few small inputs for onnx-probe, whose caller waits on `flag` (it needs a synchronous
// answer); the results go through `port`, which that caller reads without an event loop.
const { onnx, probes, flag, port, threads } = workerData as { onnx: Uint8Array; probes: ProbeInput[]; flag: Int32Array; port: MessagePort; threads: number };
// started: the caller stops waiting soon if a worker never gets here
Atomics.store(flag, 0, 2);
Atomics.notify(flag, 0);
const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300);

async function main(): Promise<{ error?: string; results?: ProbeOutput[] }> {
  const ort = await import('onnxruntime-node');
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (err) {
    return { error: firstLine(err) };
  }
  const results: ProbeOutput[] = [];
  for (const p of probes) {
    try {
      const out = await session.run({ input: new ort.Tensor('float32', p.data, p.dims) });
      const t = out[session.outputNames[0]];
      results.push({ dims: [...t.dims], data: t.data as Float32Array });
    } catch (err) {
      results.push({ error: firstLine(err) });
    }
  }
  await session.release();
  return { results };
}

main()
  .catch((err) => ({ error: firstLine(err) }))
  .then((answer) => {
    port.postMessage(answer);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
