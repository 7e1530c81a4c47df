import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, symlink, cp, mkdir, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { RunEvent } from '../main/core/pipeline/events.js';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { RESULT_COLUMNS } from '../main/core/results/row.js';
import { fixture, FIXTURES } from './helpers/images.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';
import { SageMakerStandin } from './servers/sagemaker-standin.js';

const tmp = (p: string) => mkdtemp(join(tmpdir(), p));
const readRows = (csv: string) => parse(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[];
const settings = (input: string, out: string, extra: Partial<RunSettings> = {}): RunSettings => ({
  ...defaultSettings(input),
  out,
  providers: [{ name: 'bicubic' }],
  concurrency: 2,
  ...extra,
});

async function hashTree(dir: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { readdir } = await import('node:fs/promises');
  const h = createHash('sha256');
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) h.update(relative(dir, p)).update(await readFile(p)).update(String((await stat(p)).mtimeMs));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

describe('a batch over the odd and hostile corpus', () => {
  const expected = JSON.parse(readFileSync(fixture('corpus', 'expected.json'), 'utf8')) as Record<string, { status: string; code?: string; error?: string; note?: string }>;
  let input: string;
  let out: string;
  let summary: Awaited<ReturnType<typeof runBatch>>;
  let rows: Record<string, string>[];
  let before: string;

  beforeAll(async () => {
    input = await tmp('corpus-');
    await cp(join(FIXTURES, 'corpus'), input, { recursive: true });
    await symlink('.', join(input, 'loop'));
    await symlink('missing-target.png', join(input, 'dangling.png'));
    await mkdir(join(input, '.hidden'));
    await writeFile(join(input, '.hidden', 'skip.png'), 'x');
    out = join(input, 'results'); // inside the input: must not be walked into
    before = await hashTree(join(FIXTURES, 'corpus'));
    summary = await runBatch(settings(input, out));
    rows = readRows(join(out, 'testResults.csv'));
  });

  it('completes with one row per input, in input order', () => {
    expect(summary.status).toBe('completed');
    const names = rows.map((r) => relative(input, r.image_path));
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(names)).toEqual(new Set([...Object.keys(expected), 'dangling.png']));
    expect(summary.counts.inputs).toBe(rows.length);
  });

  it('gives each file its expected row', () => {
    for (const [name, exp] of Object.entries(expected)) {
      const row = rows.find((r) => r.image_path === join(input, name))!;
      expect(row, name).toBeTruthy();
      expect(row.status, `${name}: ${row.error}`).toBe(exp.status);
      if (exp.code) expect(row.error_code, name).toBe(exp.code);
      if (exp.error) expect(row.error, name).toContain(exp.error);
      if (exp.note) expect(row.notes, name).toContain(exp.note);
      if (exp.status === 'ok') {
        expect(Number(row.psnr) > 0 || row.psnr === 'inf', name).toBe(true);
        expect(statSync(row.upscaled_path).size).toBeGreaterThan(0);
      }
    }
    expect(rows.find((r) => r.image_path.endsWith('dangling.png'))!.error).toMatch(/file not found/);
  });

  it('says the bomb was refused before decoding, with the limit', () => {
    const bomb = rows.find((r) => r.image_path.endsWith('bomb-50000x50000.png'))!;
    expect(bomb.error).toMatch(/50000×50000 \(2500\.0 MP\), above the 100 MP limit; refused before decoding/);
  });

  it('scores the EXIF-rotated image the way it displays', async () => {
    const row = rows.find((r) => r.image_path.endsWith('exif-rotated.jpg'))!;
    expect([row.width, row.height]).toEqual(['64', '96']);
    const meta = await sharp(row.upscaled_path).metadata();
    expect([meta.width, meta.height]).toEqual([64, 96]);
  });

  it('never modifies the inputs', async () => {
    expect(await hashTree(join(FIXTURES, 'corpus'))).toBe(before);
  });

  it('writes summary.json with counts and the header the README documents', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.counts.errors).toBe(rows.filter((r) => r.status === 'error').length);
    expect(Object.keys(rows[0])).toEqual(RESULT_COLUMNS);
  });

  it('escapes a file name that looks like a spreadsheet formula', () => {
    const row = rows.find((r) => r.image_path.includes('HYPERLINK'))!;
    expect(row.stored_key.startsWith("'=")).toBe(true);
  });
});

describe('a smooth sky, where ORB finds no keypoints', () => {
  it('leaves orb_score empty, gives the keypoint count, says why, and keeps it out of the mean', async () => {
    const input = await tmp('sky-');
    await cp(fixture('pairs', 'sky-identical.a.png'), join(input, 'sky.png'));
    await cp(fixture('photos', 'rocket.jpg'), join(input, 'rocket.jpg'));
    const out = join(input, 'out');
    const s = await runBatch(settings(input, out, { downscale: { factor: 2, format: 'png', quality: 90, kernel: 'lanczos3' } }));
    const rows = readRows(join(out, 'testResults.csv'));
    const sky = rows.find((r) => r.image_path.endsWith('sky.png'))!;
    const rocket = rows.find((r) => r.image_path.endsWith('rocket.jpg'))!;
    expect([sky.status, sky.orb_score, sky.orb_keypoints]).toEqual(['ok', '', '0']);
    expect(sky.notes).toContain('ORB undefined (no keypoints in the original, too smooth or low in contrast), left out of the means');
    expect(Number(sky.ssim)).toBeGreaterThan(0.99); // the upscale is near perfect: a 0 would have been a lie
    expect(Number(rocket.orb_keypoints)).toBeGreaterThan(100);
    expect(Number(rocket.orb_score)).toBeGreaterThan(0.5);
    const [p] = s.providers;
    expect(p).toMatchObject({ ok: 2, orb_undefined: 1 });
    expect(p.mean_orb).toBeCloseTo(Number(rocket.orb_score), 4);
  });
});

describe('pipeline on real photos', () => {
  let photos: string;
  beforeAll(async () => {
    photos = await tmp('photos-');
    for (const f of ['chelsea.png', 'rocket.jpg', 'coffee.png']) await cp(fixture('photos', f), join(photos, 'a', f));
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'b', 'chelsea.png')); // same name, other folder
  });

  it('keeps same-named files apart, stores them locally and writes mirrored outputs', async () => {
    const out = join(await tmp('out-'), 'run');
    const s = await runBatch(settings(photos, out, { providers: [{ name: 'bicubic' }, { name: 'lanczos' }] }));
    const rows = readRows(join(out, 'testResults.csv'));
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    expect(new Set(rows.map((r) => r.stored_key))).toEqual(new Set(['a/chelsea.png', 'a/coffee.png', 'a/rocket.jpg', 'b/chelsea.png']));
    expect(statSync(join(out, 'stored', 'b', 'chelsea.png')).isFile()).toBe(true);
    expect(statSync(join(out, 'upscaled', 'lanczos', 'a', 'rocket.jpg.png')).isFile()).toBe(true);
    const jpeg = rows.find((r) => r.stored_key === 'a/rocket.jpg')!;
    expect(jpeg.format).toBe('jpeg');
    expect(Number(jpeg.saved_percent)).toBeGreaterThan(80);
    expect(s.providers.map((p) => p.provider)).toEqual(['bicubic', 'lanczos']);
    // lanczos is a sharper kernel than bicubic: on photos it must score differently
    expect(s.providers[0].mean_psnr).not.toBe(s.providers[1].mean_psnr);
  });

  it('honours format, quality, factor and --fit', async () => {
    const out = join(await tmp('out-'), 'run');
    await runBatch(settings(photos, out, { downscale: { factor: 2, format: 'webp', quality: 50, kernel: 'lanczos3' } }));
    const rows = readRows(join(out, 'testResults.csv'));
    const c = rows.find((r) => r.stored_key === 'a/chelsea.png.webp')!;
    expect([c.format, c.quality, c.stored_width, c.stored_height]).toEqual(['webp', '50', '226', '150']);
    const out2 = join(await tmp('out-'), 'run');
    await runBatch(settings(photos, out2, { downscale: { factor: 4, fit: { min: 100, max: 200 }, format: 'original', quality: 75, kernel: 'cubic' } }));
    const r2 = readRows(join(out2, 'testResults.csv')).find((r) => r.stored_key === 'a/coffee.png')!;
    expect([r2.stored_width, r2.stored_height]).toEqual(['200', '133']);
  });

  it('reads a CSV of paths with BOM, CRLF, quotes, blanks, missing files and duplicates', async () => {
    const dir = await tmp('csv-');
    await cp(fixture('photos', 'rocket.jpg'), join(dir, 'imgs', 'with, comma.jpg'));
    await cp(fixture('photos', 'chelsea.png'), join(dir, 'imgs', 'plain.png'));
    const csv = '\ufeffimage_path\r\n"imgs/with, comma.jpg"\r\n\r\nimgs/plain.png\r\nimgs/missing.png\r\n' + `"${join(dir, 'imgs', 'plain.png')}"\r\n`;
    await writeFile(join(dir, 'list.csv'), csv);
    const out = join(dir, 'out');
    await runBatch(settings(join(dir, 'list.csv'), out));
    const rows = readRows(join(out, 'testResults.csv'));
    expect(rows.map((r) => [r.image_path, r.status])).toEqual([
      ['imgs/with, comma.jpg', 'ok'],
      ['imgs/plain.png', 'ok'],
      ['imgs/missing.png', 'error'],
      [join(dir, 'imgs', 'plain.png'), 'ok'],
    ]);
    expect(rows[2].error).toMatch(/file not found/);
    expect(rows[3].notes).toMatch(/duplicate of input row 2/);
    expect(rows[3].stored_key).not.toBe(rows[1].stored_key);
  });

  it('stores in S3 (s3rver) and upscales through the SageMaker stand-in', async () => {
    const s3 = new S3Standin(['bench-bucket']);
    const sm = new SageMakerStandin({ endpoints: ['upscaler'] });
    const s3url = await s3.start();
    const smurl = await sm.start();
    const env = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' });
    try {
      const out = join(await tmp('out-'), 'run');
      await runBatch(
        settings(photos, out, {
          store: { kind: 's3', bucket: 'bench-bucket', prefix: 'runs/1', endpoint: s3url },
          providers: [{ name: 'sagemaker', endpoint: 'upscaler', url: smurl }, { name: 'bicubic' }],
          downscale: { factor: 4, fit: { min: 100, max: 200 }, format: 'jpeg', quality: 75, kernel: 'cubic' },
        }),
      );
      const rows = readRows(join(out, 'testResults.csv'));
      const sage = rows.filter((r) => r.provider === 'sagemaker');
      expect(sage.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(sage[0].stored_location).toMatch(/^s3:\/\/bench-bucket\/runs\/1\/a\//);
      expect(sage.some((r) => /provider output \d+×\d+ resized to/.test(r.notes))).toBe(true);
      // one request per image, two for one whose stored long side is over the 192 px tile
      expect(sm.invocations.every((i) => i.status === 200 && Math.max(i.width!, i.height!) <= 192)).toBe(true);
      expect(sm.invocations.length).toBeGreaterThanOrEqual(4);
    } finally {
      process.env = env;
      await s3.destroy();
      await sm.stop();
    }
  });

  it('stops at an unreachable bucket, writing no error row for the images it could not do', async () => {
    const out = join(await tmp('out-'), 'run');
    const env = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' });
    const s = await runBatch(settings(photos, out, { store: { kind: 's3', bucket: 'nobucket', endpoint: 'http://127.0.0.1:9' } })).finally(() => {
      process.env = env;
    });
    expect(s.status).toBe('stopped');
    expect(s.message).toMatch(/^the S3 store s3:\/\/nobucket at http:\/\/127\.0\.0\.1:9 stopped answering \(ECONNREFUSED, 3 times in a row\)/);
    expect(readRows(join(out, 'testResults.csv'))).toEqual([]);
    expect(s.counts).toMatchObject({ inputs: 4, rows: 0, not_run: 4 });
  });

  it('stops promptly when cancelled and keeps finished rows', async () => {
    const out = join(await tmp('out-'), 'run');
    const ac = new AbortController();
    const s = await runBatch(settings(photos, out, { concurrency: 1 }), {
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'image-done' && e.done === 1) ac.abort();
      },
    });
    expect(s.status).toBe('cancelled');
    expect(s.counts.not_run).toBe(3);
    expect(readRows(join(out, 'testResults.csv'))).toHaveLength(1);
  });

  it('does not wait for a score in progress when cancelled', async () => {
    const out = join(await tmp('out-'), 'run');
    const ac = new AbortController();
    const afterCancel: RunEvent[] = [];
    const s = await runBatch(settings(photos, out, { concurrency: 1 }), {
      signal: ac.signal,
      onEvent: (e) => {
        if (ac.signal.aborted) afterCancel.push(e);
        else if (e.type === 'stage' && e.stage === 'score') ac.abort(); // the first image's scoring starts
      },
    });
    expect(s.status).toBe('cancelled');
    // a run that waited for the score would go on to write that image and its row
    expect(afterCancel.filter((e) => e.type === 'stage' || e.type === 'row')).toEqual([]);
    expect(readRows(join(out, 'testResults.csv'))).toHaveLength(0);
  });

  it('refuses an output folder that already holds results', async () => {
    const out = join(await tmp('out-'), 'run');
    await runBatch(settings(join(photos, 'b'), out));
    await expect(runBatch(settings(join(photos, 'b'), out))).rejects.toThrow(/already holds a run's results/);
  });
});

describe('files the user running the bench cannot read', () => {
  it('become error rows that say permission denied (run as an unprivileged user)', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip(); // needs root to start the CLI as another user
    const { spawnSync } = await import('node:child_process');
    const { chmod } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    const dir = await tmp('perm-');
    await chmod(dir, 0o777);
    const input = join(dir, 'in');
    await cp(fixture('photos', 'chelsea.png'), join(input, 'readable.png'));
    await cp(fixture('photos', 'rocket.jpg'), join(input, 'secret.jpg'));
    await chmod(input, 0o755);
    await chmod(join(input, 'readable.png'), 0o644);
    await chmod(join(input, 'secret.jpg'), 0o000);
    const out = join(dir, 'out');
    const bin = fileURLToPath(new URL('../bin/upscale-bench.js', import.meta.url));
    // The project must be readable by that user (a clone under /root is not): otherwise nothing to learn here.
    const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(bin)}); require(${JSON.stringify(fileURLToPath(new URL('../node_modules/sharp/package.json', import.meta.url)))})`], { uid: 65534, gid: 65534 });
    if (probe.status !== 0) ctx.skip();
    const r = spawnSync(process.execPath, [bin, 'run', input, '--provider', 'bicubic', '--out', out], { uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: dir } });
    // finished with an error row: exit 3
    expect(r.status, r.stderr).toBe(3);
    const rows = readRows(join(out, 'testResults.csv'));
    expect(rows.map((x) => [x.image_path.split('/').pop(), x.status])).toEqual([
      ['readable.png', 'ok'],
      ['secret.jpg', 'error'],
    ]);
    expect(rows[1].error).toMatch(/permission denied: .*secret\.jpg/);
  });
});
