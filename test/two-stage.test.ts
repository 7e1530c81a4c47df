import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addModelFile, importModelFile, type ImportedFile } from '../main/core/models/import/import-model.js';
import { quantizeModel } from '../main/core/models/int8/make-int8.js';
import { splitStages, type SplitGraphs } from '../main/core/models/graph/split-stages.js';
import { ModelLibrary } from '../main/core/models/library.js';
import { sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { planTwoStage, twoStageTiles, upscaleTwoStage } from '../main/core/inference/two-stage.js';
import { createLocalAiProvider } from '../main/core/providers/local-ai.js';
import { toRaw, type RawImage } from '../main/core/image/raw.js';
import { ensureTestModels, testModelPath, testNcnnModelsDir } from '../scripts/fetch-test-models.js';
import { fixture } from './helpers/images.js';

const ANIME = () => join(testNcnnModelsDir(), 'realesrgan-x4plus-anime.param');
const YANDERE = () => testModelPath('4x-NMKD-YandereNeo-Superlite.pth');

function compare(a: RawImage, b: RawImage) {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    max = Math.max(max, d);
    se += d * d;
  }
  return { max, psnr: se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / a.data.length)) };
}

const split = (imp: ImportedFile): SplitGraphs => {
  const s = splitStages(imp.onnx);
  if ('reason' in s) throw new Error(s.reason);
  return s;
};

const crop = (w: number, h: number) => sharp(fixture('photos', 'astronaut.png')).extract({ left: 130, top: 20, width: w, height: h }).removeAlpha();

beforeAll(() => {
  ensureTestModels();
});

describe('splitting a model at its first upsampling', () => {
  it('finds the body and the head of every ESRGAN layout, and refuses what it cannot run apart', async () => {
    const facts = async (file: string) => {
      const s = splitStages((await importModelFile(file)).onnx);
      return 'reason' in s ? s.reason : s.facts;
    };
    const x4 = { featureStride: 1, headScale: 4, headOverlap: 3, featureChannels: 64, headConvolves: true };
    expect(await facts(ANIME())).toMatchObject(x4); // ncnn, RRDBNet 6 blocks
    expect(await facts(YANDERE())).toMatchObject(x4); // .pth legacy, old layout
    // pixel-unshuffle stems: the body works on a grid 2 or 4 times coarser, the head upsamples ×4 from it
    expect(await facts(fixture('models', 'rrdb-unshuffle-x2.pth'))).toMatchObject({ featureStride: 2, headScale: 4 });
    expect(await facts(fixture('models', 'rrdb-unshuffle-x1.pth'))).toMatchObject({ featureStride: 4, headScale: 4 });
    expect(await facts(fixture('models', 'rrdb-bsrgan-x4-legacy.pth'))).toMatchObject({ featureStride: 1, headScale: 4, headConvolves: true });
    // Compact adds the upsampled input to its output: the head reads more than the features
    expect(await facts(testModelPath('2x-AniScale.pth'))).toMatch(/head reads the input/);
    // SwinIR's attention cannot be tiled apart from its head by this split
    expect(await facts(fixture('models', 'swinir-x4-nearest.safetensors'))).toMatch(/Transpose/);
    // SPAN splits, but its head only shuffles pixels: no convolution, nothing to gain from a second pass
    expect(await facts(fixture('models', 'span-x2.safetensors'))).toMatchObject({ headScale: 2, headConvolves: false });
  });
});

describe('two-stage tiles equal one whole-image run on real weights', () => {
  // 160×128 in 48 px body cells and 16 px head cells: seams of both kinds
  it.each([
    ['realesrgan-x4plus-anime (ncnn, RRDBNet 6 blocks)', ANIME, 48, 16],
    ['4x-NMKD-YandereNeo-Superlite (.pth, ESRGAN 2 blocks)', YANDERE, 16, 2],
  ])('%s: within 1 grey level and 45 dB; too little body or head overlap shows', async (_name, file, overlap, tooLittle) => {
    const imp = await importModelFile(file());
    expect(imp.descriptor.tileOverlap).toBe(overlap);
    const s = split(imp);
    const img = await toRaw(crop(160, 128));
    const whole = await upscaleTiled(sessionRunner(await ort.InferenceSession.create(imp.onnx, { intraOpNumThreads: 2 })), img, { scale: 4, tileSize: 4096, overlap: 0 });
    const run = sessionRunner({ body: await ort.InferenceSession.create(s.body, { intraOpNumThreads: 2 }), head: await ort.InferenceSession.create(s.head, { intraOpNumThreads: 2 }) });
    const o = { facts: s.facts, tileSize: 48, overlap, headTileSize: 16 };
    const plan = planTwoStage(160, 128, o);
    expect(plan.length).toBeGreaterThanOrEqual(2);
    expect(plan.every((t) => t.heads.length >= 4)).toBe(true);

    const two = compare(await upscaleTwoStage(run, img, o), whole);
    expect(two.max).toBeLessThanOrEqual(1);
    expect(two.psnr).toBeGreaterThanOrEqual(45);
    // the head's overlap comes from its reach (3 px); without it every head seam shows
    const noHeadOverlap = compare(await upscaleTwoStage(run, img, { ...o, headOverlap: 0 }), whole);
    expect(noHeadOverlap.max).toBeGreaterThan(1);
    // the body's overlap is the architecture's (tile-overlap.ts); a smaller one shows at the body's seams
    const littleBody = compare(await upscaleTwoStage(run, img, { ...o, overlap: tooLittle }), whole);
    expect(littleBody.max).toBeGreaterThan(1);
  });

  it('a pixel-unshuffle x2 RRDBNet (random weights) splits on its own grid, with odd sizes', async () => {
    const imp = await importModelFile(fixture('models', 'rrdb-unshuffle-x2.pth'));
    const s = split(imp);
    const img = await toRaw(crop(121, 87));
    const whole = await upscaleTiled(sessionRunner(await ort.InferenceSession.create(imp.onnx)), img, { scale: 2, tileSize: 4096, overlap: 0, align: 2 });
    const run = sessionRunner({ body: await ort.InferenceSession.create(s.body), head: await ort.InferenceSession.create(s.head) });
    const out = await upscaleTwoStage(run, img, { facts: s.facts, tileSize: 40, overlap: imp.descriptor.tileOverlap!, headTileSize: 8, align: imp.descriptor.sizeMultiple });
    expect(compare(out, whole).max).toBeLessThanOrEqual(1);
  });
});

describe('an int8 build splits too', () => {
  it('YandereNeo int8 (QDQ): the dequantized weights go with the convolutions that read them; tiles of both stages equal its whole run', async () => {
    const library = new ModelLibrary(await mkdtemp(join(tmpdir(), 'two-stage-int8-')));
    process.env.UPSCALE_BENCH_MODELS = library.dir;
    try {
      const { entry } = await addModelFile(YANDERE(), { name: 'yandere', library });
      await quantizeModel('yandere', { force: true, library });
      const int8 = new Uint8Array(readFileSync(library.onnxPath(entry, 'int8')));
      const s = splitStages(int8);
      if ('reason' in s) throw new Error(s.reason);
      expect(s.facts).toMatchObject({ featureStride: 1, headScale: 4, headOverlap: 3, headConvolves: true });
      const img = await toRaw(crop(160, 128));
      const whole = await upscaleTiled(sessionRunner(await ort.InferenceSession.create(int8, { intraOpNumThreads: 2 })), img, { scale: 4, tileSize: 4096, overlap: 0 });
      const run = sessionRunner({ body: await ort.InferenceSession.create(s.body, { intraOpNumThreads: 2 }), head: await ort.InferenceSession.create(s.head, { intraOpNumThreads: 2 }) });
      // int8 rounds every activation, so a seam's small difference can flip roundings further in: 32 px of body
      // context make this int8 net's tiles exact (its fp32 graph needs 16; its one-stage int8 tiles at 16 px
      // differ by up to 15 grey levels)
      const two = compare(await upscaleTwoStage(run, img, { facts: s.facts, tileSize: 48, overlap: 32, headTileSize: 16 }), whole);
      expect(two.max).toBeLessThanOrEqual(1);
      expect(compare(await upscaleTwoStage(run, img, { facts: s.facts, tileSize: 48, overlap: 32, headTileSize: 16, headOverlap: 0 }), whole).max).toBeGreaterThan(1);
      // so the provider gives an int8 build twice its architecture's body overlap, and fp32 its own
      const int8Provider = await createLocalAiProvider({ name: 'local-ai', model: 'yandere', precision: 'int8' }, { factor: 4 });
      const fp32Provider = await createLocalAiProvider({ name: 'local-ai', model: 'yandere' }, { factor: 4 });
      expect([int8Provider.stages?.overlap, fp32Provider.stages?.overlap]).toEqual([32, 16]);
      await Promise.all([int8Provider.dispose(), fp32Provider.dispose()]);
    } finally {
      delete process.env.UPSCALE_BENCH_MODELS;
    }
  });
});

describe('the provider runs an imported RRDBNet in two stages', () => {
  let library: ModelLibrary;
  let png: Buffer;
  let whole: RawImage;
  beforeAll(async () => {
    library = new ModelLibrary(await mkdtemp(join(tmpdir(), 'two-stage-')));
    process.env.UPSCALE_BENCH_MODELS = library.dir;
    const imp = await importModelFile(ANIME());
    // added as an entry imported before stages existed: no split graphs beside it yet
    await library.add('anime', { ...imp.descriptor, sha256: imp.sha256, sourceFile: imp.sourceFile, sourceBytes: imp.sourceBytes }, imp.onnx);
    png = await crop(200, 160).png().toBuffer();
    const session = await ort.InferenceSession.create(imp.onnx, { intraOpNumThreads: 2 });
    whole = await upscaleTiled(sessionRunner(session), await toRaw(sharp(png)), { scale: 4, tileSize: 4096, overlap: 0 });
    await session.release();
  });
  afterAll(() => {
    delete process.env.UPSCALE_BENCH_MODELS;
  });

  it('splits an older entry on first use, reports every tile of both stages, and matches a whole-image run', async () => {
    const stagesDir = join(dirname(library.onnxPath((await library.find('anime'))!)), 'stages');
    expect(existsSync(stagesDir)).toBe(false);
    const p = await createLocalAiProvider({ name: 'local-ai', model: 'anime', tileSize: 48 }, { factor: 4 });
    const record = JSON.parse(readFileSync(join(stagesDir, 'stages.json'), 'utf8'));
    expect(record.facts).toMatchObject({ headScale: 4, headOverlap: 3 });
    const ticks: [number, number][] = [];
    const out = await p.upscale({ bytes: png, format: 'png', width: 200, height: 160, target: { width: 800, height: 640 }, onProgress: (t) => ticks.push([t.done, t.total]) });
    await p.dispose();
    // 48 px body cells: 3×2 body tiles, each with its head sub-tiles; every one is a tick
    const plan = planTwoStage(200, 160, { facts: record.facts, tileSize: 48, overlap: 48, headTileSize: twoStageTiles(record.facts, 48).headTileSize });
    expect(plan.length).toBe(6);
    const total = ticks[0][1];
    expect(total).toBe(plan.reduce((n, t) => n + 1 + t.heads.length, 0));
    expect(total).toBeGreaterThanOrEqual(12);
    expect(ticks.map(([d]) => d)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    expect(ticks.every(([, t]) => t === total)).toBe(true);
    const c = compare(out.image, whole);
    expect(c.max).toBeLessThanOrEqual(1);
    expect(c.psnr).toBeGreaterThanOrEqual(45);
  });

  it('stops mid-image when cancelled', async () => {
    const p = await createLocalAiProvider({ name: 'local-ai', model: 'anime', tileSize: 48 }, { factor: 4 });
    const ac = new AbortController();
    const done: number[] = [];
    const run = p.upscale({
      bytes: png, format: 'png', width: 200, height: 160, target: { width: 800, height: 640 }, signal: ac.signal,
      onProgress: (t) => {
        done.push(t.done);
        if (t.done === 3) ac.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancelled/);
    await p.dispose();
    expect(Math.max(...done)).toBe(3);
  });

  it('a net without an output-resolution head (Compact) runs in one stage, as before', async () => {
    const imp = await importModelFile(testModelPath('2x-AniScale.pth'));
    const entry = await library.add('aniscale', { ...imp.descriptor, sha256: imp.sha256, sourceFile: imp.sourceFile, sourceBytes: imp.sourceBytes }, imp.onnx);
    const p = await createLocalAiProvider({ name: 'local-ai', model: 'aniscale' }, { factor: 2 });
    expect(p.stages).toBeUndefined();
    const ticks: number[] = [];
    const out = await p.upscale({ bytes: png, format: 'png', width: 200, height: 160, target: { width: 400, height: 320 }, onProgress: (t) => ticks.push(t.total) });
    await p.dispose();
    expect([out.image.width, out.image.height]).toEqual([400, 320]);
    expect(ticks.at(-1)).toBe(1); // one 256 px tile, as before
    expect(existsSync(join(dirname(library.onnxPath(entry)), 'stages'))).toBe(false);
  });
});
