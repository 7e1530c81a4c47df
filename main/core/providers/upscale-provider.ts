import type { RawImage } from '../image/raw.js';
import type { StoreFormat } from '../image/formats.js';

export interface TileProgress {
  done: number;
  total: number;
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

export interface UpscaleOutput {
  image: RawImage;
  notes: string[];
  /** Why the output is not the original's size (e.g. "model is x2, run factor 4"); the row's note says it. */
  resizeReason?: string;
}

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
