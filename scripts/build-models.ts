/**
 * `npm run models`: converts every @upscalerjs ESRGAN model and scale into models/<name>-x<scale>.onnx.
 * Rebuilds only what is missing or older than its source, so `npm ci` stays quick after the first time.
 */
import { mkdir, stat, writeFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { convertTfjsModel } from '../main/core/models/tfjs-to-onnx.js';
import { LOCAL_MODELS } from '../main/core/models/catalog.js';
import { modelsDir } from '../main/core/paths.js';
import { onnxFileName, packageDir, tfjsModelJson } from '../main/core/models/model-files.js';

const require = createRequire(import.meta.url);
const out = modelsDir();
await mkdir(out, { recursive: true });
const force = process.argv.includes('--force');
for (const [name, info] of Object.entries(LOCAL_MODELS)) {
  const pkgDir = packageDir(info.package, require);
  for (const scale of info.scales) {
    const src = tfjsModelJson(pkgDir, scale);
    const dest = join(out, onnxFileName(name, scale));
    const [s, d] = await Promise.all([stat(src), stat(dest).catch(() => undefined)]);
    if (!force && d && d.mtimeMs >= s.mtimeMs) continue;
    const t0 = Date.now();
    const model = await convertTfjsModel(src);
    if (model.scale !== scale) throw new Error(`${name} x${scale}: the graph scales by ${model.scale}`);
    await writeFile(`${dest}.partial`, model.onnx);
    await rename(`${dest}.partial`, dest);
    console.log(`models: ${name} x${scale} → ${dest} (${model.layers} layers, ${(model.params / 1e6).toFixed(2)} M params, ${Date.now() - t0} ms)`);
  }
}
