import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertStateDict } from '../main/core/models/import/convert-state-dict.js';
import { readPthWithFormat } from '../main/core/models/import/readers/pth.js';
import { readSafetensors } from '../main/core/models/import/readers/safetensors.js';
import type { ConvertedImport } from '../main/core/models/import/state-dict.js';
import { sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { planTiles } from '../main/core/inference/tiling.js';
import { toRaw } from '../main/core/image/raw.js';
import { defaultTileOverlap } from '../main/core/inference/tile-overlap.js';
import sharp from 'sharp';
import { ensureTestModels, testModelPath } from '../scripts/fetch-test-models.js';
import { fixture, readRgb } from './helpers/images.js';

// Fixtures from scripts/reference/make-model-fixtures.py: Debian's python3-torch running the published
// architecture definitions (scripts/reference/sr_archs.py) on real photo crops.
const { cases } = JSON.parse(readFileSync(fixture('models', 'cases.json'), 'utf8')) as { cases: { name: string; weights: string; input: string; note: string }[] };

function importWeights(weights: string): ConvertedImport {
  const path = weights.startsWith('cache:') ? testModelPath(weights.slice('cache:'.length)) : fixture('models', weights);
  const bytes = new Uint8Array(readFileSync(path));
  if (path.endsWith('.safetensors')) return convertStateDict(readSafetensors(bytes).sd, 'safetensors');
  const { sd, format } = readPthWithFormat(bytes);
  return convertStateDict(sd, format);
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / a.length));
}

// params, where given: torch's parameters() count for the reference model (buffers such as BatchNorm
// statistics, index tables and masks are not parameters).
const EXPECTED: Record<string, { architecture: string; scale: number; sourceFormat: string; params?: number; details?: Record<string, number | string>; sizeMultiple?: number }> = {
  'aniscale-x2': { architecture: 'Real-ESRGAN Compact', scale: 2, sourceFormat: 'pth-zip', details: { convs: 16, features: 64 } },
  'yandereneo-x4': { architecture: 'ESRGAN', scale: 4, sourceFormat: 'pth-legacy', details: { layout: 'old', blocks: 2, features: 64, growth: 32 } },
  'omnisr-wtp-x4': { architecture: 'OmniSR', scale: 4, sourceFormat: 'pth-zip', details: { groups: 5, blocks: 1, features: 64, window: 8 }, sizeMultiple: 8 },
  'omnisr-x2-nope': { architecture: 'OmniSR', scale: 2, sourceFormat: 'safetensors', details: { groups: 1, blocks: 2, features: 16 }, sizeMultiple: 8 },
  'realplksr-x2': { architecture: 'RealPLKSR', scale: 2, sourceFormat: 'pth-zip', details: { blocks: 3, features: 16, kernel: 9, norm: 'group' } },
  'realplksr-x4-ln': { architecture: 'RealPLKSR', scale: 4, sourceFormat: 'safetensors', details: { blocks: 2, features: 12, kernel: 7, norm: 'layer', attention: 'off' } },
  'swinir-x2-pixelshuffle': { architecture: 'SwinIR', scale: 2, sourceFormat: 'pth-zip', details: { upsampler: 'pixelshuffle', features: 12, window: 8, depths: '2,2', heads: '2,2' }, sizeMultiple: 8 },
  'swinir-x4-direct': { architecture: 'SwinIR', scale: 4, sourceFormat: 'pth-zip', details: { upsampler: 'pixelshuffledirect', features: 8, window: 4 }, sizeMultiple: 4 },
  'swinir-x4-nearest': { architecture: 'SwinIR', scale: 4, sourceFormat: 'safetensors', details: { upsampler: 'nearest+conv', window: 7, heads: '1' }, sizeMultiple: 7 },
  'swinir-x1': { architecture: 'SwinIR', scale: 1, sourceFormat: 'pth-zip', details: { upsampler: 'none', window: 8 }, sizeMultiple: 8 },
  'rrdb-realesrgan-x4': { architecture: 'ESRGAN', scale: 4, sourceFormat: 'pth-zip', details: { layout: 'Real-ESRGAN', blocks: 2, features: 8, growth: 4 } },
  'rrdb-bsrgan-x4': { architecture: 'ESRGAN', scale: 4, sourceFormat: 'pth-legacy', details: { layout: 'BSRGAN', blocks: 3 } },
  'rrdb-unshuffle-x2': { architecture: 'ESRGAN', scale: 2, sourceFormat: 'pth-zip', details: { pixelUnshuffle: 2, blocks: 1 } },
  'rrdb-unshuffle-x1': { architecture: 'ESRGAN', scale: 1, sourceFormat: 'pth-zip', details: { pixelUnshuffle: 4 } },
  'rrdb-old-x2': { architecture: 'ESRGAN', scale: 2, sourceFormat: 'pth-zip', details: { layout: 'old', blocks: 2 } },
  'compact-x4-fp16': { architecture: 'Real-ESRGAN Compact', scale: 4, sourceFormat: 'pth-zip', details: { convs: 4, features: 16 } },
  'span-x2': { architecture: 'SPAN', scale: 2, sourceFormat: 'safetensors', details: { features: 8 } },
  'span-x4-nonorm': { architecture: 'SPAN', scale: 4, sourceFormat: 'pth-zip', details: { features: 6, norm: 'off' } },
  'dat-x4': { architecture: 'DAT', scale: 4, sourceFormat: 'pth-zip', params: 195169, details: { variant: 'DAT', split: '8x32', expansion: 4, upsampler: 'pixelshuffle', features: 64, depths: '2', heads: '4' }, sizeMultiple: 32 },
  'dat-2-x2': { architecture: 'DAT', scale: 2, sourceFormat: 'pth-zip', params: 60497, details: { variant: 'DAT-2', split: '8x32', expansion: 2, depths: '1,1', heads: '4,4' }, sizeMultiple: 32 },
  'dat-s-x3': { architecture: 'DAT', scale: 3, sourceFormat: 'safetensors', params: 71514, details: { variant: 'DAT-S', split: '8x16', expansion: 2, depths: '3' }, sizeMultiple: 16 },
  'dat-light-x4': { architecture: 'DAT', scale: 4, sourceFormat: 'pth-zip', params: 131982, details: { variant: 'DAT-light', split: '8x32', upsampler: 'pixelshuffledirect', features: 64 }, sizeMultiple: 32 },
  'hat-x4': { architecture: 'HAT', scale: 4, sourceFormat: 'pth-zip', params: 75825, details: { variant: 'HAT', features: 30, window: 8, overlap: 0.5, compress: 3, depths: '2', heads: '2' }, sizeMultiple: 8 },
  'hat-s-x2': { architecture: 'HAT', scale: 2, sourceFormat: 'pth-zip', params: 42264, details: { variant: 'HAT-S', window: 8, overlap: 0.25, compress: 24, heads: '3' }, sizeMultiple: 8 },
  'hat-l-x2': { architecture: 'HAT', scale: 2, sourceFormat: 'safetensors', params: 98107, details: { variant: 'HAT-L', features: 16, depths: '1,1,1,1,1,1,1,1,1,1,1,1' }, sizeMultiple: 8 },
};

beforeAll(() => {
  ensureTestModels();
});

describe('imported PyTorch models match python3-torch within one grey level', () => {
  it('covers every fixture case', () => expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED).sort()));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const converted = importWeights(c.weights);
    const want = EXPECTED[name];
    expect(converted.descriptor).toMatchObject({ architecture: want.architecture, scale: want.scale, sourceFormat: want.sourceFormat, inChannels: 3, outChannels: 3, sizeMultiple: want.sizeMultiple ?? (want.details?.pixelUnshuffle as number) ?? 1 });
    expect(converted.descriptor.details).toMatchObject(want.details ?? {});
    expect(converted.descriptor.params).toBeGreaterThan(0);
    if (want.params) expect(converted.descriptor.params).toBe(want.params);

    const input = await readRgb(fixture('models', c.input));
    const ref = await readRgb(fixture('models', `expected-${name}.png`));
    const session = await ort.InferenceSession.create(converted.onnx, { intraOpNumThreads: 1 });
    const ours = await upscaleTiled(sessionRunner(session), input, { scale: want.scale, tileSize: 1024, overlap: 0 });
    await session.release();
    expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
    expect(psnr(ours.data, ref.data)).toBeGreaterThanOrEqual(45);
    let maxDiff = 0;
    for (let i = 0; i < ref.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours.data[i] - ref.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
    // The reference is a real image, not flat: a graph that ignores the weights could not match it.
    const mean = ref.data.reduce((a, v) => a + v, 0) / ref.data.length;
    expect(Math.sqrt(ref.data.reduce((a, v) => a + (v - mean) ** 2, 0) / ref.data.length)).toBeGreaterThan(20);
  });
});

describe('tiles of a pixel-unshuffle net are seamless when windows start on its sizeMultiple', () => {
  it('planTiles starts every window on the grid and still covers every pixel once', () => {
    for (const align of [1, 2, 4, 8]) {
      const tiles = planTiles(151, 101, 48, 10, align);
      let covered = 0;
      for (const t of tiles) {
        expect(t.window.x % align).toBe(0);
        expect(t.window.y % align).toBe(0);
        expect(t.crop.x).toBeGreaterThanOrEqual(Math.min(10, t.window.x + t.crop.x));
        covered += t.crop.w * t.crop.h;
      }
      expect(covered).toBe(151 * 101);
    }
  });

  it('rrdb-unshuffle-x1: aligned tiles match the whole image; unaligned ones do not', async () => {
    const converted = importWeights('rrdb-unshuffle-x1.pth');
    expect(converted.descriptor.sizeMultiple).toBe(4);
    const img = await toRaw(sharp(fixture('photos', 'chelsea.png')).extract({ left: 100, top: 40, width: 151, height: 101 }).removeAlpha());
    const session = await ort.InferenceSession.create(converted.onnx, { intraOpNumThreads: 1 });
    const run = (o: { tileSize: number; overlap: number; align?: number }) => upscaleTiled(sessionRunner(session), img, { scale: 1, ...o });
    const whole = await run({ tileSize: 1024, overlap: 0 });
    const maxDiff = (a: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - whole.data[i])), 0);
    expect(maxDiff((await run({ tileSize: 48, overlap: 16, align: 4 })).data)).toBeLessThanOrEqual(1);
    expect(maxDiff((await run({ tileSize: 48, overlap: 16, align: 1 })).data)).toBeGreaterThan(5);
    await session.release();
  });
});

describe('DAT and HAT tiles on their window grid, at the default overlap', () => {
  // scripts/measure-seams.ts on these fixtures (160² crop, 80 px tiles): HAT max 1 grey level at 32 px
  // (12 at 16 px); DAT 50 dB, max 4, everywhere alike: its channel attention and its gates' means read the
  // whole tile, so no overlap makes a tile exact.
  it.each([
    ['hat-x4.pth', 4, 1, 60],
    ['dat-x4.pth', 4, 6, 45],
  ])('%s', async (file, scale, maxGrey, minPsnr) => {
    const converted = importWeights(file);
    const overlap = defaultTileOverlap(converted.descriptor);
    expect(overlap).toBe(32);
    const img = await toRaw(sharp(fixture('photos', 'astronaut.png')).extract({ left: 0, top: 0, width: 160, height: 160 }).removeAlpha());
    const session = await ort.InferenceSession.create(converted.onnx, { intraOpNumThreads: 1 });
    const run = (o: { tileSize: number; overlap: number; align?: number }) => upscaleTiled(sessionRunner(session), img, { scale, ...o });
    const whole = await run({ tileSize: 1024, overlap: 0 });
    const tiled = await run({ tileSize: 80, overlap, align: converted.descriptor.sizeMultiple });
    const seamy = await run({ tileSize: 80, overlap: 0, align: converted.descriptor.sizeMultiple });
    await session.release();
    const maxDiff = (a: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - whole.data[i])), 0);
    expect(maxDiff(tiled.data)).toBeLessThanOrEqual(maxGrey);
    expect(psnr(tiled.data, whole.data)).toBeGreaterThanOrEqual(minPsnr);
    // without the overlap the tile edges show
    expect(maxDiff(seamy.data)).toBeGreaterThan(50);
  });
});
