/**
 * Writes test/fixtures/ssimulacra2/: original/distorted PNG pairs and expected.json, the score libjxl 0.11's
 * own `ssimulacra2` tool gives each pair. The tests only read what this writes.
 *
 *   SSIMULACRA2=/path/to/run-ssimulacra2 node --import tsx scripts/reference/make-ssimulacra2-fixtures.ts
 *
 * SSIMULACRA2 is a command taking `original.png distorted.png` and printing the score (or pass it as the first
 * argument). Getting libjxl 0.11's tool without installing anything system-wide (Debian bookworm's libjxl
 * 0.7 has no ssimulacra2; trixie's libjxl-devtools has):
 *   1. a private apt list for trixie: a sources file with the line
 *        deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
 *      then `apt-get -o Dir::Etc::sourcelist=FILE -o Dir::Etc::sourceparts=/dev/null -o Dir::State::Lists=DIR
 *      -o Dir::Cache::Archives=DIR -o Dir::State::status=/dev/null update`;
 *   2. `apt-get … download` (same options) of libjxl-devtools and its libraries: libc6, libgcc-s1, libstdc++6,
 *      libjxl0.11, libhwy1t64, libbrotli1, libpng16-16t64, zlib1g, libjpeg62-turbo, libgif7, libavif16,
 *      libopenexr-3-1-30, libimath-3-1-29t64, libdeflate0, liblcms2-2, libtcmalloc-minimal4t64, libdav1d7,
 *      libaom3, librav1e0.7, libsvtav1enc2, libyuv0, libgav1-1; `dpkg -x` each into one folder ROOT;
 *   3. run it through that folder's own loader (trixie needs glibc 2.38): a script doing
 *        exec ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
 *          --library-path ROOT/usr/lib/x86_64-linux-gnu:ROOT/lib/x86_64-linux-gnu ROOT/usr/bin/ssimulacra2 "$@"
 *
 * Pairs: crops of the repo photos against JPEG, WebP and AVIF (sharp) at several qualities; ÷2 and ÷4 then
 * back up with the app's bicubic or lanczos3; the local ESRGAN models (slim and thick, x2 and x4); an identical pair;
 * odd sizes down to libjxl's 8×8 minimum. scikit-image's coffee, re-encoded as JPEG q30 and q90, is kept as
 * the JPEG files themselves (sharp encodes and decodes them byte for byte as OpenCV does: the issue's pair).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { type RawImage, rawInput, toRaw } from '../../main/core/image/raw.js';
import { type ResampleKernel, resample } from '../../main/core/image/resample.js';
import { createLocalAiProvider } from '../../main/core/providers/local-ai.js';

const tool = process.argv[2] ?? process.env.SSIMULACRA2;
if (!tool) throw new Error('set SSIMULACRA2 (or pass as first argument) to a command running libjxl 0.11\'s ssimulacra2');
const photos = new URL('../../test/fixtures/photos/', import.meta.url).pathname;
const out = new URL('../../test/fixtures/ssimulacra2/', import.meta.url).pathname;
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const scratch = await mkdtemp(join(tmpdir(), 'ssimulacra2-fixtures-'));

const png = (img: RawImage) => sharp(img.data, rawInput(img)).png({ compressionLevel: 9 }).toBuffer();
const raw = (s: Sharp) => toRaw(s);

async function crop(file: string, left: number, top: number, width: number, height: number): Promise<RawImage> {
  return raw(sharp(join(photos, file)).extract({ left, top, width, height }));
}

function libjxl(a: string, b: string): number {
  const printed = execFileSync(tool!, [a, b], { encoding: 'utf8' }).trim();
  const score = Number(printed);
  if (!Number.isFinite(score)) throw new Error(`ssimulacra2 printed '${printed}' for ${a} ${b}`);
  return score;
}

interface Expected {
  original: string;
  distorted: string;
  /** libjxl 0.11's ssimulacra2 on the decoded pixels (the PNGs, or the JPEG decoded to PNG). */
  libjxl: number;
  note?: string;
}
const expected: Record<string, Expected> = {};
const originals = new Map<string, string>();

async function original(name: string, img: RawImage): Promise<string> {
  const file = `${name}.png`;
  if (!originals.has(name)) {
    await writeFile(join(out, file), await png(img));
    originals.set(name, file);
  }
  return file;
}

async function pair(name: string, origName: string, a: RawImage, b: RawImage, note?: string) {
  const oFile = await original(origName, a);
  const dFile = `${name}.png`;
  await writeFile(join(out, dFile), await png(b));
  expected[name] = { original: oFile, distorted: dFile, libjxl: libjxl(join(out, oFile), join(out, dFile)), ...(note ? { note } : {}) };
  console.error(`${name}: ${expected[name].libjxl}`);
}

const reencode = (img: RawImage, fmt: 'jpeg' | 'webp' | 'avif', quality: number) =>
  sharp(img.data, rawInput(img))[fmt]({ quality }).toBuffer().then((buf) => raw(sharp(buf)));

/** Down with sharp, back up with the app's own interpolators (sharp's upsampling ignores the kernel). */
async function downUp(img: RawImage, f: number, kernel: ResampleKernel): Promise<RawImage> {
  const small = await raw(sharp(img.data, rawInput(img)).resize(Math.round(img.width / f), Math.round(img.height / f), { kernel: 'lanczos3' }));
  return resample(small, img.width, img.height, kernel);
}

async function model(img: RawImage, name: 'slim' | 'thick', scale: 2 | 4): Promise<RawImage> {
  const small = await sharp(img.data, rawInput(img)).resize(img.width / scale, img.height / scale, { kernel: 'lanczos3' }).png().toBuffer();
  const provider = await createLocalAiProvider({ name: 'local-ai', model: name }, { factor: scale });
  try {
    const up = await provider.upscale({ bytes: small, format: 'png', width: img.width / scale, height: img.height / scale, target: { width: img.width, height: img.height } });
    return up.image;
  } finally {
    await provider.dispose();
  }
}

// Crops chosen for variety (faces, fur, fabric, text, sky, hard edges); sizes multiples of 4 for the models.
const astro = await crop('astronaut.png', 150, 40, 192, 192);
const chelsea = await crop('chelsea.png', 120, 40, 200, 160);
const coffee = await crop('coffee.png', 180, 60, 224, 176);
const moto = await crop('motorcycle_left.png', 300, 160, 192, 160);
const rocket = await crop('rocket.jpg', 220, 80, 160, 192);
const camera = await crop('camera.png', 140, 40, 160, 160);

await pair('astronaut-identical', 'astronaut', astro, astro);
for (const q of [20, 50, 85, 95]) await pair(`astronaut-jpeg-q${q}`, 'astronaut', astro, await reencode(astro, 'jpeg', q));
for (const q of [30, 70]) await pair(`chelsea-jpeg-q${q}`, 'chelsea', chelsea, await reencode(chelsea, 'jpeg', q));
for (const q of [20, 60, 90]) await pair(`coffee-webp-q${q}`, 'coffee', coffee, await reencode(coffee, 'webp', q));
for (const q of [40, 80]) await pair(`rocket-webp-q${q}`, 'rocket', rocket, await reencode(rocket, 'webp', q));
for (const q of [25, 50, 75]) await pair(`motorcycle-avif-q${q}`, 'motorcycle', moto, await reencode(moto, 'avif', q));
await pair('chelsea-avif-q40', 'chelsea', chelsea, await reencode(chelsea, 'avif', 40));
for (const [img, nm] of [[astro, 'astronaut'], [moto, 'motorcycle']] as const) {
  for (const f of [2, 4]) for (const k of ['cubic', 'lanczos3'] as const) await pair(`${nm}-div${f}-${k}`, nm, img, await downUp(img, f, k));
}
await pair('rocket-div2-cubic', 'rocket', rocket, await downUp(rocket, 2, 'cubic'));
await pair('camera-grey-jpeg-q40', 'camera', camera, await reencode(camera, 'jpeg', 40), 'single-channel PNGs');
for (const m of ['slim', 'thick'] as const) {
  for (const s of [2, 4] as const) await pair(`chelsea-${m}-x${s}`, 'chelsea', chelsea, await model(chelsea, m, s));
}
await pair('coffee-slim-x4', 'coffee', coffee, await model(coffee, 'slim', 4));

// Odd sizes: odd width, under 64 px, not multiples of 8, libjxl's 8×8 minimum, and sizes where its last
// scale is under 8 px (it checks the size of the scale before).
for (const [w, h] of [[97, 61], [45, 33], [250, 131], [8, 8], [12, 9], [17, 16], [64, 8]] as const) {
  const src = await crop('coffee.png', 300, 150, w, h);
  await pair(`coffee-${w}x${h}-jpeg-q40`, `coffee-${w}x${h}`, src, await reencode(src, 'jpeg', 40));
}

// The issue's pair, kept as JPEG: scikit-image's coffee (test/fixtures/photos) through OpenCV's encoder, q30 and q90.
const full = await raw(sharp(join(photos, 'coffee.png')));
for (const q of [30, 90]) {
  const jpg = await sharp(full.data, rawInput(full)).jpeg({ quality: q }).toBuffer();
  const dFile = `coffee-full-jpeg-q${q}.jpg`;
  await writeFile(join(out, dFile), jpg);
  const decoded = join(scratch, `q${q}.png`);
  await writeFile(decoded, await png(await raw(sharp(jpg))));
  expected[`coffee-full-jpeg-q${q}`] = { original: '../photos/coffee.png', distorted: dFile, libjxl: libjxl(join(photos, 'coffee.png'), decoded), note: 'the JPEG is decoded (sharp = OpenCV here) before scoring' };
  console.error(`coffee-full-jpeg-q${q}: ${expected[`coffee-full-jpeg-q${q}`].libjxl}`);
}

await writeFile(join(out, 'expected.json'), JSON.stringify({ tool: 'libjxl 0.11 tools/ssimulacra2', pairs: expected }, null, 2) + '\n');
await rm(scratch, { recursive: true, force: true });
