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
import { type At, type Target, atPercentile, describeTarget, withAt } from './target.js';
import { scoreText, settingId } from './pareto.js';
import { plural } from '../plural.js';

// the statistics are part of the target (target.ts); re-exported for readers of this module
export { AT_CHOICES, type At, atPercentile, parseAt } from './target.js';

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

/** A setting's worst case as its Pareto entry and the recommendation carry it (the setting is the entry's own). */
export type SettingWorstCase = Omit<WorstCase, 'provider' | 'model' | 'factor' | 'format' | 'quality'>;

/** An entry of summary.json's answer with its worst case beside it. */
export type WithWorstCase<T> = T & { worst_case?: SettingWorstCase };

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
      statistic: bootstrapInterval(scores, { ...opts, percentile: atPercentile(at, metric.higherIsBetter), statistic: at }),
      reaching,
      share_reaching: shareInterval(reaching, scores.length, opts.level),
      worst: { image_path: rs[w].image_path, score: scores[w] },
    });
  }
  return out;
}

/**
 * "18 of 20 images reach SSIMULACRA2 ≥ 70 (high quality); worst: photos/a.png (SSIMULACRA2 61.2)", as the
 * CLI prints it per recommended setting. Each image is held to the target's value itself, whatever `at` is.
 */
export function worstCaseSentence(w: Pick<WorstCase, 'reaching' | 'share_reaching' | 'worst'>, target: Target): string {
  const each = describeTarget(withAt(target));
  const worst = w.worst ? `; worst: ${w.worst.image_path} (${scoreText(target.metric, w.worst.score)})` : '';
  return `${w.reaching} of ${plural(w.share_reaching.n, 'image')} ${w.reaching === 1 ? 'reaches' : 'reach'} ${each}${worst}`;
}

/**
 * Per setting (keyed as pareto's `settingId`), the ok row that scored worst on the metric, first on a tie:
 * worstCases' `worst` as a row, without its bootstrap, so the app can follow a metric or target change at once.
 */
export function worstRows<R extends PairedRow>(rows: readonly R[], metric: MetricAccess<R>): Map<string, R> {
  const out = new Map<string, R>();
  for (const r of rows) {
    if (r.status !== 'ok' || r.factor === null || !r.format) continue;
    const s = metric.score(r);
    if (s === null || !Number.isFinite(s)) continue;
    const k = settingId({ provider: r.provider, factor: r.factor, format: r.format, quality: r.quality });
    const w = out.get(k);
    if (!w || (metric.higherIsBetter ? s < metric.score(w)! : s > metric.score(w)!)) out.set(k, r);
  }
  return out;
}
