import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NORMAL_FROM, bootstrapInterval, clopperPearson, clusterMeanInterval, imagesToSettle, mulberry32, nearestRank, percentile, sampleSd, shareInterval, zFor } from '../main/core/results/confidence.js';

/** Written by scripts/reference/make-confidence-fixtures.py with scipy.stats. */
const ref = JSON.parse(readFileSync(new URL('./fixtures/confidence/reference.json', import.meta.url), 'utf8')) as {
  bootstrap: { name: string; statistic: 'mean' | 'p10'; data: number[]; low: number; high: number; standard_error: number }[];
  binomial: { k: number; n: number; low: number; high: number }[];
  percentile: { name: string; p: number; value: number; nearest_rank: number }[];
};

/** Normal draws by Box–Muller from a seeded PRNG, for simulations whose answer is known. */
function normals(seed: number, n: number, mean: number, sd: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
}

describe('bootstrapInterval', () => {
  it('is the same interval for the same seed, and moves with another seed', () => {
    const xs = normals(3, 25, 0.9, 0.03);
    expect(bootstrapInterval(xs, { seed: 11 })).toEqual(bootstrapInterval(xs, { seed: 11 }));
    expect(bootstrapInterval(xs, { seed: 12 }).low).not.toBe(bootstrapInterval(xs, { seed: 11 }).low);
    const iv = bootstrapInterval(xs);
    expect(iv.mean).toBeCloseTo(xs.reduce((a, b) => a + b) / xs.length, 12);
    expect(iv.low!).toBeLessThan(iv.mean!);
    expect(iv.high!).toBeGreaterThan(iv.mean!);
    expect(iv).toMatchObject({ n: 25, method: 'bootstrap percentile of the mean, 2000 resamples over images, seed 1' });
  });

  it('says there is no interval for one image, and none at all for no images', () => {
    expect(bootstrapInterval([0.8])).toMatchObject({ mean: 0.8, low: null, high: null, n: 1 });
    expect(bootstrapInterval([0.8]).method).toMatch(/^one image: no interval/);
    expect(bootstrapInterval([])).toEqual({ mean: null, low: null, high: null, method: 'no images', n: 0 });
  });

  it('collapses to the value when every image scored the same', () => {
    expect(bootstrapInterval([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toMatchObject({ mean: 0.1, low: 0.1, high: 0.1, n: 7 });
  });

  it('agrees with scipy.stats.bootstrap (percentile method) within the resampling noise', () => {
    for (const r of ref.bootstrap) {
      const iv = bootstrapInterval(r.data, { resamples: 20000, seed: 5, percentile: r.statistic === 'p10' ? 10 : undefined });
      // both sides resample 20,000 times with different RNGs: each end wanders by ~0.02 standard errors
      const tol = 0.1 * r.standard_error;
      expect(Math.abs(iv.low! - r.low), `${r.name} ${r.statistic} low`).toBeLessThan(tol);
      expect(Math.abs(iv.high! - r.high), `${r.name} ${r.statistic} high`).toBeLessThan(tol);
    }
  });

  it('approaches the analytic interval mean ± 1.96·sd/√n for large n', () => {
    const xs = normals(9, 4000, 70, 8);
    const iv = bootstrapInterval(xs);
    const half = (zFor() * sampleSd(xs)) / Math.sqrt(xs.length);
    expect(Math.abs(iv.low! - (iv.mean! - half))).toBeLessThan(0.05 * half);
    expect(Math.abs(iv.high! - (iv.mean! + half))).toBeLessThan(0.05 * half);
  });

  it('uses the normal interval from NORMAL_FROM images on, which is what the bootstrap gives there', () => {
    const xs = normals(10, NORMAL_FROM, 0.9, 0.05);
    const normal = bootstrapInterval(xs);
    expect(normal.method).toMatch(/^normal approximation/);
    const boot = bootstrapInterval(xs.slice(0, NORMAL_FROM - 1));
    expect(boot.method).toMatch(/^bootstrap/);
    const half = (normal.high! - normal.low!) / 2;
    expect(Math.abs(boot.low! - normal.low!)).toBeLessThan(0.05 * half);
    expect(Math.abs(boot.high! - normal.high!)).toBeLessThan(0.05 * half);
    // the cluster form by linearisation: one row per image gives the same interval
    const sums = xs.map((x) => 2 * x);
    const cluster = clusterMeanInterval(sums, xs.map(() => 2));
    expect(cluster.low!).toBeCloseTo(normal.low!, 9);
    expect(cluster.high!).toBeCloseTo(normal.high!, 9);
  });

  it('covers the true mean about 95% of the time (200 seeded simulations, n = 30)', () => {
    let covered = 0;
    for (let s = 0; s < 200; s++) {
      const iv = bootstrapInterval(normals(1000 + s, 30, 0.85, 0.05), { seed: s + 1 });
      if (iv.low! <= 0.85 && 0.85 <= iv.high!) covered++;
    }
    // the percentile bootstrap runs a little short at n = 30 (about 93-94%); seeded, so this count never changes
    expect(covered / 200).toBeGreaterThan(0.9);
    expect(covered / 200).toBeLessThan(0.99);
  });

  it('gives a percentile statistic its own interval', () => {
    const xs = normals(4, 200, 60, 10);
    const p10 = bootstrapInterval(xs, { percentile: 10 });
    expect(p10.mean).toBe(nearestRank([...xs].sort((a, b) => a - b), 10));
    expect(p10.method).toMatch(/of the p10,/);
    expect(p10.high!).toBeLessThan(bootstrapInterval(xs).low!);
  });

  it("takes each resample's percentile by counting ranks: the very numbers sorting each resample gives, ties and both tails", () => {
    // the reference: the same seeded draws (resamples × n indices from mulberry32), each resample sorted
    const sorting = (xs: number[], p: number, seed: number, resamples: number) => {
      const rand = mulberry32(seed);
      const picks = Array.from({ length: xs.length * resamples }, () => (rand() * xs.length) | 0);
      const stats = Array.from({ length: resamples }, (_, b) => nearestRank(picks.slice(b * xs.length, (b + 1) * xs.length).map((i) => xs[i]).sort((x, y) => x - y), p)).sort((a, b) => a - b);
      const alpha = (1 - 0.95) / 2; // as bootstrapInterval writes it: 2.4999999999999996, not 2.5
      return [percentile(stats, alpha * 100), percentile(stats, (1 - alpha) * 100)];
    };
    const rand = mulberry32(9);
    for (const [n, ties] of [[7, false], [40, true], [301, false], [301, true]] as const) {
      const xs = Array.from({ length: n }, () => (ties ? Math.round(rand() * 6) / 2 : 100 * rand()));
      for (const p of [5, 10, 25, 50, 90, 95]) {
        const iv = bootstrapInterval(xs, { percentile: p, seed: 4, resamples: 300 });
        expect([iv.low, iv.high], `n ${n} p${p}`).toEqual(sorting(xs, p, 4, 300));
      }
    }
  });
});

describe('clusterMeanInterval', () => {
  it('is the plain bootstrap with one value per image', () => {
    const xs = normals(21, 15, 0.9, 0.02);
    expect(clusterMeanInterval(xs, xs.map(() => 1))).toEqual(bootstrapInterval(xs));
  });

  it("resamples whole images: the mean of all rows, over images, wider than treating an image's rows as independent", () => {
    // 20 images × 6 settings; the image decides most of the score, the setting a little
    const image = normals(22, 20, 0.85, 0.05);
    const rows = image.flatMap((m, i) => Array.from({ length: 6 }, (_, s) => m + (s - 2.5) / 1000 + (i % 2) / 1000));
    const sums = image.map((_, i) => rows.slice(6 * i, 6 * i + 6).reduce((a, b) => a + b));
    const iv = clusterMeanInterval(sums, sums.map(() => 6));
    expect(iv.mean).toBeCloseTo(rows.reduce((a, b) => a + b) / rows.length, 12);
    expect(iv.n).toBe(20);
    expect(iv.method).toMatch(/each image's rows together: 120 rows in 20 images/);
    const naive = bootstrapInterval(rows);
    expect(iv.high! - iv.low!).toBeGreaterThan(2 * (naive.high! - naive.low!)); // √6 ≈ 2.4 times, as the rows are near copies
    expect(clusterMeanInterval([1.8], [2])).toMatchObject({ mean: 0.9, low: null, high: null, n: 1 });
  });
});

describe('percentile', () => {
  it("interpolates between ranks as numpy does; targets' nearest rank is numpy's inverted_cdf", () => {
    const data = Object.fromEntries(ref.bootstrap.map((r) => [r.name, r.data]));
    for (const r of ref.percentile) {
      expect(percentile(data[r.name], r.p), `${r.name} p${r.p}`).toBeCloseTo(r.value, 12);
      expect(nearestRank([...data[r.name]].sort((a, b) => a - b), r.p), `${r.name} p${r.p} nearest rank`).toBe(r.nearest_rank);
    }
  });

  it('a nearest-rank percentile keeps its promise: at least (100 − p)% of the values reach or beat the worse-side p', () => {
    const rand = mulberry32(3);
    for (const n of [1, 2, 3, 7, 10, 11, 40]) {
      const xs = Array.from({ length: n }, () => Math.round(rand() * 100)).sort((a, b) => a - b);
      for (const p of [5, 10, 25, 50]) {
        expect(xs.filter((x) => x >= nearestRank(xs, p)).length / n, `n ${n} p${p}`).toBeGreaterThanOrEqual(1 - p / 100);
        // a distance's p10 is the ascending 90th: at least 90% at or below it
        expect(xs.filter((x) => x <= nearestRank(xs, 100 - p)).length / n, `n ${n} p${100 - p}`).toBeGreaterThanOrEqual(1 - p / 100);
      }
    }
    // two images at 49.5 and 56.2: p10 is the worse one, not 50.2
    expect(nearestRank([49.5, 56.2], 10)).toBe(49.5);
  });
});

describe('clopperPearson', () => {
  it("matches scipy's exact binomial interval", () => {
    for (const r of ref.binomial) {
      const ci = clopperPearson(r.k, r.n);
      expect(ci.low, `${r.k}/${r.n} low`).toBeCloseTo(r.low, 9);
      expect(ci.high, `${r.k}/${r.n} high`).toBeCloseTo(r.high, 9);
    }
  });

  it('covers p at least 95% of the time, summed exactly over the binomial', () => {
    for (const [n, p] of [[25, 0.3], [10, 0.5], [60, 0.9]] as const) {
      let coverage = 0;
      let logC = 0;
      for (let k = 0; k <= n; k++) {
        if (k) logC += Math.log((n - k + 1) / k);
        const ci = clopperPearson(k, n);
        if (ci.low <= p && p <= ci.high) coverage += Math.exp(logC + k * Math.log(p) + (n - k) * Math.log1p(-p));
      }
      expect(coverage, `n=${n} p=${p}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('is a share of images with its method and count', () => {
    expect(shareInterval(25, 25)).toMatchObject({ mean: 1, high: 1, n: 25, method: 'Clopper–Pearson exact binomial interval' });
    expect(shareInterval(0, 0).mean).toBeNull();
  });
});

describe('imagesToSettle', () => {
  it('is (z·sd / |mean − from|)², rounded up', () => {
    const xs = [0.01, -0.02, 0.03, 0.0, 0.02, -0.01];
    const m = xs.reduce((a, b) => a + b) / xs.length;
    expect(imagesToSettle(xs)).toBe(Math.ceil(((1.959963984540054 * sampleSd(xs)) / m) ** 2));
    expect(imagesToSettle([0.1, -0.1])).toBeNull(); // mean exactly 0: no number of images tells
    expect(imagesToSettle([0.1])).toBeNull();
    expect(zFor()).toBeCloseTo(1.959963984540054, 9);
  });
});
