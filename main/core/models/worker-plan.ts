import { availableParallelism } from 'node:os';

export interface WorkerPlan {
  /** Inference workers, each with its own onnxruntime session. */
  workers: number;
  /** onnxruntime intra-op threads per session. */
  threadsEach: number;
}

/**
 * Threads per session that gave the most output per second, by core count: several independent
 * sessions working on different tiles scale better than one session's intra-op threads. Measured with
 * thick x4 on 256 px tiles (with the 10 px overlap: 276² in, 1104² out), all cores busy, through this
 * scheduler; `npm run bench:perf -- --only=workers` prints the same comparison on the machine it runs on.
 *  - 2 cores (AMD EPYC, this project's machines, 2026-11-26, `bench-child workers`, on a machine shared
 *    with other jobs, load ≈ 20): 2 sessions × 1 thread 0.0244 MP/s, 1 session × 2 threads 0.0174 MP/s
 *    (×1.40); issue 11 estimated ×1.25 on an idle machine from per-thread rates.
 *  - 16 cores (issue 11): 16 × 1 thread 1.91 MP/s, 8 × 2 threads 1.73 MP/s, 1 × 16 threads 1.05 MP/s.
 * Beyond 16 cores nothing is measured; one thread a session is kept.
 */
const MEASURED: readonly { cores: number; threadsEach: number }[] = [
  { cores: 2, threadsEach: 1 },
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
