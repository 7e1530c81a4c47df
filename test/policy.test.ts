import { readFileSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type PolicyRow, adaptivePolicy, policySentence } from '../main/core/results/policy.js';
import { policyCsv } from '../main/core/results/policy-csv.js';
import { cli } from './helpers/cli.js';
import type { ImagePass } from '../main/core/pipeline/process-image.js';
import { searchPasses } from '../main/core/pipeline/quality-search.js';
import type { ResultRow } from '../main/core/results/row.js';
import { fixture } from './helpers/images.js';

const target = { metric: 'ssim' as const, value: 0.9 };

/** A row of a sweep: one image stored at one setting, read back by one provider. */
function row(image: string, quality: number, bytes: number, ssim: number | null, o: Partial<PolicyRow> = {}): PolicyRow {
  return { image_path: image, status: 'ok', provider: 'none', model: 'recompress only', factor: 1, format: 'webp', quality, stored_bytes: bytes, ssim, psnr: 30, orb_score: 0.9, upscale_ms: 0, ...o };
}
/** The same three qualities for every image, scores given per image. */
const ladder = (image: string, ssims: [number, number, number], bytes: [number, number, number] = [100, 200, 400]) =>
  [50, 80, 95].map((q, i) => row(image, q, bytes[i], ssims[i]));
const kB = (n: number) => `${n} B`;

describe('adaptivePolicy on tables with known answers', () => {
  it('all images alike: every image gets the one setting, and the policy saves nothing', () => {
    const rows = ['a', 'b', 'c'].flatMap((i) => ladder(i, [0.85, 0.92, 0.97]));
    const p = adaptivePolicy(rows, target)!;
    expect(p.choices.map((c) => [c.image_path, c.quality, c.reaches_target])).toEqual([
      ['a', 80, true],
      ['b', 80, true],
      ['c', 80, true],
    ]);
    expect(p.total_stored_bytes).toBe(600);
    expect(p.best_single).toMatchObject({ quality: 80, total_stored_bytes: 600, guarantee: 'every image', images_reaching: 3 });
    expect(p.saved_percent_vs_single).toBe(0);
    expect(p.breakdown).toEqual([expect.objectContaining({ quality: 80, images: 3 })]);
    expect(p.single_on_mean).toMatchObject({ quality: 80, images_below: 0 });
    expect(p.missed).toEqual([]);
    expect(policySentence(p, kB)).toContain('no saving over the best single setting with the same guarantee (webp q80 at full size, 600 B)');
  });

  it('one hard image: the easy ones go cheap, the hard one alone pays, and the saving is over the single setting that carries it', () => {
    const rows = [...ladder('easy1', [0.91, 0.95, 0.98]), ...ladder('easy2', [0.92, 0.96, 0.99]), ...ladder('hard', [0.7, 0.8, 0.93])];
    const p = adaptivePolicy(rows, target)!;
    expect(p.choices.map((c) => c.quality)).toEqual([50, 50, 95]);
    expect(p.total_stored_bytes).toBe(600);
    expect(p.images_reaching).toBe(3);
    // only q95 brings every image to 0.9: 3 × 400
    expect(p.best_single).toMatchObject({ quality: 95, total_stored_bytes: 1200, guarantee: 'every image' });
    expect(p.saved_percent_vs_single).toBe(50);
    // q80's mean is (0.95 + 0.96 + 0.8) / 3 = 0.903: it reaches the target on the mean and leaves the hard image below
    expect(p.single_on_mean).toMatchObject({ quality: 80, images_below: 1, total_stored_bytes: 600 });
    expect(p.breakdown.map((b) => [b.quality, b.images])).toEqual([
      [50, 2],
      [95, 1],
    ]);
    expect(policySentence(p, kB)).toMatch(/all 3 images to SSIM ≥ 0.9 in 600 B: 50% less than the best single setting with the same guarantee \(webp q95 at full size, 1200 B\).*leaves 1 of 3 below it/);
  });

  it('an image nothing rescues gets the closest setting, is flagged, and the single setting is judged on the most images it can carry', () => {
    const rows = [...ladder('a', [0.91, 0.95, 0.98]), ...ladder('b', [0.92, 0.96, 0.99]), ...ladder('lost', [0.6, 0.7, 0.85])];
    const p = adaptivePolicy(rows, target)!;
    expect(p.choices.find((c) => c.image_path === 'lost')).toMatchObject({ quality: 95, score: 0.85, reaches_target: false });
    expect(p.images_reaching).toBe(2);
    expect(p.missed).toEqual([{ image_path: 'lost', score: 0.85 }]);
    // every single setting reaches at most 2 images; q50 does so cheapest
    expect(p.best_single).toMatchObject({ quality: 50, images_reaching: 2, guarantee: 'most images', total_stored_bytes: 300 });
    expect(p.total_stored_bytes).toBe(600);
    expect(p.saved_percent_vs_single).toBe(-100);
    expect(policySentence(p, kB)).toMatch(/2 of 3 images .* no setting brings 1 image there/);
  });

  it('ties on bytes go to less compute, then to the better score', () => {
    // one stored copy (same bytes) read back by two upscalers and by nothing: the cheap upscaler wins the tie
    const base = { factor: 2, format: 'webp', quality: 80 };
    const rows = [
      row('a', 80, 300, 0.95, { ...base, provider: 'local-ai', model: 'thick', upscale_ms: 3000 }),
      row('a', 80, 300, 0.93, { ...base, provider: 'lanczos', model: 'lanczos3', upscale_ms: 20 }),
      row('a', 95, 500, 0.99),
      // equal bytes, equal compute: the better score
      row('b', 70, 250, 0.91, { ...base, quality: 70, provider: 'bicubic', model: 'bicubic', upscale_ms: 20 }),
      row('b', 70, 250, 0.94, { ...base, quality: 70, provider: 'lanczos', model: 'lanczos3', upscale_ms: 20 }),
      // a few ms apart is timing noise, not less compute: the better score decides
      row('c', 60, 200, 0.93, { ...base, quality: 60, provider: 'bicubic', model: 'bicubic', upscale_ms: 18 }),
      row('c', 60, 200, 0.95, { ...base, quality: 60, provider: 'lanczos', model: 'lanczos3', upscale_ms: 21 }),
    ];
    const p = adaptivePolicy(rows, target)!;
    expect(p.choices.map((c) => [c.image_path, c.provider])).toEqual([
      ['a', 'lanczos'],
      ['b', 'lanczos'],
      ['c', 'lanczos'],
    ]);
  });

  it('compute per 1,000 retrievals follows the settings chosen (recompress-only settings cost none)', () => {
    const rows = [
      // a recompress-only row's time is decoding the copy: no upscaling
      row('a', 50, 100, 0.95, { upscale_ms: 40 }),
      row('b', 50, 100, 0.5, { upscale_ms: 40 }),
      row('b', 80, 150, 0.95, { factor: 2, provider: 'local-ai', model: 'thick', upscale_ms: 4000 }),
      row('c', 80, 150, 0.95, { factor: 2, provider: 'local-ai', model: 'thick', upscale_ms: 2000 }),
    ];
    const p = adaptivePolicy(rows, target)!;
    // b and c both get the thick setting, whose mean is 3000 ms; a needs nothing: (0 + 3000 + 3000) / 3
    expect(p.upscale_seconds_per_1000).toBe(2000);
  });

  it('error rows and unscored rows are no candidates; a setting that lost an image is no single-setting alternative', () => {
    const rows = [
      ...ladder('a', [0.91, 0.95, 0.98]),
      ...ladder('b', [0.92, 0.96, 0.99]).map((r) => (r.quality === 50 ? { ...r, status: 'error', ssim: null } : r)),
      row('c', 50, 1, null),
      row('c', 80, 200, 0.93),
      row('c', 95, 400, 0.99),
    ];
    const p = adaptivePolicy(rows, target)!;
    expect(p.choices.map((c) => [c.image_path, c.quality])).toEqual([
      ['a', 50],
      ['b', 80],
      ['c', 80],
    ]);
    // q50 covers a only: it cannot stand in for the policy
    expect(p.best_single).toMatchObject({ quality: 80 });
  });

  it('a single image, and no scored row at all', () => {
    const p = adaptivePolicy(ladder('only', [0.85, 0.92, 0.97]), target)!;
    expect([p.images, p.choices[0].quality, p.saved_percent_vs_single]).toEqual([1, 80, 0]);
    expect(adaptivePolicy([row('x', 50, 100, null)], target)).toBeNull();
  });

  it('PSNR targets count an identical image (infinite PSNR) as reaching any target', () => {
    const rows = [row('same', 100, 900, 1, { psnr: Infinity }), row('same', 50, 100, 0.9, { psnr: 31 })];
    expect(adaptivePolicy(rows, { metric: 'psnr', value: 40 })!.choices[0]).toMatchObject({ quality: 100, reaches_target: true });
    expect(policyCsv(adaptivePolicy(rows, { metric: 'psnr', value: 40 })!)).toBe(
      'image_path,factor,format,quality,provider,model,stored_bytes,psnr,reaches_target\nsame,1,webp,100,none,recompress only,900,inf,yes\n',
    );
  });
});

describe('a sweep writes policy.csv and adaptive_policy, agreeing with its own testResults.csv', () => {
  it('matches a brute-force recomputation from the CSV', async () => {
    const work = await mkdtemp(join(tmpdir(), 'policy-'));
    const photos = join(work, 'photos');
    for (const f of ['chelsea.png', 'rocket.jpg', 'coffee.png']) await cp(fixture('photos', f), join(photos, f));
    const out = join(work, 'run');
    const r = cli(['sweep', photos, '--provider', 'bicubic,lanczos', '--factors', '1,2', '--formats', 'webp,jpeg', '--qualities', '20,50,80,95', '--target-ssim', '0.9', '--out', out, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const rows = parse(readFileSync(join(out, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const policy = parse(readFileSync(join(out, 'policy.csv'), 'utf8'), { columns: true }) as Record<string, string>[];

    // brute force: for each image, the fewest stored bytes among ok rows reaching 0.9, else the best SSIM
    const images = [...new Set(rows.map((x) => x.image_path))];
    expect(policy.map((p) => p.image_path).sort()).toEqual(images.sort());
    for (const p of policy) {
      const mine = rows.filter((x) => x.image_path === p.image_path && x.status === 'ok');
      const reaching = mine.filter((x) => Number(x.ssim) >= 0.9);
      if (reaching.length) {
        expect(p.reaches_target).toBe('yes');
        expect(Number(p.stored_bytes)).toBe(Math.min(...reaching.map((x) => Number(x.stored_bytes))));
        expect(Number(p.ssim)).toBeGreaterThanOrEqual(0.9);
      } else {
        expect(p.reaches_target).toBe('no');
        expect(Number(p.ssim)).toBe(Math.max(...mine.map((x) => Number(x.ssim))));
      }
      // the line names a row the CSV really holds
      expect(mine.some((x) => x.factor === p.factor && x.format === p.format && x.quality === p.quality && x.provider === p.provider && x.stored_bytes === p.stored_bytes)).toBe(true);
    }
    const total = policy.reduce((a, p) => a + Number(p.stored_bytes), 0);
    const a = summary.adaptive_policy;
    expect(a.total_stored_bytes).toBe(total);
    expect(a.images).toBe(images.length);
    expect(a.images_reaching).toBe(policy.filter((p) => p.reaches_target === 'yes').length);

    // the best single setting: of the settings that reach 0.9 on the most images, the fewest bytes in all
    const bySetting = new Map<string, Record<string, string>[]>();
    for (const x of rows.filter((x) => x.status === 'ok')) {
      const k = `${x.provider}|${x.factor}|${x.format}|${x.quality}`;
      bySetting.set(k, [...(bySetting.get(k) ?? []), x]);
    }
    const complete = [...bySetting.values()].filter((xs) => xs.length === images.length);
    const reached = (xs: Record<string, string>[]) => xs.filter((x) => Number(x.ssim) >= 0.9).length;
    const most = Math.max(...complete.map(reached));
    const bytes = (xs: Record<string, string>[]) => xs.reduce((s, x) => s + Number(x.stored_bytes), 0);
    const cheapest = Math.min(...complete.filter((xs) => reached(xs) === most).map(bytes));
    expect(a.best_single.total_stored_bytes).toBe(cheapest);
    expect(a.best_single.images_reaching).toBe(most);
    expect(a.saved_percent_vs_single).toBeCloseTo(((cheapest - total) / cheapest) * 100, 1);
    expect(r.stderr).toMatch(/per image: a per-image policy brings/);
  }, 300_000);
});

describe('the adaptive quality search', () => {
  const passes = (qualities: number[], format = 'webp', factor = 1) =>
    qualities.map((quality) => ({ tag: `f${factor}-${format}-q${quality}`, downscale: { factor, format, quality, kernel: 'lanczos3' }, providers: [] }) as unknown as ImagePass);
  /** Scores rising with quality, as encoders give; `run` records which passes were really made. */
  const searcher = (ps: ImagePass[], ssimAt: (q: number) => number) => {
    const made: number[] = [];
    const run = async (i: number) => {
      made.push(ps[i].downscale.quality);
      return [{ ...row('img', ps[i].downscale.quality, ps[i].downscale.quality * 10, ssimAt(ps[i].downscale.quality)) } as unknown as ResultRow];
    };
    return { made, run };
  };
  const ladder = [10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95];

  it('finds the first quality reaching the target with a handful of encodes', async () => {
    for (const threshold of [10, 15, 45, 50, 90, 95]) {
      const ps = passes(ladder);
      const { made, run } = searcher(ps, (q) => (q >= threshold ? 0.95 : 0.8));
      const skipped: number[] = [];
      const rows = await searchPasses(ps, { target, onSkip: (p) => skipped.push(p.downscale.quality) }, run);
      const reached = rows.flat().filter((r) => (r.ssim ?? 0) >= 0.9).map((r) => r.quality!);
      expect(Math.min(...reached), `threshold q${threshold}`).toBe(threshold);
      expect(made.length).toBeLessThanOrEqual(Math.ceil(Math.log2(ladder.length + 1)));
      expect(skipped.length + made.length).toBe(ladder.length);
    }
  });

  it('ends on the highest quality when none reaches the target, and searches each factor and format apart', async () => {
    const ps = [...passes(ladder, 'webp', 1), ...passes(ladder, 'jpeg', 2)];
    const { made, run } = searcher(ps, () => 0.5);
    await searchPasses(ps, { target }, run);
    expect(made.filter((q) => q === 95).length).toBe(2);
  });

  it("uses a resumed run's rows instead of making them again", async () => {
    const ps = passes(ladder);
    const first = searcher(ps, (q) => (q >= 60 ? 0.95 : 0.8));
    const known: (ResultRow[] | undefined)[] = ps.map(() => undefined);
    await searchPasses(ps, { target }, async (i) => (known[i] = await first.run(i)));
    const again = searcher(ps, (q) => (q >= 60 ? 0.95 : 0.8));
    const rows = await searchPasses(ps, { target, known }, again.run);
    expect(again.made).toEqual([]);
    expect(rows.flat()).toEqual([]);
  });
});

describe('sweep --adaptive against the full grid', () => {
  it('finds the same per-image settings with fewer stored copies', async () => {
    const work = await mkdtemp(join(tmpdir(), 'adaptive-'));
    const photos = join(work, 'photos');
    for (const f of ['chelsea.png', 'rocket.jpg', 'logo.png']) await cp(fixture('photos', f), join(photos, f));
    const common = ['--provider', 'bicubic', '--factors', '1,2', '--formats', 'webp', '--target-ssim', '0.9'];
    const grid = cli(['sweep', photos, ...common, '--qualities', '10,20,30,40,50,60,70,80,90,95', '--out', join(work, 'grid')], work);
    expect(grid.status, grid.stderr).toBe(0);
    const adaptive = cli(['sweep', photos, ...common, '--adaptive', '--qualities', '10,95', '--quality-step', '10', '--out', join(work, 'adaptive'), '--json'], work);
    expect(adaptive.status, adaptive.stderr).toBe(0);
    const read = (dir: string) => (parse(readFileSync(join(work, dir, 'policy.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((p) => [p.image_path, p.factor, p.quality, p.provider, p.reaches_target]);
    expect(read('adaptive')).toEqual(read('grid'));
    const s = JSON.parse(adaptive.stdout);
    expect(s.adaptive_search).toMatchObject({ images: 3, settings_in_grid: 20, copies_in_grid: 60 });
    // at most ⌈log2(10 + 1)⌉ = 4 qualities per image, factor and format
    expect(s.adaptive_search.copies_made).toBeLessThanOrEqual(3 * 2 * 4);
    // its settings hold a few images each: no frontier or single recommendation is claimed from them
    expect(s.pareto).toBeUndefined();
    expect(s.adaptive_policy.best_single).toBeNull();
    expect(adaptive.stderr).toMatch(/the adaptive search made \d+ of the grid's 60 stored copies/);
  }, 300_000);
});
