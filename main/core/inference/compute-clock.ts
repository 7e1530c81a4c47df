/**
 * One image's compute in a local provider, apart from its wall time. `busyMs` adds up the time its tiles
 * spent inside onnxruntime (summed over tiles: two tiles at once on two workers count twice, as it is
 * compute, not latency) and the provider's own work on the image (decoding, building tiles, stitching,
 * alpha). `waitMs` is the time it had a tile ready and none running, every slot held by other images or
 * models. Opening a session for a tile counts as neither.
 */
export class ComputeClock {
  busyMs = 0;
  waitMs = 0;
  private queued = 0;
  private running = 0;
  private waitingSince?: number;

  /** Work of the provider's own on this image, outside the tiles. */
  add(ms: number): void {
    this.busyMs += ms;
  }

  /** A tile joined the queue. */
  queue(): void {
    this.queued++;
    this.update();
  }

  /** A queued tile left without running (its image was cancelled). */
  drop(): void {
    this.queued--;
    this.update();
  }

  /** A queued tile got a slot. */
  start(): void {
    this.queued--;
    this.running++;
    this.update();
  }

  /** A running tile ended after `busyMs` inside onnxruntime (0 if it never got there). */
  finish(busyMs: number): void {
    this.running--;
    this.busyMs += busyMs;
    this.update();
  }

  private update(): void {
    const waiting = this.queued > 0 && this.running === 0;
    if (waiting && this.waitingSince === undefined) this.waitingSince = performance.now();
    else if (!waiting && this.waitingSince !== undefined) {
      this.waitMs += performance.now() - this.waitingSince;
      this.waitingSince = undefined;
    }
  }
}
