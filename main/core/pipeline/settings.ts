import { workerPlan } from '../inference/worker-plan.js';
import { DEFAULT_DOWNSCALE, type DownscaleSettings, type Factor } from '../image/downscale.js';
import type { StoreFormat } from '../image/formats.js';
import { DEFAULT_MAX_PIXELS } from '../image/read.js';
import type { Precision } from '../models/catalog.js';
import type { JumpStartParams } from '../providers/sagemaker-jumpstart.js';
import type { AsyncOptions } from '../providers/sagemaker/async-invoke.js';
import { DEFAULT_METRICS, LEGACY_METRICS, type Metric, sortMetrics } from '../metrics/metric-names.js';
import { DEFAULT_TARGET, type Target, scoredBy, withAt } from '../results/target.js';
import type { ListingIdentity } from '../inputs/s3-prefix.js';
import type { GroupBy } from '../inputs/groups.js';

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
      /** With precision int8: the sha256 of the imported model's int8 graph, recorded likewise. */
      int8Sha256?: string;
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
  /**
   * How images are grouped for per-group answers (`--group-by`); once the input is listed, the grouping that
   * applied (`column` for a CSV with a `group` column unless `none` was asked). It changes no score: a resume
   * may change it, and every row, kept ones included, takes the new groups.
   */
  groupBy?: GroupBy;
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
  /** Scores each row gets (default DEFAULT_METRICS); the target's metric is always among them. */
  metrics?: Metric[];
  /** Score the recommendation must reach (default a mean SSIMULACRA2 ≥ 70; `at` a percentile instead); it changes no row, so resume ignores it. */
  target?: Target;
  /** Before `target`: a mean SSIM target, still read when `target` is absent. */
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

/** The SSIM target of runs recorded before `target` existed. */
export const LEGACY_TARGET_SSIM = 0.9;

/** The run's target: `target` (a mean one without `at`, as files hold it), else an old `targetSsim`, else the default. */
export const runTarget = (s: Pick<RunSettings, 'target' | 'targetSsim'>): Target =>
  s.target ? withAt(s.target, s.target.at) : s.targetSsim !== undefined ? { metric: 'ssim', value: s.targetSsim } : DEFAULT_TARGET;

/** The scores the run computes. A plain run's are taken as given: a score left out stays empty, and its summary's recommendation is null when the target's score is one of them. */
export const runMetrics = (s: Pick<RunSettings, 'metrics'>): Metric[] => sortMetrics(s.metrics ?? DEFAULT_METRICS);

/** A sweep's metrics: the ones asked for and the one its target decides on. */
export const withTargetScored = (metrics: readonly Metric[], target: Target): Metric[] => sortMetrics([...metrics, scoredBy(target.metric)]);

/** Settings with their metrics and target spelled out, as settings.json records them. */
export const withScoring = (s: RunSettings): RunSettings => ({ ...s, metrics: runMetrics(s), target: runTarget(s) });

/**
 * A settings.json as recorded: one written before `metrics` scored ORB, PSNR and SSIM only and was judged
 * on SSIM (its `targetSsim`, or the 0.9 then default), so a resume of it goes on doing that.
 */
export function recordedScoring(s: RunSettings): RunSettings {
  if (s.metrics) return s;
  return { ...s, metrics: [...LEGACY_METRICS], target: s.target ?? { metric: 'ssim', value: s.targetSsim ?? LEGACY_TARGET_SSIM } };
}

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
