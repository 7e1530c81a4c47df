import { describe, expect, it } from 'vitest';
import type { MetricAccess, PairedRow } from '../main/core/results/comparisons.js';
import { atPercentile, parseAt, pointsAt, restoreMean, worstCases } from '../main/core/results/worst-case.js';

type Row = PairedRow & { score: number | null };
const HIGH: MetricAccess<Row> = { label: 'SSIM', score: (r) => r.score, higherIsBetter: true };
const LOW: MetricAccess<Row> = { label: 'Butteraugli', score: (r) => r.score, higherIsBetter: false };
const row = (i: number, score: number | null, over: Partial<Row> = {}): Row => ({
  image_path: `img${i}.png`,
  status: 'ok',
  provider: 'bicubic',
  model: 'bicubic',
  factor: 2,
  format: 'webp',
  quality: 80,
  stored_bytes: 1000,
  score,
  ...over,
});

describe('worst-case targets', () => {
  it('takes percentiles on the worse side of the metric', () => {
    expect([atPercentile('mean', true), atPercentile('p10', true), atPercentile('p10', false), atPercentile('median', false), atPercentile('p5', true)]).toEqual([undefined, 10, 90, 50, 5]);
    expect(parseAt('P25')).toBe('p25');
    expect(parseAt('p50')).toBe('median');
    expect(() => parseAt('p20')).toThrow("--at takes mean, p5, p10, p25, median (got 'p20')");
  });

  it('per setting: the p10 with its interval, the share reaching the target, the worst image', () => {
    // 17 images at 0.95, three at 0.6: the mean (0.9) reaches a 0.9 target, the p10 (0.6) does not
    const rows = [...Array.from({ length: 17 }, (_, i) => row(i, 0.95)), row(17, 0.6), row(18, 0.6), row(19, 0.55), row(20, 0.1, { status: 'error' }), row(21, null)];
    const [w] = worstCases(rows, HIGH, 0.9, 'p10');
    expect(w.statistic.mean).toBeCloseTo(0.6, 12);
    expect(w.statistic.method).toMatch(/of the p10/);
    expect(w.statistic.n).toBe(20);
    expect(w).toMatchObject({ reaching: 17, worst: { image_path: 'img19.png', score: 0.55 } });
    expect(w.share_reaching.mean).toBeCloseTo(0.85, 12);
    expect(w.share_reaching.method).toMatch(/Clopper–Pearson/);
    expect(worstCases(rows, HIGH, 0.9, 'mean')[0].statistic.mean).toBeCloseTo((17 * 0.95 + 1.75) / 20, 12);
  });

  it('for a distance, the worst image is the farthest and p10 the 90th percentile', () => {
    const rows = Array.from({ length: 11 }, (_, i) => row(i, i / 10)); // distances 0, 0.1, …, 1
    const [w] = worstCases(rows, LOW, 0.5, 'p10');
    expect(w.statistic.mean).toBeCloseTo(0.9, 12);
    expect(w).toMatchObject({ reaching: 6, worst: { image_path: 'img10.png', score: 1 } });
  });

  it('keeps settings and providers apart', () => {
    const rows = [row(0, 0.9), row(0, 0.8, { quality: 50 }), row(0, 0.7, { provider: 'lanczos', model: 'lanczos' })];
    expect(worstCases(rows, HIGH, 0.85, 'mean').map((w) => [w.provider, w.quality, w.reaching, w.statistic.low])).toEqual([
      ['bicubic', 80, 1, null],
      ['bicubic', 50, 0, null],
      ['lanczos', 80, 0, null],
    ]);
  });
});

describe('pointsAt and restoreMean', () => {
  it('puts the statistic where the frontier and recommendation read the mean, and back again', () => {
    const rows = [...Array.from({ length: 17 }, (_, i) => row(i, 0.95)), row(17, 0.6), row(18, 0.6), row(19, 0.55), ...Array.from({ length: 20 }, (_, i) => row(i, 0.92, { quality: 95 }))];
    const points = [
      { provider: 'bicubic', factor: 2, format: 'webp', quality: 80, ssim_mean: 0.9 },
      { provider: 'bicubic', factor: 2, format: 'webp', quality: 95, ssim_mean: 0.92 },
      { provider: 'lanczos', factor: 2, format: 'webp', quality: 80, ssim_mean: 0.5 },
    ];
    const at = pointsAt(points, worstCases(rows, HIGH, 0.9, 'p10'), 'ssim_mean');
    expect(at.map((p) => p.ssim_mean)).toEqual([0.6, 0.92, null]);
    expect(points[0].ssim_mean).toBe(0.9); // the input is left alone
    // at p10 only q95 reaches 0.9; its entry gets its true mean back and the p10 beside it
    const entry = restoreMean({ ...at[0] }, 'bicubic', points, 'ssim_mean', 'ssim_p10');
    expect(entry).toMatchObject({ ssim_mean: 0.9, ssim_p10: 0.6 });
  });
});
