/**
 * The scores a run can compute, by the names `--metrics` and the app use. Pure, so the renderer and the
 * IPC contract share it.
 */
export const METRICS = ['orb', 'psnr', 'ssim', 'ssimulacra2', 'butteraugli'] as const;
export type Metric = (typeof METRICS)[number];

/** Butteraugli costs about four SSIMULACRA2s, so it is asked for, not given. */
export const DEFAULT_METRICS: readonly Metric[] = ['orb', 'psnr', 'ssim', 'ssimulacra2'];

/** What a run recorded before `metrics` existed scored (its settings.json has no `metrics`). */
export const LEGACY_METRICS: readonly Metric[] = ['orb', 'psnr', 'ssim'];

export const isMetric = (v: unknown): v is Metric => typeof v === 'string' && (METRICS as readonly string[]).includes(v);

/** Why a list of metric names is refused, in a sentence, or null when every name is known and one is given. */
export function metricsProblem(names: readonly unknown[]): string | null {
  const unknown = names.filter((n) => !isMetric(n));
  if (unknown.length) return `unknown metric ${unknown.map((n) => `'${String(n)}'`).join(', ')}: the metrics are ${METRICS.join(', ')}`;
  if (!names.length) return `name at least one metric (${METRICS.join(', ')})`;
  return null;
}

/** "orb,ssimulacra2" → ['orb', 'ssimulacra2'] in METRICS order, repeats dropped; throws the sentence of metricsProblem. */
export function parseMetrics(list: string): Metric[] {
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const problem = metricsProblem(names);
  if (problem) throw new Error(problem);
  return sortMetrics(names as Metric[]);
}

/** In METRICS order, each once. */
export const sortMetrics = (ms: readonly Metric[]): Metric[] => METRICS.filter((m) => ms.includes(m));
