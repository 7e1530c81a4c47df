import { Worker, type WorkerOptions } from 'node:worker_threads';
import { outsideArchive } from '../paths.js';

// In an installed app this code runs from inside resources/app.asar. Electron reads files there, but an ES
// module worker graph loaded from there has not been shown to work, so electron-builder.yml unpacks the
// workers, everything they import and the package.json that makes them ES modules into app.asar.unpacked
// beside it (test/packaging.test.ts checks), and they start from there. Told by the path, not by asking
// Electron: the engine does not import it.

/** The worker module `name` beside the module at `base` (its import.meta.url), outside the archive if it is in one. */
export function workerUrl(base: string, name: string): URL {
  const url = new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
  url.pathname = outsideArchive(url.pathname);
  return url;
}

/**
 * Starts a worker from a sibling module. Under a TS runner (tests, tsx scripts) the source is .ts and is
 * loaded through tsx's loader inside the worker; compiled code loads the .js file directly.
 */
export function startWorker(base: string, name: string, options: Pick<WorkerOptions, 'workerData' | 'transferList'> = {}): Worker {
  const url = workerUrl(base, name);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
