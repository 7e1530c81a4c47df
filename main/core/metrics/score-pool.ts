import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/start-worker.js';
import type { RawImage } from '../image/raw.js';
import { rgbOnly } from '../image/raw.js';
import { DEFAULT_METRICS, type Metric } from './metric-names.js';
import { type Scores, matchSize, noScores, splitMetrics } from './score.js';

/**
 * Below this many pixels an image's scores are computed in two halves of about equal cost on two threads
 * (`splitMetrics`: by default ORB, PSNR and SSIM beside SSIMULACRA2). Larger pairs score in one job, one
 * metric after another: two copies of a 24 MP pair in two threads would add ~300 MB to the run's memory peak.
 */
const SPLIT_BELOW_PIXELS = 8_000_000;

interface Job {
  metrics: Metric[];
  a: RawImage;
  b: RawImage;
  resolve: (s: Partial<Scores>) => void;
  reject: (e: Error) => void;
}

/** `size` worker threads for scoring, so the scores of several images, or both halves of one, run at once. */
export class ScorePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  /** Threads that have loaded ORB's wasm (~0.2 s each): ORB jobs go to them first. */
  private readonly orbLoaded = new Set<Worker>();

  constructor(private readonly size: number) {}

  /** The asked-for scores (the others null) of the candidate, brought to the original's size. */
  async score(original: RawImage, candidate: RawImage, metrics: readonly Metric[] = DEFAULT_METRICS): Promise<Scores> {
    const b = rgbOnly(await matchSize(original, candidate));
    const a = rgbOnly(original);
    const jobs = this.size < 2 || a.width * a.height >= SPLIT_BELOW_PIXELS ? [[...metrics]] : splitMetrics(metrics);
    const parts = await Promise.all(jobs.map((m) => this.run(m, a, b)));
    return Object.assign(noScores(), ...parts) as Scores;
  }

  /**
   * Starts one thread and loads ORB's wasm in it now, while the run's first image is read and its model
   * opens, so that image's scoring does not wait for it (measured: 0.6 s for the first 1000×872 score
   * against 0.2 s for the next). One only: a second would take a core from the first image's upscale.
   */
  warm(): void {
    if (this.all.length) return;
    const w = this.spawn();
    w.postMessage({ type: 'warm' });
    this.orbLoaded.add(w);
    this.idle.push(w);
  }

  /** Threads started so far. */
  get threads(): number {
    return this.all.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }

  private run(metrics: Metric[], a: RawImage, b: RawImage): Promise<Partial<Scores>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ metrics, a, b, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length) {
      const job = this.queue[0];
      const wantsOrb = job.metrics.includes('orb');
      const fit = this.idle.findIndex((w) => this.orbLoaded.has(w) === wantsOrb);
      // an idle thread of the kind the job wants, else any idle one, else a new one
      const worker = (fit >= 0 ? this.idle.splice(fit, 1)[0] : this.idle.pop()) ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (!worker) return;
      this.queue.shift();
      if (wantsOrb) this.orbLoaded.add(worker);
      this.running.set(worker, job);
      worker.postMessage({ type: 'score', metrics: job.metrics, a: job.a, b: job.b });
    }
  }

  private spawn(): Worker {
    const worker = startWorker(import.meta.url, 'score-worker');
    worker.unref();
    this.all.push(worker);
    worker.on('message', (msg: { scores?: Partial<Scores>; error?: string }) => {
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
      this.orbLoaded.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      job?.reject(new Error(`scoring worker died: ${err.message}`));
      this.pump();
    });
    return worker;
  }
}
