/**
 * The 95% interval of every mean summary.json gives: each `…_mean` / `mean_…` field of an entry, over the
 * rows that mean was taken over (ok rows, finite values). Keyed by the mean's own name, so a metric added
 * to the summary later gets its interval without a change here. Pure: the renderer can draw error bars
 * with it.
 */
import { type BootstrapOptions, type Interval, clusterMeanInterval } from './confidence.js';

/** The results column a mean is over: 'ssim_mean' → 'ssim', 'mean_orb' → 'orb_score'; null for a field that is no mean. */
export function columnOfMean(field: string): string | null {
  const m = /^mean_(.+)$/.exec(field) ?? /^(.+)_mean$/.exec(field);
  if (!m) return null;
  return m[1] === 'orb' ? 'orb_score' : m[1];
}

/**
 * The finite values of `column` over the ok rows, summed per image (`image_path`; a row without one is its
 * own image): the sums and counts a mean over images resamples.
 */
export function valuesByImage(rows: readonly object[], column: string): { sums: number[]; counts: number[] } {
  const at = new Map<unknown, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  rows.forEach((row, k) => {
    const r = row as Record<string, unknown>;
    const v = r[column];
    if (r.status !== 'ok' || typeof v !== 'number' || !Number.isFinite(v)) return;
    const image = r.image_path ?? k;
    let i = at.get(image);
    if (i === undefined) {
      at.set(image, (i = sums.length));
      sums.push(0);
      counts.push(0);
    }
    sums[i] += v;
    counts[i]++;
  });
  return { sums, counts };
}

/** An interval per mean field of `entry` that has a value, over `rows`, resampling images. */
export function meanIntervals(entry: object, rows: readonly object[], opts: BootstrapOptions = {}): Record<string, Interval> {
  const out: Record<string, Interval> = {};
  for (const [field, value] of Object.entries(entry)) {
    const column = columnOfMean(field);
    if (column === null || typeof value !== 'number') continue;
    const { sums, counts } = valuesByImage(rows, column);
    out[field] = clusterMeanInterval(sums, counts, opts);
  }
  return out;
}
