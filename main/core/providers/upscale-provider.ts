import type { RawImage } from '../image/raw.js';
import type { StoreFormat } from '../image/formats.js';

export interface TileProgress {
  done: number;
  total: number;
  /** Requests of this image in flight now (a remote provider's tiles). */
  inFlight?: number;
}

export interface UpscaleInput {
  /** The stored (downscaled) image's encoded bytes, exactly as fetched from the store. */
  bytes: Buffer;
  format: StoreFormat;
  width: number;
  height: number;
  /** The size the image had before it was downscaled; interpolators aim straight for it. */
  target: { width: number; height: number };
  signal?: AbortSignal;
  onProgress?: (p: TileProgress) => void;
}

/** What one upscale cost, apart from its wall time (which waiting for shared cores can stretch). */
export interface UpscaleTiming {
  /** The image's own compute, ms: the provider's busy time on it (see each provider). */
  busyMs: number;
  /** Time it waited for a shared resource (an inference slot, a throttled endpoint) with nothing of its own running, ms. */
  waitMs: number;
  /** Threads that busy time ran on here (core-seconds = busyMs × threads / 1000); null for a remote endpoint. */
  threads: number | null;
}

export interface UpscaleOutput {
  image: RawImage;
  notes: string[];
  timing: UpscaleTiming;
  /** Why the output is not the original's size (e.g. "model is x2, run factor 4"); the row's note says it. */
  resizeReason?: string;
}

/** A provider's work on one thread from `since` (performance.now()) until now, with nothing shared to wait for. */
export const singleThreadTiming = (since: number): UpscaleTiming => ({ busyMs: performance.now() - since, waitMs: 0, threads: 1 });

/** One way of bringing a stored image back up. */
export interface UpscaleProvider {
  /** Registry name, as typed after --provider. */
  readonly name: string;
  /** What the results row says under `model`. */
  readonly model: string;
  /** The scale this provider produces when a run downscaled by `factor` (null: any size). */
  scaleFor(factor: number): number | null;
  upscale(input: UpscaleInput): Promise<UpscaleOutput>;
  /** Starts what its first image would otherwise wait for (a model's sessions); a run calls it as it starts. */
  warm?(): void;
  /** Cheap reachability check for "test connection". */
  check?(signal?: AbortSignal): Promise<void>;
  dispose?(): Promise<void>;
}
