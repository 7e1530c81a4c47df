import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BenchError } from '../errors.js';
import { modelsDir } from '../paths.js';
import type { Precision } from './catalog.js';

export const onnxFileName = (model: string, scale: number, precision: Precision = 'fp32') =>
  `esrgan-${model}-x${scale}${precision === 'int8' ? '-int8' : ''}.onnx`;

/** A built-in's graph for one scale and precision, in the app's models folder. */
export const builtinGraphPath = (model: string, scale: number, precision: Precision = 'fp32') => join(modelsDir(), onnxFileName(model, scale, precision));

/** The graph, or a sentence when `npm run models` has not built it. */
export function onnxModelPath(model: string, scale: number, precision: Precision = 'fp32'): string {
  const path = builtinGraphPath(model, scale, precision);
  if (!existsSync(path)) {
    const label = `${model} x${scale}${precision === 'int8' ? ' int8' : ''}`;
    throw new BenchError('ERROR_BAD_SETTINGS', `local model ${label} is not built (${path} missing): run \`npm run models\``);
  }
  return path;
}

/** The installed folder of an npm package whose `exports` hide package.json. */
export function packageDir(name: string, require: NodeRequire): string {
  let dir = dirname(require.resolve(name));
  while (dir !== dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the folder of ${name}`);
}

export const tfjsModelJson = (pkgDirectory: string, scale: number) => join(pkgDirectory, 'models', `x${scale}`, 'model.json');
