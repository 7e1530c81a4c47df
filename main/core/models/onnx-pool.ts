import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/start-worker.js';
import type { TileRunner } from './onnx-runner.js';

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: number;
  pending: Map<number, { resolve: (v: { data: Float32Array; dims: readonly number[] }) => void; reject: (e: Error) => void }>;
}

/**
 * A few worker threads, each with its own session of one model. Images take the least busy worker; a
 * tile that is abandoned on cancel finishes inside its worker, and close() waits for that.
 */
export class OnnxWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(
    private readonly modelPath: string,
    private readonly workers: number,
    private readonly threadsEach: number,
  ) {}

  private spawn(): Slot {
    const worker = startWorker(import.meta.url, 'onnx-worker');
    const pending: Slot['pending'] = new Map();
    let opened!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      opened = res;
      failed = rej;
    });
    worker.on('message', (m: { type: string; id?: number; data?: Float32Array; dims?: number[]; message?: string }) => {
      if (m.type === 'opened') opened();
      else if (m.type === 'result') pending.get(m.id!)?.resolve({ data: m.data!, dims: m.dims! });
      else if (m.type === 'error' && m.id === undefined) failed(new Error(m.message));
      else if (m.type === 'error') pending.get(m.id!)?.reject(new Error(m.message));
      if (m.id !== undefined) pending.delete(m.id);
    });
    worker.on('error', (e) => {
      failed(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    worker.postMessage({ type: 'open', path: this.modelPath, threads: this.threadsEach });
    const slot = { worker, ready, busy: 0, pending };
    this.slots.push(slot);
    return slot;
  }

  /** A tile runner bound to one worker for the length of an image. */
  acquire(): { run: TileRunner; release: () => void } {
    const slot = this.slots.length < this.workers ? this.spawn() : this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    const run: TileRunner = async (data, dims) => {
      await slot.ready;
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ type: 'run', id, data, dims }, [data.buffer as ArrayBuffer]);
      });
    };
    return { run, release: () => void slot.busy-- };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.slots.map(async (s) => {
        await s.ready.catch(() => undefined);
        // wait for abandoned tiles, then let the worker release its session
        while (s.pending.size) await new Promise((r) => setTimeout(r, 20));
        await s.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }
}
