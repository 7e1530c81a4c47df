/**
 * `npm run bench:int8`: what `--precision int8` costs against fp32, per photo, for thick at x4.
 * Runs the CLI a user runs twice (fp32, int8) on the six test photos plus any images or folders given as
 * arguments, and prints one row per photo with the int8 − fp32 deltas and their range. Speed is not
 * measured here (see `npm run bench:perf`): on a shared machine the two runs' timings are not comparable.
 * Photos over 4 MP are brought down to 3 MP first (lanczos3) to keep the time bounded; `--mp <n>` brings
 * every one over n MP down to n MP instead, and `--crop <n>` cuts n MP out of its centre at full
 * resolution (downscaling makes a photo busier per pixel and hides what int8 costs on smooth areas).
 * The README's set is listed there: Debian's wallpaper packages, unpacked with `apt-get download` and
 * `dpkg -x` into a scratch folder.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const sizeAt = args.findIndex((a) => a === '--mp' || a === '--crop');
const crop = args[sizeAt] === '--crop';
const [MAX_MP, TARGET_MP] = sizeAt >= 0 ? [Number(args[sizeAt + 1]), Number(args[sizeAt + 1])] : [4, 3];
if (!(TARGET_MP > 0)) throw new Error(`${args[sizeAt]} needs a positive number of megapixels`);
if (sizeAt >= 0) args.splice(sizeAt, 2);

const work = await mkdtemp(join(tmpdir(), 'int8-cost-'));
const input = join(work, 'photos');
const fixtures = join(ROOT, 'test', 'fixtures', 'photos');
for (const f of ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'camera.png']) await cp(join(fixtures, f), join(input, f));

const extra: string[] = [];
for (const arg of args) {
  if ((await stat(arg)).isDirectory()) for (const f of await readdir(arg)) extra.push(join(arg, f));
  else extra.push(arg);
}
for (const file of extra) {
  // wallpaper packages name files by size (2560x1600.jpg): the folder names the photo
  const name = `${/^\d+x\d+\./.test(basename(file)) ? basename(dirname(dirname(dirname(file)))) : basename(file).replace(/\.[^.]+$/, '')}.png`;
  const { width = 0, height = 0 } = await sharp(file).metadata();
  const mp = (width * height) / 1e6;
  const k = mp > MAX_MP ? Math.sqrt(TARGET_MP / mp) : 1;
  const [w, h] = [Math.round(width * k), Math.round(height * k)];
  const sized = crop ? sharp(file).extract({ left: (width - w) >> 1, top: (height - h) >> 1, width: w, height: h }) : sharp(file).resize(w, h, { kernel: 'lanczos3' });
  await sized.png().toFile(join(input, name));
}

type Row = Record<string, string>;
const rowsFor = async (precision: string): Promise<Row[]> => {
  const out = join(work, precision);
  const args = ['run', input, '--provider', 'local-ai', '--model', 'thick', '--precision', precision, '--factor', '4', '--format', 'png', '--concurrency', '1', '--out', out];
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'upscale-bench.js'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`upscale-bench ${args.join(' ')} exited ${r.status}`);
  return parse(await readFile(join(out, 'testResults.csv'), 'utf8'), { columns: true }) as Row[];
};

const fp32 = await rowsFor('fp32');
const int8 = await rowsFor('int8');
const n = (r: Row, k: string) => Number(r[k]);
const sign = (x: number, d: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`;
const lines = [
  '| photo | MP | fp32 PSNR | int8 PSNR | Δ PSNR (dB) | Δ SSIM | Δ ORB |',
  '|---|---|---|---|---|---|---|',
];
const deltas: { psnr: number; ssim: number; orb: number }[] = [];
for (const a of fp32) {
  const b = int8.find((r) => r.image_path === a.image_path);
  if (!b || a.status !== 'ok' || b.status !== 'ok') throw new Error(`no pair of ok rows for ${a.image_path}`);
  const d = { psnr: n(b, 'psnr') - n(a, 'psnr'), ssim: n(b, 'ssim') - n(a, 'ssim'), orb: n(b, 'orb_score') - n(a, 'orb_score') };
  deltas.push(d);
  const mp = (n(a, 'width') * n(a, 'height')) / 1e6;
  lines.push(
    `| ${basename(a.image_path)} | ${mp.toFixed(1)} | ${n(a, 'psnr').toFixed(2)} | ${n(b, 'psnr').toFixed(2)} | ${sign(d.psnr, 2)} | ${sign(d.ssim, 4)} | ${sign(d.orb, 3)} |`,
  );
}
const range = (k: 'psnr' | 'ssim' | 'orb', digits: number) => {
  const xs = deltas.map((d) => d[k]);
  return `${sign(Math.min(...xs), digits)} to ${sign(Math.max(...xs), digits)} (mean ${sign(xs.reduce((s, x) => s + x, 0) / xs.length, digits)})`;
};
lines.push('', `int8 − fp32 over ${deltas.length} photos: PSNR ${range('psnr', 2)} dB, SSIM ${range('ssim', 4)}, ORB ${range('orb', 3)}`);
console.log(lines.join('\n'));
