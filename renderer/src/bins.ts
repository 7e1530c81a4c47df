/** Histogram bins that follow the data: about `target` bins of a round width (1, 2 or 5 × 10ⁿ) over its range. */
export interface Bin {
  from: number;
  to: number;
  label: string;
}

export function niceBins(values: number[], target = 10): Bin[] {
  const xs = values.filter((v) => Number.isFinite(v));
  if (!xs.length) return [];
  // a loop, not Math.min(...xs): a big run's scores as arguments would overflow the stack
  const lo = xs.reduce((a, b) => Math.min(a, b));
  const hi = xs.reduce((a, b) => Math.max(a, b));
  // one value (or all the same): one bin, labelled with it
  if (hi - lo < 1e-9) return [{ from: lo, to: hi, label: String(Number(lo.toPrecision(4))) }];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((w) => w >= raw) ?? 10 * mag;
  const start = Math.floor(lo / width) * width;
  const count = Math.max(1, Math.ceil((hi - start) / width - 1e-9));
  const decimals = Math.max(0, -Math.floor(Math.log10(width) + 1e-9) + (width / mag === 2.5 ? 1 : 0));
  return Array.from({ length: count }, (_, i) => {
    const from = start + i * width;
    const to = from + width;
    return { from, to, label: `${from.toFixed(decimals)}–${to.toFixed(decimals)}` };
  });
}

/** Index of the bin holding `v` (the last bin includes its upper edge). */
export function binOf(bins: Bin[], v: number): number {
  if (!bins.length) return -1;
  if (bins.length === 1) return 0;
  const width = bins[0].to - bins[0].from;
  const i = Math.floor((v - bins[0].from) / width + 1e-9);
  return Math.min(bins.length - 1, Math.max(0, i));
}
