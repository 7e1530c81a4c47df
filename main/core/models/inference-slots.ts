import { type WorkerPlan, workerPlan } from './worker-plan.js';

/** What a scheduler offers the slots: the image its next tile belongs to, and a way to start that tile. */
export interface SlotUser {
  /** The place in line of the image whose tile would run next, if a tile waits and a worker could take it. */
  waitingImage(): number | undefined;
  /** Starts that tile; `done` is called once it has left onnxruntime (result or error). */
  startNext(done: () => void): void;
}

/**
 * The cores one run's local models share. Every model file has its own sessions (a scheduler), but at
 * most `plan.workers` tiles run at once across all of them, and a free slot goes to the tile of the
 * oldest image, whichever model it needs: a sweep over ×2, ×3 and ×4 models keeps to the cores instead of
 * running three models' threads on them at once.
 */
export class InferenceSlots {
  private running = 0;
  private images = 0;
  private readonly users = new Set<SlotUser>();

  constructor(readonly plan: WorkerPlan = workerPlan()) {}

  /** An image's place in line, shared by every model of the run. */
  nextImage(): number {
    return this.images++;
  }

  join(user: SlotUser): void {
    this.users.add(user);
  }

  leave(user: SlotUser): void {
    this.users.delete(user);
  }

  /** Tiles inside onnxruntime now, across the run's models. */
  get busy(): number {
    return this.running;
  }

  /** Hands free slots to the waiting tiles of the oldest images. */
  grant(): void {
    while (this.running < this.plan.workers) {
      let best: SlotUser | undefined;
      let bestImage = Infinity;
      for (const u of this.users) {
        const image = u.waitingImage();
        if (image !== undefined && image < bestImage) [best, bestImage] = [u, image];
      }
      if (!best) return;
      this.running++;
      let released = false;
      best.startNext(() => {
        if (released) return;
        released = true;
        this.running--;
        this.grant();
      });
    }
  }
}
