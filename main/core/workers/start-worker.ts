import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker from a sibling module. Under a TS runner (tests, tsx scripts) the source is .ts and is
 * loaded through tsx's loader inside the worker; compiled code loads the .js file directly.
 */
export function startWorker(base: string, name: string, options: Pick<WorkerOptions, 'workerData' | 'transferList'> = {}): Worker {
  const ts = base.endsWith('.ts');
  const url = new URL(`./${name}.${ts ? 'ts' : 'js'}`, base);
  if (!ts) return new Worker(url, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
