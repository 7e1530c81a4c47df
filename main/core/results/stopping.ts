/**
 * When more images would not change the recommendation. The pick is the cheapest setting whose statistic
 * reaches the target, so it can change in two ways only: the pick itself turns out below the target, or a
 * cheaper setting turns out to reach it. The answer is settled when the pick's 95% interval lies wholly on
 * the reaching side of the target and every cheaper setting's lies wholly on the other side. Each interval
 * is at 95% on its own (no correction for testing several), and settings are ordered by their mean bytes
 * as seen (bytes vary far less between images than scores do across a target).
 */
import { type BootstrapOptions, type Interval, bootstrapInterval, digitsFor, imagesToSettle, statName } from './confidence.js';
import type { MetricAccess, PairedRow } from './comparisons.js';

export interface SettingRef {
  provider: string;
  factor: number;
  format: string;
  quality: number | null;
}

export interface UndecidedSetting extends SettingRef {
  interval: Interval;
  /** Images its interval would need to clear the target, at the spread seen; null when it sits on the target. */
  images_to_settle: number | null;
}

export interface Stopping {
  settled: boolean;
  /** The pick's statistic with its interval. */
  pick: Interval;
  /** The pick (if its interval reaches over the target) and each cheaper setting whose interval does. */
  undecided: UndecidedSetting[];
  /** The most images any undecided setting needs; null when settled or not computable. */
  images_to_settle: number | null;
  sentence: string;
}

const same = (a: SettingRef, b: SettingRef) => a.provider === b.provider && a.factor === b.factor && a.format === b.format && (a.quality ?? null) === (b.quality ?? null);

/**
 * The stopping rule for `pick` against `target` (the value the statistic must reach, in `metric`'s
 * direction). `opts.percentile` makes the statistic a percentile of per-image scores instead of the mean.
 */
export function recommendationStopping<R extends PairedRow>(
  rows: readonly R[],
  pick: SettingRef,
  metric: MetricAccess<R>,
  target: number,
  opts: BootstrapOptions = {},
  describe: (s: SettingRef) => string = (s) => `${s.provider} ${s.format} q${s.quality} ÷${s.factor}`,
): Stopping {
  const settings = new Map<string, { ref: SettingRef; bytes: number[]; scores: number[] }>();
  for (const r of rows) {
    if (r.status !== 'ok' || r.factor === null || !r.format || r.stored_bytes === null) continue;
    const k = `${r.provider}|${r.factor}|${r.format}|${r.quality ?? ''}`;
    if (!settings.has(k)) settings.set(k, { ref: { provider: r.provider, factor: r.factor, format: r.format, quality: r.quality }, bytes: [], scores: [] });
    const s = settings.get(k)!;
    s.bytes.push(r.stored_bytes);
    const v = metric.score(r);
    if (v !== null && Number.isFinite(v)) s.scores.push(v);
  }
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const picked = [...settings.values()].find((s) => same(s.ref, pick));
  const reachSide = (x: number) => (metric.higherIsBetter ? x >= target : x <= target);
  const undecided: UndecidedSetting[] = [];
  const settle = (scores: number[], iv: Interval) => {
    if (opts.percentile === undefined) return imagesToSettle(scores, target, opts.level);
    // a percentile's interval narrows as 1/√n too: scale the images by the half-width over the gap, squared
    const gap = Math.abs(iv.mean! - target);
    return iv.low === null || !gap ? null : Math.max(2, Math.ceil(iv.n * ((iv.high! - iv.low) / 2 / gap) ** 2));
  };
  const pickIv = bootstrapInterval(picked?.scores ?? [], opts);
  const clear = (iv: Interval, reaching: boolean) => iv.low !== null && (reaching ? reachSide(iv.low) && reachSide(iv.high!) : !reachSide(iv.low) && !reachSide(iv.high!));
  if (!clear(pickIv, true)) undecided.push({ ...pick, interval: pickIv, images_to_settle: picked ? settle(picked.scores, pickIv) : null });
  if (picked) {
    const pickBytes = meanOf(picked.bytes);
    for (const s of settings.values()) {
      if (same(s.ref, pick) || !s.scores.length || meanOf(s.bytes) >= pickBytes) continue;
      const iv = bootstrapInterval(s.scores, opts);
      if (!clear(iv, false)) undecided.push({ ...s.ref, interval: iv, images_to_settle: settle(s.scores, iv) });
    }
  }
  const needs = undecided.map((u) => u.images_to_settle).filter((x): x is number => x !== null);
  const images_to_settle = undecided.length && needs.length ? Math.max(...needs) : null;
  return { settled: !undecided.length, pick: pickIv, undecided, images_to_settle, sentence: stoppingSentence(undecided, pickIv, `${opts.percentile === undefined ? 'mean' : (opts.statistic ?? statName(opts.percentile))} ${metric.label}`, target, describe, images_to_settle) };
}

function stoppingSentence(undecided: UndecidedSetting[], pick: Interval, label: string, target: number, describe: (s: SettingRef) => string, need: number | null): string {
  if (!undecided.length) {
    return `settled: the pick's 95% interval clears the ${label} target of ${target} and every cheaper setting's falls short of it, so more images would not change the pick`;
  }
  if (pick.n < 2) return `not settled: ${pick.n === 1 ? 'one image gives' : 'no image gives'} no interval; score more images`;
  const named = undecided.slice(0, 3).map((u) => {
    const d = digitsFor(u.interval.low, u.interval.high);
    return `${describe(u)} (${u.interval.low!.toFixed(d)}…${u.interval.high!.toFixed(d)})`;
  });
  const more = undecided.length > 3 ? ` and ${undecided.length - 3} more` : '';
  const howMany = need === null ? '' : `; about ${need.toLocaleString('en-US')} images would settle it at this spread`;
  const list = named.length > 1 && !more ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : `${named.join(', ')}${more}`;
  const intervals = undecided.length > 1 ? 'intervals' : 'interval';
  const straddle = undecided.length > 1 ? 'straddle' : 'straddles';
  return `not settled: the 95% ${intervals} of ${list} ${straddle} the ${label} target of ${target}, so more images could change the pick${howMany}`;
}
