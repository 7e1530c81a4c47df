/**
 * The per-image storage policy: for each image, the cheapest setting of the sweep that brings it to the
 * target, against the best single setting with the same guarantee. Pure and dependency-free, so the
 * renderer computes the same policy from the CSV that summary.json and policy.csv hold.
 */
import type { PairedRow } from './comparisons.js';
import { RECOMPRESS_ONLY } from './pareto.js';
import { type Target, better, describeTarget, reaches, scoreOf, type ScoredRow } from './target.js';
import { groupBy } from './group-by.js';

/** The fields of a results row the policy reads (a `ResultRow` or the renderer's row both fit). */
export interface PolicyRow extends ScoredRow, PairedRow {
  upscale_ms: number | null;
}

export interface PolicySetting {
  factor: number;
  format: string;
  quality: number | null;
  provider: string;
  model: string;
}

/** One image's line of policy.csv. */
export interface PolicyChoice extends PolicySetting {
  image_path: string;
  stored_bytes: number;
  /** The image's score on the target metric under this setting. */
  score: number;
  reaches_target: boolean;
}

export interface SingleSetting extends PolicySetting {
  total_stored_bytes: number;
  images_reaching: number;
  /** The setting's mean score on the target metric over the policy's images. */
  mean_score: number;
}

export interface AdaptivePolicy {
  target: Target;
  /** Images with at least one scored setting; the others (errors everywhere) are not in the policy. */
  images: number;
  images_reaching: number;
  total_stored_bytes: number;
  /** The cheapest single setting reaching the target on as many images as any single setting does. */
  best_single: (SingleSetting & { guarantee: 'every image' | 'most images' }) | null;
  /** The cheapest single setting whose mean reaches the target, and how many images it leaves below. */
  single_on_mean: (SingleSetting & { images_below: number }) | null;
  /** Bytes the policy saves over `best_single`, in percent of best_single's; null without one. */
  saved_percent_vs_single: number | null;
  /** How many images each setting got, most used first. */
  breakdown: (PolicySetting & { images: number })[];
  /** Mean upscale time of the policy's choices in ms (recompress-only ones count 0), which is also the seconds per 1,000 retrievals. */
  upscale_seconds_per_1000: number;
  /** Images no setting brings to the target: they got the closest one. */
  missed: { image_path: string; score: number }[];
  choices: PolicyChoice[];
}

const key = (s: Pick<PolicySetting, 'provider' | 'factor' | 'format' | 'quality'>) => `${s.provider}|${s.factor}|${s.format}|${s.quality ?? ''}`;

interface Candidate extends PolicySetting {
  image_path: string;
  stored_bytes: number;
  score: number;
  /** The setting's mean upscale time over its rows: ties go to less compute, judged per setting, not per noisy row. */
  compute: number;
}

function candidates(rows: readonly PolicyRow[], metric: Target['metric']): Candidate[] {
  const usable = rows.filter((r) => r.status === 'ok' && r.factor !== null && r.format && r.stored_bytes !== null && scoreOf(r, metric) !== null);
  const bySetting = groupBy(usable, (r) => key(r as PolicySetting));
  const ms = new Map([...bySetting].map(([k, rs]) => [k, rs.map((r) => r.upscale_ms ?? 0)]));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return usable.map((r) => ({
    image_path: r.image_path,
    factor: r.factor!,
    format: r.format,
    quality: r.quality,
    provider: r.provider,
    model: r.model,
    stored_bytes: r.stored_bytes!,
    score: scoreOf(r, metric)!,
    compute: mean(ms.get(key(r as PolicySetting))!),
  }));
}

/**
 * Cheapest reaching the target; ties on bytes to less compute, then the better score. Compute counts as
 * less only beyond timing noise (25% and 5 ms): bicubic against lanczos on one stored copy is a coin toss
 * of a few ms, and the better score should decide it, where thick's seconds against lanczos's ms should not.
 */
function cheapest(cs: Candidate[], metric: Target['metric']): Candidate | undefined {
  const bytes = Math.min(...cs.map((c) => c.stored_bytes));
  const tied = cs.filter((c) => c.stored_bytes === bytes);
  const least = Math.min(...tied.map((c) => c.compute));
  const light = tied.filter((c) => c.compute <= least * 1.25 + 5);
  return light.sort((a, b) => better(metric, b.score, a.score) || key(a).localeCompare(key(b)))[0];
}

/** Closest to the target when none reaches it: the best score, then as `cheapest` among those. */
function closest(cs: Candidate[], metric: Target['metric']): Candidate {
  const best = cs.reduce((m, c) => (better(metric, c.score, m.score) > 0 ? c : m));
  return cheapest(cs.filter((c) => better(metric, best.score, c.score) === 0), metric)!;
}

const setting = (c: PolicySetting): PolicySetting => ({ factor: c.factor, format: c.format, quality: c.quality, provider: c.provider, model: c.model });

/** The per-image policy for a target over every scored row of a sweep; null when nothing scored. */
export function adaptivePolicy(rows: readonly PolicyRow[], target: Target, o: { fullGrid?: boolean } = {}): AdaptivePolicy | null {
  const all = candidates(rows, target.metric);
  const byImage = groupBy(all, (c) => c.image_path);
  if (!byImage.size) return null;

  const choices: PolicyChoice[] = [];
  for (const [image_path, cs] of byImage) {
    const ok = cs.filter((c) => reaches(c.score, target));
    const pick = ok.length ? cheapest(ok, target.metric)! : closest(cs, target.metric);
    choices.push({ image_path, ...setting(pick), stored_bytes: pick.stored_bytes, score: pick.score, reaches_target: ok.length > 0 });
  }

  // an adaptive search tries each setting on a few images only: no single setting can be judged from it
  const singles = o.fullGrid === false ? [] : singleSettings(all, [...byImage.keys()], target);
  const mostReached = Math.max(0, ...singles.map((s) => s.images_reaching));
  const best = singles.filter((s) => s.images_reaching === mostReached).sort((a, b) => a.total_stored_bytes - b.total_stored_bytes)[0] ?? null;
  const onMean = singles.filter((s) => reaches(s.mean_score, target)).sort((a, b) => a.total_stored_bytes - b.total_stored_bytes || better(target.metric, b.mean_score, a.mean_score))[0] ?? null;

  const total = choices.reduce((a, c) => a + c.stored_bytes, 0);
  const counts = new Map<string, PolicySetting & { images: number }>();
  for (const c of choices) {
    const k = key(c);
    counts.set(k, { ...setting(c), images: (counts.get(k)?.images ?? 0) + 1 });
  }
  const compute = new Map(all.map((c) => [key(c), c.compute]));
  return {
    target,
    images: choices.length,
    images_reaching: choices.filter((c) => c.reaches_target).length,
    total_stored_bytes: total,
    best_single: best ? { ...best, guarantee: best.images_reaching === choices.length ? 'every image' : 'most images' } : null,
    single_on_mean: onMean ? { ...onMean, images_below: choices.length - onMean.images_reaching } : null,
    saved_percent_vs_single: best && best.total_stored_bytes > 0 ? round2(((best.total_stored_bytes - total) / best.total_stored_bytes) * 100) : null,
    breakdown: [...counts.values()].sort((a, b) => b.images - a.images || key(a).localeCompare(key(b))),
    // a recompress-only copy is served as it is: its decode time is no upscaling
    upscale_seconds_per_1000: round2(choices.reduce((a, c) => a + (c.provider === RECOMPRESS_ONLY ? 0 : compute.get(key(c))!), 0) / choices.length),
    missed: choices.filter((c) => !c.reaches_target).map((c) => ({ image_path: c.image_path, score: c.score })),
    choices,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Every setting that scored every image of the policy, with its totals. A setting that lost an image to an
 * error cannot promise anything for it, so it is not a fair single-setting alternative and is left out.
 */
function singleSettings(all: Candidate[], images: string[], target: Target): SingleSetting[] {
  const bySetting = groupBy(all, key);
  const out: SingleSetting[] = [];
  for (const cs of bySetting.values()) {
    if (new Set(cs.map((c) => c.image_path)).size !== images.length) continue;
    const finite = cs.map((c) => c.score).filter(Number.isFinite);
    out.push({
      ...setting(cs[0]),
      total_stored_bytes: cs.reduce((a, c) => a + c.stored_bytes, 0),
      images_reaching: cs.filter((c) => reaches(c.score, target)).length,
      // identical images (infinite PSNR) are left out of a mean, as everywhere else
      mean_score: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Infinity,
    });
  }
  return out;
}


/** "webp q80 at ÷2 + lanczos", "jpeg q50 at full size". */
export function describePolicySetting(s: PolicySetting): string {
  const fmt = s.quality === null || s.format === 'png' ? s.format : `${s.format} q${s.quality}`;
  return `${fmt} ${s.factor === 1 ? 'at full size' : `at ÷${s.factor} + ${s.provider}`}`;
}

/** The policy in a sentence or two, as the CLI ends a sweep and the app shows it. `size` formats bytes. */
export function policySentence(p: Omit<AdaptivePolicy, 'choices'>, size: (bytes: number) => string): string {
  const t = describeTarget(p.target);
  const all = p.images_reaching === p.images;
  const head = all
    ? `a per-image policy brings all ${p.images} images to ${t} in ${size(p.total_stored_bytes)}`
    : `a per-image policy brings ${p.images_reaching} of ${p.images} images to ${t} in ${size(p.total_stored_bytes)}`;
  const b = p.best_single;
  let vs = '';
  if (!b && !p.single_on_mean) vs = ' (an adaptive search tries too few settings per image to compare with one setting for all; a full-grid sweep does)';
  if (b) {
    const same = b.guarantee === 'every image' ? 'the same guarantee' : `${b.images_reaching} of ${p.images} images there`;
    const saved = p.saved_percent_vs_single ?? 0;
    vs =
      saved > 0.5
        ? `: ${Math.round(saved)}% less than the best single setting with ${same} (${describePolicySetting(b)}, ${size(b.total_stored_bytes)})`
        : `: no saving over the best single setting with ${same} (${describePolicySetting(b)}, ${size(b.total_stored_bytes)})`;
  }
  const m = p.single_on_mean;
  const mean = m && m.images_below > 0 ? `; the cheapest setting reaching ${t} on the mean (${describePolicySetting(m)}) leaves ${m.images_below} of ${p.images} below it` : '';
  const missed = p.missed.length ? `; no setting brings ${p.missed.length === 1 ? '1 image' : `${p.missed.length} images`} there (given the closest, flagged in policy.csv)` : '';
  return `${head}${vs}${mean}${missed} (policy.csv)`;
}
