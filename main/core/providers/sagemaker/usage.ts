import type { ResultRow } from '../../results/row.js';
import type { SageMakerRunSettings } from '../../pipeline/settings.js';
import type { RequestSlots } from './request-slots.js';

/** summary.json's `sagemaker`: what the run asked of the endpoint, and what that costs. */
export interface SageMakerSummary {
  /** Requests sent, re-sends included. */
  invocations: number;
  /** Re-sends after a throttle, a loading model or a transient failure. */
  retries: number;
  /** Answers that were throttling (ThrottlingException, HTTP 429). */
  throttles: number;
  /** Request time summed over all requests (requests overlap, so this exceeds busy_seconds). */
  endpoint_seconds: number;
  /** Wall time with at least one request in flight: what the run kept the endpoint busy for. */
  busy_seconds: number;
  /** SageMaker rows that came back whole. */
  retrievals: number;
  requests_in_flight: number;
  price_per_hour?: number;
  instances?: number;
  /**
   * A real-time endpoint bills per instance-hour while it exists: the busy time's instance-hours, per 1,000
   * retrievals, at the run's pace. An endpoint idle between runs costs more than this.
   */
  cost_per_1000_retrievals?: number;
}

export function sagemakerSummary(slots: RequestSlots, rows: ResultRow[], run: SageMakerRunSettings = {}): SageMakerSummary {
  const retrievals = rows.filter((r) => r.provider === 'sagemaker' && r.status === 'ok').length;
  const busy = slots.busyMs / 1000;
  const s: SageMakerSummary = {
    invocations: slots.usage.invocations,
    retries: slots.usage.retries,
    throttles: slots.usage.throttles,
    endpoint_seconds: round(slots.usage.endpointMs / 1000, 3),
    busy_seconds: round(busy, 3),
    retrievals,
    requests_in_flight: slots.size,
  };
  if (run.pricePerHour !== undefined) {
    const instances = run.instances ?? 1;
    Object.assign(s, { price_per_hour: run.pricePerHour, instances });
    if (retrievals) s.cost_per_1000_retrievals = round(((run.pricePerHour * instances * busy) / 3600 / retrievals) * 1000, 4);
  }
  return s;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
