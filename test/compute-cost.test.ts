import { describe, expect, it } from 'vitest';
import { type CostRow, computeCosts, secondsPerImage } from '../renderer/src/compute-cost.js';

const r = (provider: string, upscale_ms: number | null, status: 'ok' | 'error' = 'ok'): CostRow => ({ provider, status, upscale_ms });

describe('compute cost', () => {
  const rows = [r('local-ai', 3000), r('bicubic', 40), r('local-ai', 5000), r('bicubic', 60), r('local-ai', 99_000, 'error'), r('sagemaker', 12_000), r('sagemaker', 6_000), r('sagemaker', null)];

  it('averages ok rows with a time only', () => {
    expect(secondsPerImage(rows, 'local-ai')).toEqual({ images: 2, seconds: 4 });
    expect(secondsPerImage(rows, 'sagemaker')).toEqual({ images: 2, seconds: 9 });
    expect(secondsPerImage(rows, 'lanczos')).toEqual({ images: 0, seconds: null });
  });

  it('per 1,000 retrievals, and SageMaker instance-hours at the user’s price', () => {
    const c = computeCosts(rows, { dollarsPerHour: 3.06 });
    expect(c.map((x) => x.provider)).toEqual(['local-ai', 'bicubic', 'sagemaker']);
    expect(c[0]).toEqual({ provider: 'local-ai', images: 2, secondsPerImage: 4, hoursPer1000: 4000 / 3600 });
    expect(c[1].hoursPer1000).toBeCloseTo(50 / 3600, 10);
    // 9 s × 1,000 = 2.5 instance-hours; at $3.06/h (ml.p3.2xlarge on-demand) = $7.65
    expect(c[2].instanceHoursPer1000).toBeCloseTo(2.5, 10);
    expect(c[2].dollarsPer1000).toBeCloseTo(7.65, 10);
  });

  it('leaves dollars empty without a usable price or time', () => {
    expect(computeCosts(rows)[2].dollarsPer1000).toBeNull();
    expect(computeCosts(rows, { dollarsPerHour: Number.NaN })[2].dollarsPer1000).toBeNull();
    expect(computeCosts([r('sagemaker', null, 'error')], { dollarsPerHour: 1 })[0]).toMatchObject({ images: 0, secondsPerImage: null, instanceHoursPer1000: null, dollarsPer1000: null });
    expect(computeCosts([])).toEqual([]);
  });
});
