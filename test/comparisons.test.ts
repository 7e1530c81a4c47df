import { describe, expect, it } from 'vitest';
import { type Comparison, type MetricAccess, type PairedRow, MATCHED_BYTES, comparisonSentence, matchedRecompress, pairedComparisons } from '../main/core/results/comparisons.js';
import { recommendationStopping } from '../main/core/results/stopping.js';

type Row = PairedRow & { ssim: number | null; butteraugli: number | null };
const SSIM: MetricAccess<Row> = { label: 'SSIM', score: (r) => r.ssim, higherIsBetter: true };
const BUTTERAUGLI: MetricAccess<Row> = { label: 'Butteraugli', score: (r) => r.butteraugli, higherIsBetter: false };

const row = (image: string, provider: string, ssim: number | null, over: Partial<Row> = {}): Row => ({
  image_path: image,
  status: 'ok',
  provider,
  model: provider,
  factor: 2,
  format: 'webp',
  quality: 80,
  stored_bytes: 1000,
  ssim,
  butteraugli: ssim === null ? null : 10 * (1 - ssim),
  ...over,
});

/** n images, each provider's score from f(provider, i). */
const table = (n: number, providers: string[], f: (p: string, i: number) => number, over: (p: string, i: number) => Partial<Row> = () => ({})) =>
  providers.flatMap((p) => Array.from({ length: n }, (_, i) => row(`img${i}.png`, p, f(p, i), over(p, i))));

const find = (cs: ReturnType<typeof pairedComparisons>, provider: string, baseline: string) => cs.find((c) => c.provider === provider && c.baseline === baseline)!;

describe('pairedComparisons', () => {
  it('identical providers: difference 0, the interval collapses to 0, every image a tie', () => {
    const rows = table(25, ['local-ai', 'bicubic'], (_p, i) => 0.8 + i / 100);
    const c = find(pairedComparisons(rows, SSIM), 'local-ai', 'bicubic');
    expect(c.difference).toMatchObject({ mean: 0, low: 0, high: 0, n: 25 });
    expect(c).toMatchObject({ wins: 0, losses: 0, ties: 25, verdict: 'identical', images_to_settle: null });
    expect(c.sentence).toBe('local-ai ties with bicubic (95% CI 0.000…0.000, wins 0, ties 25 of 25): the same score on every image');
  });

  it('a provider better on every image: the interval excludes 0, wins n of n', () => {
    const rows = table(12, ['local-ai', 'lanczos'], (p, i) => 0.7 + ((i * 7) % 12) / 100 + (p === 'local-ai' ? 0.01 + (i % 3) / 1000 : 0));
    const cs = pairedComparisons(rows, SSIM);
    const c = find(cs, 'local-ai', 'lanczos');
    expect(c.difference.low!).toBeGreaterThan(0);
    expect(c).toMatchObject({ wins: 12, losses: 0, ties: 0, verdict: 'better' });
    expect(c.share_won).toMatchObject({ mean: 1, high: 1 });
    expect(c.share_won.low!).toBeCloseTo(0.025 ** (1 / 12), 9); // Clopper–Pearson for 12 of 12: (α/2)^(1/n)
    expect(c.sentence).toMatch(/^local-ai beats lanczos by \+0\.01\d* SSIM points \(95% CI \+0\.01\d*…\+0\.01\d*, wins 12 of 12\): better on these images$/);
    // and the other way round, lanczos against local-ai is not computed (lanczos is compared to bicubic only)
    const back = find(cs, 'lanczos', 'local-ai');
    expect(back).toBeUndefined();
  });

  it('the same, for a lower-is-better metric: beating means a lower distance', () => {
    const rows = table(10, ['local-ai', 'bicubic'], (p, i) => 0.7 + i / 100 + (p === 'local-ai' ? 0.02 : 0));
    const c = find(pairedComparisons(rows, BUTTERAUGLI), 'local-ai', 'bicubic');
    expect(c.difference.mean!).toBeCloseTo(0.2, 9); // 10·(1−ssim) is 0.2 lower on every image
    expect(c).toMatchObject({ wins: 10, verdict: 'better' });
    expect(c.sentence).toMatch(/^local-ai beats bicubic by \+0\.2\d* Butteraugli points/);
  });

  it('a single image: no interval, and said so', () => {
    const c = find(pairedComparisons(table(1, ['local-ai', 'bicubic'], (p) => (p === 'local-ai' ? 0.9 : 0.8)), SSIM), 'local-ai', 'bicubic');
    expect(c.difference).toMatchObject({ low: null, high: null, n: 1 });
    expect(c.difference.mean!).toBeCloseTo(0.1, 12);
    expect(c).toMatchObject({ wins: 1, verdict: 'too few images', images_to_settle: null });
    expect(c.sentence).toMatch(/^local-ai beats bicubic by \+0\.1\d* SSIM points \(wins 1 of 1\): one image: too few to tell$/);
  });

  it('ties are counted apart from wins and losses; a mixed result is not distinguishable, with the images that would settle it', () => {
    // 4 wins by 0.02, 3 losses by 0.02, 3 ties
    const d = [0.02, 0.02, 0.02, 0.02, -0.02, -0.02, -0.02, 0, 0, 0];
    const rows = table(10, ['local-ai', 'lanczos'], (p, i) => 0.8 + (p === 'local-ai' ? d[i] : 0));
    const c = find(pairedComparisons(rows, SSIM), 'local-ai', 'lanczos');
    expect(c).toMatchObject({ wins: 4, losses: 3, ties: 3, n: 10, verdict: 'not distinguishable' });
    expect(c.difference.low!).toBeLessThan(0);
    expect(c.difference.high!).toBeGreaterThan(0);
    // sd of d = 0.0163, mean 0.002: (1.96·0.0163/0.002)² ≈ 256
    expect(c.images_to_settle).toBeGreaterThan(200);
    expect(c.images_to_settle).toBeLessThan(300);
    expect(c.sentence).toMatch(/wins 4, ties 3 of 10\): not distinguishable on these images; about \d+ images would settle it at this spread$/);
  });

  it('pairs by image, leaves out images one side did not score, and compares each setting on its own', () => {
    const rows = [
      ...table(5, ['local-ai', 'bicubic'], (p, i) => 0.8 + (p === 'local-ai' ? 0.01 * (i + 1) : 0)),
      row('img0.png', 'bicubic', null, { quality: 50 }),
      row('img0.png', 'local-ai', 0.5, { quality: 50 }),
      row('img9.png', 'local-ai', 0.99), // bicubic has no img9
      row('img1.png', 'local-ai', 0.1, { quality: 50, status: 'error' }),
    ];
    const cs = pairedComparisons(rows, SSIM).filter((c) => c.baseline === 'bicubic');
    expect(cs.map((c) => [c.provider, c.quality, c.n, c.wins])).toEqual([['local-ai', 80, 5, 5]]);
  });
});

describe('recompress-only at matched bytes', () => {
  it('matches the largest recompress-only copy that is no larger than the provider copy', () => {
    const cands = [900, 1000, 1001, 400].map((b, i) => row('a.png', 'none', 0.5 + i / 10, { factor: 1, stored_bytes: b }));
    expect(matchedRecompress(cands, 1000, SSIM)?.stored_bytes).toBe(1000);
    expect(matchedRecompress(cands, 999, SSIM)?.stored_bytes).toBe(900);
    expect(matchedRecompress(cands, 399, SSIM)).toBeNull();
    // equal bytes: the better-scoring copy (the baseline is given the benefit)
    const twin = [row('a.png', 'none', 0.7, { factor: 1, stored_bytes: 500 }), row('a.png', 'none', 0.9, { factor: 1, stored_bytes: 500 })];
    expect(matchedRecompress(twin, 600, SSIM)?.ssim).toBe(0.9);
    expect(matchedRecompress(twin, 600, BUTTERAUGLI)?.ssim).toBe(0.9); // lower distance is better: 10·(1−0.9)
  });

  it('compares each image against its own matched copy and counts images with none small enough', () => {
    const rows = [
      // the provider stores 1000 bytes per image at ÷2
      ...table(6, ['local-ai'], (_p, i) => 0.9 + i / 1000),
      // recompress-only: q50 is 800 bytes (scores 0.85), q90 is 1200 bytes (0.95); image 5 has only the 1200-byte copy
      ...Array.from({ length: 5 }, (_, i) => row(`img${i}.png`, 'none', 0.85, { factor: 1, quality: 50, stored_bytes: 800 })),
      ...Array.from({ length: 6 }, (_, i) => row(`img${i}.png`, 'none', 0.95, { factor: 1, quality: 90, stored_bytes: 1200 })),
    ];
    const c = find(pairedComparisons(rows, SSIM), 'local-ai', MATCHED_BYTES);
    expect(c).toMatchObject({ n: 5, unmatched: 1, wins: 5, verdict: 'better' });
    expect(c.difference.mean!).toBeCloseTo(0.05 + 0.002, 9);
    expect(c.sentence).toMatch(/\(1 image had no recompress-only copy as small\)$/);
  });
});

describe('recommendationStopping', () => {
  // three settings, cheapest first: q30 (300 B), q50 (500 B), q80 (800 B); the target is SSIM 0.9
  const sweep = (n: number, q30: (i: number) => number, q50: (i: number) => number, q80: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => [
      row(`img${i}.png`, 'bicubic', q30(i), { quality: 30, stored_bytes: 300 }),
      row(`img${i}.png`, 'bicubic', q50(i), { quality: 50, stored_bytes: 500 }),
      row(`img${i}.png`, 'bicubic', q80(i), { quality: 80, stored_bytes: 800 }),
    ]).flat();
  const pick = { provider: 'bicubic', factor: 2, format: 'webp', quality: 50 };
  const wobble = (i: number) => ((i * 37) % 11) / 1000 - 0.005;

  it('is settled when the pick clears the target and every cheaper setting falls short', () => {
    const s = recommendationStopping(sweep(30, (i) => 0.8 + wobble(i), (i) => 0.93 + wobble(i), (i) => 0.97 + wobble(i)), pick, SSIM, 0.9);
    expect(s).toMatchObject({ settled: true, undecided: [], images_to_settle: null });
    expect(s.pick.low!).toBeGreaterThan(0.9);
    expect(s.sentence).toMatch(/^settled: .* more images would not change the pick$/);
  });

  it('is not settled when a cheaper setting could still reach the target, and says how many images would tell', () => {
    const s = recommendationStopping(sweep(30, (i) => 0.899 + 3 * wobble(i), (i) => 0.93 + wobble(i), (i) => 0.97), pick, SSIM, 0.9);
    expect(s.settled).toBe(false);
    expect(s.undecided.map((u) => u.quality)).toEqual([30]);
    expect(s.images_to_settle).toBeGreaterThan(30);
    expect(s.sentence).toMatch(/^not settled: the 95% interval of bicubic webp q30 ÷2 \(0\.89\d*…0\.90\d*\) straddles the mean SSIM target of 0\.9, so more images could change the pick; about \d+ images would settle it/);
  });

  it('is not settled when the pick itself sits on the target; one image gives no interval', () => {
    const onEdge = recommendationStopping(sweep(30, () => 0.5, (i) => 0.9005 + 3 * wobble(i), () => 0.99), pick, SSIM, 0.9);
    expect(onEdge.undecided.map((u) => u.quality)).toEqual([50]);
    const one = recommendationStopping(sweep(1, () => 0.5, () => 0.95, () => 0.99), pick, SSIM, 0.9);
    expect(one).toMatchObject({ settled: false, images_to_settle: null });
    expect(one.sentence).toBe('not settled: one image gives no interval; score more images');
  });

  it('works on a percentile and in a lower-is-better metric', () => {
    // Butteraugli = 10·(1−ssim): target ≤ 1 is SSIM ≥ 0.9
    const rows = sweep(40, (i) => 0.8 + wobble(i), (i) => 0.95 + wobble(i) - (i === 0 ? 0.2 : 0), (i) => 0.97 + wobble(i));
    expect(recommendationStopping(rows, pick, BUTTERAUGLI, 1).settled).toBe(true);
    const p10 = recommendationStopping(rows, pick, BUTTERAUGLI, 1, { percentile: 10 });
    expect(p10.pick.method).toMatch(/of the p10/);
  });

  it('a small difference in a wide interval is shown, not rounded to "by 0"; big counts get thousands separators', () => {
    const iv = (mean: number, low: number, high: number) => ({ mean, low, high, method: 'bootstrap', n: 3 });
    const c = { provider: 'bicubic', model: 'b', factor: 2, format: 'jpeg', quality: 80, baseline: MATCHED_BYTES, metric: 'SSIMULACRA2', difference: iv(-0.42, -5.1, 6.9), n: 3, wins: 1, losses: 2, ties: 0, share_won: iv(1 / 3, 0, 0.9), images_to_settle: 4187, verdict: 'not distinguishable', sentence: '' } as unknown as Comparison;
    expect(comparisonSentence(c)).toBe(`bicubic trails ${MATCHED_BYTES} by −0.4 SSIMULACRA2 points (95% CI −5.1…+6.9, wins 1 of 3): not distinguishable on these images; about 4,187 images would settle it at this spread`);
  });
});
