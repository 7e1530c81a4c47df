import { InferenceWorker } from './inference-worker.js';
import type { TileRunner } from './onnx-runner.js';

interface Slot {
  worker: InferenceWorker;
  busy: number;
}

/**
 * A few worker threads, each with its own session of one model. Images take the least busy worker; a
 * tile that is abandoned on cancel finishes inside its worker, and close() waits for that.
 */
export class OnnxWorkerPool {
  private readonly slots: Slot[] = [];

  constructor(
    private readonly modelPath: string,
    private readonly workers: number,
    private readonly threadsEach: number,
  ) {}

  /** A tile runner bound to one worker for the length of an image. */
  acquire(): { run: TileRunner; release: () => void } {
    let slot: Slot;
    if (this.slots.length < this.workers) this.slots.push((slot = { worker: new InferenceWorker(this.modelPath, this.threadsEach), busy: 0 }));
    else slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    return { run: (data, dims, signal) => slot.worker.run(data, dims, signal), release: () => void slot.busy-- };
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.close()));
    this.slots.length = 0;
  }
}
