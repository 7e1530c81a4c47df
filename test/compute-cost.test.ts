import { describe, expect, it } from 'vitest';
import { type CostRow, computeCosts, secondsPerImage } from '../renderer/src/compute-cost.js';

const r = (provider: string, upscale_ms: number | null, status: 'ok' | 'error' = 'ok', upscale_threads: number | null = provider === 'sagemaker' ? null : 1): CostRow => ({
  provider,
  status,
  upscale_ms,
  upscale_threads,
});

describe('compute cost', () => {
  const rows = [
    r('local-ai', 3000, 'ok', 2),
    r('bicubic', 40),
    r('local-ai', 5000, 'ok', 2),
    r('bicubic', 60),
    r('local-ai', 99_000, 'error', 2),
    r('sagemaker', 12_000),
    r('sagemaker', 6_000),
    r('sagemaker', null),
  ];

  it('averages ok rows with a time only, busy time times threads for core-seconds', () => {
    expect(secondsPerImage(rows, 'local-ai')).toEqual({ images: 2, seconds: 4, coreSeconds: 8 });
    expect(secondsPerImage(rows, 'sagemaker')).toEqual({ images: 2, seconds: 9, coreSeconds: null });
    expect(secondsPerImage(rows, 'lanczos')).toEqual({ images: 0, seconds: null, coreSeconds: null });
  });

  it('per 1,000 retrievals in core-hours, and SageMaker instance-hours at the user’s price', () => {
    const c = computeCosts(rows, { dollarsPerHour: 3.06 });
    expect(c.map((x) => x.provider)).toEqual(['local-ai', 'bicubic', 'sagemaker']);
    // 4 s busy on a 2-thread session = 8 core-seconds per image
    expect(c[0]).toEqual({ provider: 'local-ai', images: 2, secondsPerImage: 4, coreSecondsPerImage: 8, coreHoursPer1000: 8000 / 3600 });
    expect(c[1].coreHoursPer1000).toBeCloseTo(50 / 3600, 10);
    // 9 s × 1,000 = 2.5 instance-hours; at $3.06/h (ml.p3.2xlarge on-demand) = $7.65
    expect(c[2].coreHoursPer1000).toBeNull();
    expect(c[2].instanceHoursPer1000).toBeCloseTo(2.5, 10);
    expect(c[2].dollarsPer1000).toBeCloseTo(7.65, 10);
  });

  it('counts no core-hours for rows that do not say their threads (written before the column)', () => {
    expect(computeCosts([r('local-ai', 4000, 'ok', null)])[0]).toMatchObject({ images: 1, secondsPerImage: 4, coreSecondsPerImage: null, coreHoursPer1000: null });
  });

  it("with requests in flight, prices the endpoint's busy time, not the summed upscale times", () => {
    // 2 retrievals kept 2 instances busy 9 s: 9 × 2 / 2 × 1,000 s = 2.5 instance-hours; summed rows would say the same only one at a time
    const c = computeCosts(rows, { dollarsPerHour: 2, sagemaker: { busy_seconds: 9, retrievals: 2, instances: 2 } });
    expect(c[2].instanceHoursPer1000).toBeCloseTo(2.5, 10);
    expect(c[2].dollarsPer1000).toBeCloseTo(5, 10);
    expect(computeCosts(rows, { sagemaker: { busy_seconds: 3, retrievals: 2 } })[2].instanceHoursPer1000).toBeCloseTo((1.5 * 1000) / 3600, 10);
    expect(computeCosts(rows, { sagemaker: { busy_seconds: 0, retrievals: 0 } })[2].instanceHoursPer1000).toBeCloseTo(2.5, 10); // nothing came back: the rows' times
  });

  it('leaves dollars empty without a usable price or time', () => {
    expect(computeCosts(rows)[2].dollarsPer1000).toBeNull();
    expect(computeCosts(rows, { dollarsPerHour: Number.NaN })[2].dollarsPer1000).toBeNull();
    expect(computeCosts([r('sagemaker', null, 'error')], { dollarsPerHour: 1 })[0]).toMatchObject({ images: 0, secondsPerImage: null, instanceHoursPer1000: null, dollarsPer1000: null });
    expect(computeCosts([])).toEqual([]);
  });
});
