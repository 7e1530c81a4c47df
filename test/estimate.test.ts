import { describe, expect, it } from 'vitest';
import { type EstimateSettings, type PixelSize, SPEEDS, estimateRun } from '../main/core/pipeline/estimate.js';
import { estimateModel } from '../main/core/pipeline/plan.js';
import { builtinEntries } from '../main/core/models/model-list.js';

/** A built-in model as the plan and the setup screen hand it to the estimate: its scales and its build's speed. */
const local = (name: string, precision?: 'fp32' | 'int8') => estimateModel(builtinEntries().find((m) => m.name === name)!, precision);
const thick: EstimateSettings = { providers: [local('thick')], factor: 4, cores: 2, concurrency: 2 };
const all = (sizes: PixelSize[]) => ({ total: sizes.length, sizes });
const mid = (e: { low: number; high: number }) => (e.low + e.high) / 2;

describe('estimateRun', () => {
  it('one 1 MP image through thick x4, worked by hand', () => {
    const e = estimateRun(all([{ width: 1000, height: 1000 }]), thick);
    // stored 250×250 = 0.0625 MP; × 16 / 0.15 MP/s = 6.67 s, within 0.85–1.25×; plus prepare+score on 2 cores and the session load
    const infer = (0.0625 * 16) / 0.15;
    expect(e.low).toBeCloseTo(infer * 0.85 + (0.05 + 0.25) / 1.8 + 0.3, 5);
    expect(e.high).toBeCloseTo(infer * 1.25 + (0.25 + 0.45) / 1.5 + 3, 5);
    expect(e.megapixels).toBeCloseTo(1, 6);
    expect(e.unknown).toEqual([]);
  });

  it('scales with the images’ pixels, not their count (the 0.3 MP assumption was the bug)', () => {
    const small = estimateRun(all(Array.from({ length: 4 }, () => ({ width: 640, height: 480 }))), thick);
    const photos = estimateRun(all([{ width: 1920, height: 1080 }, { width: 3000, height: 2000 }, { width: 4032, height: 3024 }, { width: 1600, height: 1000 }]), thick);
    const ratio = mid(photos) / mid(small);
    const pixels = (1920 * 1080 + 3000 * 2000 + 4032 * 3024 + 1600 * 1000) / (4 * 640 * 480);
    expect(ratio).toBeGreaterThan(pixels * 0.8);
    expect(ratio).toBeLessThan(pixels * 1.1);
    // 22 MP of photos at thick's 0.15 MP/s is minutes, not "≈ 8 s"
    expect(photos.low).toBeGreaterThan(100);
  });

  it('follows model, precision and factor', () => {
    const sizes = all([{ width: 2000, height: 1500 }]);
    const fp32 = estimateRun(sizes, thick);
    const int8 = estimateRun(sizes, { ...thick, providers: [local('thick', 'int8')] });
    const slim = estimateRun(sizes, { ...thick, providers: [local('slim')] });
    expect(mid(int8)).toBeLessThan(mid(fp32));
    expect(mid(int8) / mid(fp32)).toBeGreaterThan(0.5);
    expect(mid(slim)).toBeLessThan(mid(fp32) / 5);
    // int8 asked of a model without an int8 build runs fp32
    expect(estimateRun(sizes, { ...thick, providers: [local('slim', 'int8')] })).toEqual(slim);
    // x2 feeds the network four times the pixels for the same output
    const x2 = estimateRun(sizes, { ...thick, factor: 2 });
    expect(mid(x2) / mid(fp32)).toBeGreaterThan(3);
    // fitting the longest side to 100–200 px gives the network a 200×150 copy at x4 (0.03 MP in)
    const fit = estimateRun(sizes, { ...thick, fit: { min: 100, max: 200 } });
    expect(fit.high).toBeLessThan(fp32.low / 2);
    expect(fit.low).toBeGreaterThan((0.03 * 16) / 0.15 * 0.85);
  });

  it('times an imported model at its own scale, and says when it has not been timed', () => {
    const sizes = all([{ width: 2000, height: 1500 }]);
    // ÷4 stores 500×375 (0.1875 MP); an x2 model makes 0.75 MP of it, at a measured 0.5 MP/s: 1.5 s
    const timed = estimateRun(sizes, { ...thick, providers: [{ name: 'local-ai', model: 'my-x2', scales: [2], speed: { mpsOut: 0.5, scale: 2, where: 'this machine' } }] });
    const base = estimateRun(sizes, { ...thick, providers: [] });
    expect(timed.low - base.low).toBeCloseTo(1.5 * 0.8 + (0.25 * 3) / 1.8 + 0.3, 5);
    expect(timed.unknown).toEqual([]);
    const untimed = estimateRun(sizes, { ...thick, providers: [{ name: 'local-ai', model: 'my-x2', scales: [2] }] });
    expect(untimed.unknown).toEqual(['my-x2']);
    expect(untimed.reasons.join(' ')).toMatch(/my-x2 has not been timed yet/);
    expect(untimed.high / untimed.low).toBeGreaterThan(10);
  });

  it('adds providers and divides the CPU work by the images run at once', () => {
    const sizes = all(Array.from({ length: 10 }, () => ({ width: 1000, height: 1000 })));
    const one = estimateRun(sizes, { providers: [{ name: 'bicubic' }], factor: 4, cores: 2, concurrency: 1 });
    const two = estimateRun(sizes, { providers: [{ name: 'bicubic' }], factor: 4, cores: 2, concurrency: 2 });
    const both = estimateRun(sizes, { providers: [{ name: 'bicubic' }, { name: 'lanczos' }], factor: 4, cores: 2, concurrency: 2 });
    expect(two.low).toBeLessThan(one.low * 0.6);
    expect(both.low).toBeGreaterThan(two.low * 1.5);
    // 10 MP: prepare 0.05 + resample 0.06 + score 0.25 s/MP on 1.8 effective cores
    expect(two.low).toBeCloseTo((10 * (0.05 + 0.06 + 0.25)) / 1.8, 5);
  });

  it('widens the range for unreadable headers, but never below what is known', () => {
    const known = [{ width: 2000, height: 1500 }, { width: 1000, height: 800 }];
    const exact = estimateRun(all(known), thick);
    const unsure = estimateRun({ total: 3, sizes: [...known, null] }, thick);
    expect(unsure.low).toBeCloseTo(exact.low, 6);
    expect(unsure.high).toBeGreaterThan(exact.high * 1.4);
    expect(unsure.reasons.join(' ')).toMatch(/1 image with an unreadable header/);
  });

  it('extrapolates from a sample with a range', () => {
    const sample = Array.from({ length: 20 }, (_, i) => ({ width: 1000 + 100 * i, height: 800 }));
    const whole = estimateRun(all(sample), thick);
    const big = estimateRun({ total: 2000, sizes: sample }, thick);
    expect(big.megapixels).toBeCloseTo(whole.megapixels * 100, 3);
    expect(big.low).toBeLessThan(mid(whole) * 100);
    expect(big.high).toBeGreaterThan(mid(whole) * 100);
    // the sample's spread makes the range wider than the speed uncertainty alone
    expect(big.high / big.low).toBeGreaterThan(whole.high / whole.low);
    expect(big.reasons).toContain('sizes read from 20 of 2000 images; the rest assumed alike');
  });

  it('guesses widely when no size is known yet', () => {
    const e = estimateRun({ total: 5, sizes: [] }, thick);
    expect(e.high / e.low).toBeGreaterThan(20);
    expect(e.reasons[0]).toMatch(/no image sizes known yet/);
  });

  it('says SageMaker is unknown and gives it a wide range', () => {
    const e = estimateRun(all([{ width: 800, height: 600 }, { width: 800, height: 600 }]), { providers: [{ name: 'sagemaker' }], factor: 4, fit: { min: 100, max: 200 } });
    expect(e.unknown).toEqual(['sagemaker']);
    expect(e.high).toBeGreaterThanOrEqual(2 * SPEEDS.sagemakerSecPerImage[1]);
    expect(e.low).toBeLessThan(2 * SPEEDS.sagemakerSecPerImage[0] + 1);
    expect(e.reasons.join(' ')).toMatch(/SageMaker's speed is unknown/);
  });

  it('does not time images the pixel limit refuses, and nothing costs nothing', () => {
    const bomb = estimateRun(all([{ width: 50_000, height: 50_000 }]), { ...thick, maxPixels: 100_000_000 });
    expect(bomb.high).toBeLessThanOrEqual(SPEEDS.localStartSec[1]);
    expect(bomb.reasons.join(' ')).toMatch(/above the pixel limit/);
    expect(estimateRun({ total: 0, sizes: [] }, thick)).toMatchObject({ low: 0, high: 0 });
  });

  it('expects more cores to be faster at best, never slower', () => {
    const sizes = all([{ width: 3000, height: 2000 }]);
    const two = estimateRun(sizes, thick);
    const eight = estimateRun(sizes, { ...thick, cores: 8, concurrency: 8 });
    expect(eight.low).toBeLessThan(two.low / 2);
    expect(eight.high).toBeLessThanOrEqual(two.high);
  });
});

describe('image sizes for the estimate', () => {
  it('reads headers only, samples a big input evenly, and stops at its time budget', async () => {
    const { readImageSizes, spreadOrder } = await import('../main/core/inputs/image-sizes.js');
    const { fixture } = await import('./helpers/images.js');
    expect(spreadOrder(8)).toEqual([0, 4, 2, 6, 1, 3, 5, 7]);
    expect(spreadOrder(5).sort()).toEqual([0, 1, 2, 3, 4]);
    const items = ['chelsea.png', 'rocket.jpg', 'coffee.png', 'astronaut.png'].map((f, index) => ({ index, source: f, path: fixture('photos', f), rel: f }));
    const bomb = { index: 4, source: 'bomb', path: fixture('corpus', 'bomb-50000x50000.png'), rel: 'bomb' };
    const all = await readImageSizes([...items, bomb]);
    expect(all.total).toBe(5);
    // the 50000×50000 bomb's header is read, never its pixels
    expect(all.sizes).toContainEqual({ width: 50_000, height: 50_000 });
    expect(all.sizes).toContainEqual({ width: 451, height: 300 });
    const sampled = await readImageSizes(items, { maxHeaders: 2 });
    expect(sampled).toMatchObject({ total: 4 });
    expect(sampled.sizes).toHaveLength(2);
    expect(await readImageSizes(items, { budgetMs: -1 })).toEqual({ total: 4, sizes: [] });
  });
});
