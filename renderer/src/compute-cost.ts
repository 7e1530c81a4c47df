/**
 * What upscaling costs in compute, from a run's rows (their `upscale_ms`): pure, so the results screen and
 * a sweep share it. Local providers cost time on this machine; SageMaker bills instance-hours.
 */
export interface CostRow {
  provider: string;
  status: 'ok' | 'error';
  upscale_ms: number | null;
}

export interface ComputeCost {
  provider: string;
  /** ok rows with a time. */
  images: number;
  /** Mean upscale time per image, seconds (for local providers: this machine's cores, busy). */
  secondsPerImage: number | null;
  /** The same for 1,000 retrievals, in hours. */
  hoursPer1000: number | null;
  /** SageMaker only: instance-hours per 1,000 retrievals, one request at a time on one instance. */
  instanceHoursPer1000?: number | null;
  /** SageMaker only, when a price is given: dollars per 1,000 retrievals at that $/instance-hour. */
  dollarsPer1000?: number | null;
}

export const isBilledPerInstanceHour = (provider: string) => provider === 'sagemaker';

export function secondsPerImage(rows: CostRow[], provider: string): { images: number; seconds: number | null } {
  const ms = rows.filter((r) => r.provider === provider && r.status === 'ok' && r.upscale_ms !== null && Number.isFinite(r.upscale_ms)).map((r) => r.upscale_ms as number);
  return { images: ms.length, seconds: ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length / 1000 : null };
}

/** Per provider, in the order they first appear. `dollarsPerHour` is the user's SageMaker instance price. */
export function computeCosts(rows: CostRow[], opts: { dollarsPerHour?: number | null } = {}): ComputeCost[] {
  return [...new Set(rows.map((r) => r.provider))].map((provider) => {
    const { images, seconds } = secondsPerImage(rows, provider);
    const hoursPer1000 = seconds === null ? null : (seconds * 1000) / 3600;
    const cost: ComputeCost = { provider, images, secondsPerImage: seconds, hoursPer1000 };
    if (isBilledPerInstanceHour(provider)) {
      // The endpoint bills while it exists; this is the busy share only, the floor of what 1,000 retrievals cost.
      cost.instanceHoursPer1000 = hoursPer1000;
      const price = opts.dollarsPerHour;
      cost.dollarsPer1000 = hoursPer1000 === null || price === null || price === undefined || !Number.isFinite(price) || price < 0 ? null : hoursPer1000 * price;
    }
    return cost;
  });
}
