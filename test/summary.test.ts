import { describe, expect, it } from 'vitest';
import { type ResultRow, emptyRow } from '../main/core/results/row.js';
import { storageAnswer, summariseProviders } from '../main/core/results/summary.js';

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
