/**
 * Paired comparisons per image: each upscaler against the interpolation baselines at the same stored
 * copy, and against recompress-only at matched bytes, with the mean difference's interval, the images
 * won, and a sentence. Also the stopping rule for the recommendation. Pure, generic over the metric
 * (any per-row score, either direction), so summary.json and the renderer share it.
 */
import { type Interval, type BootstrapOptions, bootstrapInterval, digitsFor, imagesToSettle, LEVEL, shareInterval, signed } from './confidence.js';

/** The fields of a results row read here. */
export interface PairedRow {
  image_path: string;
  status: string;
  provider: string;
  model: string;
  factor: number | null;
  format: string;
  quality: number | null;
  stored_bytes: number | null;
}

/** The score compared: how to read it from a row, which way is better, and its name in sentences. */
export interface MetricAccess<R> {
  /** "SSIM", "SSIMULACRA2". */
  label: string;
  score: (row: R) => number | null;
  higherIsBetter: boolean;
}

export const INTERPOLATION_BASELINES = ['bicubic', 'lanczos'] as const;
const RECOMPRESS_ONLY = 'none';
/** The baseline name a matched-bytes comparison is given under. */
export const MATCHED_BYTES = 'recompress-only at matched bytes';

export type Verdict = 'better' | 'worse' | 'not distinguishable' | 'identical' | 'too few images';

export interface Comparison {
  provider: string;
  model: string;
  factor: number;
  format: string;
  quality: number | null;
  /** 'bicubic', 'lanczos', or MATCHED_BYTES. */
  baseline: string;
  metric: string;
  /** Per image, provider's score minus the baseline's, signed so that positive means the provider is better. */
  difference: Interval;
  /** Images in both (for matched bytes: images with a recompress-only copy no larger than the provider's). */
  n: number;
  wins: number;
  losses: number;
  /** Exactly equal scores, counted apart from wins and losses. */
  ties: number;
  /** wins / n with its exact interval. */
  share_won: Interval;
  /** Matched bytes only: images left out because every recompress-only copy of them was larger. */
  unmatched?: number;
  /** Images the difference's interval would need to exclude 0 at the spread seen; null when settled or not computable. */
  images_to_settle: number | null;
  verdict: Verdict;
  sentence: string;
}

const key = (r: PairedRow) => `${r.factor}|${r.format}|${r.quality ?? ''}`;

/**
 * The recompress-only copy of an image a provider's copy of `bytes` is matched with: the one whose stored
 * bytes are closest to, without exceeding, the provider's (on equal bytes, the better score). So the
 * baseline never gets more bytes than the provider it is set against. null when every one is larger.
 */
export function matchedRecompress<R extends PairedRow>(candidates: readonly R[], bytes: number, metric: MetricAccess<R>): R | null {
  let best: R | null = null;
  for (const c of candidates) {
    if (c.stored_bytes === null || c.stored_bytes > bytes || metric.score(c) === null) continue;
    if (!best || c.stored_bytes > best.stored_bytes! || (c.stored_bytes === best.stored_bytes && better(metric, metric.score(c)!, metric.score(best)!) > 0)) best = c;
  }
  return best;
}

const better = <R>(m: MetricAccess<R>, a: number, b: number) => (m.higherIsBetter ? a - b : b - a);

/** The comparison of per-image differences (positive: the provider better). */
export function compareDifferences(
  diffs: readonly number[],
  who: { provider: string; model: string; factor: number; format: string; quality: number | null; baseline: string; metric: string; setting?: string },
  opts: BootstrapOptions = {},
): Comparison {
  const difference = bootstrapInterval(diffs, opts);
  const wins = diffs.filter((d) => d > 0).length;
  const losses = diffs.filter((d) => d < 0).length;
  const n = diffs.length;
  const verdict: Verdict =
    n < 2 ? 'too few images' : wins + losses === 0 ? 'identical' : difference.low! > 0 ? 'better' : difference.high! < 0 ? 'worse' : 'not distinguishable';
  const images_to_settle = verdict === 'not distinguishable' ? imagesToSettle(diffs, 0, opts.level) : null;
  const { setting, ...named } = who;
  const c: Comparison = { ...named, difference, n, wins, losses, ties: n - wins - losses, share_won: shareInterval(wins, n, opts.level), images_to_settle, verdict, sentence: '' };
  c.sentence = comparisonSentence(c, setting);
  return c;
}

/**
 * Every paired comparison in `rows`: each provider (bar recompress-only) at each setting against bicubic and
 * lanczos at the same setting (lanczos against bicubic only), and against recompress-only at matched bytes. Images pair
 * by `image_path`; a pair where either side has no score is left out.
 */
export function pairedComparisons<R extends PairedRow>(rows: readonly R[], metric: MetricAccess<R>, opts: BootstrapOptions = {}, describe?: (r: R) => string): Comparison[] {
  const ok = rows.filter((r) => r.status === 'ok' && r.factor !== null && r.format && metric.score(r) !== null);
  const bySetting = new Map<string, Map<string, R>>(); // provider|model|setting → image → row
  const recompress = new Map<string, R[]>(); // image → recompress-only rows
  for (const r of ok) {
    if (r.provider === RECOMPRESS_ONLY) {
      const list = recompress.get(r.image_path);
      if (list) list.push(r);
      else recompress.set(r.image_path, [r]);
    } else {
      const k = `${r.provider}\0${r.model}\0${key(r)}`;
      if (!bySetting.has(k)) bySetting.set(k, new Map());
      bySetting.get(k)!.set(r.image_path, r);
    }
  }
  const baselineAt = (provider: string, setting: string) => [...bySetting.entries()].find(([k]) => k.startsWith(`${provider}\0`) && k.endsWith(`\0${setting}`))?.[1];
  const out: Comparison[] = [];
  for (const images of bySetting.values()) {
    const first = images.values().next().value as R;
    const who = { provider: first.provider, model: first.model, factor: first.factor!, format: first.format, quality: first.quality, metric: metric.label, setting: describe?.(first) };
    // the baselines against each other once: lanczos against bicubic, not bicubic against lanczos too
    const own = (INTERPOLATION_BASELINES as readonly string[]).indexOf(first.provider);
    for (const b of own < 0 ? INTERPOLATION_BASELINES : INTERPOLATION_BASELINES.slice(0, own)) {
      const base = baselineAt(b, key(first));
      if (!base) continue;
      const diffs = [...images].filter(([img]) => base.has(img)).map(([img, r]) => better(metric, metric.score(r)!, metric.score(base.get(img)!)!));
      if (diffs.length) out.push(compareDifferences(diffs, { ...who, baseline: b }, opts));
    }
    if (!recompress.size) continue;
    const diffs: number[] = [];
    let unmatched = 0;
    for (const [img, r] of images) {
      const m = r.stored_bytes === null ? null : matchedRecompress(recompress.get(img) ?? [], r.stored_bytes, metric);
      if (m) diffs.push(better(metric, metric.score(r)!, metric.score(m)!));
      else unmatched++;
    }
    const c = compareDifferences(diffs, { ...who, baseline: MATCHED_BYTES }, opts);
    c.unmatched = unmatched;
    if (unmatched) c.sentence += ` (${unmatched} image${unmatched === 1 ? '' : 's'} had no recompress-only copy as small)`;
    out.push(c);
  }
  return out;
}

const VERDICT_WORDS: Record<Verdict, string> = {
  better: 'better on these images',
  worse: 'worse on these images',
  'not distinguishable': 'not distinguishable on these images',
  identical: 'the same score on every image',
  'too few images': 'one image: too few to tell',
};

/**
 * "at webp q30 ÷2, local-ai beats lanczos by +0.012 SSIM points (95% CI −0.010…+0.030, wins 14 of 25):
 * not distinguishable on these images; about 120 images would settle it".
 */
export function comparisonSentence(c: Comparison, setting?: string): string {
  const d = c.difference;
  if (!c.n) return `${setting ? `at ${setting}, ` : ''}${c.provider} against ${c.baseline}: no image to compare`;
  // the interval's precision, or more where the difference itself would round to 0 ("trails by 0" says nothing)
  let digits = digitsFor(d.mean, d.low, d.high);
  while (d.mean && digits < 6 && Number(Math.abs(d.mean).toFixed(digits)) === 0) digits++;
  const verb = c.verdict === 'identical' || d.mean === 0 ? 'ties with' : d.mean! > 0 ? 'beats' : 'trails';
  const by = verb === 'ties with' ? '' : ` by ${signed(d.mean!, digits)} ${c.metric} points`;
  const ci = d.low === null ? '' : `${Math.round(LEVEL * 100)}% CI ${signed(d.low, digits)}…${signed(d.high!, digits)}, `;
  const won = `wins ${c.wins}${c.ties ? `, ties ${c.ties}` : ''} of ${c.n}`;
  const settle =
    c.verdict !== 'not distinguishable' ? '' : c.images_to_settle === null ? '; no number of images would tell them apart (the mean difference is 0)' : `; about ${c.images_to_settle.toLocaleString('en-US')} images would settle it at this spread`;
  return `${setting ? `at ${setting}, ` : ''}${c.provider} ${verb} ${c.baseline}${by} (${ci}${won}): ${VERDICT_WORDS[c.verdict]}${settle}`;
}
