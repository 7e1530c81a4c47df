import type { ResultRow } from '../results/row.js';
import type { RunSummary } from '../results/summary.js';

export type Stage = 'read' | 'downscale' | 'store' | 'fetch' | 'upscale' | 'score' | 'write';

/** Everything a progress display (CLI bar, app) needs; `index` is the input's position. */
export type RunEvent =
  /** An s3:// prefix being listed, before the run starts: objects seen so far and the images among them. */
  | { type: 'listing'; input: string; objects: number; images: number; done: boolean }
  | {
      type: 'start';
      total: number;
      /** Inputs already finished (kept from an interrupted run), and their rows per provider. */
      done: number;
      kept: KeptCount[];
      providers: string[];
      outDir: string;
      /** rows the run will write */
      rows: number;
      /** of which kept from an interrupted run */
      keptRows: number;
      /** stored settings per image (1 unless a sweep) */
      settings: number;
      /** rows each provider will write */
      providerRows: Record<string, number>;
    }
  | { type: 'stage'; index: number; path: string; stage: Stage; provider?: string; /** a sweep's setting, e.g. f2-webp-q80 */ setting?: string }
  /** A tile of this image's upscale by this provider finished (done 0: its first tile is starting). */
  | { type: 'tile'; index: number; path: string; provider: string; done: number; total: number; /** requests in flight (SageMaker) */ inFlight?: number }
  | { type: 'row'; index: number; row: ResultRow; done: number; total: number }
  | { type: 'image-done'; index: number; done: number; total: number }
  | { type: 'end'; summary: RunSummary };

export interface KeptCount {
  provider: string;
  rows: number;
  errors: number;
}
