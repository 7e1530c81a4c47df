/**
 * Every size Upscale Bench prints, in the CLI and the app: decimal units as storage bills count them
 * (1 kB = 1000 B, 1 MB = 1000 kB, 1 GB = 1000 MB). Whole bytes under 1 kB, kB to one decimal, MB and GB to
 * two. Imports nothing, so the renderer can import it as it does pareto.ts.
 */
const STEPS: [unit: string, base: number, digits: number][] = [
  ['B', 1, 0],
  ['kB', 1e3, 1],
  ['MB', 1e6, 2],
  ['GB', 1e9, 2],
];

/**
 * The gigabyte a $/GB-month price is applied to: AWS bills S3 storage per GB-month counting a GB as 2^30
 * bytes (its pricing FAQ), so the cost uses that unit even though every size shown is decimal.
 */
export const GB = 2 ** 30;

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const size = Math.abs(n);
  // the next unit up once this one would read 1000 or more after rounding: 999,999 B is "1.00 MB", not "1000.0 kB"
  let i = 0;
  while (i < STEPS.length - 1 && Number((size / STEPS[i][1]).toFixed(STEPS[i][2])) >= 1000) i++;
  const [unit, base, digits] = STEPS[i];
  return `${n < 0 ? '−' : ''}${(size / base).toFixed(digits)} ${unit}`;
}
