import type { BenchApi } from '../../preload/api';

declare global {
  interface Window {
    bench: BenchApi;
  }
}

/** The preload's API object; the renderer reaches main through nothing else. */
export const bench = (): BenchApi => window.bench;

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
