import { describe, expect, it } from 'vitest';
import type { MetricAccess, PairedRow } from '../main/core/results/comparisons.js';
import { atPercentile, parseAt, worstCaseSentence, worstCases, worstRows } from '../main/core/results/worst-case.js';
import { cheapestReaching, frontiers, paretoSummary, recommend, recommendationSentence, settingPoints, statisticOf } from '../main/core/results/pareto.js';
import { type RunSummary, confidenceAnswer, storageAnswer, summariseProviders, worstCaseAnswer } from '../main/core/results/summary.js';
import { type ResultRow, emptyRow } from '../main/core/results/row.js';
import { groupAnswers, groupRecommendationLines } from '../main/core/results/group-summary.js';
import { digitsFor } from '../main/core/results/confidence.js';
import { type At, type Target, atMeaning, describeTarget, isTarget, withAt } from '../main/core/results/target.js';

type Row = PairedRow & { score: number | null };
const HIGH: MetricAccess<Row> = { label: 'SSIM', score: (r) => r.score, higherIsBetter: true };
const LOW: MetricAccess<Row> = { label: 'Butteraugli', score: (r) => r.score, higherIsBetter: false };
const row = (i: number, score: number | null, over: Partial<Row> = {}): Row => ({
  image_path: `img${i}.png`,
  status: 'ok',
  provider: 'bicubic',
  model: 'bicubic',
  factor: 2,
  format: 'webp',
  quality: 80,
  stored_bytes: 1000,
  score,
  ...over,
});

describe('worst-case targets', () => {
  it('takes percentiles on the worse side of the metric', () => {
    expect([atPercentile('mean', true), atPercentile('p10', true), atPercentile('p10', false), atPercentile('median', false), atPercentile('p5', true)]).toEqual([undefined, 10, 90, 50, 5]);
    expect(parseAt('P25')).toBe('p25');
    expect(parseAt('p50')).toBe('median');
    expect(() => parseAt('p20')).toThrow("--at takes mean, p5, p10, p25, median (got 'p20')");
  });

  it('per setting: the p10 with its interval, the share reaching the target, the worst image', () => {
    // 17 images at 0.95, three at 0.6: the mean (0.9) reaches a 0.9 target, the p10 (0.6) does not
    const rows = [...Array.from({ length: 17 }, (_, i) => row(i, 0.95)), row(17, 0.6), row(18, 0.6), row(19, 0.55), row(20, 0.1, { status: 'error' }), row(21, null)];
    const [w] = worstCases(rows, HIGH, 0.9, 'p10');
    expect(w.statistic.mean).toBeCloseTo(0.6, 12);
    expect(w.statistic.method).toMatch(/of the p10/);
    expect(w.statistic.n).toBe(20);
    expect(w).toMatchObject({ reaching: 17, worst: { image_path: 'img19.png', score: 0.55 } });
    expect(w.share_reaching.mean).toBeCloseTo(0.85, 12);
    expect(w.share_reaching.method).toMatch(/Clopper–Pearson/);
    expect(worstCases(rows, HIGH, 0.9, 'mean')[0].statistic.mean).toBeCloseTo((17 * 0.95 + 1.75) / 20, 12);
  });

  it('for a distance, the worst image is the farthest and p10 the 90th percentile', () => {
    const rows = Array.from({ length: 11 }, (_, i) => row(i, i / 10)); // distances 0, 0.1, …, 1
    const [w] = worstCases(rows, LOW, 0.5, 'p10');
    expect(w.statistic.mean).toBeCloseTo(0.9, 12);
    expect(w).toMatchObject({ reaching: 6, worst: { image_path: 'img10.png', score: 1 } });
  });

  it('keeps settings and providers apart', () => {
    const rows = [row(0, 0.9), row(0, 0.8, { quality: 50 }), row(0, 0.7, { provider: 'lanczos', model: 'lanczos' })];
    expect(worstCases(rows, HIGH, 0.85, 'mean').map((w) => [w.provider, w.quality, w.reaching, w.statistic.low])).toEqual([
      ['bicubic', 80, 1, null],
      ['bicubic', 50, 0, null],
      ['lanczos', 80, 0, null],
    ]);
  });
});

/**
 * A grid whose answer is known by hand, target SSIMULACRA2 ≥ 70. A (q50) has the highest mean but a bad lower
 * tail: 16 images at 85, 4 at 40 (mean 76, p10 40, p25 85). B (q80) is tight: 72, 72.5, 73, 73.5, 74 four
 * times over (mean 73, p10 72). C (q95): 75 and 77 (mean 76, p10 75). Recompress-only: q30 at 30 (never
 * reaches), q80 at 88 and 92 (mean 90, p10 88).
 */
const graded = (): ResultRow[] => {
  const setting = (provider: string, factor: number, quality: number, bytes: number, saved: number, score: (i: number) => number) =>
    Array.from({ length: 20 }, (_, i): ResultRow => ({
      ...emptyRow(`img${i}.png`, provider, provider === 'none' ? 'recompress only' : provider),
      status: 'ok',
      factor,
      format: 'webp',
      quality,
      stored_bytes: bytes,
      saved_percent: saved,
      ssimulacra2: score(i),
      ssim: 0.9,
      psnr: 30,
      upscale_ms: 1,
    }));
  return [
    ...setting('bicubic', 2, 50, 100, 90, (i) => (i < 16 ? 85 : 40)),
    ...setting('bicubic', 2, 80, 150, 85, (i) => [72, 72.5, 73, 73.5, 74][i % 5]),
    ...setting('bicubic', 2, 95, 200, 80, (i) => (i % 2 ? 77 : 75)),
    ...setting('none', 1, 30, 50, 95, () => 30),
    ...setting('none', 1, 80, 400, 60, (i) => (i % 2 ? 92 : 88)),
  ];
};
const s2 = (at?: At): Target => ({ metric: 'ssimulacra2', value: 70, ...(at ? { at } : {}) });
const named = (p: { provider?: string; quality: number | null } | null) => (p ? `${p.provider ?? ''} q${p.quality}` : null);

describe('--at: the recommendation and the Pareto sets on a statistic of per-image scores', () => {
  const points = settingPoints(graded());

  it('the mean picks A, whose tail fails; p10 picks the tight B; p25 still A', () => {
    expect(recommend(points, s2())).toMatchObject({ provider: 'bicubic', quality: 50, ssimulacra2_mean: 76 });
    expect(recommend(points, s2('p10'))).toMatchObject({ provider: 'bicubic', quality: 80, ssimulacra2_mean: 73, ssimulacra2_p10: 72, recompress_only: { quality: 80, ssimulacra2_p10: 88 } });
    expect(recommend(points, s2('p25'))).toMatchObject({ quality: 50, ssimulacra2_p25: 85 });
    // the median of A is 85, its p5 40
    expect(recommend(points, s2('median'))!.quality).toBe(50);
    expect(recommend(points, s2('p5'))!.quality).toBe(80);
    expect(named(cheapestReaching(points, s2('p10')))).toBe('bicubic q80');
  });

  it('the frontier on the mean is A alone (it beats B and ties C on fewer bytes); on p10 all three', () => {
    const q = (ps: { quality: number | null }[]) => ps.map((p) => p.quality);
    expect(q(frontiers(points, 'ssimulacra2').bicubic)).toEqual([50]);
    expect(q(frontiers(points, 'ssimulacra2', 'p10').bicubic)).toEqual([50, 80, 95]);
    expect(paretoSummary(points, 'ssimulacra2', 'p10').bicubic.map((e) => e.ssimulacra2_p10)).toEqual([40, 72, 75]);
    // a mean target is exactly the target without `at`
    expect(paretoSummary(points, 'ssimulacra2', 'mean')).toEqual(paretoSummary(points, 'ssimulacra2'));
    expect(recommend(points, s2('mean'))).toEqual(recommend(points, s2()));
  });

  it('points carry what any statistic needs, so the slider can switch without the rows', () => {
    const a = points.find((p) => p.quality === 50 && p.provider === 'bicubic')!;
    expect(a.scores!.ssimulacra2).toEqual([...Array(4).fill(40), ...Array(16).fill(85)]);
    expect([statisticOf(a, 'ssimulacra2'), statisticOf(a, 'ssimulacra2', 'p10'), statisticOf(a, 'ssimulacra2', 'median'), statisticOf(a, 'ssim', 'p10')]).toEqual([76, 40, 85, 0.9]);
    // no score on a metric: no statistic
    expect(statisticOf(a, 'butteraugli', 'p10')).toBeNull();
  });

  it('says the statistic in the sentence, with the mean beside it', () => {
    expect(recommendationSentence(recommend(points, s2()), s2())).toBe(
      'store as webp q50 at ÷2 and upscale with bicubic: 90% smaller, SSIMULACRA2 76.0; recompress-only needs webp q80 at full size for SSIMULACRA2 ≥ 70 (high quality): 60% smaller (SSIMULACRA2 90.0)',
    );
    expect(recommendationSentence(recommend(points, s2('p10')), s2('p10'))).toBe(
      'store as webp q80 at ÷2 and upscale with bicubic: 85% smaller, p10 SSIMULACRA2 72.0 (mean 73.0); recompress-only needs webp q80 at full size for p10 SSIMULACRA2 ≥ 70 (high quality): 60% smaller (p10 SSIMULACRA2 88.0, mean 90.0)',
    );
    const strict: Target = { metric: 'ssimulacra2', value: 95, at: 'p10' };
    expect(recommendationSentence(recommend(points, strict), strict)).toMatch(/^no setting reached a p10 SSIMULACRA2 ≥ 95; lower the target/);
  });

  it('for a distance, p10 is the 90th percentile of the distances', () => {
    const rows = graded().map((r) => ({ ...r, butteraugli: r.quality === 50 ? (r.ssimulacra2! > 50 ? 1 : 5) : r.quality === 80 ? [1.4, 1.6][Number(r.image_path.slice(3, -4)) % 2] : 9 }));
    const ps = settingPoints(rows);
    const b = (at?: At): Target => ({ metric: 'butteraugli', value: 2, ...(at ? { at } : {}) });
    // A: mean 1.8 reaches ≤ 2, its p10 (the 90th percentile, 5) does not; B: p10 1.6
    expect(recommend(ps, b())).toMatchObject({ quality: 50, butteraugli_mean: 1.8 });
    expect(recommend(ps, b('p10'))).toMatchObject({ quality: 80, butteraugli_p10: 1.6 });
  });
});

describe('--at in summary.json: the statistic with its interval, the images reaching the target, the worst image', () => {
  const rows = graded();
  const answer = (target: Target) => {
    const s = { providers: summariseProviders(rows), ...storageAnswer(rows, target, true) };
    Object.assign(s, confidenceAnswer(s, rows, target));
    return { ...s, ...worstCaseAnswer(s, rows, target) } as RunSummary;
  };

  it('the recommendation and each Pareto entry carry their worst case on the statistic', () => {
    const s = answer(s2('p10'));
    expect(s.target).toEqual({ metric: 'ssimulacra2', value: 70, at: 'p10' });
    const rec = s.recommendation!;
    expect(rec).toMatchObject({ quality: 80, ssimulacra2_p10: 72 });
    expect(rec.worst_case).toMatchObject({ reaching: 20, worst: { image_path: 'img0.png', score: 72 }, statistic: { mean: 72, n: 20, method: expect.stringMatching(/^bootstrap percentile of the p10, 2000 resamples/) } });
    const st = rec.worst_case!.statistic;
    expect(st.low!).toBeLessThanOrEqual(72);
    expect(st.high!).toBeGreaterThanOrEqual(72);
    // 20 of 20: Clopper–Pearson's lower end is 0.025^(1/20)
    expect(rec.worst_case!.share_reaching).toMatchObject({ mean: 1, high: 1, n: 20 });
    expect(rec.worst_case!.share_reaching.low).toBeCloseTo(0.025 ** (1 / 20), 9);
    expect(rec.recompress_only!.worst_case).toMatchObject({ reaching: 20, worst: { image_path: 'img0.png', score: 88 } });
    const a = s.pareto!.bicubic[0];
    expect(a).toMatchObject({ quality: 50, ssimulacra2_p10: 40, worst_case: { reaching: 16, worst: { image_path: 'img16.png', score: 40 } } });
    expect(a.worst_case!.share_reaching.mean).toBe(0.8);
    expect(s.worst_case!.map((w) => `${w.provider} q${w.quality} ${w.reaching}`)).toEqual(['bicubic q50 16', 'bicubic q80 20', 'bicubic q95 20', 'none q30 0', 'none q80 20']);
    expect(worstCaseSentence(rec.worst_case!, s.target!)).toBe('20 of 20 images reach SSIMULACRA2 ≥ 70 (high quality); worst: img0.png (SSIMULACRA2 72.0)');
  });

  it('the stopping rule is on the statistic; comparisons stay mean differences', () => {
    const p10 = answer(s2('p10'));
    const mean = answer(s2());
    expect(p10.confidence!.statistic).toBe('p10');
    expect(mean.confidence!.statistic).toBe('mean');
    expect((p10.recommendation as unknown as { stopping: { sentence: string } }).stopping.sentence).toMatch(/p10 SSIMULACRA2 target of 70/);
    expect(p10.comparisons!.length).toBeGreaterThan(0);
    expect(p10.comparisons).toEqual(mean.comparisons);
    // and the mean target's answer is the one without --at: entries gain only their worst case
    expect(mean.recommendation).toMatchObject({ quality: 50 });
    expect(Object.keys(mean.pareto!.bicubic[0]).filter((k) => /_p\d+$|_median$/.test(k))).toEqual([]);
  });

  it('names a distance\'s percentile by --at, not by its side of the distribution', () => {
    const b: Target = { metric: 'butteraugli', value: 2, at: 'p10' };
    const withB = rows.map((r) => ({ ...r, butteraugli: r.quality === 50 ? (r.ssimulacra2! > 50 ? 1 : 5) : 1.5 }));
    const s = { providers: summariseProviders(withB), ...storageAnswer(withB, b, true) };
    const c = confidenceAnswer(s, withB, b);
    expect(c.confidence.statistic).toBe('p10');
    expect(worstCaseAnswer(s, withB, b).worst_case![0].statistic.method).toMatch(/of the p10,/);
  });

  it('one image alone: "1 of 1 image reaches"', () => {
    expect(worstCaseSentence({ reaching: 1, share_reaching: { mean: 1, low: null, high: null, method: '', n: 1 }, worst: { image_path: 'a.png', score: 71 } }, s2('p10'))).toBe(
      '1 of 1 image reaches SSIMULACRA2 ≥ 70 (high quality); worst: a.png (SSIMULACRA2 71.0)',
    );
  });
});

describe('the target on a statistic', () => {
  it('is written without `at` when it is the mean, and said plainly', () => {
    expect(withAt({ metric: 'ssim', value: 0.9 }, 'mean')).toEqual({ metric: 'ssim', value: 0.9 });
    expect(withAt({ metric: 'ssim', value: 0.9, at: 'p10' })).toEqual({ metric: 'ssim', value: 0.9 });
    expect(describeTarget(s2('p10'))).toBe('p10 SSIMULACRA2 ≥ 70 (high quality)');
    expect(describeTarget(s2())).toBe('SSIMULACRA2 ≥ 70 (high quality)');
    expect(describeTarget({ metric: 'butteraugli', value: 1.5, at: 'median' })).toBe('median Butteraugli ≤ 1.5');
    expect(atMeaning('p10')).toBe('p10: the score at least 9 images in 10 reach or beat');
    expect(atMeaning('median')).toBe('median: the score at least half the images reach or beat');
    expect([isTarget(s2('p10')), isTarget({ ...s2(), at: 'p20' })]).toEqual([true, false]);
  });
});

describe('--at per group', () => {
  it('each group is answered on the statistic, with its own worst cases, and its line gives that statistic\'s interval', () => {
    // group "tails" is the graded table (A's tail fails p10); group "even" has every image at A's typical 85
    const tails = graded().map((r) => ({ ...r, group: 'tails' }));
    const even = graded().map((r) => ({ ...r, image_path: `even-${r.image_path}`, group: 'even', ssimulacra2: r.quality === 50 && r.provider === 'bicubic' ? 85 : r.ssimulacra2 }));
    const rows = [...tails, ...even];
    const groups = groupAnswers(rows, rows, { target: s2('p10'), sweep: true, storage: true, adaptive: false });
    expect(groups.map((g) => `${g.group} q${g.recommendation?.quality}`)).toEqual(['tails q80', 'even q50']);
    expect(groups[0].worst_case!.find((w) => w.quality === 50 && w.provider === 'bicubic')).toMatchObject({ reaching: 16, worst: { score: 40 } });
    expect(groups[1].recommendation!.worst_case).toMatchObject({ reaching: 20, worst: { score: 85 } });
    const [line] = groupRecommendationLines(groups, s2('p10'));
    const iv = groups[0].recommendation!.worst_case!.statistic;
    expect(line).toContain(`p10 SSIMULACRA2 72.0 (mean 73.0) (p10 95% CI ${iv.low!.toFixed(digitsFor(iv.low, iv.high))}…`);
  });
});

describe('worstRows', () => {
  it('gives per setting the row worstCases names, first on a tie, either way up', () => {
    // img3 and img5 tie at the lowest score; error rows and missing scores are passed over
    const rows = [row(1, 0.9), row(3, 0.4), row(4, 0.8), row(5, 0.4), row(6, 0.1, { status: 'error' }), row(7, null), row(2, 0.7, { quality: 50 }), row(8, 0.2, { provider: 'lanczos', model: 'lanczos' })];
    for (const metric of [HIGH, LOW]) {
      const worst = worstRows(rows, metric);
      const cases = worstCases(rows, metric, 0.5, 'mean');
      expect(worst.size).toBe(cases.length);
      for (const c of cases) expect(worst.get(`${c.provider}|${c.factor}|${c.format}|${c.quality ?? ''}`)?.image_path).toBe(c.worst!.image_path);
    }
    expect(worstRows(rows, HIGH).get('bicubic|2|webp|80')!.image_path).toBe('img3.png');
    expect(worstRows(rows, LOW).get('bicubic|2|webp|80')!.image_path).toBe('img1.png');
  });
});
