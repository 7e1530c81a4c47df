import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { importModelFile } from '../main/core/models/import/import-model.js';
import { ModelLibrary } from '../main/core/models/library.js';
import { defaultTileOverlap } from '../main/core/inference/tile-overlap.js';
import { createLocalAiProvider } from '../main/core/providers/local-ai.js';
import { resolveModel } from '../main/core/models/resolve-model.js';
import { BUILTIN_TILE_OVERLAP as DEFAULT_TILE_OVERLAP } from '../main/core/models/model-list.js';
import type { RawImage } from '../main/core/image/raw.js';
import { testNcnnModelsDir } from '../scripts/fetch-test-models.js';
import { planFixedTiles, planTiles } from '../main/core/inference/tiling.js';
import { toRaw } from '../main/core/image/raw.js';
import { onnxModelPath } from '../main/core/models/model-files.js';
import { openSession, sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { fixture } from './helpers/images.js';

describe('planTiles', () => {
  it.each([
    [100, 60, 32, 4],
    [257, 129, 64, 10],
    [5, 3, 64, 10],
    [1000, 1, 256, 10],
  ])('covers %ix%i exactly once with tile %i overlap %i', (w, h, tile, overlap) => {
    const tiles = planTiles(w, h, tile, overlap);
    const hits = new Uint8Array(w * h);
    for (const t of tiles) {
      expect(t.window.x).toBeGreaterThanOrEqual(0);
      expect(t.window.x + t.window.w).toBeLessThanOrEqual(w);
      expect(t.crop.x + t.crop.w).toBeLessThanOrEqual(t.window.w);
      expect(t.crop.w).toBeLessThanOrEqual(tile);
      // an inner edge keeps its full overlap
      if (t.window.x > 0) expect(t.crop.x).toBe(overlap);
      for (let y = 0; y < t.crop.h; y++) for (let x = 0; x < t.crop.w; x++) hits[(t.window.y + t.crop.y + y) * w + t.window.x + t.crop.x + x]++;
    }
    expect(hits.every((v) => v === 1)).toBe(true);
  });

  it('splits into near-equal tiles', () => {
    const widths = planTiles(600, 10, 256, 0).map((t) => t.crop.w);
    expect(widths).toEqual([200, 200, 200]);
  });
});

describe('planFixedTiles', () => {
  it.each([
    [100, 60, 40, 8, 1],
    [1500, 1000, 454, 51, 1],
    [257, 129, 64, 10, 2],
    [301, 77, 50, 6, 4],
    [30, 20, 64, 10, 1],
  ])('covers %ix%i exactly once with %i px windows, %i px of context, align %i; one window size', (w, h, win, overlap, align) => {
    const tiles = planFixedTiles(w, h, win, overlap, align);
    const hits = new Uint8Array(w * h);
    const widths: number[] = [];
    const heights: number[] = [];
    for (const t of tiles) {
      expect(t.window.x % align).toBe(0);
      expect(t.window.y % align).toBe(0);
      expect(t.window.x + t.window.w).toBeLessThanOrEqual(w);
      widths.push(t.window.w);
      heights.push(t.window.h);
      // every inner side keeps its context
      if (t.window.x + t.crop.x > 0) expect(t.crop.x).toBeGreaterThanOrEqual(overlap);
      if (t.window.x + t.crop.x + t.crop.w < w) expect(t.window.w - t.crop.x - t.crop.w).toBeGreaterThanOrEqual(overlap);
      if (t.window.y + t.crop.y > 0) expect(t.crop.y).toBeGreaterThanOrEqual(overlap);
      for (let y = 0; y < t.crop.h; y++) for (let x = 0; x < t.crop.w; x++) hits[(t.window.y + t.crop.y + y) * w + t.window.x + t.crop.x + x]++;
    }
    expect(hits.every((v) => v === 1)).toBe(true);
    // one size (only the last window of a row or column may be larger, by less than align), at most `win`
    expect(Math.max(...widths) - Math.min(...widths)).toBeLessThan(align);
    expect(Math.max(...heights) - Math.min(...heights)).toBeLessThan(align);
    expect(Math.min(...widths)).toBeLessThanOrEqual(win);
  });

  it('spends about what near-equal cells would on a 24 MP photo at x4 (1500×1000 in)', () => {
    const area = (ts: { window: { w: number; h: number } }[]) => ts.reduce((a, t) => a + t.window.w * t.window.h, 0) / (1500 * 1000);
    const fixed = area(planFixedTiles(1500, 1000, 454, 51));
    expect(fixed).toBeLessThan(1.5);
    expect(fixed / area(planTiles(1500, 1000, 352, 51))).toBeLessThan(1.0);
  });
});

describe('tiled ONNX upscaling is seamless', () => {
  it.each([['thick', 'fp32'], ['medium', 'fp32'], ['slim', 'fp32'], ['thick', 'int8']] as const)('%s %s x4: tiled equals untiled within 1 grey level away from the border', async (model, precision) => {
    const img = await toRaw(sharp(fixture('photos', 'astronaut.png')).extract({ left: 180, top: 40, width: 120, height: 96 }).removeAlpha());
    const session = await openSession(onnxModelPath(model, 4, precision), 2);
    const whole = await upscaleTiled(sessionRunner(session), img, { scale: 4, tileSize: 4096, overlap: 0 });
    const tiled = await upscaleTiled(sessionRunner(session), img, { scale: 4, tileSize: 40, overlap: DEFAULT_TILE_OVERLAP });
    const seamy = await upscaleTiled(sessionRunner(session), img, { scale: 4, tileSize: 40, overlap: 0 });
    await session.release();
    const compareInterior = (a: Buffer, b: Buffer) => {
      let max = 0;
      let over1 = 0;
      let n = 0;
      const W = whole.width;
      const border = DEFAULT_TILE_OVERLAP * 4;
      for (let y = border; y < whole.height - border; y++)
        for (let i = (y * W + border) * 3; i < (y * W + W - border) * 3; i++, n++) {
          const d = Math.abs(a[i] - b[i]);
          max = Math.max(max, d);
          if (d > 1) over1++;
        }
      return { max, over1: over1 / n };
    };
    const seamless = compareInterior(whole.data, tiled.data);
    if (precision === 'fp32') expect(seamless.max).toBeLessThanOrEqual(1);
    else {
      // int8 re-rounds every activation: the last-bit float differences any change of tensor shape causes
      // flip a few roundings anywhere in the image, not only at seams (measured: max 3, 0.02% of values
      // off by more than 1, the same with 24 px of overlap). Seams would be 8–9% of values and up to 80.
      expect(seamless.max).toBeLessThanOrEqual(3);
      expect(seamless.over1).toBeLessThan(0.001);
    }
    // without overlap the seams show: the test can tell the difference
    const seams = compareInterior(whole.data, seamy.data);
    expect(seams.max).toBeGreaterThan(10);
    expect(seams.over1).toBeGreaterThan(0.01);
  });
});

describe('imported models get the overlap their architecture needs', () => {
  const maxDiff = (a: RawImage, b: RawImage) => {
    let max = 0;
    for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
    return max;
  };

  it('RRDBNet (realesrgan-x4plus-anime, 6 blocks): the provider tiles it within 1 grey level of a whole-image run; the old 10 px did not', async () => {
    const imported = await importModelFile(join(testNcnnModelsDir(), 'realesrgan-x4plus-anime.param'));
    const d = imported.descriptor;
    expect(d.tileOverlap).toBe(48);
    // An entry imported before overlaps were recorded falls back to the same architecture default.
    const { tileOverlap: _, ...older } = d;
    const library = new ModelLibrary(await mkdtemp(join(tmpdir(), 'seams-')));
    process.env.UPSCALE_BENCH_MODELS = library.dir;
    const entry = await library.add('anime-old', { ...older, sha256: imported.sha256, sourceFile: imported.sourceFile, sourceBytes: imported.sourceBytes }, imported.onnx);
    expect(entry.tileOverlap).toBeUndefined();
    const model = await resolveModel({ model: 'anime-old' }, 4, library);
    expect(model.tileOverlap).toBe(48);
    expect((await resolveModel({ model: 'anime-old', tileOverlap: 10 }, 4, library)).tileOverlap).toBe(10); // --tile-overlap still wins
    const tile = model.tileSize;
    expect(tile).toBe(96);

    const png = await sharp(fixture('photos', 'astronaut.png')).extract({ left: 130, top: 20, width: 200, height: 160 }).removeAlpha().png().toBuffer();
    const img = await toRaw(sharp(png));
    const session = await ort.InferenceSession.create(imported.onnx, { intraOpNumThreads: 2 });
    const whole = await upscaleTiled(sessionRunner(session), img, { scale: 4, tileSize: 4096, overlap: 0 });
    // the same cells with the old default overlap
    const old = await upscaleTiled(sessionRunner(session), img, { scale: 4, tileSize: tile, overlap: 10 });
    await session.release();

    const p = await createLocalAiProvider({ name: 'local-ai', model: 'anime-old' }, { factor: 4 });
    const ticks: number[] = [];
    const out = await p.upscale({ bytes: png, format: 'png', width: 200, height: 160, target: { width: 800, height: 640 }, onProgress: (t) => ticks.push(t.total) });
    await p.dispose();
    delete process.env.UPSCALE_BENCH_MODELS;
    // It runs in two stages (test/two-stage.test.ts): the body in one window, the head in 56 px sub-tiles.
    expect(ticks.at(-1)).toBe(1 + 4 * 3);
    // scripts/measure-seams.ts on a 240² crop: max 1 with 48 px, 76 with 10 px
    expect(maxDiff(out.image, whole)).toBeLessThanOrEqual(1);
    expect(maxDiff(old, whole)).toBeGreaterThan(10);
  });

  it('defaults by architecture', () => {
    const o = (architecture: string, details: Record<string, number | string> = {}) => defaultTileOverlap({ architecture, details });
    expect([o('ESRGAN', { blocks: 2 }), o('ESRGAN', { blocks: 6 }), o('ESRGAN', { blocks: 23 }), o('ncnn (RRDBNet-like)', { blocks: 6 })]).toEqual([16, 48, 48, 48]);
    expect([o('Real-ESRGAN Compact'), o('ncnn (Real-ESRGAN Compact-like)'), o('SPAN'), o('SwinIR'), o('OmniSR'), o('ONNX')]).toEqual([16, 16, 24, 32, 32, 32]);
    expect([o('DAT', { split: '8x32' }), o('HAT', { window: 16 })]).toEqual([32, 32]);
  });
});

describe('local-ai provider', () => {
  const png = (channels: 3 | 4) =>
    sharp(fixture('photos', 'logo.png')).resize(48, 40).toColourspace('srgb')[channels === 4 ? 'ensureAlpha' : 'removeAlpha']().png().toBuffer();

  it('upscales RGBA: RGB by the model, alpha kept', async () => {
    const p = await createLocalAiProvider({ name: 'local-ai', model: 'slim', tileSize: 32, tileOverlap: 8 }, { factor: 4 });
    const ticks: number[] = [];
    const out = await p.upscale({ bytes: await png(4), format: 'png', width: 48, height: 40, target: { width: 192, height: 160 }, onProgress: (t) => ticks.push(t.done) });
    await p.dispose();
    expect(out.image.channels).toBe(4);
    expect([out.image.width, out.image.height]).toEqual([192, 160]);
    expect(out.notes.join()).toMatch(/alpha upscaled with bicubic/);
    expect(ticks).toEqual([0, 1, 2, 3, 4]); // 2×2 tiles
  });

  it('stops between tiles when cancelled', async () => {
    const p = await createLocalAiProvider({ name: 'local-ai', model: 'slim', tileSize: 16, tileOverlap: 4 }, { factor: 4 });
    const ac = new AbortController();
    const done: number[] = [];
    const run = p.upscale({
      bytes: await png(3), format: 'png', width: 48, height: 40, target: { width: 192, height: 160 }, signal: ac.signal,
      onProgress: (t) => {
        done.push(t.done);
        if (t.done === 2) ac.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancelled/);
    await p.dispose();
    expect(Math.max(...done)).toBe(2);
  });

  it('refuses a scale the model does not have', async () => {
    await expect(createLocalAiProvider({ name: 'local-ai', model: 'thick' }, { factor: 5 })).rejects.toThrow(/local model thick has no x5 \(it has x2, x3, x4, x8\)/);
  });
});
