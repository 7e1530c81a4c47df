/**
 * Each provider against a baseline the user picks, image by image: the mean differences in each score
 * over the images both handled, and the share of those images where the provider did better (for a
 * distance such as Butteraugli, better is lower). Pure, for the results screen and a sweep.
 */
export interface CompareRow {
  image_path: string;
  provider: string;
  status: 'ok' | 'error';
  psnr: number | null;
  identical: boolean;
  ssim: number | null;
  orb_score: number | null;
  /** Absent in rows from before the perceptual scores. */
  ssimulacra2?: number | null;
  butteraugli?: number | null;
  butteraugli_3norm?: number | null;
}

export interface MetricDelta {
  /** Mean of (provider − baseline) over the images where both have the score. */
  mean: number | null;
  /** Images compared for this score. */
  n: number;
  /** Images where the provider scored better / worse than the baseline (ties are neither). */
  wins: number;
  losses: number;
}

export interface BaselineComparison {
  provider: string;
  baseline: string;
  /** Images both finished ok. */
  paired: number;
  psnr: MetricDelta;
  ssim: MetricDelta;
  orb: MetricDelta;
  ssimulacra2: MetricDelta;
  butteraugli: MetricDelta;
  butteraugli_3norm: MetricDelta;
}

/** The default baseline: bicubic when the run has it, then lanczos; null when there is nothing to compare. */
export function defaultBaseline(providers: string[]): string | null {
  if (providers.length < 2) return null;
  return providers.find((p) => p === 'bicubic') ?? providers.find((p) => p === 'lanczos') ?? providers[0];
}

/** An image can appear twice in a CSV input: the n-th row of a path pairs with the baseline's n-th. */
function keyed(rows: CompareRow[], provider: string): Map<string, CompareRow> {
  const seen = new Map<string, number>();
  const out = new Map<string, CompareRow>();
  for (const r of rows) {
    if (r.provider !== provider) continue;
    const n = seen.get(r.image_path) ?? 0;
    seen.set(r.image_path, n + 1);
    out.set(`${r.image_path}\0${n}`, r);
  }
  return out;
}

// PSNR of an identical image is infinite: it beats any finite score, and no finite difference describes it.
const psnrOf = (r: CompareRow) => (r.identical ? Infinity : r.psnr);

/** `lowerIsBetter`: a distance, where the provider wins an image by scoring less. */
function delta(pairs: [CompareRow, CompareRow][], score: (r: CompareRow) => number | null | undefined, lowerIsBetter = false): MetricDelta {
  let sum = 0;
  let finite = 0;
  let n = 0;
  let wins = 0;
  let losses = 0;
  for (const [p, b] of pairs) {
    const x = score(p);
    const y = score(b);
    if (x === null || y === null || x === undefined || y === undefined || Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    const d = lowerIsBetter ? y - x : x - y;
    if (d > 0) wins++;
    else if (d < 0) losses++;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      sum += x - y;
      finite++;
    }
  }
  return { mean: finite ? sum / finite : null, n, wins, losses };
}

export function compareToBaseline(rows: CompareRow[], baseline: string): BaselineComparison[] {
  const base = keyed(rows, baseline);
  const providers = [...new Set(rows.map((r) => r.provider))].filter((p) => p !== baseline);
  return providers.map((provider) => {
    const pairs: [CompareRow, CompareRow][] = [];
    for (const [key, r] of keyed(rows, provider)) {
      const b = base.get(key);
      if (b && r.status === 'ok' && b.status === 'ok') pairs.push([r, b]);
    }
    return {
      provider,
      baseline,
      paired: pairs.length,
      psnr: delta(pairs, psnrOf),
      ssim: delta(pairs, (r) => r.ssim),
      orb: delta(pairs, (r) => r.orb_score),
      ssimulacra2: delta(pairs, (r) => r.ssimulacra2),
      butteraugli: delta(pairs, (r) => r.butteraugli, true),
      butteraugli_3norm: delta(pairs, (r) => r.butteraugli_3norm, true),
    };
  });
}
