import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli } from './helpers/cli.js';
import { fixture } from './helpers/images.js';

let photos: string;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-'));
  photos = join(work, 'My Photos');
  await cp(fixture('photos', 'chelsea.png'), join(photos, 'cats', 'chelsea.png'));
  await cp(fixture('photos', 'rocket.jpg'), join(photos, 'rocket.JPG'));
  await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
});

describe('upscale-bench CLI', () => {
  it('runs a folder with the default local-ai provider into TestResults/<timestamp>', () => {
    const r = cli(['run', photos, '--model', 'slim', '--json'], work);
    // a run that finished with error rows exits 3, so a script notices the broken file
    expect(r.status, r.stderr).toBe(3);
    const summary = JSON.parse(r.stdout);
    expect(summary.output_dir).toMatch(/TestResults[\\/]\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/);
    expect(summary.counts).toMatchObject({ inputs: 3, ok: 2, errors: 1 });
    const rows = parse(readFileSync(join(summary.output_dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.status)).toEqual(['error', 'ok', 'ok']);
    expect(rows[1].provider).toBe('local-ai');
    expect(rows[1].model).toBe('esrgan-slim x4');
    expect(Number(rows[1].orb_score)).toBeGreaterThan(0);
    expect(Number(rows[1].orb_score)).toBeLessThanOrEqual(1);
    expect(rows[0].error).toBe('not an image: the contents are not PNG, JPEG, WebP, TIFF, AVIF or GIF, whatever the name says');
    expect(r.stderr).toMatch(/done: 3 images, 2 ok rows, 1 error row \(/);
  });

  it('make-csv writes image_path rows that run reads back', async () => {
    const csvDir = join(work, 'lists');
    const r = cli(['make-csv', photos, '-o', join(csvDir, 'testFile.csv')], work);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(csvDir, 'testFile.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('image_path');
    expect(text).toContain('My Photos/cats/chelsea.png');
    expect(text).toContain('rocket.JPG');
    const run = cli(['run', join(csvDir, 'testFile.csv'), '--provider', 'bicubic', '--out', join(work, 'from-csv')], work);
    expect(run.status, run.stderr).toBe(3); // broken.jpg's error row
    expect(await readdir(join(work, 'from-csv'))).toEqual(expect.arrayContaining(['testResults.csv', 'summary.json', 'settings.json']));
  });

  it('store then retrieve one image by key', async () => {
    const s = cli(['store', join(photos, 'cats', 'chelsea.png'), '--key', 'cats/c.png', '--store-dir', 'st'], work);
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ key: 'cats/c.png', stored_width: 113, stored_height: 75 });
    const r = cli(['retrieve', 'cats/c.png', '-o', join(work, 'back.png'), '--provider', 'lanczos', '--store-dir', 'st'], work);
    expect(r.status, r.stderr).toBe(0);
    const meta = await sharp(join(work, 'back.png')).metadata();
    // back at the original's 451×300, which the store recorded (not 4 × 113×75)
    expect([meta.width, meta.height]).toEqual([451, 300]);
  });

  it('score prints its numbers as JSON under the results columns\' names, with the keypoints ORB rests on', () => {
    const r = cli(['score', fixture('pairs', 'astronaut-x4-cubic.a.png'), fixture('pairs', 'astronaut-x4-cubic.b.png'), '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(['orb', 'orb_keypoints', 'psnr', 'ssim', 'ssimulacra2', 'butteraugli', 'butteraugli_3norm']);
    // SSIMULACRA2 by default, Butteraugli only when asked for
    expect(typeof s.ssimulacra2).toBe('number');
    expect([s.butteraugli, s.butteraugli_3norm]).toEqual([null, null]);
    expect(s.psnr).toBeCloseTo(26.442, 2);
    expect(s.orb_keypoints).toBe(469);
  });

  it('score says ORB is undefined for a smooth sky, not 0', () => {
    const sky = fixture('pairs', 'sky-identical.a.png');
    const r = cli(['score', sky, sky], work);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ORB – (no keypoints in the original, too smooth or low in contrast)  PSNR inf  SSIM 1.0000  SSIMULACRA2 100.00');
    const j = JSON.parse(cli(['score', sky, sky, '--json'], work).stdout);
    expect(j).toEqual({
      orb: null,
      orb_keypoints: 0,
      orb_note: 'no keypoints in the original, too smooth or low in contrast',
      psnr: 'inf',
      ssim: 1,
      ssimulacra2: 100,
      butteraugli: null,
      butteraugli_3norm: null,
    });
  });

  it('models lists the local models', () => {
    const r = cli(['models'], work);
    expect(r.stdout).toMatch(/^thick +built-in +RRDN \(ESRGAN\) x2 x3 x4 x8 .*\n.*\n +fp32: [\d.]+ MB, 0\.15 MP\/s out at x4/m);
  });

  it.each([
    [['run', 'x', '--bogus'], /unknown option '--bogus'/],
    [['run', 'x', '--factor', '5'], /--factor must be one of 1, 2, 3, 4, 8/],
    [['run', 'x', '--quality', '0'], /--quality must be a whole number from 1 to 100/],
    [['run', 'x', '--provider', 'magic'], /--provider must be one of/],
    [['run', 'nowhere'], /input not found: .*nowhere/],
    [['run', '.', '--store', 's3'], /--store s3 needs --bucket/],
    [['run', '.', '--provider', 'sagemaker'], /--provider sagemaker needs --endpoint/],
    [['run', '.', '--fit', '200-100'], /--fit takes MIN-MAX/],
    [['run', '.', '--precision', 'int4'], /--precision must be one of fp32, int8/],
    [['run', '.', '--model', 'slim', '--precision', 'int8'], /local model slim has no int8 build \(it has fp32\): use --precision fp32; built-in models with one: thick/],
  ])('rejects %j with a one-line reason and exit 2', (args, reason) => {
    const r = cli(args, work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(reason);
  });

  it('--help works on each command, and says each default and choice list once', () => {
    for (const c of ['run', 'sweep', 'make-csv', 'store', 'retrieve', 'score', 'models']) {
      const r = cli([c, '--help'], work);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: upscale-bench ${c}`);
      // one entry per option: its line and the wrapped lines under it
      const entries = r.stdout.split(/\n(?= {2}-)/).filter((e) => e.startsWith('  -')).map((e) => e.split(/\n\S/)[0].replace(/\s+/g, ' '));
      expect(entries.length).toBeGreaterThan(1);
      for (const e of entries) {
        expect((e.match(/default/gi) ?? []).length, e).toBeLessThanOrEqual(1);
        // commander lists the choices itself: a description that lists them too says it twice
        const [description, choices] = e.split('(choices:');
        if (choices) expect((choices.match(/"[^"]+"/g) ?? []).every((c) => description.includes(c.slice(1, -1))), e).toBe(false);
      }
    }
  });

  // Ctrl-C at several moments of a local-ai run: before the first tile; inside a tile (onnxruntime
  // running in a worker thread, which once aborted the process with exit 134): just after the first row
  // both workers are busy with the next tiles; and with slim on large photos, where the next images are
  // mostly scoring and writing. Each must stop the run, keep its rows, exit 130 with nothing native on
  // stderr. How soon is not timed here (a busy machine stretches any wall-clock bound): that the run
  // waits for no tile is the summary printed while one still runs; for no score, pipeline.test.
  const moments = [
    { name: 'before the first tile', after: /upscale-bench: 12 images/, delay: 0, model: 'thick', folder: 'many' },
    { name: 'inside a tile', after: /\[1\/12\]/, delay: 150, model: 'thick', folder: 'many' },
    { name: 'while scoring', after: /\[1\/12\]/, delay: 100, model: 'slim', folder: 'large' },
  ];
  it.each(moments)('Ctrl-C $name: run stops promptly, rows kept, exit 130, clean stderr', async ({ name, after, delay, model, folder }) => {
    const many = join(work, folder);
    if (folder === 'large' && !existsSync(many)) {
      await mkdir(many, { recursive: true });
      for (let i = 0; i < 12; i++) await sharp(fixture('photos', 'astronaut.png')).resize(1600, 1600).png({ compressionLevel: 1 }).toFile(join(many, `l${String(i).padStart(2, '0')}.png`));
    }
    if (folder === 'many' && !existsSync(many)) {
      // one-tile images keep both inference workers busy from the moment the model has opened
      await mkdir(many, { recursive: true });
      for (let i = 0; i < 11; i++) await cp(fixture('photos', 'coffee.png'), join(many, `c${String(i).padStart(2, '0')}.png`));
      await sharp(fixture('photos', 'astronaut.png')).resize(2048, 2048).toFile(join(many, 'c11.png'));
    }
    const out = join(work, `interrupted-${name.replace(/ /g, '-')}`);
    const child = spawn(process.execPath, [BIN, 'run', many, '--model', model, '--out', out], { cwd: work });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => after.test(stderr) && (clearInterval(poll), resolve()), 20);
    });
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGINT');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => /cancelled: (\d+ of 12 images finished; their rows are kept|no image finished, so no row was written)/.test(stderr) && (clearInterval(poll), resolve()), 20);
    });
    expect(await exited).toBe(130);
    expect(stderr).not.toMatch(/Napi|Abort|terminate called|Error:/);
    // the run itself stops at once; the process then waits for a tile that was already inside onnxruntime
    if (name === 'inside a tile') expect(stderr).toMatch(/cancelled: .*\n(.*\n)*letting the local model finish its current tile/);
    const rows = parse(readFileSync(join(out, 'testResults.csv'), 'utf8'), { columns: true }) as { status: string }[];
    expect(rows.length).toBeLessThan(12);
    if (delay) expect(rows.length).toBeGreaterThanOrEqual(1);
    // "0 of 12 images finished; their rows are kept" named rows that do not exist
    if (!rows.length) expect(stderr).toContain('cancelled: no image finished, so no row was written (continue with --resume');
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ status: 'cancelled', counts: { inputs: 12, not_run: 12 - rows.length } });
  }, 180_000);
});
