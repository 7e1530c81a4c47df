import { BenchError } from '../../errors.js';

/**
 * Requests in flight to SageMaker across every tile and image of a run. Like the local models' inference
 * slots (models/inference-slots.ts), a free slot goes to the oldest image's waiting request, so rows keep
 * finishing in order while later images' tiles fill the gaps.
 */
export class RequestSlots {
  private running = 0;
  private images = 0;
  private readonly waiting: { image: number; seq: number; start: () => void }[] = [];
  private seq = 0;
  private busySince = 0;
  private busyBefore = 0;
  /** The run's totals for summary.json: requests sent (retries included), re-sends, throttled answers, request time. */
  readonly usage = { invocations: 0, retries: 0, throttles: 0, endpointMs: 0 };

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('request slots must be a whole number ≥ 1');
  }

  /** An image's place in line, shared by every SageMaker provider of the run. */
  nextImage(): number {
    return this.images++;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Time with at least one request in flight: what the endpoint was kept busy for. */
  get busyMs(): number {
    return this.busyBefore + (this.running ? Date.now() - this.busySince : 0);
  }

  /**
   * Runs `work` once a slot is free, the oldest image first. A cancelled wait rejects with the signal's
   * reason and takes no slot; the slot is released however `work` ends.
   */
  async run<T>(image: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    // a free slot nobody waits for is taken at once, so `work` starts before run() returns
    if (this.running < this.size && !this.waiting.length && !signal?.aborted) this.take();
    else await this.acquire(image, signal);
    try {
      return await work();
    } finally {
      if (--this.running === 0) this.busyBefore += Date.now() - this.busySince;
      this.grant();
    }
  }

  private acquire(image: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled());
    return new Promise<void>((resolve, reject) => {
      const entry = {
        image,
        seq: this.seq++,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.grant();
    });
  }

  private take(): void {
    if (this.running++ === 0) this.busySince = Date.now();
  }

  private grant(): void {
    while (this.running < this.size && this.waiting.length) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        const a = this.waiting[i];
        const b = this.waiting[best];
        if (a.image < b.image || (a.image === b.image && a.seq < b.seq)) best = i;
      }
      const [next] = this.waiting.splice(best, 1);
      this.take();
      next.start();
    }
  }
}

const cancelled = () => new BenchError('ERROR_CANCELLED', 'cancelled');
