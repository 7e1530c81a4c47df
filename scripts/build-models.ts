/**
 * `npm run models`: converts every @upscalerjs ESRGAN model and scale into models/<name>-x<scale>.onnx,
 * and for models with an int8 build also models/<name>-x<scale>-int8.onnx (calibrated on
 * assets/calibration/). Rebuilds only what is missing or older than its sources, so `npm ci` stays quick
 * after the first time.
 */
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';
import { rgbOnly, toRaw } from '../main/core/image/raw.js';
import { calibrateRanges } from '../main/core/models/calibrate.js';
import { bundledCalibrationDir } from '../main/core/models/int8/calibration-set.js';
import { LOCAL_MODELS } from '../main/core/models/catalog.js';
import { onnxFileName, packageDir, tfjsModelJson } from '../main/core/models/model-files.js';
import { quantizeGraph } from '../main/core/models/quantize.js';
import { convertTfjsModel } from '../main/core/models/tfjs-to-onnx.js';
import { modelsDir, packageRoot } from '../main/core/paths.js';

const require = createRequire(import.meta.url);
const out = modelsDir();
await mkdir(out, { recursive: true });
const force = process.argv.includes('--force');
const calibrationDir = bundledCalibrationDir();

const stale = async (dest: string, sources: string[]) => {
  if (force) return true;
  const d = await stat(dest).catch(() => undefined);
  if (!d) return true;
  const s = await Promise.all(sources.map((p) => stat(p)));
  return s.some((x) => x.mtimeMs > d.mtimeMs);
};
const save = async (dest: string, bytes: Uint8Array) => {
  await writeFile(`${dest}.partial`, bytes);
  await rename(`${dest}.partial`, dest);
};

let calibration: Awaited<ReturnType<typeof toRaw>>[] | undefined;
const calibrationFiles = (await readdir(calibrationDir)).filter((f) => f.endsWith('.png')).map((f) => join(calibrationDir, f));

for (const [name, info] of Object.entries(LOCAL_MODELS)) {
  const pkgDir = packageDir(info.package, require);
  for (const scale of info.scales) {
    const src = tfjsModelJson(pkgDir, scale);
    const dest = join(out, onnxFileName(name, scale));
    if (await stale(dest, [src])) {
      const t0 = Date.now();
      const model = await convertTfjsModel(src);
      if (model.scale !== scale) throw new Error(`${name} x${scale}: the graph scales by ${model.scale}`);
      await save(dest, model.onnx);
      console.log(`models: ${name} x${scale} → ${dest} (${model.layers} layers, ${(model.params / 1e6).toFixed(2)} M params, ${Date.now() - t0} ms)`);
    }
    if (!('int8' in info)) continue;
    const dest8 = join(out, onnxFileName(name, scale, 'int8'));
    if (!(await stale(dest8, [src, ...calibrationFiles]))) continue;
    const t0 = Date.now();
    calibration ??= await Promise.all(calibrationFiles.map(async (f) => rgbOnly(await toRaw(sharp(f).toColourspace('srgb')))));
    // Quantized graphs keep their concatenations: int8 partial sums would lose precision.
    const float = await convertTfjsModel(src, { splitConcat: false });
    const ranges = await calibrateRanges(float.onnx, calibration);
    await save(dest8, quantizeGraph(float.onnx, ranges));
    console.log(`models: ${name} x${scale} int8 → ${dest8} (calibrated on ${calibration.length} images, ${Date.now() - t0} ms)`);
  }
}
