import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { planTiles } from '../main/core/image/tiling.js';
import { toRaw } from '../main/core/image/raw.js';
import { onnxModelPath } from '../main/core/models/model-files.js';
import { openSession, sessionRunner, upscaleTiled } from '../main/core/models/onnx-runner.js';
import { LocalAiProvider, DEFAULT_TILE_OVERLAP } from '../main/core/providers/local-ai.js';
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

describe('local-ai provider', () => {
  const png = (channels: 3 | 4) =>
    sharp(fixture('photos', 'logo.png')).resize(48, 40).toColourspace('srgb')[channels === 4 ? 'ensureAlpha' : 'removeAlpha']().png().toBuffer();

  it('upscales RGBA: RGB by the model, alpha kept', async () => {
    const p = new LocalAiProvider('slim', 4, 32, 8);
    const ticks: number[] = [];
    const out = await p.upscale({ bytes: await png(4), format: 'png', width: 48, height: 40, target: { width: 192, height: 160 }, onProgress: (t) => ticks.push(t.done) });
    await p.dispose();
    expect(out.image.channels).toBe(4);
    expect([out.image.width, out.image.height]).toEqual([192, 160]);
    expect(out.notes.join()).toMatch(/alpha upscaled with bicubic/);
    expect(ticks).toEqual([0, 1, 2, 3, 4]); // 2×2 tiles
  });

  it('stops between tiles when cancelled', async () => {
    const p = new LocalAiProvider('slim', 4, 16, 4);
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

  it('refuses a scale the model does not have', () => {
    expect(() => new LocalAiProvider('thick', 5)).toThrow(/no x5/);
  });
});
