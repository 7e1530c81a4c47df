import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { toGrey } from '../main/core/metrics/grey.js';
import { orbSimilarity } from '../main/core/metrics/orb.js';
import { psnr } from '../main/core/metrics/psnr.js';
import { ssim } from '../main/core/metrics/ssim.js';
import { scoreImages } from '../main/core/metrics/score.js';
import { fixture, readRgb, referencePairs } from './helpers/images.js';

const pairs = referencePairs();

describe('scores match OpenCV 4.6 and scikit-image on committed pairs', () => {
  it('has a spread of pairs, similar to unrelated, and smooth ones ORB cannot score', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    const orbs = pairs.flatMap(([, r]) => (r.orb === null ? [] : [r.orb]));
    expect(Math.min(...orbs)).toBeLessThan(0.2);
    expect(Math.max(...orbs)).toBeGreaterThan(0.95);
    expect(pairs.filter(([, r]) => r.orb === null && r.orb_keypoints === 0).map(([name]) => name)).toContain('sky-identical');
  });

  it.each(pairs)('%s', async (_name, ref) => {
    const a = await readRgb(fixture('pairs', ref.a));
    const b = await readRgb(fixture('pairs', ref.b));
    const scores = await scoreImages(a, b);
    expect(scores.orbKeypoints).toBe(ref.orb_keypoints);
    if (ref.orb === null) {
      // the original orb_sim said 0 here; with no keypoints in the original there is nothing to score
      expect(scores.orb).toBeNull();
      expect(scores.orbNote).toMatch(/^no keypoints in the original/);
    } else expect(Math.abs(scores.orb! - ref.orb)).toBeLessThanOrEqual(0.01);
    if (ref.psnr === 'inf') expect(scores.psnr).toBe(Infinity);
    else expect(Math.abs(scores.psnr - ref.psnr)).toBeLessThanOrEqual(0.01);
    expect(Math.abs((scores.ssim ?? NaN) - ref.ssim)).toBeLessThanOrEqual(0.002);
  });
});

describe('grey conversion', () => {
  it('is byte-identical to OpenCV cvtColor(RGB2GRAY)', async () => {
    const img = await readRgb(fixture('pairs', 'coffee-noise-12.b.png'));
    const { cv } = createRequire(import.meta.url)('opencv-wasm');
    const src = new cv.Mat(img.height, img.width, cv.CV_8UC3);
    src.data.set(img.data);
    const dst = new cv.Mat();
    cv.cvtColor(src, dst, cv.COLOR_RGB2GRAY);
    const ours = toGrey(img);
    let diffs = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== dst.data[i]) diffs++;
    src.delete();
    dst.delete();
    expect(diffs).toBe(0);
  });
});

describe('metric edge cases', () => {
  const flat = (w: number, h: number, v: number) => new Uint8Array(w * h).fill(v);
  it('ORB is undefined when the original has no keypoints, and 0 with a note when only the candidate has none', async () => {
    expect(orbSimilarity(flat(64, 64, 10), flat(64, 64, 10), 64, 64)).toEqual({ score: null, keypoints: 0, note: 'no keypoints in the original, too smooth or low in contrast' });
    const textured = toGrey(await readRgb(fixture('pairs', 'rocket-vs-flat.a.png')));
    expect(orbSimilarity(textured, flat(300, 300, 128), 300, 300)).toEqual({ score: 0, keypoints: 312, note: 'no keypoints in the candidate (312 in the original)' });
  });
  it('PSNR is infinite for identical images and finite otherwise', () => {
    const a = { data: Buffer.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 as const };
    const b = { data: Buffer.from([1, 2, 3, 4, 5, 9]), width: 2, height: 1, channels: 3 as const };
    expect(psnr(a, a)).toBe(Infinity);
    // MSE = 9/6 → 10·log10(65025 / 1.5)
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(65025 / 1.5), 10);
  });
  it('SSIM is 1 for identical images and refuses images under the window', () => {
    const img = new Uint8Array(32 * 20).map((_, i) => (i * 37) % 251);
    expect(ssim(img, img, 32, 20)).toBeCloseTo(1, 12);
    expect(() => ssim(flat(10, 10, 0), flat(10, 10, 0), 10, 10)).toThrow(/11×11/);
  });
  it('scores a tiny image with SSIM left empty', async () => {
    const tiny = { data: Buffer.alloc(5 * 5 * 3, 128), width: 5, height: 5, channels: 3 as const };
    const s = await scoreImages(tiny, tiny);
    expect(s.ssim).toBeNull();
    expect(s.psnr).toBe(Infinity);
  });
});

describe('ORB on images too small for keypoints', () => {
  it.each([[1, 1], [62, 200], [200, 40]])('%ix%i is undefined without touching OpenCV', (w, h) => {
    const img = new Uint8Array(w * h).map((_, i) => (i * 97) % 256);
    expect(orbSimilarity(img, img, w, h)).toEqual({ score: null, keypoints: 0, note: 'image under 63×63, too small for keypoints' });
  });
});
