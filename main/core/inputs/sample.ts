import { createHash } from 'node:crypto';

/** `--sample N --seed S`: which images of the input a run evaluates. */
export interface SampleSpec {
  n: number;
  seed: number;
}

/**
 * A seeded uniform sample kept while items stream past: each item's priority is a hash of the seed and its
 * name, and the N lowest are kept (a bottom-k reservoir). Memory is N items however many are offered; the
 * choice depends on the names only, not the order they come in, so the same seed over the same folder,
 * CSV or prefix picks the same images, and a few objects added to a prefix change the pick by about as few.
 */
export class Reservoir<T> {
  // a max-heap on priority: the root is the first to go when a lower one arrives
  private heap: { p: bigint; name: string; seq: number; item: T }[] = [];
  private seq = 0;

  constructor(
    private readonly spec: SampleSpec,
    private readonly nameOf: (item: T) => string,
  ) {}

  offer(item: T): void {
    const name = this.nameOf(item);
    const entry = { p: priority(this.spec.seed, name), name, seq: this.seq++, item };
    const h = this.heap;
    if (h.length < this.spec.n) {
      h.push(entry);
      this.up(h.length - 1);
    } else if (h.length && below(entry, h[0])) {
      h[0] = entry;
      this.down(0);
    }
  }

  /** The kept items in the order they were offered. */
  items(): T[] {
    return [...this.heap].sort((a, b) => a.seq - b.seq).map((e) => e.item);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!below(h[parent], h[i])) return;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < h.length && below(h[top], h[l])) top = l;
      if (r < h.length && below(h[top], h[r])) top = r;
      if (top === i) return;
      [h[top], h[i]] = [h[i], h[top]];
      i = top;
    }
  }
}

type Ranked = { p: bigint; name: string };
const below = (a: Ranked, b: Ranked) => a.p < b.p || (a.p === b.p && a.name < b.name);

function priority(seed: number, name: string): bigint {
  return createHash('sha256').update(`${seed}\0${name}`).digest().readBigUInt64BE(0);
}

/** The sample of a list already in memory (a folder's walk, a CSV), in the list's order. */
export function sampleOf<T>(items: T[], spec: SampleSpec, nameOf: (item: T) => string): T[] {
  const r = new Reservoir(spec, nameOf);
  for (const item of items) r.offer(item);
  return r.items();
}

/** A seed for `--sample` without `--seed`; recorded in settings.json, so a resume picks the same images. */
export const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
