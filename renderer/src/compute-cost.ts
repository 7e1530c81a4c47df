import { type CoreTimedRow, coreSeconds } from '../../main/core/results/core-seconds';

/**
 * What upscaling costs in compute, from a run's rows: pure, so the results screen and a sweep share it.
 * Local providers cost busy core-seconds of the machine that ran them (each image's own compute, `upscale_ms`,
 * times the threads it ran on; its wait for a slot other images held is not counted, so the figure does not
 * depend on how many images were in flight). SageMaker bills instance-hours.
 */
export interface CostRow extends CoreTimedRow {
  provider: string;
  status: 'ok' | 'error';
}

export interface ComputeCost {
  provider: string;
  /** ok rows with a time. */
  images: number;
  /** Mean busy time per image, seconds (the image's own compute, not its wall time). */
  secondsPerImage: number | null;
  /** Mean busy core-seconds per image; null for SageMaker, or rows that do not say their threads. */
  coreSecondsPerImage: number | null;
  /** Core-hours of this machine per 1,000 retrievals (local providers). */
  coreHoursPer1000: number | null;
  /** SageMaker only: instance-hours per 1,000 retrievals, one request at a time on one instance. */
  instanceHoursPer1000?: number | null;
  /** SageMaker only, when a price is given: dollars per 1,000 retrievals at that $/instance-hour. */
  dollarsPer1000?: number | null;
}

export const isBilledPerInstanceHour = (provider: string) => provider === 'sagemaker';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function secondsPerImage(rows: CostRow[], provider: string): { images: number; seconds: number | null; coreSeconds: number | null } {
  const ok = rows.filter((r) => r.provider === provider && r.status === 'ok' && r.upscale_ms !== null && Number.isFinite(r.upscale_ms));
  const ms = mean(ok.map((r) => r.upscale_ms as number));
  const core = mean(ok.map(coreSeconds).filter((x): x is number => x !== null));
  return { images: ok.length, seconds: ms === null ? null : ms / 1000, coreSeconds: core };
}

/** What summary.json's `sagemaker` says of the endpoint's use (runs with requests in flight). */
export interface EndpointUse {
  busy_seconds: number;
  retrievals: number;
  instances?: number;
}

/**
 * Per provider, in the order they first appear. `dollarsPerHour` is the user's SageMaker instance price;
 * with the run's `sagemaker` summary, instance-hours come from the time the endpoint was busy (requests
 * overlap, so summed upscale times would overstate them).
 */
export function computeCosts(rows: CostRow[], opts: { dollarsPerHour?: number | null; sagemaker?: EndpointUse | null } = {}): ComputeCost[] {
  return [...new Set(rows.map((r) => r.provider))].map((provider) => {
    const { images, seconds, coreSeconds: core } = secondsPerImage(rows, provider);
    const cost: ComputeCost = { provider, images, secondsPerImage: seconds, coreSecondsPerImage: core, coreHoursPer1000: core === null ? null : (core * 1000) / 3600 };
    if (isBilledPerInstanceHour(provider)) {
      // The endpoint bills while it exists; this is the busy share only, the floor of what 1,000 retrievals cost.
      const use = opts.sagemaker;
      const hours = use && use.retrievals > 0 ? (use.busy_seconds * (use.instances ?? 1) * 1000) / use.retrievals / 3600 : seconds === null ? null : (seconds * 1000) / 3600;
      cost.instanceHoursPer1000 = hours;
      const price = opts.dollarsPerHour;
      cost.dollarsPer1000 = hours === null || price === null || price === undefined || !Number.isFinite(price) || price < 0 ? null : hours * price;
    }
    return cost;
  });
}
