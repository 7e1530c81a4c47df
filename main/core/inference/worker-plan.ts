import { availableParallelism } from 'node:os';

export interface WorkerPlan {
  /** Inference workers, each with its own onnxruntime session. */
  workers: number;
  /** onnxruntime intra-op threads per session. */
  threadsEach: number;
}

/**
 * Threads per session that gave the most output per second, by core count. Measured with thick x4 on
 * 256 px tiles (276² in with the 10 px overlap) through this scheduler, all workers busy
 * (`npm run bench:perf -- --only=workers,scheduler` prints the same comparison on the machine it runs on):
 *  - 2 cores (this project's machines, 2026-11-26): quiet (load < 1), 1 session × 2 threads 0.355 MP/s,
 *    2 sessions × 1 thread 0.348 MP/s (and 1.7× the memory), 1 × 1 0.184 MP/s: two threads in one session
 *    scale ×1.93, and an image of one tile can only use one session, so one session with both threads.
 *    Under heavy load from other jobs (load ≈ 9) 2 × 1 did better (0.082 against 0.060 MP/s).
 *  - 16 cores (issue 11): 16 × 1 thread 1.91 MP/s, 8 × 2 threads 1.73 MP/s, 1 × 16 threads 1.05 MP/s.
 * Between them the nearest smaller row applies (8 cores: 4 × 2, which issue 11's 8 × 2 figure supports);
 * beyond 16 cores nothing is measured.
 */
const MEASURED: readonly { cores: number; threadsEach: number }[] = [
  { cores: 2, threadsEach: 2 },
  { cores: 16, threadsEach: 1 },
];

/** `UPSCALE_BENCH_WORKERS=WxT` (e.g. 1x2) overrides the table: for machines unlike those measured, and benchmarks. */
export function workerPlan(cores = availableParallelism(), override = process.env.UPSCALE_BENCH_WORKERS): WorkerPlan {
  const forced = override ? /^(\d{1,3})x(\d{1,3})$/.exec(override.trim()) : null;
  if (forced) return { workers: Math.max(1, Number(forced[1])), threadsEach: Math.max(1, Number(forced[2])) };
  const row = [...MEASURED].reverse().find((m) => m.cores <= cores) ?? MEASURED[0];
  const threadsEach = Math.min(row.threadsEach, cores);
  return { workers: Math.max(1, Math.floor(cores / threadsEach)), threadsEach };
}

/** The measured table, for bench:perf to print beside its own measurement. */
export const MEASURED_THREADS = MEASURED;
