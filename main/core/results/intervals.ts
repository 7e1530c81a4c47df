/**
 * The 95% interval of every mean summary.json gives: each `…_mean` / `mean_…` field of an entry, over the
 * rows that mean was taken over (ok rows, finite values). Keyed by the mean's own name, so a metric added
 * to the summary later gets its interval without a change here. Pure: the renderer can draw error bars
 * with it.
 */
import { type BootstrapOptions, type Interval, bootstrapInterval } from './confidence.js';

/** The results column a mean is over: 'ssim_mean' → 'ssim', 'mean_orb' → 'orb_score'; null for a field that is no mean. */
export function columnOfMean(field: string): string | null {
  const m = /^mean_(.+)$/.exec(field) ?? /^(.+)_mean$/.exec(field);
  if (!m) return null;
  return m[1] === 'orb' ? 'orb_score' : m[1];
}

/** The finite values of `column` over the ok rows. */
export function valuesOf(rows: readonly object[], column: string): number[] {
  const out: number[] = [];
  for (const r of rows as readonly Record<string, unknown>[]) {
    const v = r[column];
    if (r.status === 'ok' && typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** An interval per mean field of `entry` that has a value, over `rows`. */
export function meanIntervals(entry: object, rows: readonly object[], opts: BootstrapOptions = {}): Record<string, Interval> {
  const out: Record<string, Interval> = {};
  for (const [field, value] of Object.entries(entry)) {
    const column = columnOfMean(field);
    if (column === null || typeof value !== 'number') continue;
    out[field] = bootstrapInterval(valuesOf(rows, column), opts);
  }
  return out;
}
