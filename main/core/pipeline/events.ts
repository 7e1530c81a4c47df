import type { ResultRow } from '../results/row.js';
import type { RunSummary } from '../results/summary.js';

export type Stage = 'read' | 'downscale' | 'store' | 'fetch' | 'upscale' | 'score' | 'write';

/** Everything a progress display (CLI bar, app) needs; `index` is the input's position. */
export type RunEvent =
  | { type: 'start'; total: number; providers: string[]; outDir: string }
  | { type: 'stage'; index: number; path: string; stage: Stage; provider?: string }
  | { type: 'tile'; index: number; provider: string; done: number; total: number }
  | { type: 'row'; index: number; row: ResultRow; done: number; total: number }
  | { type: 'image-done'; index: number; done: number; total: number }
  | { type: 'end'; summary: RunSummary };
