import { type WorkerPlan, workerPlan } from './worker-plan.js';

/** What a scheduler offers the slots: the image its next tile belongs to, and a way to start that tile. */
export interface SlotUser {
  /** The place in line of the image whose tile would run next, if a tile waits and a worker could take it. */
  waitingImage(): number | undefined;
  /** Starts that tile; `done` is called once it has left onnxruntime (result or error). */
  startNext(done: () => void): void;
  /** Sessions open (or opening), busy or not. */
  readonly sessions: number;
  /** Sessions open and waiting for a tile. */
  readonly idleSessions: number;
  /** Ends one idle session so another model can open one; false if none is idle. */
  endIdleSession(): boolean;
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

  /**
   * Sessions the run may hold at once across its models: one per worker, or one per model if there are
   * more models (so a sweep on two cores does not reopen a model for every image). On 16 cores a sweep of
   * three models holds 16 sessions, not 48 (~0.55 GB each for thick).
   */
  get sessionCap(): number {
    return Math.max(this.plan.workers, this.users.size);
  }

  /** Sessions open now across the run's models (a closed model's are ending and no longer count). */
  get openSessions(): number {
    let n = 0;
    for (const u of this.users) n += u.sessions;
    return n;
  }

  /** Whether a session can open without ending another. */
  get hasRoom(): boolean {
    return this.openSessions < this.sessionCap;
  }

  /** Whether `user` can have a session for its next tile: under the cap, or by ending another model's idle one. */
  canOpen(user: SlotUser): boolean {
    return this.hasRoom || [...this.users].some((u) => u !== user && u.idleSessions > 0);
  }

  /** Called before opening a session: at the cap, another model's idle session ends first. */
  makeRoom(user: SlotUser): void {
    if (this.hasRoom) return;
    for (const u of this.users) if (u !== user && u.endIdleSession()) return;
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
