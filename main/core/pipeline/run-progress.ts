import { basename } from 'node:path';
import type { RunEvent, Stage } from './events.js';

export interface ImageInFlight {
  index: number;
  name: string;
  /** A sweep's stored setting, e.g. f2-webp-q80. */
  setting?: string;
  stage: Stage;
  provider?: string;
  tile?: { done: number; total: number; inFlight?: number };
}

/** Tiles of one image: finished upscales (a sweep upscales an image once per setting) and those running. */
interface ImageTiles {
  finished: number;
  running: Map<string, { done: number; total: number }>;
}

/** Units and rows an image took, once it is done: the basis for images and settings not started yet. */
interface ImageWork {
  units: number;
  rows: number;
}

/**
 * Follows a run's events: which images are in flight and at which step, and an ETA from the work done
 * so far. Work is counted in model tiles (an image without tiles, e.g. bicubic, counts as one), so the
 * estimate moves with every tile, not only when an image ends; images not started yet are assumed to
 * be as large as the average of those seen. A sweep writes several rows per image (one per setting and
 * provider): an image in flight still owes the rows it has not started, so its last setting is not its last
 * tile. Until the first unit of work is done there is no basis.
 */
export class RunProgress {
  total = 0;
  /** Inputs finished, those kept from an interrupted run included. */
  done = 0;
  errors = 0;
  readonly inFlight = new Map<number, ImageInFlight>();
  private startedAt = 0;
  private unitsDone = 0;
  private readonly tiles = new Map<number, ImageTiles>();
  private readonly finishedWork: ImageWork[] = [];
  /** Rows each input gets (settings × providers); rows written so far per image in flight. */
  private rowsPerImage = 1;
  private readonly rowsOf = new Map<number, number>();
  private keptAtStart = 0;
  private readonly okImages = new Set<number>();
  private basis: { seconds: number; at: number } | null = null;

  update(e: RunEvent, now = Date.now()): void {
    const before = this.unitsDone;
    this.apply(e, now);
    if (this.unitsDone !== before) {
      const seconds = this.estimate(now);
      this.basis = seconds === null ? null : { seconds, at: now };
    }
  }

  private apply(e: RunEvent, now: number): void {
    if (e.type === 'start') {
      this.total = e.total;
      this.done = this.keptAtStart = e.done;
      this.rowsPerImage = e.total > 0 ? Math.max(1, e.rows / e.total) : 1;
      this.startedAt = now;
    } else if (e.type === 'stage') {
      this.inFlight.set(e.index, { index: e.index, name: basename(e.path), setting: e.setting, stage: e.stage, provider: e.provider });
    } else if (e.type === 'tile') {
      const t = this.tiles.get(e.index) ?? { finished: 0, running: new Map() };
      this.tiles.set(e.index, t);
      let prev = t.running.get(e.provider);
      if (prev && e.done < prev.done) {
        // the same provider again on this image: the next setting of a sweep
        t.finished += prev.total;
        prev = undefined;
      }
      this.unitsDone += e.done - (prev?.done ?? 0);
      t.running.set(e.provider, { done: e.done, total: e.total });
      const cur = this.inFlight.get(e.index);
      this.inFlight.set(e.index, { index: e.index, name: basename(e.path), setting: cur?.setting, stage: 'upscale', provider: e.provider, tile: { done: e.done, total: e.total, inFlight: e.inFlight } });
    } else if (e.type === 'row') {
      this.rowsOf.set(e.index, (this.rowsOf.get(e.index) ?? 0) + 1);
      if (e.row.status === 'error') this.errors++;
      else this.okImages.add(e.index);
    } else if (e.type === 'image-done') {
      this.done = e.done;
      this.inFlight.delete(e.index);
      const t = this.tiles.get(e.index);
      this.tiles.delete(e.index);
      const units = t ? unitsOf(t) : 0;
      const rows = Math.max(1, this.rowsOf.get(e.index) ?? 0);
      this.rowsOf.delete(e.index);
      const ok = this.okImages.delete(e.index);
      // A file refused before any upscale (not an image, too large) took no time worth counting: as a unit
      // it made the ETA of a whole batch "0 s" after one bad file.
      if (units || !ok) {
        if (units) this.finishedWork.push({ units, rows });
        return;
      }
      this.unitsDone++;
      this.finishedWork.push({ units: 1, rows });
    }
  }

  /** Seconds left, counting down between tiles; null while nothing is done yet to base it on. */
  etaSeconds(now = Date.now()): number | null {
    if (this.basis === null || this.done >= this.total) return null;
    return Math.max(0, this.basis.seconds - (now - this.basis.at) / 1000);
  }

  /** Images finished by this run (not those kept from an interrupted one). */
  get doneHere(): number {
    return this.done - this.keptAtStart;
  }

  /** Re-estimated whenever a unit of work ends. */
  private estimate(now: number): number | null {
    if (!this.unitsDone) return null;
    // units per row, over finished images and what images in flight have shown (rows written or running)
    let units = 0;
    let rows = 0;
    for (const w of this.finishedWork) [units, rows] = [units + w.units, rows + w.rows];
    for (const [index, t] of this.tiles) [units, rows] = [units + unitsOf(t), rows + this.rowsSeen(index, t)];
    const perRow = rows ? units / rows : 1;
    let left = 0;
    for (const index of this.inFlight.keys()) {
      const t = this.tiles.get(index);
      const running = t ? [...t.running.values()].reduce((n, x) => n + x.total - x.done, 0) : 0;
      const notStarted = Math.max(0, this.rowsPerImage - (t ? this.rowsSeen(index, t) : 0));
      left += running + notStarted * perRow;
    }
    left += Math.max(0, this.total - this.done - this.inFlight.size) * this.rowsPerImage * perRow;
    const perUnitMs = (now - this.startedAt) / this.unitsDone;
    return (left * perUnitMs) / 1000;
  }

  /** Rows an image in flight has written or is upscaling now. */
  private rowsSeen(index: number, t: ImageTiles): number {
    const active = [...t.running.values()].filter((x) => x.done < x.total).length;
    return Math.max(1, (this.rowsOf.get(index) ?? 0) + active);
  }
}

const unitsOf = (t: ImageTiles) => t.finished + [...t.running.values()].reduce((n, x) => n + x.total, 0);
