/**
 * Worst-case targets: a setting qualifies when a low percentile of its per-image scores reaches the target,
 * not only the mean ("nine images in ten at SSIMULACRA2 ≥ 70"). Per setting, the statistic with its
 * interval, the share of images reaching the target, and the worst image. Pure; generic over the metric.
 *
 * Percentiles are taken on the worse side: p10 is the score 90% of images do at least as well as, so for a
 * distance (Butteraugli, lower is better) p10 is the 90th percentile of the distances.
 */
import { type BootstrapOptions, type Interval, bootstrapInterval, shareInterval } from './confidence.js';
import type { MetricAccess, PairedRow } from './comparisons.js';

export const AT_CHOICES = ['mean', 'p5', 'p10', 'p25', 'median'] as const;
export type At = (typeof AT_CHOICES)[number];

/** The percentile of per-image scores `at` asks for, on the metric's worse side; undefined for the mean. */
export function atPercentile(at: At, higherIsBetter: boolean): number | undefined {
  if (at === 'mean') return undefined;
  const p = at === 'median' ? 50 : Number(at.slice(1));
  return higherIsBetter ? p : 100 - p;
}

/** "p10" → 'p10'; throws a sentence naming the choices. */
export function parseAt(text: string): At {
  const t = text.trim().toLowerCase();
  const at = t === 'p50' ? 'median' : t;
  if (!(AT_CHOICES as readonly string[]).includes(at)) throw new Error(`--at takes ${AT_CHOICES.join(', ')} (got '${text}')`);
  return at as At;
}

export interface WorstCase {
  provider: string;
  model: string;
  factor: number;
  format: string;
  quality: number | null;
  /** The `at` statistic of the setting's per-image scores, with its bootstrap interval. */
  statistic: Interval;
  /** Images whose own score reaches the target, and that share with its exact interval. */
  reaching: number;
  share_reaching: Interval;
  /** The image that scored worst, to open in the viewer. */
  worst: { image_path: string; score: number } | null;
}

/** Per setting (provider × factor × format × quality): the statistic, the share reaching the target, the worst image. */
export function worstCases<R extends PairedRow>(rows: readonly R[], metric: MetricAccess<R>, target: number, at: At, opts: Omit<BootstrapOptions, 'percentile'> = {}): WorstCase[] {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    if (r.status !== 'ok' || r.factor === null || !r.format) continue;
    const s = metric.score(r);
    if (s === null || !Number.isFinite(s)) continue;
    const k = `${r.provider}\0${r.model}\0${r.factor}|${r.format}|${r.quality ?? ''}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const reaches = (x: number) => (metric.higherIsBetter ? x >= target : x <= target);
  const out: WorstCase[] = [];
  for (const rs of groups.values()) {
    const scores = rs.map((r) => metric.score(r)!);
    let w = 0;
    scores.forEach((s, i) => {
      if (metric.higherIsBetter ? s < scores[w] : s > scores[w]) w = i;
    });
    const reaching = scores.filter(reaches).length;
    const { provider, model, factor, format, quality } = rs[0];
    out.push({
      provider,
      model,
      factor: factor!,
      format,
      quality,
      statistic: bootstrapInterval(scores, { ...opts, percentile: atPercentile(at, metric.higherIsBetter) }),
      reaching,
      share_reaching: shareInterval(reaching, scores.length, opts.level),
      worst: { image_path: rs[w].image_path, score: scores[w] },
    });
  }
  return out;
}

type SettingLike = { provider: string; factor: number; format: string; quality: number | null };
const settingKey = (s: SettingLike) => `${s.provider}|${s.factor}|${s.format}|${s.quality ?? ''}`;

/**
 * The points with the target metric's mean (`meanKey`) replaced by the `at` statistic, so the frontier and
 * the recommendation, which read that field, are taken on the statistic. A setting with no statistic gets null.
 */
export function pointsAt<P extends SettingLike>(points: readonly P[], cases: readonly WorstCase[], meanKey: string): P[] {
  const stat = new Map(cases.map((c) => [settingKey(c), c.statistic.mean]));
  return points.map((p) => ({ ...p, [meanKey]: stat.get(settingKey(p)) ?? null }));
}

/**
 * An entry chosen from `pointsAt` points, made true again: its mean put back from the real point, and the
 * statistic it was chosen on kept beside it under `statKey` ("ssimulacra2_p10").
 */
export function restoreMean<E extends Omit<SettingLike, 'provider'>>(entry: E, provider: string, points: readonly SettingLike[], meanKey: string, statKey: string): E {
  const e = entry as Record<string, unknown>;
  const real = points.find((p) => settingKey(p) === settingKey({ ...entry, provider })) as Record<string, unknown> | undefined;
  e[statKey] = e[meanKey];
  e[meanKey] = real?.[meanKey] ?? null;
  return entry;
}
