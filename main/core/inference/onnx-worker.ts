import { parentPort } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { openSession } from './onnx-runner.js';

// onnxruntime-node's run() blocks the thread it is called on; here it blocks only this worker, so the
// main thread keeps reporting progress, answering cancel and running other images.
// This worker is never terminated from outside: Worker.terminate() (or process.exit) while run() is
// inside onnxruntime aborts the whole process ('Napi::Error', exit 134). It ends itself on 'close',
// which the pool sends only once no tile is running: release the session, then close the port.
// One session per graph of the model: a two-stage model (inference/two-stage.ts) has a body and a head.
const sessions = new Map<string, ort.InferenceSession>();
let Tensor: typeof ort.Tensor;

type Msg = { type: 'open'; graphs: Record<string, string>; threads: number } | { type: 'run'; id: number; data: Float32Array; dims: number[]; stage?: string } | { type: 'close' };

parentPort!.on('message', async (msg: Msg) => {
  try {
    if (msg.type === 'open') {
      ({ Tensor } = await import('onnxruntime-node'));
      // a two-stage model's sessions run without onnxruntime's memory patterns (see openSession)
      const staged = Object.keys(msg.graphs).length > 1;
      for (const [stage, path] of Object.entries(msg.graphs)) sessions.set(stage, await openSession(path, msg.threads, !staged));
      parentPort!.postMessage({ type: 'opened' });
    } else if (msg.type === 'run') {
      // the tile's own compute, timed here so that neither its wait for a slot nor the messages count
      const session = msg.stage === undefined ? sessions.values().next().value : sessions.get(msg.stage);
      if (!session) throw new Error(`the model has no ${msg.stage} graph`);
      const t0 = performance.now();
      const out = await session.run({ [session.inputNames[0]]: new Tensor('float32', msg.data, msg.dims) });
      const ms = performance.now() - t0;
      const t = out[session.outputNames[0]] as ort.Tensor;
      const data = t.data as Float32Array;
      parentPort!.postMessage({ type: 'result', id: msg.id, data, dims: t.dims, ms }, [data.buffer as ArrayBuffer]);
    } else if (msg.type === 'close') {
      for (const session of sessions.values()) await session.release();
      sessions.clear();
      // With the port closed nothing keeps this thread's loop alive, so the worker exits on its own.
      parentPort!.close();
    }
  } catch (err) {
    parentPort!.postMessage({ type: 'error', id: (msg as { id?: number }).id, message: (err as Error).message });
    if (msg.type === 'close') parentPort!.close();
  }
});
