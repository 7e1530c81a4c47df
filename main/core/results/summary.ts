import { rename, writeFile } from 'node:fs/promises';
import { type FrontierEntry, type Recommendation, RECOMPRESS_ONLY, paretoSummary, recommend, settingId, settingPoints, sweepGrid } from './pareto.js';
import { coreSeconds } from './core-seconds.js';
import { type ResultRow, savedPercent } from './row.js';
import { type AdaptivePolicy, adaptivePolicy } from './policy.js';
import type { SageMakerSummary } from '../providers/sagemaker/usage.js';
import { type ConfidenceInfo, addConfidence } from './confidence-answer.js';
import type { Comparison } from './comparisons.js';
import { describeSetting } from './pareto.js';
import { type Target, atPercentile, higherIsBetter, metricLabel, scoreOf, targetAt, withAt } from './target.js';
import { groupBy } from './group-by.js';
import type { GroupAnswer } from './group-summary.js';
import type { GroupBy } from '../inputs/groups.js';
import { type SettingWorstCase, type WithWorstCase, type WorstCase, worstCases } from './worst-case.js';

export interface ProviderSummary {
  provider: string;
  model: string;
  rows: number;
  ok: number;
  errors: number;
  /** Mean over the ok rows where ORB is defined; `orb_undefined` counts the others (no keypoints or no matches). */
  mean_orb: number | null;
  orb_undefined: number;
  /** Mean over finite values; identical images (infinite PSNR) are counted apart. */
  mean_psnr: number | null;
  infinite_psnr: number;
  mean_ssim: number | null;
  /** Means over the rows that have the score (null when it was not asked for); likewise Butteraugli's. */
  mean_ssimulacra2: number | null;
  mean_butteraugli: number | null;
  mean_butteraugli_3norm: number | null;
  /** Mean and sum of `upscale_ms`: each image's own compute, so the sum stays within workers × wall time. */
  mean_upscale_ms: number | null;
  total_upscale_ms: number;
  /** Mean `wait_ms`: time an image waited for an inference slot that other images held. */
  mean_wait_ms: number | null;
  /** Busy core-seconds per image (upscale_ms × upscale_threads): compute per retrieval; null for SageMaker. */
  mean_upscale_core_s: number | null;
}

export interface RunSummary {
  tool: 'upscale-bench';
  version: string;
  settings: Record<string, unknown>;
  output_dir: string;
  results_csv: string;
  started_at: string;
  finished_at: string;
  wall_ms: number;
  /** stopped: the store or an endpoint stopped answering; `message` says which, and the rest is left for a resume. */
  status: 'completed' | 'cancelled' | 'failed' | 'stopped';
  message?: string;
  /** Set when this run continued an interrupted one. */
  resumed?: { kept_inputs: number; /** rows kept, counting a sweep's finished settings of images done only in part */ kept_rows: number };
  counts: { inputs: number; rows: number; ok: number; errors: number; not_run: number };
  totals: { original_bytes: number; stored_bytes: number; saved_bytes: number; saved_percent: number | null };
  images_per_minute: number | null;
  providers: ProviderSummary[];
  /** The score `recommendation` had to reach, on which metric (≥ for similarities, ≤ for Butteraugli) and statistic (`at`; absent: the mean). */
  target?: Target;
  /** `target.value` when the target is on SSIM, for readers from before `target`. */
  target_ssim?: number;
  /** Per provider, the settings no other setting of it beats on both mean stored bytes and the target's statistic; each with its `worst_case`. */
  pareto?: Record<string, WithWorstCase<FrontierEntry>[]>;
  /**
   * The cheapest setting reaching `target`, with the best recompress-only one beside it and `edge`, where
   * either sits at the edge of the grid; null if none did.
   */
  recommendation?: (WithWorstCase<Recommendation> & { recompress_only: WithWorstCase<NonNullable<Recommendation['recompress_only']>> | null }) | null;
  /**
   * Per setting, on the target: its statistic with an interval, the images whose own score reaches the
   * target (with an exact interval), and the worst image. Pareto entries and the recommendation carry theirs.
   */
  worst_case?: WorstCase[];
  /** How the 95% intervals (`ci` on each provider, Pareto entry and the recommendation) were made. */
  confidence?: ConfidenceInfo;
  /** Per image, each upscaler against bicubic, lanczos and recompress-only at matched bytes, with a sentence. */
  comparisons?: Comparison[];
  /** A sweep's per-image policy (each image's cheapest setting reaching the target); its lines are policy.csv. */
  adaptive_policy?: Omit<AdaptivePolicy, 'choices'> | null;
  /** `sweep --adaptive`: stored copies the search made per image and setting, against the full grid's. */
  adaptive_search?: { images: number; settings_in_grid: number; copies_in_grid: number; copies_made: number; saved_percent: number };
  /** Requests, retries and cost of a run with a SageMaker provider. */
  sagemaker?: SageMakerSummary;
  /** How the images were grouped (`--group-by`, or a CSV's `group` column); with `groups`, the answer per group. */
  group_by?: GroupBy;
  groups?: GroupAnswer[];
}

/** summary.json's answer to "which setting should I store with?" */
export function storageAnswer(rows: ResultRow[], target: Target, sweep = true): Pick<RunSummary, 'target' | 'target_ssim' | 'pareto' | 'recommendation'> {
  const points = settingPoints(rows);
  // the grid from every row, error rows too: a setting tried is part of the grid even where nothing scored
  const recommendation = recommend(points, target, sweepGrid(rows));
  // a plain run's one setting is the whole grid: "at its edge" would be true and say nothing
  if (recommendation && !sweep) recommendation.edge = [];
  return { target, ...(target.metric === 'ssim' ? { target_ssim: target.value } : {}), pareto: paretoSummary(points, target.metric, targetAt(target)), recommendation };
}

/** Each row's score on the target's metric, which way is better, and its name. */
const metricOf = (target: Target) => ({ label: metricLabel(target.metric), score: (r: ResultRow) => scoreOf(r, target.metric), higherIsBetter: higherIsBetter(target.metric) });

/**
 * summary.json's confidence: adds `ci` to the providers, Pareto entries and the recommendation (with its
 * stopping rule, on the target's statistic), and gives the paired comparisons on the target's metric.
 */
export function confidenceAnswer(summary: Pick<RunSummary, 'providers' | 'pareto' | 'recommendation'>, rows: ResultRow[], target: Target): Pick<RunSummary, 'confidence' | 'comparisons'> {
  const at = targetAt(target);
  const statistic = at === 'mean' ? {} : { percentile: atPercentile(at, higherIsBetter(target.metric)), statistic: at };
  return addConfidence(summary, rows, metricOf(target), target.value, describeSetting, statistic);
}

/**
 * summary.json's worst cases: `worst_case` per setting on the target's statistic, and the same (without the
 * setting) on each Pareto entry, the recommendation and its recompress-only side.
 */
export function worstCaseAnswer(summary: Pick<RunSummary, 'pareto' | 'recommendation'>, rows: ResultRow[], target: Target): Pick<RunSummary, 'worst_case'> {
  const cases = worstCases(rows, metricOf(target), target.value, targetAt(target));
  const bySetting = new Map(cases.map((c) => [settingId(c), c]));
  const attach = (provider: string, entry: { factor: number; format: string; quality: number | null }) => {
    const c = bySetting.get(settingId({ ...entry, provider }));
    if (!c) return;
    const { provider: _p, model: _m, factor: _f, format: _fmt, quality: _q, ...own } = c;
    Object.assign(entry, { worst_case: own satisfies SettingWorstCase });
  };
  for (const [provider, list] of Object.entries(summary.pareto ?? {})) for (const e of list) attach(provider, e);
  const rec = summary.recommendation;
  if (rec) {
    attach(rec.provider, rec);
    if (rec.recompress_only) attach(RECOMPRESS_ONLY, rec.recompress_only);
  }
  return { worst_case: cases };
}

/** summary.json's `adaptive_policy` (without the per-image lines, which go to policy.csv) and the full policy. */
export function policyAnswer(rows: ResultRow[], target: Target, fullGrid = true): { summary: Omit<AdaptivePolicy, 'choices'> | null; policy: AdaptivePolicy | null } {
  // each image is held to the target itself: a statistic over images does not apply to one
  const policy = adaptivePolicy(rows, withAt(target), { fullGrid });
  if (!policy) return { summary: null, policy };
  const { choices: _lines, ...summary } = policy;
  return { summary, policy };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * One entry per (provider, model), in the rows' order: a provider that follows the factor (local-ai in a ÷2/÷4
 * sweep runs its x2 and x4 models) gets one entry per model, so no mean is put down to a model that did not make it.
 */
export function summariseProviders(rows: ResultRow[]): ProviderSummary[] {
  const by = groupBy(rows, (r) => `${r.provider}\0${r.model}`);
  // a provider's models side by side, providers in the order they first appear
  const providers = [...new Set(rows.map((r) => r.provider))];
  const groups = [...by.values()].sort((a, b) => providers.indexOf(a[0].provider) - providers.indexOf(b[0].provider));
  return groups.map((rs) => {
    const ok = rs.filter((r) => r.status === 'ok');
    const nums = (f: (r: ResultRow) => number | null) => ok.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
    return {
      provider: rs[0].provider,
      model: rs[0].model,
      rows: rs.length,
      ok: ok.length,
      errors: rs.length - ok.length,
      // rows where ORB is undefined (empty orb_score) are left out, and counted
      mean_orb: mean(nums((r) => r.orb_score)),
      orb_undefined: ok.filter((r) => r.orb_score === null).length,
      mean_psnr: mean(nums((r) => r.psnr)),
      infinite_psnr: ok.filter((r) => r.psnr === Infinity).length,
      mean_ssim: mean(nums((r) => r.ssim)),
      mean_ssimulacra2: mean(nums((r) => r.ssimulacra2)),
      mean_butteraugli: mean(nums((r) => r.butteraugli)),
      mean_butteraugli_3norm: mean(nums((r) => r.butteraugli_3norm)),
      mean_upscale_ms: mean(nums((r) => r.upscale_ms)),
      total_upscale_ms: nums((r) => r.upscale_ms).reduce((a, b) => a + b, 0),
      mean_wait_ms: mean(nums((r) => r.wait_ms)),
      mean_upscale_core_s: mean(nums(coreSeconds)),
    };
  });
}

/** Storage totals count each input once (every provider reads the same stored copy). */
export function storageTotals(rows: ResultRow[]): RunSummary['totals'] {
  const seen = new Set<string>();
  let original = 0;
  let stored = 0;
  for (const r of rows) {
    if (r.original_bytes === null || r.stored_bytes === null || seen.has(r.image_path + '\0' + r.stored_key)) continue;
    seen.add(r.image_path + '\0' + r.stored_key);
    original += r.original_bytes;
    stored += r.stored_bytes;
  }
  return {
    original_bytes: original,
    stored_bytes: stored,
    saved_bytes: original - stored,
    saved_percent: original ? savedPercent(original, stored) : null,
  };
}

/** JSON has no Infinity; write it as null and let `infinite_psnr` carry the count. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
}

/** Written to a temp file and renamed, so a crash leaves the old file or the new one, never half of one. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.partial`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}
