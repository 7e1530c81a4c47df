import { afterEach, describe, expect, it } from 'vitest';
import { ScorePool } from '../main/core/metrics/score-pool.js';
import { noScores, splitMetrics } from '../main/core/metrics/score.js';
import { DEFAULT_METRICS } from '../main/core/metrics/metric-names.js';
import { ssimulacra2 } from '../main/core/metrics/ssimulacra2.js';
import { butteraugli } from '../main/core/metrics/butteraugli/index.js';
import { fixture, readRgb, referencePairs } from './helpers/images.js';

const pairs = referencePairs();

const pools: ScorePool[] = [];
const pool = (size: number) => {
  const p = new ScorePool(size);
  pools.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('score pool: one image scored in two halves on two threads', () => {
  it('gives the OpenCV / scikit-image reference scores whether one thread or two score an image', async () => {
    const [two, one] = [pool(2), pool(1)];
    two.warm();
    // and the smooth sky, whose undefined ORB and its reason must come through the threads too
    for (const [, ref] of [...pairs.slice(0, 4), ...pairs.filter(([name]) => name === 'sky-identical')]) {
      const a = await readRgb(fixture('pairs', ref.a));
      const b = await readRgb(fixture('pairs', ref.b));
      const [split, whole] = await Promise.all([two.score(a, b), one.score(a, b)]);
      expect(split).toEqual(whole);
      expect(split.orbKeypoints).toBe(ref.orb_keypoints);
      if (ref.orb === null) expect([split.orb, split.orbNote]).toEqual([null, 'no keypoints in the original, too smooth or low in contrast']);
      else expect(Math.abs(split.orb! - ref.orb)).toBeLessThanOrEqual(0.01);
      if (ref.psnr === 'inf') expect(split.psnr).toBe(Infinity);
      else expect(Math.abs(split.psnr! - ref.psnr)).toBeLessThanOrEqual(0.01);
      expect(Math.abs((split.ssim ?? NaN) - ref.ssim)).toBeLessThanOrEqual(0.002);
    }
    // ORB (with SSIM and PSNR) went to the thread warmed at the start, SSIMULACRA2 to a second one
    expect(two.threads).toBe(2);
    expect(one.threads).toBe(1);
  });

  it('keeps SSIM empty for an image under 11×11 when scored in halves', async () => {
    const tiny = { data: Buffer.alloc(8 * 8 * 3, 90), width: 8, height: 8, channels: 3 as const };
    expect(await pool(2).score(tiny, tiny)).toEqual({
      ...noScores(),
      orbKeypoints: 0,
      orbNote: 'image under 63×63, too small for keypoints',
      psnr: Infinity,
      ssimulacra2: 100,
    });
    // under 8×8 neither perceptual score is given, asked for or not
    const tinier = { ...tiny, data: Buffer.alloc(7 * 8 * 3, 90), width: 7 };
    expect(await pool(2).score(tinier, tinier, [...DEFAULT_METRICS, 'butteraugli'])).toMatchObject({ ssimulacra2: null, butteraugli: null, butteraugli3norm: null });
  });

  it("gives SSIMULACRA2 by default and Butteraugli when asked, each equal to its module's on the same pair", async () => {
    const [two, one] = [pool(2), pool(1)];
    const [, ref] = pairs[1];
    const a = await readRgb(fixture('pairs', ref.a));
    const b = await readRgb(fixture('pairs', ref.b));
    const byDefault = await two.score(a, b);
    expect(byDefault.ssimulacra2).toBe(ssimulacra2(a, b));
    expect([byDefault.butteraugli, byDefault.butteraugli3norm]).toEqual([null, null]);
    const all = [...DEFAULT_METRICS, 'butteraugli' as const];
    const [split, whole] = await Promise.all([two.score(a, b, all), one.score(a, b, all)]);
    expect(split).toEqual(whole);
    const direct = butteraugli(a, b);
    expect([split.butteraugli, split.butteraugli3norm]).toEqual([direct.distance, direct.pnorm3]);
    expect(split.ssimulacra2).toBe(byDefault.ssimulacra2);
    // only what is asked for is computed
    expect(await two.score(a, b, ['psnr'])).toEqual({ ...noScores(), psnr: byDefault.psnr });
  });

  it('splits the metrics into two halves of about equal cost', () => {
    expect(splitMetrics(DEFAULT_METRICS)).toEqual([['ssimulacra2'], ['orb', 'ssim', 'psnr']]);
    expect(splitMetrics([...DEFAULT_METRICS, 'butteraugli'])).toEqual([['butteraugli'], ['ssimulacra2', 'orb', 'ssim', 'psnr']]);
    expect(splitMetrics(['psnr'])).toEqual([['psnr']]);
  });

  it('scores many images at once on its threads, each with its own numbers', async () => {
    const p = pool(2);
    const refs = pairs.slice(0, 6);
    const images = await Promise.all(refs.map(async ([, r]) => [await readRgb(fixture('pairs', r.a)), await readRgb(fixture('pairs', r.b))] as const));
    const scores = await Promise.all(images.map(([a, b]) => p.score(a, b)));
    scores.forEach((s, i) => expect(Math.abs(s.orb! - refs[i][1].orb!)).toBeLessThanOrEqual(0.01));
    expect(p.threads).toBe(2);
  });
});
