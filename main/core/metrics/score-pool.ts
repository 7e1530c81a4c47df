import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/start-worker.js';
import type { RawImage } from '../image/raw.js';
import { rgbOnly } from '../image/raw.js';
import { type Scores, matchSize } from './score.js';

interface Job {
  id: number;
  a: RawImage;
  b: RawImage;
  resolve: (s: Scores) => void;
  reject: (e: Error) => void;
}

/** `size` worker threads for scoring, so ORB (wasm) and SSIM of several images run at once. */
export class ScorePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;

  constructor(private readonly size: number) {}

  async score(original: RawImage, candidate: RawImage): Promise<Scores> {
    const b = rgbOnly(await matchSize(original, candidate));
    const a = rgbOnly(original);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, a, b, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }

  private pump(): void {
    while (this.queue.length) {
      const worker = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage({ id: job.id, a: job.a, b: job.b });
    }
  }

  private spawn(): Worker {
    const worker = startWorker(import.meta.url, 'score-worker');
    worker.unref();
    this.all.push(worker);
    worker.on('message', (msg: { id: number; scores?: Scores; error?: string }) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      this.idle.push(worker);
      if (job) {
        if (msg.scores) job.resolve(msg.scores);
        else job.reject(new Error(`scoring failed: ${msg.error}`));
      }
      this.pump();
    });
    worker.on('error', (err) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      this.all.splice(this.all.indexOf(worker), 1);
      job?.reject(new Error(`scoring worker died: ${err.message}`));
      this.pump();
    });
    return worker;
  }
}

