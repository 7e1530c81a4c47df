import { BenchError } from '../errors.js';
import { InferenceWorker, graphsOf, type ModelGraphs, type TileResult } from './inference-worker.js';
import { InferenceSlots, type SlotUser } from './inference-slots.js';
import type { TileRunner } from './onnx-runner.js';
import type { ComputeClock } from './compute-clock.js';
import type { WorkerPlan } from './worker-plan.js';

/** Workers idle this long (no tile queued or running) end, releasing their sessions' memory. */
const IDLE_RELEASE_MS = 1000;
/** Sessions opened ahead of a run's first tile wait this long for it (a 24 MP photo reads and stores in ~5 s). */
const WARM_WAIT_MS = 20_000;

interface QueuedTile {
  /** The image's place in line: tiles of earlier images go first, so one image gets every worker. */
  image: number;
  data: Float32Array;
  dims: number[];
  /** The model's graph to run it through (two-stage models: 'body' or 'head'). */
  stage?: string;
  signal?: AbortSignal;
  clock?: ComputeClock;
  resolve: (r: TileResult) => void;
  reject: (e: Error) => void;
  dropOnAbort?: () => void;
}

/**
 * One queue of tiles for a fixed set of workers, each holding its own session of one model file. The
 * tiles of every image in flight go into the queue, oldest image first, so a lone image uses all the
 * workers and a batch leaves none idle while tiles remain; the images behind it meanwhile decode, store
 * or score. Workers start when tiles first wait for them and end themselves on close(). A tile runs
 * only in a slot of the run's InferenceSlots, which the run's other models share.
 */
export class InferenceScheduler implements SlotUser {
  readonly workers: number;
  readonly plan: WorkerPlan;
  /** The graphs every worker opens: one model file, or a two-stage model's body and head. */
  readonly graphs: ModelGraphs;
  private readonly slots: InferenceSlots;
  private readonly pool: InferenceWorker[] = [];
  private readonly idle: InferenceWorker[] = [];
  private readonly queue: QueuedTile[] = [];
  private closing?: Promise<void>;
  private idleTimer?: NodeJS.Timeout;
  private retired: Promise<unknown> = Promise.resolve();

  /** `slots`: the cores this model shares with the run's other models; a plan alone gives it cores of its own. */
  constructor(
    model: string | ModelGraphs,
    slots: InferenceSlots | WorkerPlan = new InferenceSlots(),
  ) {
    this.graphs = graphsOf(model);
    this.slots = slots instanceof InferenceSlots ? slots : new InferenceSlots(slots);
    this.plan = this.slots.plan;
    this.workers = this.plan.workers;
    this.slots.join(this);
  }

  /**
   * A tile runner for one image; its tiles keep their place ahead of images that start later. `clock`
   * receives the image's compute and its wait for a slot.
   */
  forImage(clock?: ComputeClock): TileRunner {
    const image = this.slots.nextImage();
    return (data, dims, signal, stage) => this.enqueue({ image, data, dims, stage, signal, clock });
  }

  /**
   * Opens every worker's session now, before any tile: a run calls this as it starts, so opening the
   * sessions (~0.35 s for thick) overlaps reading and storing its first image instead of following it.
   * An arena grows only when a tile runs, so sessions opened early hold little memory.
   */
  warm(): void {
    if (this.closing) return;
    // within the run's session cap: with several models, the first ones warmed get the sessions
    while (this.pool.length < this.workers && this.slots.hasRoom) this.idle.push(this.spawn());
    if (!this.queue.length && this.pool.length) this.retireAfter(WARM_WAIT_MS);
  }

  /** Waits for tiles already inside onnxruntime (results dropped), drops queued ones, ends the workers. */
  close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.closing ??= (async () => {
      this.slots.leave(this);
      for (const t of this.queue.splice(0)) {
        t.clock?.drop();
        t.reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
      }
      await Promise.all([this.retired, ...this.pool.map((w) => w.close())]);
    })();
    return this.closing;
  }

  private enqueue(t: Omit<QueuedTile, 'resolve' | 'reject'>): Promise<TileResult> {
    return new Promise<TileResult>((resolve, reject) => {
      if (this.closing) return reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
      if (t.signal?.aborted) return reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
      const tile: QueuedTile = { ...t, resolve, reject };
      if (t.signal) {
        // a tile still waiting when its image is cancelled never reaches a worker
        tile.dropOnAbort = () => {
          const i = this.queue.indexOf(tile);
          if (i >= 0) {
            this.queue.splice(i, 1);
            tile.clock?.drop();
          }
          reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
        };
        t.signal.addEventListener('abort', tile.dropOnAbort, { once: true });
      }
      let at = this.queue.length;
      while (at > 0 && this.queue[at - 1].image > tile.image) at--;
      this.queue.splice(at, 0, tile);
      tile.clock?.queue();
      this.pump();
    });
  }

  private pump(): void {
    if (this.queue.length) clearTimeout(this.idleTimer);
    this.slots.grant();
  }

  waitingImage(): number | undefined {
    if (this.closing || !this.queue.length) return undefined;
    return this.idle.length || (this.pool.length < this.workers && this.slots.canOpen(this)) ? this.queue[0].image : undefined;
  }

  get sessions(): number {
    return this.pool.length;
  }

  get idleSessions(): number {
    return this.closing ? 0 : this.idle.length;
  }

  endIdleSession(): boolean {
    const worker = this.idleSessions ? this.idle.pop() : undefined;
    if (!worker) return false;
    this.pool.splice(this.pool.indexOf(worker), 1);
    this.retired = Promise.all([this.retired, worker.close()]);
    return true;
  }

  startNext(done: () => void): void {
    const tile = this.queue.shift()!;
    tile.clock?.start(); // before a worker starts: opening a session is not waiting for a slot
    if (tile.dropOnAbort) tile.signal!.removeEventListener('abort', tile.dropOnAbort);
    let worker = this.idle.pop();
    if (!worker) {
      this.slots.makeRoom(this);
      worker = this.spawn();
    }
    worker.run(tile.data, tile.dims, undefined, tile.stage).then(
      (r) => {
        this.free(worker, done); // first, so a next tile of this image starts before this one counts as ended
        tile.clock?.finish(r.ms);
        tile.resolve(r);
      },
      (e: Error) => {
        this.free(worker, done);
        tile.clock?.finish(0);
        tile.reject(e);
      },
    );
  }

  private spawn(): InferenceWorker {
    const w = new InferenceWorker(this.graphs, this.plan.threadsEach);
    this.pool.push(w);
    return w;
  }

  private free(worker: InferenceWorker, done: () => void): void {
    if (worker.failed) {
      // a worker that failed (model would not open, thread died) is replaced by the next tile's demand
      this.pool.splice(this.pool.indexOf(worker), 1);
      void worker.close();
    } else this.idle.push(worker);
    done(); // the slot goes to the oldest waiting tile of any model, this one's included
    if (this.queue.length) clearTimeout(this.idleTimer);
    if (!this.queue.length && this.idle.length === this.pool.length) this.retireAfter(IDLE_RELEASE_MS);
  }

  private retireAfter(ms: number): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.retire(), ms);
    this.idleTimer.unref();
  }

  /**
   * Ends the workers now if none has work, instead of after IDLE_RELEASE_MS: a large image's scoring
   * starts the moment its last tile returns, and its peak must not sit on top of the sessions' arenas.
   */
  releaseIfIdle(): void {
    clearTimeout(this.idleTimer);
    this.retire();
  }

  /**
   * Ends the idle workers: each session keeps its arena (~0.5 GB for thick at 256 px tiles) while it
   * lives, which a 24 MP image's scoring would otherwise have to fit beside. The next tile starts new ones.
   */
  private retire(): void {
    if (this.queue.length || this.idle.length !== this.pool.length) return;
    const done = this.pool.splice(0);
    this.idle.length = 0;
    this.retired = Promise.all([this.retired, ...done.map((w) => w.close())]);
  }
}
