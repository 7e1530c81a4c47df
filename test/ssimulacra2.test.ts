import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type RawImage, toRaw } from '../main/core/image/raw.js';
import { ssimulacra2, ssimulacra2Unavailable } from '../main/core/metrics/ssimulacra2.js';
import { fixture, readRgb } from './helpers/images.js';

/** Written by scripts/reference/make-ssimulacra2-fixtures.ts from libjxl 0.11's own tool. */
const { pairs } = JSON.parse(readFileSync(fixture('ssimulacra2', 'expected.json'), 'utf8')) as {
  pairs: Record<string, { original: string; distorted: string; libjxl: number }>;
};
const read = (file: string) => readRgb(fixture('ssimulacra2', file));

describe('ssimulacra2 against libjxl 0.11', () => {
  it('every committed pair is within 0.5 of libjxl (the issue\'s tolerance), and the largest error is tiny', async () => {
    const errors: [string, number][] = [];
    for (const [name, p] of Object.entries(pairs)) {
      const score = ssimulacra2(await read(p.original), await read(p.distorted));
      expect(score, name).not.toBeNull();
      errors.push([name, Math.abs(score! - p.libjxl)]);
    }
    const [worst, max] = errors.reduce((a, b) => (b[1] > a[1] ? b : a));
    const mean = errors.reduce((s, e) => s + e[1], 0) / errors.length;
    console.log(`ssimulacra2 vs libjxl: ${errors.length} pairs, max error ${max.toExponential(2)} (${worst}), mean ${mean.toExponential(2)}`);
    for (const [name, e] of errors) expect(e, name).toBeLessThan(0.5);
    // libjxl's float arithmetic is reproduced step for step; a drift past this means that emulation broke.
    expect(max).toBeLessThan(0.001);
  }, 120_000);

  it('gives the issue\'s numbers for scikit-image\'s coffee re-encoded as JPEG q30 and q90', async () => {
    const coffee = await readRgb(fixture('photos', 'coffee.png'));
    expect(ssimulacra2(coffee, await read('coffee-full-jpeg-q30.jpg'))!.toFixed(2)).toBe('48.06');
    expect(ssimulacra2(coffee, await read('coffee-full-jpeg-q90.jpg'))!.toFixed(2)).toBe('82.30');
  });
});

describe('ssimulacra2 inputs', () => {
  const tiny = (w: number, h: number, v: number): RawImage => ({ data: Buffer.alloc(w * h * 3, v), width: w, height: h, channels: 3 });

  it('is null, with a reason, below libjxl\'s 8×8 minimum', () => {
    expect(ssimulacra2(tiny(7, 20, 10), tiny(7, 20, 30))).toBeNull();
    expect(ssimulacra2Unavailable(20, 7)).toBe('SSIMULACRA2 needs at least 8×8 pixels (got 20×7)');
    expect(ssimulacra2Unavailable(8, 8)).toBeNull();
    expect(ssimulacra2(tiny(8, 8, 10), tiny(8, 8, 30))).toBeLessThan(100);
  });

  it('refuses images of different sizes', () => {
    expect(() => ssimulacra2(tiny(8, 8, 0), tiny(9, 8, 0))).toThrow(/differ in size: 8×8 vs 9×8/);
  });

  it('ignores alpha, as the other scores do, and reads grey as equal R, G and B', async () => {
    const p = pairs['astronaut-jpeg-q50'];
    const [a, b] = [await read(p.original), await read(p.distorted)];
    const rgb = ssimulacra2(a, b);
    const withAlpha = async (img: RawImage) => toRaw(sharp(img.data, { raw: img }).ensureAlpha(0.3));
    expect(ssimulacra2(await withAlpha(a), await withAlpha(b))).toBe(rgb);
    const grey = async (img: RawImage) => toRaw(sharp(img.data, { raw: img }).greyscale());
    const [ga, gb] = [await grey(a), await grey(b)];
    expect(ga.channels).toBe(1);
    const asRgb = async (img: RawImage) => toRaw(sharp(img.data, { raw: img }).toColourspace('srgb'));
    expect(ssimulacra2(ga, gb)).toBe(ssimulacra2(await asRgb(ga), await asRgb(gb)));
  });
});
