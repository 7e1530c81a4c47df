import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plural } from '../main/core/plural.js';
import { dispatch } from '../main/ipc/dispatch.js';
import { cli, cliAsync } from './helpers/cli.js';
import { testHandlers } from './helpers/host.js';
import { startWebBridge } from '../scripts/web-bridge.js';
import { fixture } from './helpers/images.js';
import { S3RVER_CREDENTIALS, S3Standin } from './servers/s3-standin.js';

// Commands that must remember what they already know: a run's settings, how a key was stored, where a CSV is.
const STABLE = ['image_path', 'stored_key', 'status', 'error', 'width', 'height', 'stored_bytes', 'provider', 'orb_score', 'psnr', 'ssim'];
const csvRows = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
const stable = (rs: Record<string, string>[]) => rs.map((r) => Object.fromEntries(STABLE.map((k) => [k, r[k]])));
const size = async (file: string) => {
  const m = await sharp(file).metadata();
  return [m.width, m.height];
};

let work: string;
let photos: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-commands-'));
  photos = join(work, 'photos');
  await cp(fixture('photos', 'chelsea.png'), join(photos, 'cats', 'chelsea.png'));
  await cp(fixture('photos', 'coffee.png'), join(photos, 'coffee.png'));
  await cp(fixture('photos', 'rocket.jpg'), join(photos, 'rocket.jpg'));
  await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
});

describe('run --resume DIR', () => {
  const args = ['--provider', 'bicubic,lanczos', '--factor', '2', '--format', 'webp', '--quality', '70', '--concurrency', '1'];
  let clean: Record<string, string>[];
  let cleanStderr: string;
  beforeAll(() => {
    const r = cli(['run', photos, ...args, '--out', join(work, 'clean')], work);
    expect(r.status, r.stderr).toBe(3); // broken.jpg's error rows
    clean = stable(csvRows(join(work, 'clean', 'testResults.csv')));
    cleanStderr = r.stderr;
  });

  it('prints the paired comparison summary.json holds (lanczos against bicubic, per image)', () => {
    const summary = JSON.parse(readFileSync(join(work, 'clean', 'summary.json'), 'utf8'));
    expect(summary.comparisons).toHaveLength(1);
    const [c] = summary.comparisons;
    expect(c).toMatchObject({ provider: 'lanczos', baseline: 'bicubic', n: 3, factor: 2, format: 'webp', quality: 70 });
    expect(c.sentence).toMatch(/^at webp q70 at ÷2, lanczos (beats|trails|ties with) bicubic .*\(95% CI .*of 3\): /);
    expect(cleanStderr).toContain(`${c.sentence}\n`);
  });

  /** A run folder as a crash leaves it: settings.json and the first `keep` rows. */
  const crashed = (name: string, keep: number) => {
    const out = join(work, name);
    const r = cli(['run', photos, ...args, '--out', out], work);
    expect(r.status, r.stderr).toBe(3); // broken.jpg's error rows
    const lines = readFileSync(join(out, 'testResults.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(out, 'testResults.csv'), lines.slice(0, 1 + keep).join('\n') + '\n');
    return out;
  };

  it('resumes from the folder alone, with the recorded input and every setting', () => {
    const out = crashed('partial', 4);
    // from another folder, so nothing but settings.json can supply the input
    const r = cli(['run', '--resume', out], tmpdir());
    expect(r.status, r.stderr).toBe(3); // broken.jpg's error rows
    // broken.jpg's two error rows and chelsea's two ok rows were written: chelsea is kept, the rest redone
    expect(r.stderr).toMatch(/done: 4 images, 6 ok rows, 2 error rows \(1 image kept from the interrupted run\)/);
    const rows = csvRows(join(out, 'testResults.csv'));
    expect(stable(rows)).toEqual(clean);
    expect(new Set(rows.filter((x) => x.status === 'ok').map((x) => x.format))).toEqual(new Set(['webp']));
    expect(new Set(rows.filter((x) => x.status === 'ok').map((x) => x.quality))).toEqual(new Set(['70']));
    expect(Number(rows.find((x) => x.image_path.endsWith('coffee.png'))!.factor)).toBeCloseTo(2, 2);
  });

  it('accepts flags that match the recorded run', () => {
    const out = crashed('partial-flags', 1);
    const r = cli(['run', '--resume', out, photos, '--provider', 'bicubic,lanczos', '--quality', '70', '--concurrency', '2'], work);
    expect(r.status, r.stderr).toBe(3); // broken.jpg's error rows
    expect(stable(csvRows(join(out, 'testResults.csv')))).toEqual(clean);
  });

  it('refuses a flag that differs, naming the difference, and leaves the folder as it was', () => {
    const out = crashed('partial-mismatch', 3);
    const before = readFileSync(join(out, 'testResults.csv'), 'utf8');
    const r = cli(['run', '--resume', out, '--quality', '50', '--provider', 'bicubic'], work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot resume .*partial-mismatch: its settings differ \(providers: was \[.*"lanczos".*\], now \[\{"name":"bicubic"\}\]; downscale\.quality: was 70, now 50\)/);
    expect(readFileSync(join(out, 'testResults.csv'), 'utf8')).toBe(before);
    const other = cli(['run', '--resume', out, join(photos, 'cats')], work);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/input: was ".*photos", now ".*cats"/);
  });

  it('still needs an input without --resume, and a run folder with it', () => {
    const r = cli(['run'], work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'input'/);
    const empty = cli(['run', '--resume', photos], work);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/holds no interrupted run \(no settings\.json\)/);
  });
});

describe('retrieve brings a key back at the original size the store recorded', () => {
  const original = () => join(photos, 'cats', 'chelsea.png'); // 451×300

  it('local store: default is the original size; --scale overrides and says so', async () => {
    const st = ['--store-dir', 'st-local'];
    const s = cli(['store', original(), '--factor', '2', ...st], work);
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ key: 'chelsea.png', width: 451, height: 300, stored_width: 226, stored_height: 150 });
    // the record is beside the store, not beside or inside anything of the user's
    expect((await readdir(join(work, 'st-local'))).sort()).toEqual(['.upscale-bench-records', 'chelsea.png']);
    expect((await readdir(join(photos, 'cats')))).toEqual(['chelsea.png']);

    const r = cli(['retrieve', 'chelsea.png', '-o', join(work, 'back.png'), '--provider', 'lanczos', ...st], work);
    expect(r.status, r.stderr).toBe(0);
    expect(await size(join(work, 'back.png'))).toEqual([451, 300]);
    expect(JSON.parse(r.stdout)).toMatchObject({ width: 451, height: 300, size_from: 'original' });
    expect(r.stderr).toContain("back to the original's size 451×300 (stored at 226×150)");

    const x4 = cli(['retrieve', 'chelsea.png', '-o', join(work, 'x4.png'), '--provider', 'lanczos', '--scale', '4', ...st], work);
    expect(x4.status, x4.stderr).toBe(0);
    expect(await size(join(work, 'x4.png'))).toEqual([904, 600]);
    expect(x4.stderr).toContain("--scale 4 overrides the original's size 451×300: writing 904×600");
  });

  it('local-ai uses the model of the recorded factor and lands on the original size', async () => {
    const st = ['--store-dir', 'st-ai'];
    expect(cli(['store', original(), '--factor', '3', ...st], work).status).toBe(0);
    const r = cli(['retrieve', 'chelsea.png', '-o', join(work, 'ai.png'), '--provider', 'local-ai', '--model', 'slim', ...st], work);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe('esrgan-slim x3');
    // 150×100 stored × 3 = 450×300, brought to the original's 451×300
    expect(out.notes).toEqual(['provider output 450×300 resized to 451×300']);
    expect(await size(join(work, 'ai.png'))).toEqual([451, 300]);
  });

  it('a key stored by a run remembers its size too', async () => {
    const out = join(work, 'run-for-retrieve');
    expect(cli(['run', photos, '--provider', 'bicubic', '--factor', '2', '--out', out], work).status).toBe(3);
    const r = cli(['retrieve', 'coffee.png', '-o', join(work, 'coffee-back.png'), '--provider', 'bicubic', '--store-dir', join(out, 'stored')], work);
    expect(r.status, r.stderr).toBe(0);
    expect(await size(join(work, 'coffee-back.png'))).toEqual(await size(join(photos, 'coffee.png')));
  });

  it('a key with no record keeps the old x4 default and says why', async () => {
    const st = join(work, 'st-bare');
    await cp(fixture('photos', 'chelsea.png'), join(st, 'bare.png'));
    const r = cli(['retrieve', 'bare.png', '-o', join(work, 'bare-x4.png'), '--provider', 'bicubic', '--store-dir', st], work);
    expect(r.status, r.stderr).toBe(0);
    expect(await size(join(work, 'bare-x4.png'))).toEqual([1804, 1200]);
    expect(r.stderr).toContain("the store has no record of the original size of 'bare.png': upscaling x4 to 1804×1200");
  });

  describe('S3 (s3rver)', () => {
    const s3 = new S3Standin(['bench']);
    let s3args: string[];
    const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' };
    beforeAll(async () => {
      s3args = ['--store', 's3', '--bucket', 'bench', '--prefix', 'trial', '--s3-endpoint', await s3.start()];
    });
    afterAll(() => s3.destroy());

    it('records the original size as object metadata and retrieve uses it', async () => {
      const s = await cliAsync(['store', original(), '--factor', '2', '--key', 'cats/c.png', ...s3args], work, env);
      expect(s.status, s.stderr).toBe(0);
      expect(JSON.parse(s.stdout).location).toBe('s3://bench/trial/cats/c.png');
      const r = await cliAsync(['retrieve', 'cats/c.png', '-o', join(work, 's3-back.png'), '--provider', 'bicubic', ...s3args], work, env);
      expect(r.status, r.stderr).toBe(0);
      expect(await size(join(work, 's3-back.png'))).toEqual([451, 300]);
      const x3 = await cliAsync(['retrieve', 'cats/c.png', '-o', join(work, 's3-x3.png'), '--provider', 'bicubic', '--scale', '3', ...s3args], work, env);
      expect(x3.status, x3.stderr).toBe(0);
      expect(await size(join(work, 's3-x3.png'))).toEqual([678, 450]);
      expect(x3.stderr).toContain("--scale 3 overrides the original's size 451×300: writing 678×450");
    });
  });
});

describe('make-csv', () => {
  it('writes paths relative to the CSV even when it sits outside the folder, and run reads them back', async () => {
    const csv = join(work, 'lists', 'testFile.csv');
    const r = cli(['make-csv', photos, '-o', csv], work);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^wrote 4 image paths to /);
    expect(readFileSync(csv, 'utf8').trimEnd().split('\n')).toEqual(['image_path', '../photos/broken.jpg', '../photos/cats/chelsea.png', '../photos/coffee.png', '../photos/rocket.jpg']);
    const run = cli(['run', csv, '--provider', 'bicubic', '--out', join(work, 'from-relative-csv')], work);
    expect(run.status, run.stderr).toBe(3); // broken.jpg's error rows
    expect(csvRows(join(work, 'from-relative-csv', 'testResults.csv')).map((x) => x.status)).toEqual(['error', 'ok', 'ok', 'ok']);
  });

  it('refuses to replace an existing file without --force', () => {
    const csv = join(work, 'mine.csv');
    writeFileSync(csv, 'my own notes\n');
    const r = cli(['make-csv', join(photos, 'cats'), '-o', csv], work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/mine\.csv already exists; add --force to replace it/);
    expect(readFileSync(csv, 'utf8')).toBe('my own notes\n');
    const forced = cli(['make-csv', join(photos, 'cats'), '-o', csv, '--force'], work);
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/^wrote 1 image path to /);
    expect(readFileSync(csv, 'utf8')).toBe('image_path\nphotos/cats/chelsea.png\n');
  });
});

describe("the app's Make CSV", () => {
  it('writes the same relative paths, replacing a file only because its save dialog asked first', async () => {
    const csv = join(work, 'app-lists', 'testFile.csv');
    await mkdir(join(work, 'app-lists'));
    writeFileSync(csv, 'old\n');
    const { handlers } = await testHandlers({ folder: photos, save: csv });
    expect((await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' })).ok).toBe(true);
    const r = await dispatch(handlers, 'input:make-csv', { folder: photos });
    expect(r).toEqual({ ok: true, data: { csvPath: csv, count: 4 } });
    expect(readFileSync(csv, 'utf8').trimEnd().split('\n')).toEqual(['image_path', '../photos/broken.jpg', '../photos/cats/chelsea.png', '../photos/coffee.png', '../photos/rocket.jpg']);
  });

  it('in the browser bridge, where a typed path cannot ask "replace?", an existing file is refused', async () => {
    const csv = join(work, 'typed.csv');
    writeFileSync(csv, 'keep me\n');
    const bridge = await startWebBridge({ rendererDir: join(work, 'no-renderer'), userDataDir: join(work, 'bridge-user'), resultsRoot: join(work, 'bridge-runs') });
    try {
      const post = async (path: string, body: unknown) =>
        (await fetch(`${bridge.origin}${path}`, { method: 'POST', headers: { 'x-bench-token': bridge.token, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      await post('/bridge/dialog', { path: photos });
      expect((await post('/bridge/invoke/dialog:pick-input', { kind: 'folder' })).ok).toBe(true);
      await post('/bridge/dialog', { path: csv });
      const r = await post('/bridge/invoke/input:make-csv', { folder: photos });
      expect(r).toEqual({ ok: false, error: { code: 'ERROR_BAD_SETTINGS', message: `${csv} already exists; type a new file name` } });
      expect(readFileSync(csv, 'utf8')).toBe('keep me\n');
    } finally {
      await bridge.close();
    }
  });
});

describe('score', () => {
  const good = () => fixture('photos', 'chelsea.png');
  const bad = () => join(photos, 'broken.jpg');
  it.each([
    ['original', () => [bad(), good()]],
    ['candidate', () => [good(), bad()]],
  ])('names the %s when it is not an image', (role, files) => {
    const r = cli(['score', ...files()], work);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`upscale-bench: the ${role} ${bad()}: not an image: the contents are not PNG, JPEG, WebP, TIFF, AVIF or GIF, whatever the name says`);
  });

  it('names both when neither can be read', () => {
    const r = cli(['score', join(work, 'gone.png'), bad()], work);
    expect(r.stderr.trim()).toBe(`upscale-bench: the original: file not found: ${join(work, 'gone.png')}; the candidate ${bad()}: not an image: the contents are not PNG, JPEG, WebP, TIFF, AVIF or GIF, whatever the name says`);
  });
});

describe('counts in words', () => {
  it('plural', () => {
    expect([0, 1, 2].map((n) => plural(n, 'image'))).toEqual(['0 images', '1 image', '2 images']);
    expect(plural(1, 'error row')).toBe('1 error row');
    expect(plural(3, 'child', 'children')).toBe('3 children');
  });

  it('a run of one image says "1 image" and "1 ok row"', () => {
    const r = cli(['run', join(photos, 'coffee.png'), '--provider', 'bicubic', '--out', join(work, 'one')], work);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^run: 1 image \(bicubic\); estimated [^\n]*\d (s|min)\b[^\n]*\nupscale-bench: 1 image, providers bicubic/);
    expect(r.stderr).toMatch(/done: 1 image, 1 ok row, 0 error rows/);
  });
});

describe('sweep --resume DIR', () => {
  const grid = ['--provider', 'bicubic', '--factors', '2', '--formats', 'webp', '--qualities', '50,80', '--concurrency', '1'];
  it('resumes from the folder alone, refuses a different grid, and tells a run from a sweep', async () => {
    const input = join(work, 'sweep-in');
    await cp(fixture('photos', 'chelsea.png'), join(input, 'a.png'));
    await cp(fixture('photos', 'coffee.png'), join(input, 'b.png'));
    const clean = join(work, 'sweep-clean');
    expect(cli(['sweep', input, ...grid, '--out', clean], work).status).toBe(0);
    const out = join(work, 'sweep-partial');
    expect(cli(['sweep', input, ...grid, '--out', out], work).status).toBe(0);
    const lines = readFileSync(join(out, 'testResults.csv'), 'utf8').trimEnd().split('\n');
    // a.png's two settings were written before the crash
    writeFileSync(join(out, 'testResults.csv'), lines.slice(0, 3).join('\n') + '\n');

    const other = cli(['sweep', '--resume', out, '--qualities', '50'], work);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/its settings differ \(sweep\.qualities: was \[50,80\], now \[50\]\)/);

    const r = cli(['sweep', '--resume', out], tmpdir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^sweep: 2 images × 2 settings \(bicubic\) = 4 rows/);
    expect(r.stderr).toMatch(/done: 2 images, 4 ok rows, 0 error rows \(2 rows kept from the interrupted run\)/);
    expect(stable(csvRows(join(out, 'testResults.csv')))).toEqual(stable(csvRows(join(clean, 'testResults.csv'))));

    const plain = join(work, 'plain-run');
    expect(cli(['run', input, '--provider', 'bicubic', '--out', plain], work).status).toBe(0);
    const notSweep = cli(['sweep', '--resume', plain], work);
    expect(notSweep.status).toBe(2);
    expect(notSweep.stderr).toContain('holds a run, not a sweep: continue it with `upscale-bench run --resume');
  });
});
