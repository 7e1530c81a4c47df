import { describe, expect, it } from 'vitest';
import { bootstrapInterval } from '../main/core/results/confidence.js';
import { columnOfMean, meanIntervals } from '../main/core/results/intervals.js';
import { settingPoints, type SettingRow } from '../main/core/results/pareto.js';

const row = (i: number, over: Partial<SettingRow> = {}): SettingRow => ({
  status: 'ok',
  provider: 'bicubic',
  model: 'bicubic',
  factor: 2,
  format: 'webp',
  quality: 80,
  stored_bytes: 1000 + 10 * i,
  saved_percent: 80 + (i % 5),
  ssim: 0.8 + ((i * 7) % 10) / 100,
  psnr: i === 3 ? Infinity : 30 + (i % 4),
  orb_score: i === 2 ? null : 0.5 + (i % 3) / 10,
  upscale_ms: 5,
  ...over,
});

describe('meanIntervals', () => {
  it('names the column each mean is over', () => {
    expect(['ssim_mean', 'mean_ssim', 'orb_mean', 'mean_orb', 'stored_bytes_mean', 'mean_upscale_ms', 'ssimulacra2_mean', 'images', 'factor'].map(columnOfMean)).toEqual([
      'ssim',
      'ssim',
      'orb_score',
      'orb_score',
      'stored_bytes',
      'upscale_ms',
      'ssimulacra2',
      null,
      null,
    ]);
  });

  it("gives every mean of a setting an interval around that mean, over the values the mean was taken over", () => {
    const rows = [...Array.from({ length: 20 }, (_, i) => row(i)), row(99, { status: 'error', ssim: 0.1, stored_bytes: 5 })];
    const [point] = settingPoints(rows);
    const ci = meanIntervals(point, rows);
    expect(Object.keys(ci).sort()).toEqual(['orb_mean', 'psnr_mean', 'saved_percent_mean', 'ssim_mean', 'stored_bytes_mean', 'upscale_ms_mean']);
    for (const field of ['ssim_mean', 'psnr_mean', 'orb_mean', 'stored_bytes_mean', 'saved_percent_mean'] as const) {
      expect(ci[field].mean, field).toBeCloseTo(point[field]!, 9);
    }
    // the error row is left out; infinite PSNR and undefined ORB are not values
    expect(ci.ssim_mean.n).toBe(20);
    expect(ci.psnr_mean.n).toBe(19);
    expect(ci.orb_mean.n).toBe(19);
    expect(ci.ssim_mean.low!).toBeLessThan(point.ssim_mean!);
    expect(ci.upscale_ms_mean).toMatchObject({ low: 5, high: 5 });
    expect(ci.ssim_mean).toEqual(bootstrapInterval(rows.slice(0, 20).map((r) => r.ssim!)));
  });
});
