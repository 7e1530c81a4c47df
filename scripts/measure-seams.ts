/**
 * Tiled vs whole-image output of imported models over tile overlaps: max abs difference on the seam
 * lines (within 8 input px of a cell edge) and elsewhere, PSNR, and the time a tiled run takes.
 * `node --import tsx scripts/measure-seams.ts [filter | FILE…]` — needs the test-model cache (npm run fetch-test-models).
 * Model files given as arguments are measured instead of the list (e.g. the full-size random DAT/HAT nets
 * of scripts/reference/make-transformer-bench-models.py). SIDE=px sets the image, TILE=px the tile size.
 * Models that run in two stages (inference/two-stage.ts) get a second table: the body in 64 px cells (so a
 * crop has seams; the provider's are ~300 px) with each overlap, the head in its own sub-tiles.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { toRaw, type RawImage } from '../main/core/image/raw.js';
import { planTiles } from '../main/core/inference/tiling.js';
import { sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { planTwoStage, twoStageTiles, upscaleTwoStage } from '../main/core/inference/two-stage.js';
import { splitStages } from '../main/core/models/graph/split-stages.js';
import { importModelFile } from '../main/core/models/import/import-model.js';
import { tileSizeFor } from '../main/core/models/resolve-model.js';
import { importedEntry } from '../main/core/models/model-list.js';
import type { LibraryEntry } from '../main/core/models/library.js';
import { testModelPath, testNcnnModelsDir } from './fetch-test-models.js';

const F = 'test/fixtures/models/';
const MODELS: [string, string][] = [
  ['anime ncnn (RRDB 6B x4)', `${testNcnnModelsDir()}/realesrgan-x4plus-anime.param`],
  ['YandereNeo-Superlite (ESRGAN x4)', testModelPath('4x-NMKD-YandereNeo-Superlite.pth')],
  ['rrdb-realesrgan-x4 (random)', F + 'rrdb-realesrgan-x4.pth'],
  ['rrdb-unshuffle-x2 (random)', F + 'rrdb-unshuffle-x2.pth'],
  ['AniScale (Compact x2)', testModelPath('2x-AniScale.pth')],
  ['animevideov3 ncnn (Compact x4)', `${testNcnnModelsDir()}/realesr-animevideov3-x4.param`],
  ['span-x2 (random)', F + 'span-x2.safetensors'],
  ['realplksr-x2 (random)', F + 'realplksr-x2.pth'],
  ['swinir-x2 (random)', F + 'swinir-x2-pixelshuffle.pth'],
  ['dat-x4 (random, small)', F + 'dat-x4.pth'],
  ['hat-x4 (random, small)', F + 'hat-x4.pth'],
  ['OmniSR WTP x4', testModelPath('4x_WTP_descreenton.pth')],
];
const OVERLAPS = (process.env.OVERLAPS ?? '10,16,24,32,48').split(',').map(Number);
const files = process.argv.slice(2).filter((a) => existsSync(a));
const filter = files.length ? undefined : process.argv[2];
if (files.length) MODELS.splice(0, MODELS.length, ...files.map((f): [string, string] => [basename(f), f]));

function compare(a: RawImage, b: RawImage, seamsX: number[], seamsY: number[], s: number, band: number) {
  let seam = 0, other = 0, se = 0;
  const W = a.width;
  for (let y = 0; y < a.height; y++) {
    const nearY = seamsY.some((v) => Math.abs(y / s - v) < band);
    for (let x = 0; x < W; x++) {
      const near = nearY || seamsX.some((v) => Math.abs(x / s - v) < band);
      for (let c = 0; c < 3; c++) {
        const i = (y * W + x) * 3 + c;
        const d = Math.abs(a.data[i] - b.data[i]);
        se += d * d;
        if (near) seam = Math.max(seam, d);
        else other = Math.max(other, d);
      }
    }
  }
  const mse = se / a.data.length;
  return { seam, other, psnr: mse === 0 ? Infinity : 10 * Math.log10(255 * 255 / mse) };
}

for (const [label, file] of MODELS) {
  if (filter && !label.toLowerCase().includes(filter.toLowerCase())) continue;
  const imp = await importModelFile(file);
  const d = imp.descriptor;
  const session = await ort.InferenceSession.create(imp.onnx, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const run = sessionRunner(session);
  const tile0 = tileSizeFor(importedEntry(d as unknown as LibraryEntry), d.scale, 10);
  // Big enough for a 2×2 grid of cells at the provider's tile size.
  const side = Number(process.env.SIDE) || Math.min(tile0 + 64, 320);
  const img = await toRaw(sharp('test/fixtures/photos/astronaut.png').extract({ left: 0, top: 0, width: side, height: side }).removeAlpha());
  const align = d.sizeMultiple ?? 1;
  // TIMING_ONLY=1: no whole-image run (a big image at x4 does not fit in memory whole), times only.
  const timingOnly = !!process.env.TIMING_ONLY;
  const whole = timingOnly ? img : await upscaleTiled(run, img, { scale: d.scale, tileSize: 4096, overlap: 0, align });
  console.log(`\n${label}: ${d.architecture} x${d.scale} ${JSON.stringify(d.details)} image ${side}² align ${align}`);
  console.log('overlap | tile | max on seams | max elsewhere | PSNR dB | work | tiled s');
  for (const ov of OVERLAPS) {
    const tile = Number(process.env.TILE) || tileSizeFor(importedEntry(d as unknown as LibraryEntry), d.scale, ov);
    const tiles = planTiles(side, side, tile, ov, align);
    const xs = [...new Set(tiles.filter((t) => t.window.x + t.crop.x > 0).map((t) => t.window.x + t.crop.x))];
    const ys = [...new Set(tiles.filter((t) => t.window.y + t.crop.y > 0).map((t) => t.window.y + t.crop.y))];
    // input pixels the net runs on, per image pixel: the compute a tiled run costs (windows overlap)
    const work = tiles.reduce((a, t) => a + t.window.w * t.window.h, 0) / (side * side);
    const t0 = performance.now();
    const tiled = await upscaleTiled(run, img, { scale: d.scale, tileSize: tile, overlap: ov, align });
    const secs = (performance.now() - t0) / 1000;
    if (timingOnly) {
      console.log(`${ov} | ${tile} | - | - | - | ${work.toFixed(2)} | ${secs.toFixed(1)}`);
      continue;
    }
    const c = compare(whole, tiled, xs, ys, d.scale, 8);
    console.log(`${ov} | ${tile} | ${c.seam} | ${c.other} | ${c.psnr.toFixed(1)} | ${work.toFixed(2)} | ${secs.toFixed(1)}`);
  }
  await session.release();
  const split = splitStages(imp.onnx);
  if (timingOnly || 'reason' in split || !split.facts.headConvolves) continue;
  const stages = { body: await ort.InferenceSession.create(split.body, { intraOpNumThreads: 2 }), head: await ort.InferenceSession.create(split.head, { intraOpNumThreads: 2 }) };
  console.log(`two stages (head overlap ${split.facts.headOverlap} feature px, body cells 64 px):`);
  console.log('body overlap | body tiles | head tiles | max on seams | max elsewhere | PSNR dB');
  for (const ov of OVERLAPS) {
    const o = { facts: split.facts, tileSize: 64, overlap: ov, headTileSize: twoStageTiles(split.facts, ov).headTileSize, align };
    const plan = planTwoStage(side, side, o);
    const s = split.facts.featureStride;
    const cut = (v: number[]) => [...new Set(v.filter((x) => x > 0))];
    const xs = cut(plan.flatMap((t) => [(t.window.x + t.crop.x) * s, ...t.heads.map((h) => (t.window.x + h.cell.x) * s)]));
    const ys = cut(plan.flatMap((t) => [(t.window.y + t.crop.y) * s, ...t.heads.map((h) => (t.window.y + h.cell.y) * s)]));
    const two = await upscaleTwoStage(sessionRunner(stages), img, o);
    const c = compare(whole, two, xs, ys, d.scale, 8);
    console.log(`${ov} | ${plan.length} | ${plan.reduce((n, t) => n + t.heads.length, 0)} | ${c.seam} | ${c.other} | ${c.psnr.toFixed(1)}`);
  }
  await Promise.all(Object.values(stages).map((x) => x.release()));
}
