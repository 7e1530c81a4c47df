import { meansFromCsv } from './helpers/csv-means.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { dispatch } from '../main/ipc/dispatch.js';
import { frontiers, recommend, settingPoints } from '../main/core/results/pareto.js';
import { formatBytes } from '../main/core/results/format-bytes.js';
import { SETTING_COLUMNS } from '../main/core/results/settings-csv.js';
import { fixture } from './helpers/images.js';
import { testHandlers } from './helpers/host.js';

const BIN = fileURLToPath(new URL('../bin/upscale-bench.js', import.meta.url));
const cli = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
const readRows = (dir: string) => parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const tmp = (p: string) => mkdtemp(join(tmpdir(), p));

let work: string;
let photos: string;
beforeAll(async () => {
  work = await tmp('sweep-');
  photos = join(work, 'photos');
  await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
  await cp(fixture('photos', 'rocket.jpg'), join(photos, 'sub', 'rocket.jpg'));
  await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
});

describe('factor 1: re-encode at full size, scored as provider none', () => {
  it('stores full size, runs no upscaler, and scores the decoded copy as it is', async () => {
    const out = join(work, 'f1');
    const s = await runBatch({ ...defaultSettings(photos), out, concurrency: 2, providers: [{ name: 'bicubic' }], downscale: { factor: 1, format: 'webp', quality: 60, kernel: 'lanczos3' } });
    expect(s.status).toBe('completed');
    const rows = readRows(out);
    expect(rows.map((r) => [r.image_path.split('/').pop(), r.provider, r.status])).toEqual([
      ['broken.jpg', 'none', 'error'],
      ['chelsea.png', 'none', 'ok'],
      ['rocket.jpg', 'none', 'ok'],
    ]);
    const ok = rows.filter((r) => r.status === 'ok');
    for (const r of ok) {
      expect([r.stored_width, r.stored_height]).toEqual([r.width, r.height]);
      expect([r.factor, r.format, r.quality, r.model]).toEqual(['1', 'webp', '60', 'recompress only']);
      // lossy at full size: close to, but not, the original
      expect(Number(r.ssim)).toBeGreaterThan(0.85);
      expect(Number(r.ssim)).toBeLessThan(0.999);
      // the written PNG is the decoded stored copy, pixel for pixel
      const stored = await sharp(r.stored_location).raw().toBuffer();
      const written = await sharp(r.upscaled_path).raw().toBuffer();
      expect(written.equals(stored)).toBe(true);
    }
    expect(s.providers.map((p) => p.provider)).toEqual(['none']);
    expect(Object.keys(s.pareto!)).toEqual(['none']);
  });

  it('lossless PNG at factor 1 is identical to the original (PSNR ∞, SSIM 1)', async () => {
    const out = join(work, 'f1-png');
    await runBatch({ ...defaultSettings(join(photos, 'chelsea.png')), out, concurrency: 1, downscale: { factor: 1, format: 'png', quality: 90, kernel: 'lanczos3' } });
    const [r] = readRows(out);
    expect([r.provider, r.status, r.psnr, r.ssim, r.quality]).toEqual(['none', 'ok', 'inf', '1', '']);
  });

  it('the CLI takes --factor 1', () => {
    const r = cli(['run', join(photos, 'sub'), '--factor', '1', '--format', 'jpeg', '--quality', '70', '--out', join(work, 'f1-cli'), '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).providers.map((p: { provider: string }) => p.provider)).toEqual(['none']);
  });
});

describe('upscale-bench sweep', () => {
  const grid = ['--factors', '1,2', '--formats', 'webp,jpeg', '--qualities', '40,90'];
  let out: string;
  let summary: Record<string, any>;
  let rows: Record<string, string>[];
  let stderr: string;

  beforeAll(() => {
    out = join(work, 'sweep');
    const r = cli(['sweep', photos, '--provider', 'bicubic,lanczos', ...grid, '--target-ssim', '0.88', '--concurrency', '2', '--out', out, '--json'], work);
    expect(r.status, r.stderr).toBe(3); // broken.jpg's error rows
    summary = JSON.parse(r.stdout);
    rows = readRows(out);
    stderr = r.stderr;
  }, 240_000);

  it('writes one row per image, setting and provider; factor 1 only as none', () => {
    // 3 inputs × (4 full-size settings × none + 4 settings at ÷2 × 2 providers)
    expect(rows).toHaveLength(3 * (4 + 8));
    expect(summary.counts).toMatchObject({ inputs: 3, rows: 36, ok: 24, errors: 12 });
    const ok = rows.filter((r) => r.status === 'ok');
    const settings = new Set(ok.map((r) => `${r.provider} ${r.factor} ${r.format} ${r.quality}`));
    expect([...settings].sort()).toEqual(
      ['none 1', 'bicubic 2', 'lanczos 2'].flatMap((p) => ['webp', 'jpeg'].flatMap((f) => ['40', '90'].map((q) => `${p} ${f} ${q}`))).sort(),
    );
    // the unreadable input says which setting each of its error rows was
    const broken = rows.filter((r) => r.image_path.endsWith('broken.jpg'));
    expect(broken.map((r) => `${r.provider} ${r.factor} ${r.format} ${r.quality}`)).toHaveLength(12);
    expect(new Set(broken.map((r) => r.error_code))).toEqual(new Set(['ERROR_NOT_AN_IMAGE']));
  });

  it('keeps every stored copy and upscaled image apart', () => {
    const ok = rows.filter((r) => r.status === 'ok');
    const keys = new Set(ok.map((r) => `${r.image_path}|${r.stored_key}`));
    expect(keys.size).toBe(2 * 8); // 2 images × 8 stored settings
    expect(new Set(ok.map((r) => r.upscaled_path)).size).toBe(ok.length);
    for (const r of ok) {
      expect(existsSync(r.stored_location), r.stored_location).toBe(true);
      expect(existsSync(r.upscaled_path), r.upscaled_path).toBe(true);
      expect(r.stored_key).toMatch(new RegExp(`^f${r.factor}-${r.format}-q${r.quality}/`));
    }
    const rocket = ok.find((r) => r.provider === 'bicubic' && r.image_path.endsWith('rocket.jpg') && r.format === 'webp' && r.quality === '40')!;
    expect(rocket.stored_key).toBe('f2-webp-q40/sub/rocket.jpg.webp');
    expect(Number(rocket.stored_width)).toBe(320);
  });

  it('prints the frontier’s sizes in decimal units, with the formatter the app uses', () => {
    const points = Object.values(summary.pareto as Record<string, { stored_bytes_mean: number }[]>).flat();
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expect(stderr).toContain(` ${formatBytes(p.stored_bytes_mean)} SSIM `);
    expect(stderr).toMatch(/ \d+\.\d kB SSIM /);
    expect(stderr).not.toMatch(/\bKB\b/);
  });

  it('summary.json holds each provider frontier and the recommendation the CSV implies', () => {
    const means = meansFromCsv(rows).map((m) => ({ ...m, ssim: m.score.ssim }));
    expect(Object.keys(summary.pareto).sort()).toEqual(['bicubic', 'lanczos', 'none']);
    for (const [provider, frontier] of Object.entries(summary.pareto as Record<string, any[]>)) {
      const mine = means.filter((m) => m.provider === provider);
      const expected = mine.filter((p) => !mine.some((q) => q !== p && q.bytes <= p.bytes && q.ssim >= p.ssim && (q.bytes < p.bytes || q.ssim > p.ssim)));
      expect(frontier.map((f) => `${f.format} ${f.quality}`)).toEqual(expected.sort((a, b) => a.bytes - b.bytes).map((e) => `${e.format} ${e.quality}`));
      for (let i = 1; i < frontier.length; i++) {
        expect(frontier[i].stored_bytes_mean).toBeGreaterThan(frontier[i - 1].stored_bytes_mean);
        expect(frontier[i].ssim_mean).toBeGreaterThan(frontier[i - 1].ssim_mean);
      }
    }
    const reaching = means.filter((m) => m.ssim >= 0.88).sort((a, b) => a.bytes - b.bytes || b.ssim - a.ssim);
    expect(summary.target_ssim).toBe(0.88);
    expect(summary.recommendation).toMatchObject({ provider: reaching[0].provider, factor: reaching[0].factor, format: reaching[0].format, quality: reaching[0].quality });
    expect(summary.recommendation.stored_bytes_mean).toBeCloseTo(reaching[0].bytes, 6);
    const none = reaching.find((m) => m.provider === 'none')!;
    expect(summary.recommendation.recompress_only).toMatchObject({ factor: 1, format: none.format, quality: none.quality });
    expect(stderr).toMatch(/for a mean SSIM ≥ 0\.88: store as (webp|jpeg) q\d+ at (÷2|full size)/);
    expect(stderr).toMatch(/upscale-bench: 3 images × 8 settings = 36 rows/);
  });

  it('summary.json gives every mean an interval, the paired comparisons with sentences, and the stopping rule; the CLI prints them', () => {
    const means = meansFromCsv(rows).map((m) => ({ ...m, ssim: m.score.ssim }));
    for (const [provider, frontier] of Object.entries(summary.pareto as Record<string, any[]>)) {
      for (const f of frontier) {
        const m = means.find((x) => x.provider === provider && x.factor === f.factor && x.format === f.format && x.quality === f.quality)!;
        expect(f.ci.ssim_mean).toMatchObject({ n: 2, method: expect.stringMatching(/^bootstrap percentile of the mean|^every image scored the same/) });
        expect(f.ci.ssim_mean.mean).toBeCloseTo(m.ssim, 9);
        expect(f.ci.ssim_mean.low).toBeLessThanOrEqual(f.ssim_mean);
        expect(f.ci.ssim_mean.high).toBeGreaterThanOrEqual(f.ssim_mean);
        expect(f.ci.stored_bytes_mean.mean).toBeCloseTo(m.bytes, 6);
      }
    }
    // a provider's mean over the sweep's 4 settings at ÷2 resamples its 2 images, not its 8 rows
    const bicubic = summary.providers.find((p: { provider: string }) => p.provider === 'bicubic');
    expect(bicubic.ci.mean_ssim).toMatchObject({ n: 2, method: expect.stringMatching(/8 rows in 2 images/) });
    expect(summary.recommendation.ci.ssim_mean.n).toBe(2);
    expect(summary.recommendation.stopping.sentence).toMatch(/^(settled|not settled): /);
    expect(summary.confidence).toMatchObject({ level: 0.95, seed: 1, resamples: 2000, metric: 'SSIM', statistic: 'mean' });
    // lanczos against bicubic at each of the 4 settings at ÷2, and each of them against recompress-only at matched bytes
    const kinds = summary.comparisons.map((c: { provider: string; baseline: string }) => `${c.provider} vs ${c.baseline}`);
    expect(kinds.filter((k: string) => k === 'lanczos vs bicubic')).toHaveLength(4);
    expect(kinds.filter((k: string) => k === 'bicubic vs recompress-only at matched bytes')).toHaveLength(4);
    for (const c of summary.comparisons) expect(c.wins + c.losses + c.ties).toBe(c.n);
    // printed: each upscaler's comparisons at its frontier setting nearest the recommendation in bytes
    const rec = summary.recommendation;
    let printed = 0;
    for (const [provider, list] of Object.entries(summary.pareto as Record<string, any[]>)) {
      const near = [...list].sort((a, b) => Math.abs(a.stored_bytes_mean - rec.stored_bytes_mean) - Math.abs(b.stored_bytes_mean - rec.stored_bytes_mean))[0];
      const at = summary.comparisons.filter((c: any) => c.provider === provider && c.factor === near.factor && c.format === near.format && c.quality === near.quality);
      for (const c of at) expect(stderr).toContain(c.sentence);
      printed += at.length;
    }
    expect(printed).toBeGreaterThan(0);
    expect(stderr).toContain(`the recommendation is ${rec.stopping.sentence}`);
  });

  it('refuses a bad grid with a one-line message', () => {
    for (const [args, msg] of [
      [['--factors', '1,5'], /--factors takes 1, 2, 3, 4, 8/],
      [['--formats', 'gif'], /--formats takes png, jpeg, webp, avif/],
      [['--qualities', '0'], /--qualities must be a whole number from 1 to 100/],
      [['--target-ssim', '2'], /--target-ssim must be a number above 0 and at most 1/],
    ] as const) {
      const r = cli(['sweep', photos, ...args], work);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('a sweep where local-ai runs two models (x2 at ÷2, x4 at ÷4)', () => {
  it('gives each model its own summary entry and end-of-run line, and says the pick is at the edge of the grid', () => {
    const out = join(work, 'two-models');
    const r = cli(['sweep', join(photos, 'chelsea.png'), '--provider', 'local-ai', '--model', 'slim', '--factors', '2,4', '--formats', 'png', '--target-ssim', '0.3', '--concurrency', '1', '--out', out, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const rows = readRows(out);
    expect(rows.map((x) => [x.factor, x.model, x.status])).toEqual([
      ['2', 'esrgan-slim x2', 'ok'],
      ['4', 'esrgan-slim x4', 'ok'],
    ]);
    // before: one entry, "esrgan-slim x2", averaging both rows
    expect(summary.providers.map((p: Record<string, unknown>) => [p.provider, p.model, p.rows])).toEqual([
      ['local-ai', 'esrgan-slim x2', 1],
      ['local-ai', 'esrgan-slim x4', 1],
    ]);
    for (const [i, row] of rows.entries()) expect(summary.providers[i].mean_ssim).toBeCloseTo(Number(row.ssim), 4);
    expect(r.stderr).toMatch(/\n {2}local-ai esrgan-slim x2 +1 ok +0 err \| PSNR [\d.]+ dB \| SSIM [\d.]+ /);
    expect(r.stderr).toMatch(/\n {2}local-ai esrgan-slim x4 +1 ok +0 err \| PSNR [\d.]+ dB \| SSIM [\d.]+ /);
    // the cheapest setting reaching 0.3 is ÷4, the largest factor tried
    expect(summary.recommendation).toMatchObject({ factor: 4, format: 'png', edge: [{ setting: 'recommended', at: 'at the largest factor offered (÷4)', suggest: 'add factor 8' }] });
    expect(r.stderr).toContain('\nThe recommended setting is at the largest factor offered (÷4). Settings past the edge of the grid may change the answer: add factor 8.\n');
  }, 240_000);
});

describe('a sweep interrupted mid-image resumes to the clean result', () => {
  const STABLE = ['image_path', 'stored_key', 'status', 'factor', 'format', 'quality', 'stored_bytes', 'provider', 'psnr', 'ssim'];
  const stable = (rs: Record<string, string>[]) => rs.map((r) => STABLE.map((k) => r[k]).join('|'));
  const settings = (out?: string): RunSettings => ({
    ...defaultSettings(photos),
    out,
    providers: [{ name: 'bicubic' }],
    concurrency: 1,
    sweep: { factors: [1, 2], formats: ['webp', 'png'], qualities: [50, 80] },
  });

  it('keeps the settings an image had finished, and does the rest', async () => {
    const clean = join(work, 'clean');
    await runBatch(settings(clean));
    const out = join(work, 'cut');
    const ac = new AbortController();
    let rowsSeen = 0;
    // broken.jpg first (6 error rows), then stop after 3 settings of chelsea: mid-image
    const first = await runBatch(settings(out), { signal: ac.signal, onEvent: (e) => e.type === 'row' && ++rowsSeen === 9 && ac.abort() });
    expect(first.status).toBe('cancelled');
    const partial = readRows(out);
    expect(partial.filter((r) => r.image_path.endsWith('chelsea.png')).length).toBeGreaterThanOrEqual(3);
    expect(partial.filter((r) => r.image_path.endsWith('chelsea.png')).length).toBeLessThan(6);
    const again = await runBatch(settings(), { resume: out });
    expect(again.status).toBe('completed');
    expect(again.resumed!.kept_rows).toBe(partial.filter((r) => r.status === 'ok').length);
    expect(stable(readRows(out))).toEqual(stable(readRows(clean)));
    expect(readRows(out)).toHaveLength(3 * 6); // 3 inputs × (f1 webp50, webp80, png + f2 webp50, webp80, png)
    }, 180_000);

  it('refuses to resume with another grid', async () => {
    const out = join(work, 'cut');
    await expect(runBatch({ ...settings(), sweep: { factors: [1, 4], formats: ['webp', 'png'], qualities: [50, 80] } }, { resume: out })).rejects.toThrow(/sweep\.factors: was \[1,2\], now \[1,4\]/);
  });
});

describe('a sweep through the app handlers', () => {
  it('plans, runs, opens, exports and resumes a sweep with the real pipeline', async () => {
    const answers: { folder?: string; save?: string } = {};
    const { dir, handlers, events, ended } = await testHandlers(answers);
    answers.folder = photos;
    const picked = await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    expect(picked).toMatchObject({ ok: true, data: { count: 3 } });
    const request = { input: photos, providers: ['bicubic', 'lanczos'] as ('bicubic' | 'lanczos')[], factors: [2, 1] as (1 | 2)[], formats: ['webp', 'png'] as ('webp' | 'png')[], qualities: [50, 90], targetSsim: 0.85 };

    // 3 inputs × (f1: webp q50, webp q90, png → none; f2: the same three → 2 providers)
    const plan = await dispatch(handlers, 'sweep:plan', request);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.data).toMatchObject({ images: 3, settings: 6, rows: 3 * (3 + 6) });
    expect(plan.data.low).toBeGreaterThan(0);
    expect(plan.data.high).toBeGreaterThanOrEqual(plan.data.low);

    const started = await dispatch(handlers, 'sweep:start', request);
    if (!started.ok) throw new Error(started.error.message);
    expect(await ended(started.data.jobId)).toMatchObject({ status: 'completed' });
    const start = events.find((e) => e.jobId === started.data.jobId && e.type === 'start');
    expect(start).toMatchObject({ total: 3, rows: 27, settings: 6, providerRows: { none: 9, bicubic: 9, lanczos: 9 } });
    expect(events.filter((e) => e.jobId === started.data.jobId && e.type === 'row')).toHaveLength(27);

    const open = await dispatch(handlers, 'runs:open', { runId: started.data.runId });
    if (!open.ok) throw new Error(open.error.message);
    expect(open.data.kind).toBe('sweep');
    expect(open.data.rows).toHaveLength(27);
    const ok = open.data.rows.filter((r) => r.status === 'ok');
    expect(new Set(ok.map((r) => `${r.provider} ${r.factor} ${r.format} ${r.quality}`)).size).toBe(9);
    // the answer the app shows is the one summary.json holds
    const points = settingPoints(open.data.rows);
    // (summary.json adds intervals, the stopping rule and the worst case beside it, which the app reads from there)
    const { ci: _ci, stopping: _stopping, worst_case: _worst, ...held } = open.data.summary!.recommendation as unknown as Record<string, any>;
    if (held.recompress_only) held.recompress_only = { ...held.recompress_only, ci: undefined, worst_case: undefined };
    expect(recommend(points, { metric: 'ssim', value: 0.85 })).toEqual(held);
    expect(_stopping.sentence).toMatch(/settled/);
    const list = await dispatch(handlers, 'runs:list', {});
    const listed = list.ok ? list.data.find((r) => r.runId === started.data.runId) : undefined;
    // listed with its grid and the saving of the setting it recommends, not a run's single setting
    expect(listed).toMatchObject({ kind: 'sweep', grid: { factors: [1, 2], formats: ['webp', 'png'], qualities: [50, 90] }, factor: null, format: null, quality: null });
    expect(listed!.savedPercent).toBe((open.data.summary!.recommendation as { saved_percent_mean: number }).saved_percent_mean);

    // the viewer reads a setting's own stored copy and upscaled image
    const f2 = ok.find((r) => r.provider === 'lanczos' && r.format === 'webp' && r.quality === 50)!;
    const stored = await dispatch(handlers, 'image:read', { runId: started.data.runId, row: f2.row, which: 'stored' });
    expect(stored.ok && [stored.data.width, stored.data.height]).toEqual([Math.round(f2.width! / 2), Math.round(f2.height! / 2)]);

    answers.save = join(dir, 'settings.csv');
    const exported = await dispatch(handlers, 'export:settings-csv', { runId: started.data.runId });
    expect(exported).toMatchObject({ ok: true, data: { rows: 9 } });
    const table = parse(readFileSync(answers.save, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(table).toHaveLength(9);
    expect(Object.keys(table[0])).toEqual([...SETTING_COLUMNS]);
    const frontierCount = Object.values(frontiers(points, 'ssim')).flat().length;
    expect(table.filter((r) => r.on_frontier === 'yes')).toHaveLength(frontierCount);

    // the per-image policy the sweep screen shows, exported for the run's own target: the run's policy.csv
    answers.save = join(dir, 'policy.csv');
    const policy = await dispatch(handlers, 'export:policy-csv', { runId: started.data.runId, target: { metric: 'ssim', value: open.data.summary!.target_ssim as number } });
    // the broken input scored nowhere: two images
    expect(policy).toMatchObject({ ok: true, data: { rows: 2 } });
    expect(readFileSync(answers.save, 'utf8')).toBe(readFileSync(join(open.data.summary!.output_dir as string, 'policy.csv'), 'utf8'));
    expect(await dispatch(handlers, 'export:policy-csv', { runId: started.data.runId, target: { metric: 'rm -rf', value: 1 } })).toMatchObject({ ok: false });

    // cancelled at once, then resumed from Past runs: the same 27 rows
    const again = await dispatch(handlers, 'sweep:start', request);
    if (!again.ok) throw new Error(again.error.message);
    await dispatch(handlers, 'run:cancel', { jobId: again.data.jobId });
    expect(await ended(again.data.jobId)).toMatchObject({ status: 'cancelled' });
    const resumed = await dispatch(handlers, 'runs:resume', { runId: again.data.runId });
    if (!resumed.ok) throw new Error(resumed.error.message);
    expect(await ended(resumed.data.jobId)).toMatchObject({ status: 'completed' });
    const after = await dispatch(handlers, 'runs:open', { runId: again.data.runId });
    const key = (r: { image_path: string; provider: string; factor: number | null; format: string; quality: number | null; status: string; ssim: number | null }) =>
      `${r.image_path}|${r.provider}|${r.factor}|${r.format}|${r.quality}|${r.status}|${r.ssim}`;
    expect(after.ok && after.data.rows.map(key)).toEqual(open.data.rows.map(key));
  });

  it('refuses a sweep on an input not picked, and an empty grid', async () => {
    const { handlers } = await testHandlers();
    const bad = await dispatch(handlers, 'sweep:start', { input: photos, providers: ['bicubic'], factors: [2], formats: ['webp'], qualities: [50] });
    expect(bad).toMatchObject({ ok: false, error: { message: 'choose the input with the picker first' } });
    const empty = await dispatch(handlers, 'sweep:plan', { input: photos, providers: ['bicubic'], factors: [], formats: ['webp'], qualities: [50] });
    expect(empty.ok).toBe(false);
  });
});

describe('upscale-bench sweep, Ctrl-C and --resume', () => {
  it('stops on SIGINT with its finished rows kept, and `sweep --resume DIR` finishes it', async () => {
    const out = join(work, 'sigint');
    const args = ['sweep', photos, '--provider', 'bicubic', '--factors', '1,2,3', '--formats', 'webp,jpeg,png', '--qualities', '30,60,90', '--concurrency', '1'];
    const child = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: work });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // a few rows of the second image in: it is interrupted between its settings
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => [...stderr.matchAll(/chelsea\.png: ok/g)].length >= 3 && (clearInterval(poll), resolve()), 10);
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/cancelled: \d of 3 images finished; their rows are kept \(continue with --resume /);
    const partial = readRows(out);
    // 3 images × (f1: 7 settings → none; f2, f3: 7 settings each → bicubic) = 63 rows in all
    expect(partial.length).toBeGreaterThan(7);
    expect(partial.length).toBeLessThan(63);
    const resumed = cli(['sweep', '--resume', out], work);
    expect(resumed.status, resumed.stderr).toBe(3); // broken.jpg's error rows
    const kept = Number(/done: 3 images, 42 ok rows, 21 error rows \((\d+) rows? kept from the interrupted run\)/.exec(resumed.stderr)?.[1]);
    expect(kept).toBe(partial.filter((r) => r.status === 'ok').length);
    expect(kept).toBeGreaterThanOrEqual(3);
    const rows = readRows(out);
    expect(rows).toHaveLength(63);
    expect(new Set(rows.map((r) => `${r.image_path}|${r.provider}|${r.factor}|${r.format}|${r.quality}`)).size).toBe(63);
    // what the interrupted run had finished is kept as it was
    const before = new Map(partial.filter((r) => r.status === 'ok').map((r) => [r.upscaled_path, r.ssim]));
    for (const r of rows.filter((x) => before.has(x.upscaled_path))) expect(r.ssim).toBe(before.get(r.upscaled_path));
  }, 180_000);
});
