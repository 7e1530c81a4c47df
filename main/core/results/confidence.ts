/**
 * How sure a mean over images is: a seeded percentile bootstrap over images, and an exact binomial
 * (Clopper–Pearson) interval for a share of images. Pure and dependency-free so the renderer imports it
 * too, as it does pareto.ts.
 *
 * Why the percentile bootstrap and not BCa: scores are bounded (SSIM ≤ 1) and skewed, so a t-interval's
 * symmetry is wrong; BCa corrects bias and skew further but needs a jackknife per interval (n more
 * statistics) and is itself unstable for small n. The percentile interval is what scipy.stats.bootstrap
 * computes with method='percentile', which test/confidence.test.ts checks it against.
 */

/** The coverage every interval in summary.json is given at. */
export const LEVEL = 0.95;
export const DEFAULT_SEED = 1;
export const DEFAULT_RESAMPLES = 2000;
/**
 * From this many images a mean's interval is the normal one, mean ± z·se: the bootstrap's cost grows with
 * images × resamples, and by here its percentile interval and the normal one agree within the bootstrap's own
 * noise (test/confidence.test.ts checks it at 4,000).
 */
export const NORMAL_FROM = 5000;

export interface Interval {
  /** The statistic (a mean unless `method` says otherwise) over the n images themselves; null with no images. */
  mean: number | null;
  /** The 95% interval's ends; null when there is none (fewer than two images). */
  low: number | null;
  high: number | null;
  /** How the interval was found, in words ("bootstrap percentile, 2000 resamples over images, seed 1"). */
  method: string;
  /** Images the statistic is over. */
  n: number;
}

export interface BootstrapOptions {
  seed?: number;
  resamples?: number;
  level?: number;
  /** The statistic: the mean (default) or a percentile 0–100 of the per-image values. */
  percentile?: number;
  /** The percentile's name where it is not its number: `--at p10` on a distance is its 90th percentile, still called p10. */
  statistic?: string;
}

/** mulberry32: a 32-bit seeded PRNG, uniform in [0, 1). Small, fast, and enough for resampling indices. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index tables kept for reuse: a sweep asks for many intervals over the same number of images. */
const tables = new Map<string, Uint32Array>();
const TABLES_KEPT = 4;
/** Beyond this many indices a table is not kept (32 MB); it is drawn afresh, to the same values. */
const TABLE_CAP = 8_000_000;

/**
 * The images each resample draws, resample after resample: `resamples` × n indices from mulberry32(seed).
 * The same (seed, n, resamples) always gives the same table, so keeping it changes no interval, and drawing
 * it once per sweep instead of once per interval is most of the bootstrap's time saved.
 */
function resampleIndices(seed: number, n: number, resamples: number): Uint32Array {
  const key = `${seed}:${n}:${resamples}`;
  const kept = tables.get(key);
  if (kept) return kept;
  const rand = mulberry32(seed);
  const out = new Uint32Array(n * resamples);
  for (let j = 0; j < out.length; j++) out[j] = (rand() * n) | 0;
  if (out.length <= TABLE_CAP) {
    if (tables.size >= TABLES_KEPT) tables.delete(tables.keys().next().value!);
    tables.set(key, out);
  }
  return out;
}

/** The p-th percentile (0–100) of sorted values, interpolated linearly between ranks (numpy's default). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export const percentile = (xs: readonly number[], p: number): number => percentileOfSorted([...xs].sort((a, b) => a - b), p);

/**
 * The rank (0-based, ascending) of the nearest-rank p-th percentile: the smallest value with at least p% of
 * the values at or below it. Targets use it, not interpolation, because it keeps the promise a percentile
 * target makes: when the worse-side p10 reaches the target, at least 90% of the images do (interpolated, two
 * images at 49.5 and 56.2 gave a p10 of 50.2 with one of two below 50).
 */
export const nearestRankIndex = (n: number, p: number): number => Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));

/** The nearest-rank p-th percentile of sorted values (see nearestRankIndex). */
export const nearestRank = (sorted: ArrayLike<number>, p: number): number => sorted[nearestRankIndex(sorted.length, p)];

/** 'mean', 'median', 'p10'. */
export const statName = (p: number | undefined) => (p === undefined ? 'mean' : p === 50 ? 'median' : `p${p}`);

/**
 * The statistic of `xs` with a percentile-bootstrap interval: `resamples` samples of n images drawn with
 * replacement, the statistic of each, and the (1−level)/2 and (1+level)/2 percentiles of those. Each call
 * starts its PRNG at `seed`, so an interval does not depend on what was computed before it.
 */
export function bootstrapInterval(xs: readonly number[], opts: BootstrapOptions = {}): Interval {
  const { seed = DEFAULT_SEED, resamples = DEFAULT_RESAMPLES, level = LEVEL, percentile: p } = opts;
  const n = xs.length;
  const stat = p === undefined ? 'mean' : (opts.statistic ?? statName(p));
  if (!n) return { mean: null, low: null, high: null, method: 'no images', n };
  const values = Float64Array.from(xs);
  const sorted = Float64Array.from(xs).sort();
  const estimate = p === undefined ? values.reduce((a, b) => a + b, 0) / n : nearestRank(sorted, p);
  if (n === 1) return { mean: estimate, low: null, high: null, method: `one image: no interval (the ${stat} of one image says nothing of the spread)`, n };
  // every image the same: every resample is too, and summing n equal floats could stray by an ulp
  if (sorted[0] === sorted[n - 1]) return { mean: sorted[0], low: sorted[0], high: sorted[0], method: `every image scored the same: the interval is that value`, n };
  if (p === undefined && n >= NORMAL_FROM) return normalInterval(estimate, sampleSd(xs) / Math.sqrt(n), n, level);
  const picks = resampleIndices(seed, n, resamples);
  const stats = p === undefined ? resampledMeans(values, picks, resamples) : resampledPercentiles(values, picks, resamples, p);
  stats.sort();
  const alpha = (1 - level) / 2;
  return {
    mean: estimate,
    low: percentileOfSorted(stats, alpha * 100),
    high: percentileOfSorted(stats, (1 - alpha) * 100),
    method: `bootstrap percentile of the ${stat}, ${resamples} resamples over images, seed ${seed}`,
    n,
  };
}

/** The mean of each resample. */
function resampledMeans(values: Float64Array, picks: Uint32Array, resamples: number) {
  const n = values.length;
  const out = new Float64Array(resamples);
  for (let b = 0, j = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[picks[j++]];
    out[b] = sum / n;
  }
  return out;
}

/**
 * The nearest-rank p-th percentile of each resample, found from how often each image's rank was drawn instead of by sorting
 * the resample: O(n) a resample (a sweep's settings × 2,000 sorts took seconds), and the same order
 * statistics, so the same value to the bit. The scan starts from the nearer end of the ranks.
 */
function resampledPercentiles(values: Float64Array, picks: Uint32Array, resamples: number, p: number) {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const sorted = Float64Array.from(order, (i) => values[i]);
  const rank = new Uint32Array(n);
  order.forEach((i, k) => (rank[i] = k));
  const k = nearestRankIndex(n, p);
  const counts = new Uint32Array(n);
  const out = new Float64Array(resamples);
  for (let b = 0, j = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[rank[picks[j++]]]++;
    if (p <= 50) {
      // the resample's k-th smallest: the rank where the running count passes k
      let r = 0;
      let seen = counts[0];
      while (seen <= k) seen += counts[++r];
      out[b] = sorted[r];
    } else {
      // the same from the top: the k-th smallest has n − 1 − k draws above it
      let r = n - 1;
      let seen = counts[r];
      while (seen <= n - 1 - k) seen += counts[--r];
      out[b] = sorted[r];
    }
  }
  return out;
}

/**
 * The mean of rows that come in clusters (a provider's rows over a sweep's settings: several per image),
 * with a bootstrap that resamples whole images, as the rows of one image are not independent. `sums[i]` and
 * `counts[i]` are image i's total and number of values; the statistic is Σ sums / Σ counts, the plain mean
 * of all rows. With one value per image it is bootstrapInterval's mean to the last bit.
 */
export function clusterMeanInterval(sums: readonly number[], counts: readonly number[], opts: Omit<BootstrapOptions, 'percentile'> = {}): Interval {
  if (counts.every((c) => c === 1)) return bootstrapInterval(sums, opts);
  const { seed = DEFAULT_SEED, resamples = DEFAULT_RESAMPLES, level = LEVEL } = opts;
  const n = sums.length;
  const total = counts.reduce((a, b) => a + b, 0);
  const mean = sums.reduce((a, b) => a + b, 0) / total;
  if (n === 1) return { mean, low: null, high: null, method: `one image: no interval (its ${total} rows are not independent samples)`, n };
  const perImage = sums.map((x, i) => x / counts[i]);
  if (perImage.every((m) => m === perImage[0]) && sums.every((x, i) => x === perImage[0] * counts[i])) return { mean, low: mean, high: mean, method: 'every image scored the same: the interval is that value', n };
  if (n >= NORMAL_FROM) {
    // the ratio's standard error by linearisation: the spread of each image's sum about mean × its count
    const cbar = total / n;
    const se = Math.sqrt(sums.reduce((a, x, i) => a + (x - mean * counts[i]) ** 2, 0) / (n * (n - 1))) / cbar;
    return normalInterval(mean, se, n, level);
  }
  const picks = resampleIndices(seed, n, resamples);
  const stats = new Float64Array(resamples);
  for (let b = 0, j = 0; b < resamples; b++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++, j++) {
      s += sums[picks[j]];
      c += counts[picks[j]];
    }
    stats[b] = s / c;
  }
  stats.sort();
  const alpha = (1 - level) / 2;
  return {
    mean,
    low: percentileOfSorted(stats, alpha * 100),
    high: percentileOfSorted(stats, (1 - alpha) * 100),
    method: `bootstrap percentile of the mean, ${resamples} resamples over images (each image's rows together: ${total} rows in ${n} images), seed ${seed}`,
    n,
  };
}

function normalInterval(mean: number, se: number, n: number, level: number): Interval {
  const half = zFor(level) * se;
  return { mean, low: mean - half, high: mean + half, method: `normal approximation, mean ± ${zFor(level).toFixed(2)}·standard error (${n} images: the bootstrap would agree)`, n };
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in logs so n in the thousands neither overflows nor underflows. */
function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0; // log C(n, 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    sum += Math.exp(logC + i * lp + (n - i) * lq);
  }
  return Math.min(1, sum);
}

/** The p where f (monotone on [0, 1]) crosses `target`, by bisection to double precision. */
function solve(f: (p: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Clopper–Pearson: the exact binomial interval for k successes in n, the set of p no two-sided test at
 * 1−level rejects. Its coverage is at least `level` for every p (conservative, never short).
 */
export function clopperPearson(k: number, n: number, level = LEVEL): { low: number; high: number } {
  const alpha = (1 - level) / 2;
  // low: P(X ≥ k | p) = alpha, i.e. P(X ≤ k−1 | p) = 1 − alpha; high: P(X ≤ k | p) = alpha
  const low = k === 0 ? 0 : solve((p) => binomialCdf(k - 1, n, p), 1 - alpha, false);
  const high = k === n ? 1 : solve((p) => binomialCdf(k, n, p), alpha, false);
  return { low, high };
}

/** A share of images (k of n) with its exact interval. */
export function shareInterval(k: number, n: number, level = LEVEL): Interval {
  if (!n) return { mean: null, low: null, high: null, method: 'no images', n };
  return { mean: k / n, ...clopperPearson(k, n, level), method: 'Clopper–Pearson exact binomial interval', n };
}

/** The normal quantile for a two-sided interval at `level` (1.96 at 95%), by bisection on erf's series. */
export function zFor(level = LEVEL): number {
  const cdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < (1 + level) / 2) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** erf by its Taylor series, exact to double precision for |x| < 6 (all zFor needs). */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (-x * x) / k;
    const add = term / (2 * k + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return Math.max(-1, Math.min(1, (2 / Math.sqrt(Math.PI)) * sum));
}

export const sampleSd = (xs: readonly number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/**
 * Images a mean needs for its 95% interval to exclude `from` (0 for a difference, the target for a setting),
 * at the spread seen: n ≈ (z·sd / |mean − from|)², rounded up. null when it cannot be said: fewer than two
 * images, or the mean sits exactly on `from` (no number of images would tell).
 */
export function imagesToSettle(xs: readonly number[], from = 0, level = LEVEL): number | null {
  if (xs.length < 2) return null;
  const gap = Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - from);
  if (gap === 0) return null;
  return Math.max(2, Math.ceil(((zFor(level) * sampleSd(xs)) / gap) ** 2));
}

/** "+0.012", "−0.010": signed, with a true minus sign, to a precision that shows the interval's width. */
export function signed(x: number, digits: number): string {
  const s = Math.abs(x).toFixed(digits);
  return Number(s) === 0 ? s : `${x < 0 ? '−' : '+'}${s}`;
}

/** Decimals that show an interval: two significant digits of its width (at least 0, at most 6). */
export function digitsFor(...xs: (number | null)[]): number {
  const finite = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  const width = finite.length > 1 ? Math.max(...finite) - Math.min(...finite) : Math.abs(finite[0] ?? 0);
  if (!width) return 3;
  return Math.max(0, Math.min(6, 1 - Math.floor(Math.log10(width))));
}
