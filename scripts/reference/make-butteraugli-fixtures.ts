/**
 * Writes test/fixtures/butteraugli/: photo crops against JPEG, WebP and AVIF (sharp) at several
 * qualities, ÷2/÷4 then bicubic back, two local-model outputs, an identical pair and odd sizes, with
 * the distances libjxl 0.11's own `butteraugli_main` prints for each (reference.json).
 *
 *   BUTTERAUGLI_MAIN="/path/to/run butteraugli_main" node --import tsx scripts/reference/make-butteraugli-fixtures.ts
 *
 * BUTTERAUGLI_MAIN is the command to run (split on spaces). libjxl 0.11's tool is in Debian trixie's
 * `libjxl-devtools`; to run it on bookworm without installing anything system-wide, download that
 * package and its libraries (libc6, libgcc-s1, libstdc++6, libjxl0.11, libhwy1t64, libbrotli1,
 * libpng16-16t64, zlib1g, libjpeg62-turbo, libgif7, libavif16, libopenexr-3-1-30,
 * libimath-3-1-29t64, libdeflate0, liblcms2-2, libtcmalloc-minimal4t64, libdav1d7, libaom3,
 * librav1e0.7, libsvtav1enc2, libyuv0, libgav1-1) with a private apt list for trixie
 * (`apt-get -o Dir::Etc::sourcelist=FILE -o Dir::Etc::sourceparts=/dev/null -o Dir::State::Lists=DIR
 * -o Dir::Cache::Archives=DIR -o Dir::State::status=/dev/null update`, then `… download`; the list
 * line is `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian
 * trixie main`), `dpkg -x` each into ROOT, and run it through that folder's own loader:
 * `ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path ROOT/usr/lib/x86_64-linux-gnu
 * ROOT/usr/bin/butteraugli_main A.png B.png`.
 *
 * Every image is stored as an 8-bit RGB PNG (the lossy codecs' decoded pixels), except the two
 * full-size `coffee` JPEGs, stored as the JPEG files (a PNG of them would be ~0.4 MB each); the
 * tool is given a PNG of sharp's decode, and reference.json records that decode's SHA-256 so the
 * test can tell a decoder change from a Butteraugli regression.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { createLocalAiProvider } from '../../main/core/providers/local-ai.js';

const tool = (process.env.BUTTERAUGLI_MAIN ?? process.argv[2] ?? '').split(' ').filter(Boolean);
if (tool.length === 0) throw new Error('set BUTTERAUGLI_MAIN to the butteraugli_main command (see this file\'s header)');

const root = new URL('../../', import.meta.url).pathname;
const out = join(root, 'test/fixtures/butteraugli');
const photo = (name: string) => join(root, 'test/fixtures/photos', name);
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const tmp = await mkdtemp(join(tmpdir(), 'butteraugli-fixtures-'));

const png = (s: Sharp) => s.removeAlpha().toColourspace('srgb').png({ compressionLevel: 9 }).toBuffer();
const crop = (name: string, left: number, top: number, width: number, height: number) =>
  png(sharp(photo(name)).extract({ left, top, width, height }));
const decoded = (encoded: Promise<Buffer>) => encoded.then((b) => png(sharp(b)));
const jpeg = (src: Buffer, quality: number) => decoded(sharp(src).jpeg({ quality }).toBuffer());
const webp = (src: Buffer, quality: number) => decoded(sharp(src).webp({ quality }).toBuffer());
const avif = (src: Buffer, quality: number) => decoded(sharp(src).avif({ quality }).toBuffer());
async function downUp(src: Buffer, f: number): Promise<Buffer> {
  const { width, height } = await sharp(src).metadata();
  // two pipelines: sharp keeps only the last of two resizes in one
  const small = await sharp(src).resize(Math.round(width! / f), Math.round(height! / f), { kernel: 'lanczos3', fit: 'fill' }).png().toBuffer();
  return png(sharp(small).resize(width!, height!, { kernel: 'cubic', fit: 'fill' }));
}
async function model(src: Buffer, name: 'slim' | 'medium', f: 2 | 4): Promise<Buffer> {
  const { width, height } = await sharp(src).metadata();
  const w = width! / f, h = height! / f;
  const small = await sharp(src).resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).png().toBuffer();
  const p = await createLocalAiProvider({ name: 'local-ai', model: name }, { factor: f });
  const up = await p.upscale({ bytes: small, format: 'png', width: w, height: h, target: { width: width!, height: height! } });
  await p.dispose?.();
  const { data, width: uw, height: uh, channels } = up.image;
  return png(sharp(data, { raw: { width: uw, height: uh, channels } }).resize(width!, height!, { fit: 'fill' }));
}

interface Case {
  name: string;
  a: string;
  b: string;
  width: number;
  height: number;
  distance: number;
  pnorm3: number;
  /** For pairs stored as JPEG: SHA-256 of sharp's decoded RGB pixels of a and b. */
  decodedSha256?: [string, string];
}
const cases: Case[] = [];
const stored = new Map<Buffer, string>();

async function store(file: string, data: Buffer): Promise<string> {
  const known = stored.get(data);
  if (known) return known;
  // a committed photo used whole is referred to, not copied
  if (!file.startsWith('../')) await writeFile(join(out, file), data);
  stored.set(data, file);
  return file;
}

function runTool(a: string, b: string): { distance: number; pnorm3: number } {
  const text = execFileSync(tool[0], [...tool.slice(1), a, b], { encoding: 'utf8' });
  const m = /^\s*([\d.eE+-]+)\s*\n\s*3-norm:\s*([\d.eE+-]+)/.exec(text);
  if (!m) throw new Error(`unexpected butteraugli_main output: ${text}`);
  return { distance: Number(m[1]), pnorm3: Number(m[2]) };
}

async function pixelsSha(data: Buffer): Promise<string> {
  const raw = await sharp(data).removeAlpha().raw().toBuffer();
  return createHash('sha256').update(raw).digest('hex');
}

async function pair(name: string, aFile: string, a: Buffer, bFile: string, b: Buffer, asJpeg = false) {
  const ta = join(tmp, `${name}.a.png`);
  const tb = join(tmp, `${name}.b.png`);
  await writeFile(ta, asJpeg ? await png(sharp(a)) : a);
  await writeFile(tb, asJpeg ? await png(sharp(b)) : b);
  const { width, height } = await sharp(a).metadata();
  const c: Case = { name, a: await store(aFile, a), b: await store(bFile, b), width: width!, height: height!, ...runTool(ta, tb) };
  if (asJpeg) c.decodedSha256 = [await pixelsSha(a), await pixelsSha(b)];
  cases.push(c);
  console.log(`${name}: ${c.distance} / ${c.pnorm3}`);
}

async function distortions(label: string, src: Buffer, list: [string, Promise<Buffer>][]) {
  for (const [kind, b] of list) await pair(`${label}-${kind}`, `${label}.png`, src, `${label}-${kind}.png`, await b);
}

const astronaut = await crop('astronaut.png', 160, 40, 192, 192);
const chelsea = await crop('chelsea.png', 120, 40, 192, 192);
const motorcycle = await crop('motorcycle_left.png', 300, 200, 192, 160);
const rocket = await crop('rocket.jpg', 200, 80, 160, 192);

await distortions('astronaut', astronaut, [
  ['jpeg-q20', jpeg(astronaut, 20)], ['jpeg-q50', jpeg(astronaut, 50)], ['jpeg-q90', jpeg(astronaut, 90)],
  ['webp-q40', webp(astronaut, 40)], ['webp-q80', webp(astronaut, 80)],
  ['avif-q35', avif(astronaut, 35)], ['avif-q65', avif(astronaut, 65)],
  ['x2-cubic', downUp(astronaut, 2)], ['x4-cubic', downUp(astronaut, 4)],
  ['x4-esrgan-slim', model(astronaut, 'slim', 4)],
]);
await pair('astronaut-identical', 'astronaut.png', astronaut, 'astronaut.png', astronaut);
await distortions('chelsea', chelsea, [
  ['jpeg-q30', jpeg(chelsea, 30)], ['webp-q60', webp(chelsea, 60)], ['avif-q50', avif(chelsea, 50)],
  ['x2-cubic', downUp(chelsea, 2)], ['x4-cubic', downUp(chelsea, 4)], ['x2-esrgan-medium', model(chelsea, 'medium', 2)],
]);
await distortions('motorcycle', motorcycle, [
  ['jpeg-q70', jpeg(motorcycle, 70)], ['webp-q25', webp(motorcycle, 25)], ['avif-q80', avif(motorcycle, 80)], ['x4-cubic', downUp(motorcycle, 4)],
]);
await distortions('rocket', rocket, [['jpeg-q40', jpeg(rocket, 40)], ['x2-cubic', downUp(rocket, 2)]]);

// Odd sizes: odd width and height (the half-resolution pass averages a lone last row/column), the
// smallest size with a half-resolution pass (15), one below it, 8×8, and under 8 px (libjxl gives 0).
for (const [w, h] of [[131, 97], [15, 15], [14, 21], [8, 8], [7, 30]] as const) {
  const src = await crop('chelsea.png', 200, 100, w, h);
  await pair(`odd-${w}x${h}-jpeg-q40`, `odd-${w}x${h}.png`, src, `odd-${w}x${h}-jpeg-q40.png`, await jpeg(src, 40));
}

// The coffee numbers: the full 600×400 photo as JPEG q30 and q90 (sharp's libjpeg-turbo gives
// the same as OpenCV's: 6.84 / 2.39 and 2.45 / 0.89).
const coffee = await sharp(photo('coffee.png')).toBuffer();
for (const q of [30, 90]) {
  const j = await sharp(photo('coffee.png')).jpeg({ quality: q }).toBuffer();
  const file = `coffee-jpeg-q${q}.jpg`;
  await pair(`coffee-jpeg-q${q}`, '../photos/coffee.png', coffee, file, j, true);
}
stored.clear();

await writeFile(join(out, 'reference.json'), JSON.stringify({
  tool: 'libjxl 0.11 butteraugli_main (Debian trixie libjxl-devtools), default settings: intensity target 80, hf_asymmetry 1, xmul 1, --pnorm 3',
  cases,
}, null, 2) + '\n');
await rm(tmp, { recursive: true, force: true });
