import { BenchError, describeError } from '../errors.js';
import type { UpscaleProvider } from '../providers/upscale-provider.js';
import type { ResultRow } from '../results/row.js';
import type { ImageStore } from '../stores/image-store.js';

/** Calls in a row to one service that found nobody answering before the run stops (the SDKs retry each already). */
export const OUTAGE_LIMIT = 3;

/** Network failures that say nothing answered at all: refused, no such host, no route, timed out, cut off. */
const UNREACHABLE = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|TimeoutError)\b|socket hang up/;

/**
 * The network error code behind `err`, when it says the service did not answer; undefined for an answer, even a
 * refusal (access denied, no such key, a model error) and for anything about the image itself.
 */
export function unreachableCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++, e = e.cause as typeof e) {
    const m = UNREACHABLE.exec(`${String(e.code ?? '')} ${String(e.name ?? '')} ${String(e.message ?? '')}`);
    if (m) return m[1] ?? m[0];
  }
  return undefined;
}

export interface Outage {
  /** What stopped answering, e.g. "the S3 store s3://bench at http://127.0.0.1:9000". */
  service: string;
  code: string;
  /** The failures in a row that stopped the run. */
  count: number;
}

/**
 * Watches the calls a run makes to its store and endpoints. When `OUTAGE_LIMIT` calls in a row to one of them
 * find nothing answering, it calls `onOutage` (the run stops as on Ctrl-C) rather than let every image left
 * become an error row; from then on any failure is a cancellation, so no more rows are written.
 */
export class OutageWatch {
  outage?: Outage;
  /** Per service, the messages of its failures since it last answered. */
  private readonly streaks = new Map<string, string[]>();

  constructor(private readonly onOutage: (o: Outage) => void) {}

  async call<T>(service: string, work: () => Promise<T>): Promise<T> {
    try {
      const out = await work();
      // after the stop the streak is kept: it names the rows that are the outage's, not the images'
      if (!this.outage) this.streaks.delete(service);
      return out;
    } catch (err) {
      if (this.outage) throw new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
      const code = unreachableCode(err);
      if (!code) {
        this.streaks.delete(service); // it answered, if only to refuse
        throw err;
      }
      const streak = [...(this.streaks.get(service) ?? []), describeError(err).message];
      this.streaks.set(service, streak);
      if (streak.length < OUTAGE_LIMIT) throw err;
      this.outage = { service, code, count: streak.length };
      this.onOutage(this.outage);
      throw new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
    }
  }

  /** An error row of the streak that stopped the run: the outage's failure, not the image's, so it is left to do. */
  causedOutage(row: ResultRow): boolean {
    return Boolean(this.outage && row.status === 'error' && this.streaks.get(this.outage.service)?.includes(row.error));
  }

  store(store: ImageStore, service: string): ImageStore {
    return {
      kind: store.kind,
      describe: () => store.describe(),
      locationOf: (key) => store.locationOf(key),
      put: (...a) => this.call(service, () => store.put(...a)),
      get: (...a) => this.call(service, () => store.get(...a)),
      info: (...a) => this.call(service, () => store.info(...a)),
      check: (...a) => this.call(service, () => store.check(...a)),
      destroy: () => store.destroy?.(),
    };
  }

  /** Watches the provider's upscale calls (only a remote one can fail unreachable). */
  provider(p: UpscaleProvider, service: string): UpscaleProvider {
    const upscale = p.upscale.bind(p);
    p.upscale = (input) => this.call(service, () => upscale(input));
    return p;
  }
}
