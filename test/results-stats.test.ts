import { describe, expect, it } from 'vitest';
import { binOf, niceBins } from '../renderer/src/bins.js';
import { type CompareRow, compareToBaseline, defaultBaseline } from '../renderer/src/compare.js';

const r = (image: string, provider: string, psnr: number | null, ssim: number | null, orb: number | null, over: Partial<CompareRow> = {}): CompareRow => ({
  image_path: image,
  provider,
  status: 'ok',
  psnr,
  identical: false,
  ssim,
  orb_score: orb,
  ...over,
});

describe('against a baseline', () => {
  const rows = [
    r('a.png', 'local-ai', 30, 0.9, 0.95),
    r('a.png', 'bicubic', 29, 0.88, 0.95),
    r('b.png', 'local-ai', 25, 0.8, 0.9),
    r('b.png', 'bicubic', 26, 0.81, 0.85),
    r('c.png', 'local-ai', 28, 0.85, 0.9),
    r('c.png', 'bicubic', 27.5, 0.84, 0.92),
    // an error on either side leaves the image out
    r('d.png', 'local-ai', null, null, null, { status: 'error' }),
    r('d.png', 'bicubic', 20, 0.7, 0.8),
    r('e.png', 'bicubic', 20, 0.7, 0.8),
  ];

  it('pairs by image and averages the differences, worked by hand', () => {
    const [c] = compareToBaseline(rows, 'bicubic');
    expect(c.provider).toBe('local-ai');
    expect(c.paired).toBe(3);
    expect(c.psnr.mean).toBeCloseTo((1 - 1 + 0.5) / 3, 10);
    expect(c.ssim.mean).toBeCloseTo((0.02 - 0.01 + 0.01) / 3, 10);
    expect(c.orb.mean).toBeCloseTo((0 + 0.05 - 0.02) / 3, 10);
    expect([c.psnr.wins, c.psnr.losses, c.psnr.n]).toEqual([2, 1, 3]);
    // ORB tied on a.png: neither a win nor a loss
    expect([c.orb.wins, c.orb.losses]).toEqual([1, 1]);
  });

  it('compares every other provider, either way round', () => {
    const three = [...rows, r('a.png', 'lanczos', 29.5, 0.89, 0.96), r('b.png', 'lanczos', 26.5, 0.82, 0.86)];
    expect(compareToBaseline(three, 'bicubic').map((c) => [c.provider, c.paired])).toEqual([
      ['local-ai', 3],
      ['lanczos', 2],
    ]);
    const vsLocal = compareToBaseline(rows, 'local-ai')[0];
    expect(vsLocal.psnr.mean).toBeCloseTo(-(1 - 1 + 0.5) / 3, 10);
    expect(vsLocal.psnr.wins).toBe(1);
  });

  it('counts an identical image as a win that no finite mean can hold', () => {
    const c = compareToBaseline([r('a', 'x', null, 1, 1, { identical: true }), r('a', 'bicubic', 40, 0.99, 1), r('b', 'x', 31, 0.9, 0.9), r('b', 'bicubic', 30, 0.9, 0.9)], 'bicubic')[0];
    expect(c.psnr).toEqual({ mean: 1, n: 2, wins: 2, losses: 0 });
  });

  it('leaves an image with undefined ORB (a smooth sky: empty orb_score) out of ΔORB only', () => {
    const c = compareToBaseline([r('sky', 'x', 50, 0.99, null), r('sky', 'bicubic', 45, 0.98, null), r('b', 'x', 31, 0.9, 0.9), r('b', 'bicubic', 30, 0.9, 0.8)], 'bicubic')[0];
    expect(c.paired).toBe(2);
    expect(c.orb).toEqual({ mean: expect.closeTo(0.1, 10), n: 1, wins: 1, losses: 0 });
    expect(c.psnr.n).toBe(2);
  });

  it('pairs a repeated path occurrence by occurrence', () => {
    const c = compareToBaseline([r('a', 'x', 30, 0.9, 0.9), r('a', 'bicubic', 29, 0.9, 0.9), r('a', 'x', 20, 0.9, 0.9), r('a', 'bicubic', 22, 0.9, 0.9)], 'bicubic')[0];
    expect(c.psnr).toEqual({ mean: -0.5, n: 2, wins: 1, losses: 1 });
  });

  it('defaults to bicubic, then lanczos, and to nothing with one provider', () => {
    expect(defaultBaseline(['local-ai', 'lanczos', 'bicubic'])).toBe('bicubic');
    expect(defaultBaseline(['local-ai', 'lanczos'])).toBe('lanczos');
    expect(defaultBaseline(['local-ai', 'sagemaker'])).toBe('local-ai');
    expect(defaultBaseline(['local-ai'])).toBeNull();
  });
});

describe('histogram bins follow the data', () => {
  it('bins 0.81–0.96 in steps of 0.02, not 0.1 over 0–1', () => {
    const bins = niceBins([0.81, 0.85, 0.93, 0.96]);
    expect(bins[0]).toMatchObject({ from: 0.8, label: '0.80–0.82' });
    expect(bins.at(-1)!.label).toBe('0.94–0.96');
    expect(bins).toHaveLength(8);
    expect([0.81, 0.85, 0.93, 0.96].map((v) => binOf(bins, v))).toEqual([0, 2, 6, 7]);
  });

  it('uses round widths on other ranges, and one bin for one value', () => {
    expect(niceBins([22.3, 31.7]).map((b) => b.label)).toEqual(['22–23', '23–24', '24–25', '25–26', '26–27', '27–28', '28–29', '29–30', '30–31', '31–32']);
    expect(niceBins([0, 1])).toHaveLength(10);
    expect(niceBins([0.5, 0.5])).toEqual([{ from: 0.5, to: 0.5, label: '0.5' }]);
    expect(niceBins([])).toEqual([]);
    for (let i = 0; i < 50; i++) {
      const xs = Array.from({ length: 20 }, () => 0.3 + Math.random() * Math.random() * 5);
      const bins = niceBins(xs);
      expect(bins.length).toBeGreaterThanOrEqual(4);
      expect(bins.length).toBeLessThanOrEqual(12);
      for (const x of xs) {
        const b = bins[binOf(bins, x)];
        expect(x).toBeGreaterThanOrEqual(b.from - 1e-9);
        expect(x).toBeLessThanOrEqual(b.to + 1e-9);
      }
    }
  });
});
