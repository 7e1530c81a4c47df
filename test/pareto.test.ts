import { describe, expect, it } from 'vitest';
import {
  type SettingPoint,
  type SettingRow,
  type SweepGrid,
  edgeSentence,
  frontier,
  frontiers,
  paretoSummary,
  recommend,
  recommendationSentence,
  settingPoints,
  sweepGrid,
} from '../main/core/results/pareto.js';
import type { Target } from '../main/core/results/target.js';

const ssim = (value: number): Target => ({ metric: 'ssim', value });

/** A hand-made setting: provider, factor, format, quality, mean bytes, mean SSIM. */
const pt = (provider: string, factor: number, format: string, quality: number | null, bytes: number, ssim: number | null): SettingPoint => ({
  provider,
  model: provider,
  factor,
  format,
  quality,
  images: 1,
  errors: 0,
  stored_bytes_mean: bytes,
  saved_percent_mean: 100 - bytes / 10,
  ssim_mean: ssim,
  psnr_mean: 30,
  orb_mean: 0.9,
  ssimulacra2_mean: null,
  butteraugli_mean: null,
  butteraugli_3norm_mean: null,
  upscale_ms_mean: 10,
});
const ids = (ps: SettingPoint[]) => ps.map((p) => `${p.provider} f${p.factor} ${p.format} q${p.quality} ${p.stored_bytes_mean}/${p.ssim_mean}`);

const row = (over: Partial<SettingRow>): SettingRow => ({
  status: 'ok',
  provider: 'bicubic',
  model: 'bicubic (Keys a=-0.5)',
  factor: 2,
  format: 'webp',
  quality: 80,
  stored_bytes: 100,
  saved_percent: 90,
  ssim: 0.9,
  psnr: 30,
  orb_score: 0.9,
  upscale_ms: 5,
  ...over,
});

describe('settingPoints', () => {
  it('averages each (provider, factor, format, quality) over its ok rows', () => {
    const points = settingPoints([
      row({ stored_bytes: 100, ssim: 0.9, psnr: 30, saved_percent: 90 }),
      row({ stored_bytes: 300, ssim: 0.8, psnr: Infinity, saved_percent: 70 }),
      row({ status: 'error', stored_bytes: 5000, ssim: null, psnr: null }),
      row({ quality: 50, stored_bytes: 50, ssim: 0.7 }),
      row({ provider: 'none', model: 'none', factor: 1, stored_bytes: 900, ssim: 0.99 }),
      row({ factor: null, format: '', stored_bytes: null }), // unreadable input: no setting
    ]);
    expect(points.map((p) => [p.provider, p.quality, p.images, p.errors])).toEqual([
      ['bicubic', 50, 1, 0],
      ['bicubic', 80, 2, 1],
      ['none', 80, 1, 0],
    ]);
    const q80 = points[1];
    expect(q80.stored_bytes_mean).toBe(200);
    expect(q80.ssim_mean).toBeCloseTo(0.85, 12);
    expect(q80.saved_percent_mean).toBe(80);
    expect(q80.psnr_mean).toBe(30); // the identical (∞) row is left out of the mean, not averaged as ∞
  });

  it('leaves rows with undefined ORB (empty orb_score) out of the ORB mean, and only that', () => {
    const [p] = settingPoints([row({ orb_score: 0.9, ssim: 0.8 }), row({ orb_score: null, ssim: 1 })]);
    expect([p.images, p.orb_mean, p.ssim_mean]).toEqual([2, 0.9, 0.9]);
  });

  it('drops settings where nothing scored', () => {
    expect(settingPoints([row({ status: 'error' })])).toEqual([]);
  });
});

describe('frontier', () => {
  it('keeps the settings nobody beats on both bytes and SSIM, sorted by bytes', () => {
    const ps = [
      pt('a', 2, 'webp', 50, 100, 0.8),
      pt('a', 2, 'webp', 80, 200, 0.9),
      pt('a', 2, 'jpeg', 80, 250, 0.85), // beaten by webp q80 (fewer bytes, more SSIM)
      pt('a', 4, 'webp', 95, 150, 0.7), // beaten by webp q50
      pt('a', 2, 'webp', 95, 400, 0.95),
    ];
    expect(ids(frontier(ps, 'ssim'))).toEqual(['a f2 webp q50 100/0.8', 'a f2 webp q80 200/0.9', 'a f2 webp q95 400/0.95']);
  });

  it('ties: equal bytes with lower SSIM is beaten, an exact tie keeps both', () => {
    const ps = [pt('a', 2, 'webp', 80, 200, 0.9), pt('a', 2, 'jpeg', 80, 200, 0.85), pt('a', 4, 'webp', 80, 200, 0.9), pt('a', 2, 'avif', 80, 300, 0.9)];
    // jpeg: same bytes, lower SSIM → out; avif: same SSIM, more bytes → out; the two identical ones stay
    expect(ids(frontier(ps, 'ssim'))).toEqual(['a f2 webp q80 200/0.9', 'a f4 webp q80 200/0.9']);
  });

  it('one setting is its own frontier; a setting without SSIM is not on it', () => {
    expect(ids(frontier([pt('a', 2, 'webp', 80, 200, 0.9)], 'ssim'))).toEqual(['a f2 webp q80 200/0.9']);
    expect(frontier([pt('a', 2, 'webp', 80, 200, null)], 'ssim')).toEqual([]);
  });

  it('is per provider: one provider never knocks out another', () => {
    const ps = [pt('none', 1, 'webp', 80, 500, 0.97), pt('bicubic', 2, 'webp', 80, 120, 0.85), pt('bicubic', 2, 'webp', 95, 600, 0.9)];
    const f = frontiers(ps, 'ssim');
    expect(Object.keys(f)).toEqual(['bicubic', 'none']);
    expect(ids(f.none)).toEqual(['none f1 webp q80 500/0.97']);
    expect(ids(f.bicubic)).toEqual(['bicubic f2 webp q80 120/0.85', 'bicubic f2 webp q95 600/0.9']);
    const summary = paretoSummary(ps, 'ssim');
    expect(Object.keys(summary.none[0]).sort()).toEqual(['butteraugli_3norm_mean', 'butteraugli_mean', 'factor', 'format', 'orb_mean', 'psnr_mean', 'quality', 'saved_percent_mean', 'ssim_mean', 'ssimulacra2_mean', 'stored_bytes_mean']);
  });
});

describe('recommend', () => {
  const ps = [
    pt('none', 1, 'webp', 50, 300, 0.88),
    pt('none', 1, 'webp', 80, 500, 0.93),
    pt('none', 1, 'jpeg', 95, 900, 0.98),
    pt('bicubic', 2, 'webp', 80, 130, 0.86),
    pt('local-ai', 2, 'webp', 80, 130, 0.91),
    pt('local-ai', 2, 'webp', 95, 260, 0.94),
  ];

  it('picks the cheapest setting at the target over all providers, with recompress-only beside it', () => {
    const r = recommend(ps, ssim(0.9))!;
    expect([r.provider, r.factor, r.format, r.quality, r.stored_bytes_mean, r.ssim_mean]).toEqual(['local-ai', 2, 'webp', 80, 130, 0.91]);
    expect(r.recompress_only).toMatchObject({ factor: 1, format: 'webp', quality: 80, stored_bytes_mean: 500, ssim_mean: 0.93 });
    expect(recommendationSentence(r, ssim(0.9))).toBe(
      'store as webp q80 at ÷2 and upscale with local-ai: 87% smaller, SSIM 0.910; recompress-only needs webp q80 at full size for SSIM ≥ 0.9: 50% smaller (SSIM 0.930)',
    );
  });

  it('the target moves the answer; a tie on bytes goes to the higher SSIM', () => {
    expect(recommend(ps, ssim(0.85))).toMatchObject({ provider: 'local-ai', stored_bytes_mean: 130 }); // bicubic ties on bytes, lower SSIM
    expect(recommend(ps, ssim(0.94))).toMatchObject({ provider: 'local-ai', quality: 95, recompress_only: { format: 'jpeg', quality: 95 } });
    const r = recommend(ps, ssim(0.95))!;
    expect(r).toMatchObject({ provider: 'none', format: 'jpeg', quality: 95 });
    expect(recommendationSentence(r, ssim(0.95))).toMatch(/^store as jpeg q95 at full size and serve it as it is \(recompress only\): 10% smaller, SSIM 0\.980; no downscale-and-upscale setting/);
  });

  it('returns null when nothing reaches the target', () => {
    expect(recommend(ps, ssim(0.99))).toBeNull();
    expect(recommend([], ssim(0.5))).toBeNull();
    expect(recommendationSentence(null, ssim(0.99))).toMatch(/^no setting reached a mean SSIM ≥ 0\.99/);
  });

  it('one setting; no recompress-only setting in the sweep', () => {
    const one = [pt('bicubic', 4, 'png', null, 200, 0.8)];
    const r = recommend(one, ssim(0.8))!;
    expect(r).toMatchObject({ provider: 'bicubic', factor: 4, format: 'png', quality: null, recompress_only: null });
    expect(recommendationSentence(r, ssim(0.8), false)).toBe('store as png at ÷4 and upscale with bicubic: 80% smaller, SSIM 0.800');
    expect(recommendationSentence(r, ssim(0.8), true)).toMatch(/no recompress-only setting \(factor 1\) reaches SSIM ≥ 0\.8$/);
  });
});

describe('the picks at the edge of the grid', () => {
  const grid: SweepGrid = { factors: [1, 2, 4], qualities: { webp: [30, 50, 80], jpeg: [30, 50, 80] } };
  const edges = (ps: SettingPoint[], target: number, g: SweepGrid = grid) => recommend(ps, ssim(target), g)!.edge.map((e) => `${e.setting} ${e.at} → ${e.suggest}`);
  // the recompress-only side of each case: none at full size, webp q30 / q50, reaching SSIM 0.9 or not
  const none30 = pt('none', 1, 'webp', 30, 600, 0.9);
  const none50 = pt('none', 1, 'webp', 50, 800, 0.95);

  it.each<[string, SettingPoint[], number, string[]]>([
    ['both at the lowest quality offered', [pt('local-ai', 2, 'webp', 30, 100, 0.9), none30], 0.9, [
      'recommended at the lowest quality offered for webp (q30) → add qualities below 30',
      'recompress_only at the lowest quality offered for webp (q30) → add qualities below 30',
    ]],
    ['inside the grid', [pt('local-ai', 2, 'webp', 30, 100, 0.85), pt('local-ai', 2, 'webp', 50, 150, 0.92), pt('none', 1, 'webp', 30, 600, 0.85), none50], 0.9, []],
    ['the largest factor offered, with a larger one to try', [pt('local-ai', 4, 'jpeg', 50, 90, 0.9), pt('local-ai', 4, 'jpeg', 30, 60, 0.8), pt('none', 1, 'webp', 30, 600, 0.85), none50], 0.9, [
      'recommended at the largest factor offered (÷4) → add factor 8',
    ]],
    ['the highest quality offered: a larger factor at a higher one may be cheaper', [pt('local-ai', 2, 'webp', 80, 300, 0.9), pt('local-ai', 2, 'webp', 50, 200, 0.85), pt('none', 1, 'webp', 30, 600, 0.85), none50], 0.9, [
      'recommended at the highest quality offered for webp (q80) → add qualities above 80',
    ]],
    ['recompress-only wins: one entry, not two', [none30, pt('bicubic', 2, 'webp', 50, 700, 0.88)], 0.9, [
      'recommended at the lowest quality offered for webp (q30) → add qualities below 30',
    ]],
    ['no recompress-only setting reaches the target: that side is past the top', [pt('local-ai', 2, 'webp', 50, 150, 0.92), pt('none', 1, 'webp', 80, 900, 0.89)], 0.9, [
      'recompress_only past the highest quality offered (none up to q80 reaches SSIM ≥ 0.9) → add qualities above 80',
    ]],
  ])('%s', (_name, ps, target, expected) => {
    expect(edges(ps, target)).toEqual(expected);
  });

  it('says nothing where the grid cannot go further: q1, factor 8, PNG', () => {
    const g: SweepGrid = { factors: [1, 8], qualities: { webp: [1, 50] } };
    expect(edges([pt('local-ai', 8, 'webp', 50, 40, 0.9), pt('none', 1, 'webp', 1, 300, 0.9)], 0.9, g)).toEqual([]);
    expect(edges([pt('local-ai', 2, 'png', null, 500, 0.95), pt('local-ai', 8, 'png', null, 200, 0.7)], 0.9, { factors: [2, 8], qualities: {} })).toEqual([]);
  });

  it('the grid counts settings tried even where every row failed', () => {
    const rows = [row({ quality: 30 }), row({ quality: 20, status: 'error', ssim: null }), row({ factor: 4, quality: 80, status: 'error', ssim: null })];
    const g = sweepGrid(rows);
    expect(g).toEqual({ factors: [2, 4], qualities: { webp: [20, 30, 80] } });
    expect(recommend(settingPoints(rows), ssim(0.9), g)!.edge).toEqual([]);
    // from the points alone, q30 would look like the lowest (a single quality is not also "the highest") and ÷2 the largest
    expect(recommend(settingPoints(rows), ssim(0.9))!.edge.map((e) => e.at)).toEqual(['at the lowest quality offered for webp (q30)', 'at the largest factor offered (÷2)']);
  });

  it('in one sentence, as the CLI and the app show it', () => {
    const both = recommend([pt('local-ai', 2, 'webp', 30, 100, 0.9), none30], ssim(0.9), grid)!;
    expect(edgeSentence(both.edge)).toBe(
      'The recommended setting is at the lowest quality offered for webp (q30); recompress-only is at the lowest quality offered for webp (q30). ' +
        'Settings past the edge of the grid may change the answer and the comparison: add qualities below 30.',
    );
    const top = recommend([pt('local-ai', 2, 'webp', 50, 150, 0.92), pt('none', 1, 'webp', 80, 900, 0.89)], ssim(0.9), grid)!;
    expect(edgeSentence(top.edge)).toBe(
      'Recompress-only is past the highest quality offered (none up to q80 reaches SSIM ≥ 0.9). Settings past the edge of the grid may change the comparison with recompress-only: add qualities above 80.',
    );
    const two = recommend([pt('local-ai', 4, 'webp', 30, 50, 0.9), none30], ssim(0.9), grid)!;
    expect(edgeSentence(two.edge)).toBe(
      'The recommended setting is at the lowest quality offered for webp (q30) and at the largest factor offered (÷4); recompress-only is at the lowest quality offered for webp (q30). ' +
        'Settings past the edge of the grid may change the answer and the comparison: add qualities below 30 and factor 8.',
    );
    expect(edgeSentence([])).toBe('');
  });

  it('names the model once when it carries the provider name', () => {
    const bicubic = { ...pt('bicubic', 2, 'webp', 50, 100, 0.9), model: 'bicubic (Keys a=-0.5)' };
    const slim = { ...pt('local-ai', 2, 'webp', 50, 100, 0.9), model: 'esrgan-slim x2' };
    expect(recommendationSentence(recommend([bicubic], ssim(0.9), grid), ssim(0.9), false)).toMatch(/upscale with bicubic \(Keys a=-0\.5\): /);
    expect(recommendationSentence(recommend([slim], ssim(0.9), grid), ssim(0.9), false)).toMatch(/upscale with local-ai \(esrgan-slim x2\): /);
  });
});
