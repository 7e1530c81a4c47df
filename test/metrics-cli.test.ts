/**
 * SSIMULACRA2 and Butteraugli through the CLI: which rows carry them, that their values are the modules' on
 * the same pair, targets on any metric (named SSIMULACRA2 levels, Butteraugli's ≤) and the answer a sweep
 * gives, recomputed from its CSV; bad names refused in a sentence; a resume keeps the run's metrics.
 */
import { type CsvMeans, meansFromCsv as csvMeans } from './helpers/csv-means.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { butteraugli } from '../main/core/metrics/butteraugli/index.js';
import { DEFAULT_METRICS } from '../main/core/metrics/metric-names.js';
import { ssimulacra2 } from '../main/core/metrics/ssimulacra2.js';
import { type Target, parseTarget } from '../main/core/results/target.js';
import { cli } from './helpers/cli.js';
import { fixture, readRgb } from './helpers/images.js';

const readRows = (dir: string) => parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

let work: string;
let photos: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'metrics-cli-'));
  photos = join(work, 'photos');
  await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
  await cp(fixture('photos', 'coffee.png'), join(photos, 'coffee.png'));
});

describe('target names', () => {
  it("takes SSIMULACRA2's named levels and any metric's number, and refuses the rest in a sentence", () => {
    expect(['lossless', 'high', 'medium', 'low'].map((l) => parseTarget(`ssimulacra2=${l}`).value)).toEqual([90, 70, 50, 30]);
    expect(parseTarget('butteraugli=1.5')).toEqual({ metric: 'butteraugli', value: 1.5 });
    expect(parseTarget('butteraugli_3norm=0.8')).toEqual({ metric: 'butteraugli_3norm', value: 0.8 });
    expect(parseTarget('ssim=0.9')).toEqual({ metric: 'ssim', value: 0.9 });
    expect(() => parseTarget('foo=1')).toThrow("unknown target metric 'foo': the metrics are ssimulacra2, ssim, psnr, orb, butteraugli, butteraugli_3norm");
    expect(() => parseTarget('ssim=high')).toThrow("the named levels (lossless, high, medium, low) are SSIMULACRA2's; give ssim a number");
    expect(() => parseTarget('ssim=2')).toThrow('a SSIM target must be above 0 and at most 1');
    expect(() => parseTarget('ssimulacra2')).toThrow(/a target is METRIC=VALUE/);
  });
});

describe('scores in a run', () => {
  it("rows carry SSIMULACRA2 by default and Butteraugli only with --metrics, each the module's value on the stored pair", async () => {
    const one = join(photos, 'chelsea.png');
    const a = await readRgb(one);
    const byDefault = join(work, 'run-default');
    let r = cli(['run', one, '--provider', 'bicubic', '--factor', '4', '--concurrency', '1', '--out', byDefault, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const [row] = readRows(byDefault);
    expect([row.butteraugli, row.butteraugli_3norm]).toEqual(['', '']);
    expect(Number(row.ssimulacra2)).toBe(Number(ssimulacra2(a, await readRgb(row.upscaled_path))!.toFixed(4)));
    const summary = JSON.parse(r.stdout);
    expect(summary.providers[0].mean_ssimulacra2).toBeCloseTo(Number(row.ssimulacra2), 4);
    expect(summary.providers[0].mean_butteraugli).toBeNull();
    expect(summary.target).toEqual({ metric: 'ssimulacra2', value: 70 });
    expect(summary.target_ssim).toBeUndefined();
    expect(readJson(join(byDefault, 'settings.json')).metrics).toEqual([...DEFAULT_METRICS]);

    const asked = join(work, 'run-butteraugli');
    r = cli(['run', one, '--provider', 'bicubic', '--factor', '4', '--metrics', 'orb,butteraugli', '--concurrency', '1', '--out', asked], work);
    expect(r.status, r.stderr).toBe(0);
    const [b] = readRows(asked);
    // what was not asked for stays empty
    expect([b.psnr, b.ssim, b.ssimulacra2]).toEqual(['', '', '']);
    expect(b.orb_score).not.toBe('');
    const direct = butteraugli(a, await readRgb(b.upscaled_path));
    expect([Number(b.butteraugli), Number(b.butteraugli_3norm)]).toEqual([Number(direct.distance.toFixed(4)), Number(direct.pnorm3.toFixed(4))]);

    // a resume keeps the run's metrics, and refuses others
    r = cli(['run', '--resume', asked], work);
    expect(r.status, r.stderr).toBe(0);
    expect(readJson(join(asked, 'settings.json')).metrics).toEqual(['orb', 'butteraugli']);
    expect(readRows(asked)[0].butteraugli).toBe(b.butteraugli);
    r = cli(['run', '--resume', asked, '--metrics', 'orb'], work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot resume .*: its settings differ \(metrics: was \["orb","butteraugli"\], now \["orb"\]\)/);
  }, 240_000);

  it('refuses an unknown metric or target with a sentence (exit 2)', () => {
    for (const [args, msg] of [
      [['run', photos, '--metrics', 'bogus'], /--metrics: unknown metric 'bogus': the metrics are orb, psnr, ssim, ssimulacra2, butteraugli/],
      [['score', photos, photos, '--metrics', 'ssim,bogus'], /--metrics: unknown metric 'bogus'/],
      [['sweep', photos, '--target', 'foo=1'], /--target: unknown target metric 'foo'/],
      [['sweep', photos, '--target', 'ssimulacra2=great'], /--target: a target value is a number or one of lossless, high, medium, low \(got 'great'\)/],
      [['sweep', photos, '--target', 'ssim=0.9', '--target-ssim', '0.9'], /--target-ssim X is short for --target ssim=X: give one of them/],
    ] as const) {
      const r = cli([...args], work);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^(upscale-bench: |error: )/);
    }
  });
});

type Means = CsvMeans;
const meansFromCsv = (rows: Record<string, string>[]) => csvMeans(rows, ['ssimulacra2', 'butteraugli', 'butteraugli_3norm', 'ssim']);

/** The answer recomputed from the CSV's means on the target's metric, in its direction. */
function expectAnswer(summary: Record<string, any>, rows: Record<string, string>[], t: Target) {
  const sign = t.metric.startsWith('butteraugli') ? -1 : 1;
  const good = (m: Means) => sign * m.score[t.metric];
  const means = meansFromCsv(rows);
  expect(summary.target).toEqual(t);
  for (const [provider, frontier] of Object.entries(summary.pareto as Record<string, any[]>)) {
    const mine = means.filter((m) => m.provider === provider);
    const expected = mine.filter((p) => !mine.some((q) => q !== p && q.bytes <= p.bytes && good(q) >= good(p) && (q.bytes < p.bytes || good(q) > good(p))));
    expect(frontier.map((f) => `${f.factor} ${f.format} ${f.quality}`), `${provider} on ${t.metric}`).toEqual(expected.sort((a, b) => a.bytes - b.bytes).map((e) => `${e.factor} ${e.format} ${e.quality}`));
  }
  expect(Object.keys(summary.pareto).sort()).toEqual([...new Set(means.map((m) => m.provider))].sort());
  const reaching = means.filter((m) => sign * (m.score[t.metric] - t.value) >= 0).sort((a, b) => a.bytes - b.bytes || good(b) - good(a));
  if (!reaching.length) return expect(summary.recommendation).toBeNull();
  expect(summary.recommendation).toMatchObject({ provider: reaching[0].provider, factor: reaching[0].factor, format: reaching[0].format, quality: reaching[0].quality });
  // every metric's mean rides along
  expect(summary.recommendation.ssimulacra2_mean).toBeCloseTo(reaching[0].score.ssimulacra2, 3);
  expect(summary.recommendation.butteraugli_mean).toBeCloseTo(reaching[0].score.butteraugli, 3);
  expect(summary.recommendation.ssim_mean).toBeCloseTo(reaching[0].score.ssim, 3);
  const none = reaching.find((m) => m.provider === 'none');
  if (summary.recommendation.provider !== 'none') expect(summary.recommendation.recompress_only).toMatchObject(none ? { factor: 1, format: none.format, quality: none.quality } : {});
}

describe('sweep --target on any metric', () => {
  const grid = ['--factors', '1,2', '--formats', 'webp', '--qualities', '30,90'];
  let out: string;

  beforeAll(() => {
    out = join(work, 'sweep');
    const r = cli(['sweep', photos, '--provider', 'bicubic', ...grid, '--metrics', 'orb,psnr,ssim,ssimulacra2,butteraugli', '--target', 'ssimulacra2=60', '--concurrency', '2', '--out', out], work);
    expect(r.status, r.stderr).toBe(0);
  }, 240_000);

  it('ssimulacra2=60: a pareto and a recommendation that agree with the CSV, said with the metric', () => {
    const rows = readRows(out);
    expect(rows.every((r) => r.status === 'ok' && r.ssimulacra2 !== '' && r.butteraugli !== '')).toBe(true);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.target_ssim).toBeUndefined();
    expectAnswer(summary, rows, { metric: 'ssimulacra2', value: 60 });
  });

  it('=high is 70, and butteraugli is reached at ≤ (resumed with a new target: same rows, new answer)', () => {
    const rows = readRows(out);
    let r = cli(['sweep', '--resume', out, '--target', 'ssimulacra2=high', '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    expect(readRows(out)).toEqual(rows);
    expectAnswer(JSON.parse(r.stdout), rows, { metric: 'ssimulacra2', value: 70 });
    expect(r.stderr).toMatch(/for a mean SSIMULACRA2 ≥ 70 \(high quality\): (store as|no setting)/);
    expect(r.stderr).toMatch(/frontier \(fewest bytes for the SSIMULACRA2\), per provider:\n {2}bicubic .* SSIMULACRA2 \d+\.\d/);

    // between the setting means, so some reach it and some do not
    const b = meansFromCsv(rows).map((m) => m.score.butteraugli).sort((x, y) => x - y);
    const value = Number(((b[1] + b[2]) / 2).toFixed(3));
    r = cli(['sweep', '--resume', out, '--target', `butteraugli=${value}`, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expectAnswer(summary, rows, { metric: 'butteraugli', value });
    expect(summary.recommendation.butteraugli_mean).toBeLessThanOrEqual(value);
    expect(r.stderr).toContain(`for a mean Butteraugli ≤ ${value}: store as`);
  });

  it('a target on a score the sweep did not compute makes its resume refuse, naming the metrics', () => {
    const slim = join(work, 'sweep-slim');
    let r = cli(['sweep', join(photos, 'chelsea.png'), '--provider', 'bicubic', '--factors', '2', '--formats', 'webp', '--qualities', '50', '--metrics', 'psnr', '--target', 'ssim=0.5', '--concurrency', '1', '--out', slim, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    // the target's metric is scored with the ones asked for
    expect(readJson(join(slim, 'settings.json')).metrics).toEqual(['psnr', 'ssim']);
    expect(readRows(slim)[0].ssimulacra2).toBe('');
    r = cli(['sweep', '--resume', slim, '--target', 'ssimulacra2=high'], work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/metrics: was \["psnr","ssim"\], now \["psnr","ssim","ssimulacra2"\]/);

    // a settings.json written before metrics and target (ORB, PSNR, SSIM scored; a targetSsim) still resumes, judged on SSIM
    const settings = readJson(join(slim, 'settings.json'));
    const { metrics: _m, target: _t, ...old } = settings;
    writeFileSync(join(slim, 'settings.json'), JSON.stringify({ ...old, targetSsim: 0.4 }));
    r = cli(['sweep', '--resume', slim, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ target: { metric: 'ssim', value: 0.4 }, target_ssim: 0.4, recommendation: { factor: 2, format: 'webp', quality: 50 } });
    expect(readJson(join(slim, 'settings.json'))).toMatchObject({ metrics: ['orb', 'psnr', 'ssim'], target: { metric: 'ssim', value: 0.4 } });
  }, 240_000);
});
