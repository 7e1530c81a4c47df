import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { toRaw, type RawImage } from '../main/core/image/raw.js';
import { onnxModelPath, packageDir, tfjsModelJson } from '../main/core/models/model-files.js';
import { openSession, sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { LOCAL_MODELS } from '../main/core/models/catalog.js';
import { convertTfjsModel, UnsupportedLayerError } from '../main/core/models/tfjs-to-onnx.js';
import { loadTfjsModel, tfjsUpscale } from './helpers/tfjs-reference.js';
import { fixture } from './helpers/images.js';
import { mkdtemp, writeFile, readFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
let photo: RawImage;
beforeAll(async () => {
  // A real photo patch, small enough for TF.js-wasm to run thick on it in seconds.
  photo = await toRaw(sharp(fixture('photos', 'chelsea.png')).extract({ left: 150, top: 60, width: 40, height: 32 }).removeAlpha());
});

const cases = (['slim', 'medium', 'thick'] as const).flatMap((m) => [4, m === 'thick' ? 2 : 3].map((s) => [m, s] as const));

describe('ONNX graphs match the TF.js reference within one grey level', () => {
  it.each(cases)('%s x%i', async (model, scale) => {
    const tfModel = await loadTfjsModel(tfjsModelJson(packageDir(LOCAL_MODELS[model].package, require), scale));
    const ref = tfjsUpscale(tfModel, photo, model === 'thick');
    tfModel.dispose();
    const session = await openSession(onnxModelPath(model, scale), 2);
    const ours = await upscaleTiled(sessionRunner(session), photo, { scale, tileSize: 1024, overlap: 0 });
    await session.release();
    expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
    let max = 0;
    for (let i = 0; i < ref.data.length; i++) max = Math.max(max, Math.abs(ref.data[i] - ours.data[i]));
    expect(max).toBeLessThanOrEqual(1);
    // and the network really ran: its output is not pixel replication
    let diff = 0;
    for (let y = 0; y < ours.height; y++)
      for (let x = 0; x < ours.width; x++)
        for (let c = 0; c < 3; c++) diff += Math.abs(ours.data[(y * ours.width + x) * 3 + c] - photo.data[((Math.floor(y / scale) * photo.width + Math.floor(x / scale)) * 3) + c]);
    expect(diff / ours.data.length).toBeGreaterThan(1);
  });
});

describe('converter', () => {
  it('refuses a layer it does not know, by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conv-'));
    const src = join(packageDir(LOCAL_MODELS.slim.package, require), 'models', 'x2');
    const model = JSON.parse(await readFile(join(src, 'model.json'), 'utf8'));
    for (const g of model.weightsManifest) for (const p of g.paths) await copyFile(join(src, p), join(dir, p));
    const layers = model.modelTopology.model_config.config.layers;
    layers.find((l: { class_name: string }) => l.class_name === 'Activation').class_name = 'LeakyReLU';
    await writeFile(join(dir, 'model.json'), JSON.stringify(model));
    await expect(convertTfjsModel(join(dir, 'model.json'))).rejects.toThrow(UnsupportedLayerError);
    await expect(convertTfjsModel(join(dir, 'model.json'))).rejects.toThrow(/of type LeakyReLU is not supported/);
    await mkdir(dir, { recursive: true });
  });
});
