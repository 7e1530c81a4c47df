import type { Worker } from 'node:worker_threads';
import { throwIfAborted } from '../errors.js';
import { startWorker } from '../workers/start-worker.js';

const live = new Set<InferenceWorker>();

/** Closes every inference worker of this process and waits until each has ended (a CLI about to exit). */
export async function closeAllInferenceWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.close()));
}

let tilesSent = 0;
/** Tiles handed to onnxruntime since this process started (a tile sent is a tile running until answered). */
export const inferenceTilesSent = () => tilesSent;

/** Inference worker threads of this process that have not ended yet. */
export const inferenceWorkersAlive = () => live.size;

/** Tiles running in this process's inference workers, counting abandoned ones that have not ended yet. */
export const inferenceTilesRunning = () => [...live].reduce((n, w) => n + w.busy, 0);

/** The ONNX files a model runs as, by stage name (one for a plain model; a body and a head for a two-stage one). */
export type ModelGraphs = Record<string, string>;

/** A plain model file as ModelGraphs. */
export const graphsOf = (model: string | ModelGraphs): ModelGraphs => (typeof model === 'string' ? { model } : model);

export interface TileResult {
  data: Float32Array;
  dims: readonly number[];
  /** Time the tile spent inside onnxruntime's run(), ms. */
  ms: number;
}

/**
 * One worker thread holding one onnxruntime session. It is never terminated from outside (that aborts
 * the process if a tile is inside onnxruntime): close() waits for the tile in progress, then the worker
 * releases its session and exits by itself.
 */
export class InferenceWorker {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: TileResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private idle: Promise<void> = Promise.resolve();
  private markIdle?: () => void;
  private exited: Promise<void>;
  private closing?: Promise<void>;
  private dead?: Error;

  /** `graphs`: stage name → ONNX file; a plain model has one ('model'), a two-stage one a body and a head. */
  constructor(graphs: ModelGraphs, threads: number) {
    this.worker = startWorker(import.meta.url, 'onnx-worker');
    let opened!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      opened = res;
      failed = rej;
    });
    this.ready.catch(() => undefined);
    live.add(this);
    this.exited = new Promise((res) => this.worker.once('exit', () => res()));
    void this.exited.then(() => live.delete(this));
    this.worker.on('message', (m: { type: string; id?: number; data?: Float32Array; dims?: number[]; ms?: number; message?: string }) => {
      if (m.type === 'opened') opened();
      else if (m.type === 'error' && m.id === undefined) failed((this.dead = new Error(m.message)));
      else if (m.id !== undefined) {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.type === 'result') p?.resolve({ data: m.data!, dims: m.dims!, ms: m.ms! });
        else p?.reject(new Error(m.message));
        this.settle();
      }
    });
    const die = (e: Error) => {
      this.dead = e;
      failed(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.settle();
    };
    this.worker.on('error', die);
    this.worker.once('exit', () => die(new Error('the inference worker stopped')));
    this.worker.postMessage({ type: 'open', graphs, threads });
  }

  /** The thread died or its session would not open: it runs no more tiles. */
  get failed(): boolean {
    return this.dead !== undefined;
  }

  /** Tiles sent and not yet answered (an abandoned tile counts until its worker is done with it). */
  get busy(): number {
    return this.pending.size;
  }

  /** Runs one tile (through the graph named `stage`, else the first); one abandoned before it started (signal) never reaches the worker. */
  async run(data: Float32Array, dims: number[], signal?: AbortSignal, stage?: string): Promise<TileResult> {
    await this.ready;
    throwIfAborted(signal);
    if (this.dead) throw this.dead;
    if (this.closing) throw new Error('the inference worker is closing');
    const id = this.nextId++;
    if (!this.pending.size) this.idle = new Promise((res) => (this.markIdle = res));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      tilesSent++;
      this.worker.postMessage({ type: 'run', id, data, dims, stage }, [data.buffer as ArrayBuffer]);
    });
  }

  /** Waits for any tile still running (its result is dropped), then lets the worker end itself. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.ready.catch(() => undefined);
      await this.idle;
      this.worker.postMessage({ type: 'close' }); // a no-op if the thread has already ended
      await this.exited;
    })();
    return this.closing;
  }

  private settle(): void {
    if (!this.pending.size) this.markIdle?.();
  }
}
