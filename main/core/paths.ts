import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json (source tree, compiled dist/, or the packaged app). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'upscale-bench') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the upscale-bench package folder');
}

/** Built ONNX models live here (`npm run models`); UPSCALE_BENCH_MODELS overrides it. */
export function modelsDir(): string {
  return process.env.UPSCALE_BENCH_MODELS ?? join(packageRoot(), 'models');
}
