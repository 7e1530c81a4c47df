import { Worker } from 'node:worker_threads';

/**
 * Starts a worker from a sibling module. Under a TS runner (tests, tsx scripts) the source is .ts and is
 * loaded through tsx's loader inside the worker; compiled code loads the .js file directly.
 */
export function startWorker(base: string, name: string): Worker {
  const ts = base.endsWith('.ts');
  const url = new URL(`./${name}.${ts ? 'ts' : 'js'}`, base);
  if (!ts) return new Worker(url);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true });
}
