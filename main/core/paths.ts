import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
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

/**
 * A path inside an installed app's resources/app.asar, moved to app.asar.unpacked beside it: what
 * electron-builder.yml unpacks (workers, the engine they import, the built-in models) is read from there,
 * by worker threads that cannot rely on Electron's archive reading. Told by the path: the engine does not
 * import Electron. Other paths are returned as they are.
 */
export const outsideArchive = (p: string) => p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');

/** The built-in ONNX models (`npm run models`), inside the package (UPSCALE_BENCH_MODELS now names the imported-model library). */
export function modelsDir(): string {
  return outsideArchive(join(packageRoot(), 'models'));
}

export const APP_NAME = 'Upscale Bench';

let userDataOverride: string | undefined;

/** The app's per-user folder, computed as Electron's `app.getPath('userData')` does, so the CLI finds the same one. */
export function userDataDir(): string {
  if (userDataOverride) return userDataOverride;
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(process.env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME);
}

/** The Electron glue passes the folder Electron itself reports, in case it differs (dev runs, a custom path). */
export function setUserDataDir(dir: string): void {
  userDataOverride = dir;
}

/** The library of imported models: `<user data>/models`, or UPSCALE_BENCH_MODELS for the CLI and the app alike. */
export function libraryDir(): string {
  return process.env.UPSCALE_BENCH_MODELS || join(userDataDir(), 'models');
}
