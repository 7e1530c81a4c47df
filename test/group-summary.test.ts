/**
 * Groups without running anything: summary.json's per-group answers on hand-made rows whose answer is known,
 * and how a folder, a CSV and its `group` column put input items into groups.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AnswerScope, answerOf } from '../main/core/results/answer.js';
import { groupAnswers, groupInputs, groupMeanLines, groupPolicyLines, groupRecommendationLines, groupsSentence } from '../main/core/results/group-summary.js';
import { type ResultRow, emptyRow } from '../main/core/results/row.js';
import { resolveInput } from '../main/core/inputs/resolve-input.js';
import { folderGroup } from '../main/core/inputs/groups.js';

const target = { metric: 'ssimulacra2' as const, value: 70 };
const sweep: AnswerScope = { target, sweep: true, storage: true, adaptive: false };

/** One image of a group stored at one setting (webp), read back by one provider, scoring `score` on SSIMULACRA2. */
function row(image: string, group: string, provider: 'none' | 'bicubic', quality: number, bytes: number, score: number): ResultRow {
  return {
    ...emptyRow(`${image}.png`, provider, provider === 'none' ? 'recompress only' : 'bicubic'),
    group,
    stored_key: `f${provider === 'none' ? 1 : 2}-webp-q${quality}/${image}.png`,
    status: 'ok',
    factor: provider === 'none' ? 1 : 2,
    format: 'webp',
    quality,
    original_bytes: 10_000,
    stored_bytes: bytes,
    saved_percent: Number((((10_000 - bytes) / 10_000) * 100).toFixed(2)),
    ssimulacra2: score,
    ssim: score / 100,
    psnr: 30,
    upscale_ms: provider === 'none' ? 1 : 5,
    upscale_threads: 1,
  };
}

/** Every image of a group at four settings: [bytes, score] per setting, the score moved by ±`spread` per image. */
function table(group: string, images: string[], s: Record<'f1q20' | 'f1q50' | 'f2q50' | 'f2q80', readonly [number, number]>, spread = 1): ResultRow[] {
  return images.flatMap((image, i) => {
    const d = images.length === 1 ? 0 : (i - (images.length - 1) / 2) * spread;
    return [
      row(image, group, 'none', 20, s.f1q20[0], s.f1q20[1] + d),
      row(image, group, 'none', 50, s.f1q50[0], s.f1q50[1] + d),
      row(image, group, 'bicubic', 50, s.f2q50[0], s.f2q50[1] + d),
      row(image, group, 'bicubic', 80, s.f2q80[0], s.f2q80[1] + d),
    ];
  });
}

const answers = (rows: ResultRow[], scope = sweep) => groupAnswers(rows, rows, scope);
const pick = (r: { provider: string; factor: number; format: string; quality: number | null } | null | undefined) => (r ? `${r.provider} ${r.factor} ${r.format} q${r.quality}` : null);

describe('per-group answers on tables whose answer is known', () => {
  // screenshots: flat colour re-encodes well at full size and is ruined by a downscale
  const screenshots = table('screenshots', ['s1', 's2'], { f1q20: [60, 72], f1q50: [100, 80], f2q50: [40, 10], f2q80: [70, 20] });
  // photos: full size needs q50 (1000 B) for 70, ÷2 at q80 gets there in 500 B
  const photos = table('photos', ['p1', 'p2', 'p3'], { f1q20: [600, 40], f1q50: [1000, 75], f2q50: [300, 60], f2q80: [500, 72] });
  const rows = [...screenshots, ...photos];

  it('groups that differ: each group gets its own cheapest setting, and the overall answer is the one on all rows', () => {
    const [s, p] = answers(rows);
    expect([s.group, p.group]).toEqual(['screenshots', 'photos']);
    expect(pick(s.recommendation)).toBe('none 1 webp q20');
    expect(pick(p.recommendation)).toBe('bicubic 2 webp q80');
    expect(s.recommendation!.ssimulacra2_mean).toBeCloseTo(72, 12);
    expect(p.recommendation!.ssimulacra2_mean).toBeCloseTo(72, 12);
    expect(p.recommendation!.recompress_only).toMatchObject({ factor: 1, quality: 50, stored_bytes_mean: 1000 });
    // all five images: full size at q20 averages 52.8 and ÷2 at q80 51.2, so only full size at q50 (77) reaches 70
    const overall = answerOf(rows, rows, sweep).answer;
    expect(pick(overall.recommendation)).toBe('none 1 webp q50');
    // the groups change nothing of the overall answer
    expect(answerOf(rows.map((r) => ({ ...r, group: '' })), rows, sweep).answer).toEqual(overall);
    expect(groupsSentence([s, p], target)).toBe('by group: re-encode screenshots at full size (webp q20) and downscale photos ÷2 (webp q80, bicubic)');
  });

  it('each group carries counts, totals, provider means, Pareto sets, intervals, comparisons and the policy of its own rows', () => {
    const [s, p] = answers(rows);
    expect(s.counts).toEqual({ inputs: 2, rows: 8, ok: 8, errors: 0, not_run: 0 });
    expect(p.counts).toEqual({ inputs: 3, rows: 12, ok: 12, errors: 0, not_run: 0 });
    // each stored copy once: 3 photos × (600 + 1000 + 300 + 500)
    expect(p.totals).toEqual({ original_bytes: 3 * 4 * 10_000, stored_bytes: 3 * 2400, saved_bytes: 3 * 4 * 10_000 - 3 * 2400, saved_percent: 94 });
    expect(p.providers.map((x) => [x.provider, x.rows, x.mean_ssimulacra2])).toEqual([
      ['none', 6, 57.5],
      ['bicubic', 6, 66],
    ]);
    expect(Object.keys(p.pareto!).sort()).toEqual(['bicubic', 'none']);
    expect(p.pareto!.bicubic.map((e) => e.quality)).toEqual([50, 80]);
    const ci = (p.recommendation as unknown as { ci: Record<string, { mean: number; low: number; high: number; n: number }> }).ci.ssimulacra2_mean;
    expect(ci).toMatchObject({ n: 3 });
    expect(ci.mean).toBeCloseTo(72, 12);
    expect(ci.low).toBeLessThan(72);
    expect(ci.high).toBeGreaterThan(72);
    expect((p.recommendation as unknown as { stopping: { settled: boolean } }).stopping).toBeDefined();
    // bicubic against recompress-only at matched bytes, on the photos' three images only
    expect(p.comparisons!.every((c) => c.n <= 3)).toBe(true);
    expect(p.adaptive_policy).toMatchObject({ images: 3, images_reaching: 3 });
    expect(s.adaptive_policy).toMatchObject({ images: 2, breakdown: [expect.objectContaining({ factor: 1, quality: 20, images: 2 })] });
    // the method is stated once, at the top of summary.json
    expect(p).not.toHaveProperty('confidence');
    expect(p).not.toHaveProperty('target');
  });

  it('the CLI lines: one per group with the pick and its interval, and the sentence', () => {
    const lines = groupRecommendationLines(answers(rows), target);
    expect(lines[0]).toMatch(/^screenshots \(2 images\): store as webp q20 at full size and serve it as it is \(recompress only\): 99% smaller, SSIMULACRA2 72\.0 \(95% CI [\d.]+…[\d.]+\); no downscale-and-upscale setting/);
    expect(lines[1]).toMatch(/^photos \(3 images\): store as webp q80 at ÷2 and upscale with bicubic: 95% smaller, SSIMULACRA2 72\.0 \(95% CI [\d.]+…[\d.]+\); recompress-only needs webp q50 at full size/);
  });

  it('identical groups: every group has the overall answer, and the sentence says they agree', () => {
    const same = { f1q20: [600, 40], f1q50: [1000, 75], f2q50: [300, 60], f2q80: [500, 72] } as const;
    const rows2 = [...table('a', ['a1', 'a2', 'a3'], { ...same }), ...table('b', ['b1', 'b2', 'b3'], { ...same })];
    const groups = answers(rows2);
    const overall = answerOf(rows2, rows2, sweep).answer;
    // intervals, the stopping rule and the worst cases count each group's images, so they differ by design
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'ci' || k === 'stopping' || k === 'worst_case' ? undefined : v)));
    for (const g of groups) {
      expect(strip(g.recommendation)).toEqual(strip(overall.recommendation));
      expect(strip(g.pareto)).toEqual(strip(overall.pareto));
      const single = overall.adaptive_policy!.best_single!;
      expect(g.adaptive_policy!.best_single).toEqual({ ...single, total_stored_bytes: single.total_stored_bytes / 2, images_reaching: single.images_reaching / 2 });
    }
    // half the images each: the same mean with a wider interval
    const n = (x: unknown) => (x as { ci: Record<string, { n: number }> }).ci.ssimulacra2_mean.n;
    expect([n(groups[0].recommendation), n(overall.recommendation)]).toEqual([3, 6]);
    expect(groupsSentence(groups, target)).toBe('every group gets the same setting: webp q80 at ÷2, upscaled with bicubic');
  });

  it('a single-image group: its means have no interval, its comparisons and stopping rule say one image is too few', () => {
    const rows3 = [...photos, ...table('one', ['solo'], { f1q20: [60, 72], f1q50: [100, 80], f2q50: [40, 10], f2q80: [70, 20] })];
    const one = answers(rows3).find((g) => g.group === 'one')!;
    expect(one.counts).toMatchObject({ inputs: 1, rows: 4 });
    expect(pick(one.recommendation)).toBe('none 1 webp q20');
    const rec = one.recommendation as unknown as { ci: Record<string, { low: number | null; n: number }>; stopping: { settled: boolean; sentence: string } };
    expect(rec.ci.ssimulacra2_mean).toMatchObject({ low: null, n: 1 });
    expect(rec.stopping).toMatchObject({ settled: false, sentence: 'not settled: one image gives no interval; score more images' });
    expect(one.comparisons!.every((c) => c.verdict === 'too few images')).toBe(true);
  });

  it('counts the inputs of each group, lists a group with no rows yet, and leaves ungrouped rows out', () => {
    const items = [
      { index: 0, group: 'photos' },
      { index: 1, group: 'photos' },
      { index: 2, group: 'empty' },
      { index: 3 },
    ];
    const inputs = groupInputs(items, new Set([0]));
    expect([...inputs]).toEqual([
      ['photos', { inputs: 2, not_run: 1 }],
      ['empty', { inputs: 1, not_run: 1 }],
    ]);
    const mine = photos.filter((r) => r.image_path === 'p1.png');
    const loose = { ...mine[0], group: '' };
    const groups = groupAnswers([...mine, loose], [...mine, loose], sweep, inputs);
    expect(groups.map((g) => [g.group, g.counts.inputs, g.counts.rows, g.counts.not_run])).toEqual([
      ['photos', 2, 4, 1],
      ['empty', 1, 0, 1],
    ]);
    expect(groups[1]).toMatchObject({ providers: [], recommendation: null, adaptive_policy: null });
  });

  it('an adaptive sweep: no per-setting answer per group, each group its policy and line', () => {
    const groups = answers(rows, { ...sweep, storage: false, adaptive: true });
    expect(groups.map((g) => [g.group, g.recommendation, g.adaptive_policy!.images, g.adaptive_policy!.best_single])).toEqual([
      ['screenshots', undefined, 2, null],
      ['photos', undefined, 3, null],
    ]);
    expect(groupRecommendationLines(groups, target)).toEqual([]);
    expect(groupsSentence(groups, target)).toBe('');
    // p3 scores 73 at ÷2 q80, p1 71 and p2 72: all three reach 70 there
    expect(groupPolicyLines(groups, (b) => `${b} B`)).toEqual([
      'screenshots (2 images): 2 reach SSIMULACRA2 ≥ 70 (high quality) in 120 B with webp q20 at full size (2)',
      'photos (3 images): 3 reach SSIMULACRA2 ≥ 70 (high quality) in 1500 B with webp q80 at ÷2 + bicubic (3)',
    ]);
  });

  it('a plain run: per-group provider means, and its short lines', () => {
    const run: AnswerScope = { target, sweep: false, storage: true, adaptive: false };
    const runRows = rows.filter((r) => r.provider === 'bicubic' && r.quality === 80);
    const groups = answers(runRows, run);
    expect(groups.map((g) => [g.group, g.providers[0].mean_ssimulacra2])).toEqual([
      ['screenshots', 20],
      ['photos', 72],
    ]);
    expect(groups[0]).not.toHaveProperty('adaptive_policy');
    expect(groupMeanLines(groups, target, (x) => x!.toFixed(1))).toEqual([
      'screenshots (2 images, saved 99.3%): bicubic SSIMULACRA2 20.0',
      'photos (3 images, saved 95.0%): bicubic SSIMULACRA2 72.0',
    ]);
  });
});

describe('input items in groups', () => {
  it('--group-by folder: the first folder level below the folder, "(top level)" for the images directly in it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'groups-'));
    for (const f of ['top.png', 'photos/a.jpg', 'photos/deep/b.png', 'shots/c.png', 'shots/notes.txt']) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), 'x');
    }
    const r = await resolveInput(dir, { groupBy: 'folder' });
    expect(r.groupBy).toBe('folder');
    expect(r.items.map((i) => [i.rel, i.group])).toEqual([
      ['photos/a.jpg', 'photos'],
      ['photos/deep/b.png', 'photos'],
      ['shots/c.png', 'shots'],
      ['top.png', '(top level)'],
    ]);
    // no grouping asked: no groups
    const plain = await resolveInput(dir);
    expect(plain.groupBy).toBeUndefined();
    expect(plain.items.every((i) => i.group === undefined)).toBe(true);
    // a sample keeps each item's group
    const sampled = await resolveInput(dir, { groupBy: 'folder', sample: { n: 2, seed: 1 } });
    for (const i of sampled.items) expect(i.group).toBe(folderGroup(i.rel));
    await expect(resolveInput(dir, { groupBy: 'column' })).rejects.toThrow(`--group-by column needs a CSV with a 'group' column, and ${dir} has none; use --group-by folder to group by the first folder level`);
    expect(folderGroup('a/b/c.png')).toBe('a');
    expect(folderGroup('c.png')).toBe('(top level)');
  });

  it("a CSV's group column groups its rows by default, odd quoting and all; --group-by none and folder override it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'groups-csv-'));
    const csv = join(dir, 'list.csv');
    // BOM, CRLF, a header in capitals, quoted commas and quotes, an empty group cell, spaces around a name, a blank line
    await writeFile(
      csv,
      '\uFEFFImage_Path,Group,notes\r\n' +
        '"imgs/ui/a, b.png","Screens, ""UI""",x\r\n' +
        'imgs/photos/c.png,  Photos  ,y\r\n' +
        '\r\n' +
        'imgs/photos/d.png,,z\r\n' +
        '"imgs/e.png","Ünïcode 😀",\r\n',
    );
    const r = await resolveInput(csv);
    expect(r.groupBy).toBe('column');
    expect(r.items.map((i) => [i.rel, i.group])).toEqual([
      ['ui/a, b.png', 'Screens, "UI"'],
      ['photos/c.png', 'Photos'],
      ['photos/d.png', '(no group)'],
      ['e.png', 'Ünïcode 😀'],
    ]);
    expect((await resolveInput(csv, { groupBy: 'column' })).items.map((i) => i.group)).toEqual(r.items.map((i) => i.group));
    const none = await resolveInput(csv, { groupBy: 'none' });
    expect(none.groupBy).toBe('none');
    expect(none.items.every((i) => i.group === undefined)).toBe(true);
    // folder: the first level below the CSV rows' common folder (imgs/)
    expect((await resolveInput(csv, { groupBy: 'folder' })).items.map((i) => i.group)).toEqual(['ui', 'photos', 'photos', '(top level)']);
    // a headerless list of paths has no group column
    const bare = join(dir, 'bare.csv');
    await writeFile(bare, 'imgs/photos/c.png\nimgs/e.png\n');
    expect((await resolveInput(bare)).groupBy).toBeUndefined();
    await expect(resolveInput(bare, { groupBy: 'column' })).rejects.toThrow(/--group-by column needs a CSV with a 'group' column/);
  });
});
