import { workerPlan } from '../models/worker-plan.js';
import { DEFAULT_DOWNSCALE, type DownscaleSettings, type Factor } from '../image/downscale.js';
import type { StoreFormat } from '../image/formats.js';
import { DEFAULT_MAX_PIXELS } from '../image/read.js';
import type { Precision } from '../models/catalog.js';
import type { JumpStartParams } from '../providers/sagemaker-jumpstart.js';
import type { AsyncOptions } from '../providers/sagemaker/async-invoke.js';
import type { ListingIdentity } from '../inputs/s3-prefix.js';

export type ProviderSpec =
  | { name: 'bicubic' }
  | { name: 'none' }
  | { name: 'lanczos' }
  | {
      name: 'local-ai';
      model?: string;
      precision?: Precision;
      tileSize?: number;
      tileOverlap?: number;
      /** An imported model's source sha256, recorded when the run starts so a resume runs the very same file. */
      modelSha256?: string;
    }
  | ({
      name: 'sagemaker';
      endpoint: string;
      region?: string;
      url?: string;
      timeoutMs?: number;
      /** Long side of an input tile; 0 sends whole images. */
      tile?: number;
      tileOverlap?: number;
      /** Asynchronous Inference through this S3 prefix. */
      async?: AsyncOptions;
    } & JumpStartParams);

export type StoreSpec =
  | { kind: 'local' }
  | { kind: 's3'; bucket: string; prefix?: string; region?: string; endpoint?: string };

export interface RunSettings {
  /** A folder, a CSV of paths (local or s3://), one image, or an s3://bucket/prefix. */
  input: string;
  /** `--sample N --seed S`; once the input is listed, the images it picked (their paths or s3:// URIs) and, for a prefix, the listing. */
  sample?: { n: number; seed: number; chosen?: string[]; listing?: ListingIdentity };
  /** Region and endpoint for s3:// inputs (the store's flags; credentials are the run's, kept out of settings.json). */
  inputS3?: { region?: string; endpoint?: string };
  /** Output folder; default TestResults/<timestamp> under the current folder. */
  out?: string;
  providers: ProviderSpec[];
  downscale: DownscaleSettings;
  store: StoreSpec;
  concurrency: number;
  maxPixels: number;
  /** A sweep stores every image once per (factor, format, quality) here instead of `downscale`'s one setting. */
  sweep?: SweepGrid;
  /** Mean SSIM the recommendation must reach (default 0.9); it changes no row, so resume ignores it. */
  targetSsim?: number;
  /** SageMaker requests in flight across the run, and what the endpoint costs; they change no row either. */
  sagemakerRun?: SageMakerRunSettings;
}

export interface SageMakerRunSettings {
  /** Requests in flight at once across all tiles and images (default 4). */
  concurrency?: number;
  /** The endpoint's price per instance-hour, for summary.json's cost per 1,000 retrievals. */
  pricePerHour?: number;
  /** Instances behind the endpoint (default 1). */
  instances?: number;
}

/** The settings a sweep tries; `downscale.kernel` still applies. PNG is lossless, so it ignores the qualities. */
export interface SweepGrid {
  factors: Factor[];
  formats: StoreFormat[];
  qualities: number[];
  /** Search each image's qualities per factor and format by bisection (`sweep --adaptive`) instead of trying them all. */
  adaptive?: boolean;
}

export const DEFAULT_TARGET_SSIM = 0.9;

/**
 * Images in flight by default: one per inference worker (their tiles share the workers, oldest image
 * first) and one more, so that while an image is scored and written the next one is already decoded
 * and stored, its tiles waiting for the first worker that frees.
 */
export const defaultConcurrency = () => workerPlan().workers + 1;

export function defaultSettings(input: string): RunSettings {
  return {
    input,
    providers: [{ name: 'local-ai' }],
    downscale: { ...DEFAULT_DOWNSCALE },
    store: { kind: 'local' },
    concurrency: defaultConcurrency(),
    maxPixels: DEFAULT_MAX_PIXELS,
  };
}
