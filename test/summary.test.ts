import { describe, expect, it } from 'vitest';
import { type ResultRow, emptyRow } from '../main/core/results/row.js';
import { confidenceAnswer, storageAnswer, summariseProviders } from '../main/core/results/summary.js';

const ok = (provider: string, model: string, ssim: number, orb: number | null): ResultRow => ({ ...emptyRow('a.png', provider, model), status: 'ok', ssim, psnr: 30, orb_score: orb, upscale_ms: 10 });

describe('summary.json providers', () => {
  // a ÷2/÷4 sweep's rows as they come, image by image: local-ai's two models interleaved with the others
  const rows = [
    ok('none', 'recompress only', 0.95, 0.99),
    ok('local-ai', 'esrgan-slim x2', 0.9, 0.97),
    ok('bicubic', 'bicubic (Keys a=-0.5)', 0.85, 0.95),
    ok('local-ai', 'esrgan-slim x4', 0.7, 0.8),
    ok('local-ai', 'esrgan-slim x2', 0.8, null), // a smooth sky: ORB undefined
    { ...emptyRow('b.png', 'local-ai', 'esrgan-slim x4'), error: 'broken', error_code: 'ERROR_NOT_AN_IMAGE' },
  ];

  it('has one entry per provider and model, a provider\'s models side by side, each with only its rows', () => {
    const s = summariseProviders(rows);
    expect(s.map((p) => [p.provider, p.model, p.rows, p.ok, p.errors])).toEqual([
      ['none', 'recompress only', 1, 1, 0],
      ['local-ai', 'esrgan-slim x2', 2, 2, 0],
      ['local-ai', 'esrgan-slim x4', 2, 1, 1],
      ['bicubic', 'bicubic (Keys a=-0.5)', 1, 1, 0],
    ]);
    const x2 = s[1];
    expect(x2.mean_ssim).toBeCloseTo(0.85, 12);
    expect(s[2].mean_ssim).toBe(0.7);
  });

  it('leaves undefined ORB out of mean_orb and counts it', () => {
    const x2 = summariseProviders(rows)[1];
    expect([x2.mean_orb, x2.orb_undefined]).toEqual([0.97, 1]);
  });
});

describe('summary.json recommendation edges', () => {
  // one setting, as a plain `run --factor 2 --format webp --quality 80` stores it
  const one = [{ ...ok('bicubic', 'bicubic', 0.95, 0.9), factor: 2, format: 'webp', quality: 80, stored_bytes: 1000, saved_percent: 90 }];

  it('a plain run says nothing of edges (its one setting is the whole grid); a sweep of the same rows does', () => {
    expect(storageAnswer(one, { metric: 'ssim', value: 0.9 }, false).recommendation!.edge).toEqual([]);
    expect(storageAnswer(one, { metric: 'ssim', value: 0.9 }, true).recommendation!.edge.length).toBeGreaterThan(0);
  });
});

describe('summary.json confidence, on tables whose answer is known', () => {
  // n images at one stored setting, each provider's SSIM from f
  const table = (n: number, f: (provider: string, i: number) => number, providers = ['local-ai', 'bicubic', 'lanczos']) =>
    providers.flatMap((p) =>
      Array.from({ length: n }, (_, i): ResultRow => ({ ...ok(p, p, f(p, i), 0.9), image_path: `img${i}.png`, factor: 2, format: 'webp', quality: 80, stored_bytes: 1000 + i, saved_percent: 90 })),
    );
  const answer = (rows: ResultRow[]) => {
    const s = { providers: summariseProviders(rows), ...storageAnswer(rows, { metric: 'ssim', value: 0.5 }, false) };
    return { ...s, ...confidenceAnswer(s, rows, { metric: 'ssim', value: 0.5 }) };
  };
  const find = (s: ReturnType<typeof answer>, provider: string, baseline: string) => s.comparisons!.find((c) => c.provider === provider && c.baseline === baseline)!;

  it('identical providers: difference 0 with a collapsed interval, not told apart', () => {
    const s = answer(table(20, (_p, i) => 0.8 + i / 200));
    const c = find(s, 'local-ai', 'bicubic');
    expect(c.difference).toMatchObject({ mean: 0, low: 0, high: 0, n: 20 });
    expect(c).toMatchObject({ ties: 20, verdict: 'identical' });
    // and every provider's mean has the same interval, as the scores are the same
    const ci = s.providers.map((p) => (p as { ci?: Record<string, unknown> }).ci!.mean_ssim);
    expect(ci[1]).toEqual(ci[0]);
  });

  it('a provider better on every image: its interval excludes 0 and it wins n of n', () => {
    const s = answer(table(15, (p, i) => 0.8 + ((i * 7) % 15) / 200 + (p === 'local-ai' ? 0.005 : 0)));
    for (const b of ['bicubic', 'lanczos']) {
      const c = find(s, 'local-ai', b);
      expect(c.difference.low!).toBeGreaterThan(0);
      expect(c).toMatchObject({ wins: 15, n: 15, verdict: 'better' });
      expect(c.sentence).toMatch(new RegExp(`^at webp q80 at ÷2, local-ai beats ${b} by \\+0\\.005\\d* SSIM points \\(95% CI .*, wins 15 of 15\\): better on these images$`));
    }
  });

  it('a single image: means without an interval, comparisons that say so', () => {
    const s = answer(table(1, (p) => (p === 'local-ai' ? 0.9 : 0.8)));
    expect((s.recommendation as unknown as { ci: Record<string, { low: unknown; n: number }> }).ci.ssim_mean).toMatchObject({ low: null, n: 1 });
    expect(find(s, 'local-ai', 'bicubic').sentence).toMatch(/one image: too few to tell$/);
  });

  it('ties counted apart, and the same seed gives the same answer', () => {
    const d = [0.01, 0.01, -0.01, 0, 0, 0.02];
    const rows = table(6, (p, i) => 0.8 + (p === 'local-ai' ? d[i] : 0));
    const c = find(answer(rows), 'local-ai', 'bicubic');
    expect(c).toMatchObject({ wins: 3, losses: 1, ties: 2, verdict: 'not distinguishable' });
    expect(answer(rows)).toEqual(answer(rows));
  });
});
