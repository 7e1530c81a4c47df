/**
 * summary.json's `groups`: the run's answer given for each group of images (`--group-by folder`, or a CSV's
 * `group` column) as well as overall, and the sentences the CLI prints for them. A group's answer is
 * `answerOf` on its rows: the same means, Pareto sets, recommendation, intervals and policy as the overall
 * one, so "re-encode screenshots at full size, downscale photos ÷2" comes out when the groups differ.
 */
import { type AnswerScope, type RowsAnswer, answerOf } from './answer.js';
import type { Interval } from './confidence.js';
import { digitsFor } from './confidence.js';
import { groupBy } from './group-by.js';
import { type Recommendation, RECOMPRESS_ONLY, describeSetting, recommendationSentence, scoreText } from './pareto.js';
import type { ResultRow } from './row.js';
import { describePolicySetting } from './policy.js';
import { type ProviderSummary, type RunSummary, storageTotals } from './summary.js';
import { type Target, describeTarget, metricLabel, targetAt } from './target.js';
import type { SettingWorstCase } from './worst-case.js';

/** One group's answer: its counts and totals, then what the run's answer holds, on the group's rows only. */
export interface GroupAnswer extends Omit<RowsAnswer, 'target' | 'target_ssim' | 'confidence'> {
  group: string;
  counts: { inputs: number; rows: number; ok: number; errors: number; not_run: number };
  totals: RunSummary['totals'];
}

/** Per group, its images and how many of them the run did not finish (input order kept). */
export function groupInputs(items: readonly { index: number; group?: string }[], completed: ReadonlySet<number>): Map<string, { inputs: number; not_run: number }> {
  const out = new Map<string, { inputs: number; not_run: number }>();
  for (const item of items) {
    if (item.group === undefined) continue;
    const g = out.get(item.group) ?? { inputs: 0, not_run: 0 };
    g.inputs++;
    if (!completed.has(item.index)) g.not_run++;
    out.set(item.group, g);
  }
  return out;
}

/**
 * Each group's answer, in the order the groups first appear (the inputs' order when `inputs` is given, which
 * also lists a group none of whose images has a row yet). Rows without a group are in none. `rows` and
 * `written` are parallel, as for `answerOf`. Linear in the rows: each row is pushed to its group once.
 */
export function groupAnswers(rows: ResultRow[], written: ResultRow[], scope: AnswerScope, inputs?: ReadonlyMap<string, { inputs: number; not_run: number }>): GroupAnswer[] {
  const at = groupBy(rows.keys(), (i) => rows[i].group);
  const names = [...new Set([...(inputs?.keys() ?? []), ...at.keys()])].filter((g) => g !== '');
  return names.map((group) => {
    const idx = at.get(group) ?? [];
    const mine = idx.map((i) => rows[i]);
    const { answer } = answerOf(mine, idx.map((i) => written[i]), scope);
    // the method and target are the run's, stated once at the top of summary.json
    const { target: _t, target_ssim: _s, confidence: _c, ...rest } = answer;
    const ok = mine.filter((r) => r.status === 'ok').length;
    const given = inputs?.get(group);
    return {
      group,
      counts: { inputs: given?.inputs ?? new Set(mine.map((r) => r.image_path)).size, rows: mine.length, ok, errors: mine.length - ok, not_run: given?.not_run ?? 0 },
      totals: storageTotals(mine),
      ...rest,
    };
  });
}

const images = (n: number) => `${n} image${n === 1 ? '' : 's'}`;

/**
 * " (95% CI 68.2…74.9)" for the statistic the pick was chosen on: its mean on the target metric, or with
 * `--at` that percentile (" (p10 95% CI …)"); '' without an interval.
 */
function ciText(rec: Recommendation & { ci?: Record<string, Interval>; worst_case?: SettingWorstCase }, target: Target): string {
  const at = targetAt(target);
  const iv = at === 'mean' ? rec.ci?.[`${target.metric}_mean`] : rec.worst_case?.statistic;
  if (!iv || iv.low === null || iv.high === null) return '';
  const d = digitsFor(iv.low, iv.high);
  return ` (${at === 'mean' ? '' : `${at} `}95% CI ${iv.low.toFixed(d)}…${iv.high.toFixed(d)})`;
}

/** A sweep's line per group: "photos (3 images): store as webp q50 at ÷2 and upscale with lanczos: 81% smaller, SSIMULACRA2 71.0 (95% CI …)". */
export function groupRecommendationLines(groups: readonly GroupAnswer[], target: Target, recompressTested = true): string[] {
  return groups
    .filter((g) => g.recommendation !== undefined)
    .map((g) => {
      const rec = g.recommendation ?? null;
      const sentence = recommendationSentence(rec, target, recompressTested);
      // the interval belongs to the pick's score, which the sentence's first clause ends with
      const ci = rec ? ciText(rec, target) : '';
      const cut = sentence.indexOf(';');
      const withCi = cut < 0 ? `${sentence}${ci}` : `${sentence.slice(0, cut)}${ci}${sentence.slice(cut)}`;
      return `${g.group} (${images(g.counts.inputs)}): ${withCi}`;
    });
}

const settingOf = (r: Recommendation) => `${r.provider}|${r.factor}|${r.format}|${r.quality ?? ''}`;
const stored = (r: Pick<Recommendation, 'format' | 'quality'>) => (r.quality === null || r.format === 'png' ? r.format : `${r.format} q${r.quality}`);

/** "re-encode screenshots at full size (webp q80)", "downscale photos ÷2 (webp q50, lanczos)", "nothing brings scans to …". */
function groupClause(g: GroupAnswer, target: Target): string {
  const r = g.recommendation;
  if (!r) return `nothing brings ${g.group} to ${describeTarget(target)}`;
  if (r.provider === RECOMPRESS_ONLY || r.factor === 1) return `re-encode ${g.group} at full size (${stored(r)})`;
  return `downscale ${g.group} ÷${r.factor} (${stored(r)}, ${r.provider})`;
}

/**
 * The groups' answers in one sentence: "by group: re-encode screenshots at full size (webp q80), downscale
 * photos ÷2 (webp q50, lanczos)", or that every group gets the same setting; '' when fewer than two groups
 * have a storage answer.
 */
export function groupsSentence(groups: readonly GroupAnswer[], target: Target): string {
  const answered = groups.filter((g) => g.recommendation !== undefined);
  if (answered.length < 2) return '';
  const picks = new Set(answered.map((g) => (g.recommendation ? settingOf(g.recommendation) : '')));
  const first = answered[0].recommendation;
  if (picks.size === 1 && first) return `every group gets the same setting: ${describeSetting(first)}${first.provider === RECOMPRESS_ONLY ? '' : `, upscaled with ${first.provider}`}`;
  const clauses = answered.map((g) => groupClause(g, target));
  return `by group: ${clauses.slice(0, -1).join(', ')}${clauses.length > 1 ? ' and ' : ''}${clauses.at(-1)}`;
}

/**
 * An adaptive sweep's line per group (it has no per-setting answer), its per-image policy in short:
 * "photos (3 images): 3 reach SSIMULACRA2 ≥ 40 in 26.3 kB with webp q80 at ÷2 + bicubic (2), webp q30 at full size (1)".
 */
export function groupPolicyLines(groups: readonly GroupAnswer[], size: (bytes: number) => string): string[] {
  return groups
    .filter((g) => g.adaptive_policy)
    .map((g) => {
      const p = g.adaptive_policy!;
      const reach = p.images_reaching === p.images ? `${p.images}` : `${p.images_reaching} of ${p.images}`;
      const used = p.breakdown.map((b) => `${describePolicySetting(b)} (${b.images})`).join(', ');
      return `${g.group} (${images(g.counts.inputs)}): ${reach} reach ${describeTarget(p.target)} in ${size(p.total_stored_bytes)} with ${used}`;
    });
}

/** A run's line per group: "photos (3 images, saved 80.1%): bicubic SSIMULACRA2 62.1 · lanczos SSIMULACRA2 63.0". */
export function groupMeanLines(groups: readonly GroupAnswer[], target: Target, percent: (x: number | null) => string): string[] {
  const key = `mean_${target.metric}` as keyof ProviderSummary;
  return groups.map((g) => {
    const saved = g.totals.saved_percent === null ? '' : `, saved ${percent(g.totals.saved_percent)}%`;
    const means = g.providers.map((p) => `${p.provider} ${scoreText(target.metric, (p[key] as number | null) ?? null)}`);
    return `${g.group} (${images(g.counts.inputs)}${saved}): ${means.length ? means.join(' · ') : `no ${metricLabel(target.metric)} score`}`;
  });
}
