/** Axes with round ticks for the app's plots: whiskers may end anywhere, the numbers they are read against should not. */

/**
 * A value axis from `lo` to `hi` widened to round ticks (1, 2, 2.5 or 5 × 10ⁿ apart, about five), within the
 * scale's own bounds (SSIM ≤ 1…), with the decimals those ticks need.
 */
export function roundAxis(lo: number, hi: number, bounds: readonly [number | null, number | null] = [null, null]): { domain: [number, number]; ticks: number[]; digits: number } {
  const raw = (hi - lo) / 4 || Math.abs(hi) / 10 || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((w) => w >= raw - 1e-12) ?? 10 * mag;
  let from = Math.floor(lo / step + 1e-9) * step;
  let to = Math.ceil(hi / step - 1e-9) * step;
  if (bounds[0] !== null) from = Math.max(bounds[0], from);
  if (bounds[1] !== null) to = Math.min(bounds[1], to);
  const ticks: number[] = [];
  for (let t = from; t <= to + step * 1e-6; t += step) ticks.push(Number(t.toFixed(10)));
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / mag === 2.5 ? 1 : 0));
  return { domain: [from, to], ticks, digits };
}

/** A log axis a quarter past the sizes either way, ticked at 1, 2, 5 × 10ⁿ kB (every digit when fewer than three fall inside). */
export function logAxis(sizes: number[]): { domain: [number, number]; ticks: number[] } {
  const positive = sizes.filter((v) => v > 0 && Number.isFinite(v));
  if (!positive.length) return { domain: [1, 10], ticks: [1, 10] };
  const domain: [number, number] = [Math.min(...positive) / 1.25, Math.max(...positive) * 1.25];
  const within = (mults: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(domain[0])); e <= Math.ceil(Math.log10(domain[1])); e++) {
      for (const f of mults) {
        const t = Number((f * 10 ** e).toPrecision(6));
        if (t >= domain[0] && t <= domain[1]) out.push(t);
      }
    }
    return out;
  };
  let ticks = within([1, 2, 5]);
  if (ticks.length < 3) ticks = within([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (ticks.length < 2) ticks = [Number(domain[0].toPrecision(2)), Number(domain[1].toPrecision(2))];
  return { domain, ticks };
}
