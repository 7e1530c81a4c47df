import { isInventoryManifest } from '../core/inputs/s3-inventory.js';
import { BenchError } from '../core/errors.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FACTORS, KERNELS, type DownscaleSettings, type Factor, type Kernel } from '../core/image/downscale.js';
import { STORE_FORMATS, type StoreFormat } from '../core/image/formats.js';
import { DEFAULT_MAX_PIXELS } from '../core/image/read.js';
import { PROVIDER_NAMES, type ProviderName } from '../core/providers/registry.js';
import { defaultConcurrency, runTarget, type ProviderSpec, type RunSettings, type SageMakerRunSettings, type StoreSpec } from '../core/pipeline/settings.js';
import { randomSeed } from '../core/inputs/sample.js';
import { CSV_GROUP_COLUMN, GROUP_BY, type GroupBy } from '../core/inputs/groups.js';
import { isS3Uri, parseS3Uri } from '../core/inputs/s3-uri.js';
import { LOCAL_MODELS, PRECISIONS, type Precision } from '../core/models/catalog.js';
import { nameProblem } from '../core/models/library.js';
import { DEFAULT_METRICS, METRICS, type Metric, parseMetrics } from '../core/metrics/metric-names.js';
import { AT_CHOICES, type At, SSIMULACRA2_LEVELS, TARGET_METRICS, type Target, parseAt, parseTarget, withAt } from '../core/results/target.js';

export const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

const oneOf = <T extends string>(name: string, values: readonly T[]) => (v: string) => {
  if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}`);
  return v as T;
};

// Built-in names, or an imported model's (checked against the library when the run starts).
const modelName = (v: string) => {
  if (v in LOCAL_MODELS) return v;
  const problem = nameProblem(v);
  if (problem && !/built-in/.test(problem)) throw new InvalidArgumentError(`--model: ${problem}`);
  return v;
};

const fitRange = (v: string) => {
  const m = /^(\d+)-(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError('--fit takes MIN-MAX pixels, e.g. 100-200');
  return { min: Number(m[1]), max: Number(m[2]) };
};

const DEFAULT_PROVIDERS: ProviderName[] = ['local-ai'];
const providerList = (v: string, prev: ProviderName[] = []) => {
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) oneOf('--provider', PROVIDER_NAMES)(n);
  // commander hands the default in as `prev` on first use; a given --provider replaces it
  const before = prev === DEFAULT_PROVIDERS ? [] : prev;
  return [...new Set([...before, ...(names as ProviderName[])])];
};

const url = (name: string) => (v: string) => {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return v;
  } catch {
    throw new InvalidArgumentError(`${name} must be an http(s) URL`);
  }
};

/** Commander's shape for a parser whose Error carries the sentence. */
const sentence = <T>(name: string, parse: (v: string) => T) => (v: string): T => {
  try {
    return parse(v);
  } catch (err) {
    throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
  }
};

/** run's, sweep's and score's --metrics. */
export const metricsOption = () =>
  new Option('--metrics <list>', `scores to compute, comma-separated: ${METRICS.join(', ')} (Butteraugli costs about four SSIMULACRA2s)`)
    .argParser(sentence('--metrics', parseMetrics))
    .default([...DEFAULT_METRICS], DEFAULT_METRICS.join(','));

/** sweep's and run's --target: METRIC=VALUE, or a named SSIMULACRA2 level. */
export const targetOption = () =>
  new Option(
    '--target <metric=value>',
    `score the recommended setting must reach (its mean, or the statistic --at names): ${TARGET_METRICS.join(', ')} (≥ for the similarities, ≤ for Butteraugli's distances); ` +
      `ssimulacra2 also takes ${Object.entries(SSIMULACRA2_LEVELS).map(([k, v]) => `${k} (${v})`).join(', ')} (default: ssimulacra2=high)`,
  ).argParser(sentence('--target', parseTarget));

/** --at: the statistic of per-image scores the target is on. parseAt's sentence already names the option. */
export const atOption = () =>
  new Option('--at <statistic>', `what must reach the target: ${AT_CHOICES.join(', ')} of the per-image scores (p10: the score at least 9 images in 10 reach or beat; default mean)`).argParser((v) => {
    try {
      return parseAt(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });

export interface TargetOpts {
  target?: Target;
  targetSsim?: number;
  at?: At;
}

/** The target the options ask for: --target (or --target-ssim, or the default) on --at's statistic. */
export const targetFrom = (o: TargetOpts): Target => withAt(runTarget(o), o.at);

export interface MetricsOpts {
  metrics: Metric[];
}

/** run's and sweep's --concurrency: both feed one queue of tiles to the same inference workers. */
export const concurrencyOption = () =>
  new Option('--concurrency <n>', 'images in flight at once; the tiles of all of them share one set of inference workers')
    .argParser(int('--concurrency', 1, 64))
    // commander prints "(default: …)" itself: the description must not say it again
    .default(defaultConcurrency(), `${defaultConcurrency()} here, one per inference worker plus one`);

/**
 * run's and sweep's checks of INPUT, --resume and --out; returns whether an option was given (command line or
 * environment) rather than defaulted, which a resume compares with the recorded settings.
 */
export function resumableArgs(cmd: Command, input: string | undefined, o: { resume?: string; out?: string }): (opt: string) => boolean {
  if (o.resume && o.out) throw new BenchError('ERROR_BAD_SETTINGS', '--resume continues its own folder; leave out --out');
  if (!input && !o.resume) cmd.error("error: missing required argument 'input'", { code: 'commander.missingArgument', exitCode: 2 });
  return (opt: string) => ['cli', 'env'].includes(cmd.getOptionValueSource(opt) ?? '');
}

export function addDownscaleOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--factor <n>', `downscale factor (${FACTORS.join(', ')})`).argParser((v) => oneOf('--factor', FACTORS.map(String))(v)).default('4'))
    .addOption(new Option('--fit <min-max>', "bring the longest side into MIN-MAX px, as the original sample's downscaler did (e.g. 100-200)").argParser(fitRange))
    .addOption(new Option('--format <f>', `stored format: original, ${STORE_FORMATS.join(', ')}`).argParser(oneOf('--format', ['original', ...STORE_FORMATS] as const)).default('original'))
    .addOption(new Option('--quality <q>', 'stored quality for jpeg/webp/avif (1-100)').argParser(int('--quality', 1, 100)).default(90))
    .addOption(new Option('--kernel <k>', `downscale kernel (${KERNELS.join(', ')}); default lanczos3, or cubic with --fit`).argParser(oneOf('--kernel', KERNELS)))
    .addOption(new Option('--max-pixels <n>', 'refuse images above this many pixels before decoding').argParser(int('--max-pixels', 1, 2 ** 31)).default(DEFAULT_MAX_PIXELS));
}

export function addStoreOptions(cmd: Command, localHelp: string): Command {
  return cmd
    .addOption(new Option('--store <kind>', `where downscaled copies go: local (${localHelp}) or s3`).argParser(oneOf('--store', ['local', 's3'] as const)).default('local'))
    .option('--bucket <name>', 'S3 bucket (with --store s3)')
    .option('--prefix <p>', 'S3 key prefix', '')
    .option('--region <r>', 'AWS region for S3 and SageMaker (default: AWS_REGION or your profile)')
    .addOption(new Option('--s3-endpoint <url>', 'S3-compatible endpoint URL (MinIO, s3rver, …)').argParser(url('--s3-endpoint')));
}

/** run's and sweep's --group-by: the answer per group of images as well as overall. */
export const groupByOption = () =>
  new Option(
    '--group-by <how>',
    `give every mean, Pareto set and recommendation per group as well: folder (the first folder level below the folder, s3:// prefix or CSV's common folder), column (a CSV's '${CSV_GROUP_COLUMN}' column: the default for a CSV that has one) or none`,
  ).argParser(oneOf('--group-by', GROUP_BY));

/** run's and sweep's --sample: which of the input's images are evaluated. */
export const sampleOption = () =>
  new Option('--sample <n>', 'evaluate a seeded uniform random sample of N images of the folder, CSV or s3:// prefix (with --seed S to repeat it; the picks are recorded in settings.json)').argParser(
    int('--sample', 1, 10_000_000),
  );

export function addProviderOptions(cmd: Command, multiple: boolean): Command {
  const providerHelp = multiple
    ? `upscaler(s) to compare: ${PROVIDER_NAMES.join(', ')} (repeat or comma-separate)`
    : `upscaler: ${PROVIDER_NAMES.join(', ')}`;
  return cmd
    .addOption(new Option('--provider <name>', providerHelp).argParser(providerList).default(DEFAULT_PROVIDERS, 'local-ai'))
    .addOption(new Option('--model <m>', `local-ai model: ${Object.keys(LOCAL_MODELS).join(', ')}, or the name of a model you imported (\`upscale-bench models\`)`).argParser(modelName).default('thick'))
    .addOption(
      new Option('--precision <p>', 'local-ai arithmetic: fp32 (reference) or int8 (thick, and imported models with an int8 build from `models quantize`: about 1.4–2.4× faster; thick is under 0.1 dB lower in PSNR on busy photos, up to 3 dB on smooth skies; an import\'s cost is measured and shown by `models`; see README)')
        .argParser(oneOf('--precision', PRECISIONS))
        .default('fp32'),
    )
    .addOption(new Option('--tile-size <px>', 'local-ai input tile size').argParser(int('--tile-size', 16, 1024)))
    .addOption(new Option('--tile-overlap <px>', 'local-ai tile overlap (input pixels)').argParser(int('--tile-overlap', 0, 128)))
    .option('--endpoint <name>', 'SageMaker endpoint name (with --provider sagemaker)')
    .addOption(new Option('--sagemaker-url <url>', 'custom SageMaker runtime URL (a VPC endpoint or a local stand-in)').argParser(url('--sagemaker-url')))
    .option('--prompt <text>', 'SageMaker: prompt steering the upscale', '')
    .option('--negative-prompt <text>', 'SageMaker: what to avoid')
    .addOption(new Option('--steps <n>', 'SageMaker: num_inference_steps').argParser(int('--steps', 1, 500)).default(50))
    .addOption(new Option('--guidance <g>', 'SageMaker: guidance_scale').argParser(num('--guidance')).default(7.5))
    .addOption(new Option('--noise-level <n>', 'SageMaker: noise_level').argParser(int('--noise-level', 0, 350)))
    .addOption(new Option('--seed <n>', "the seed of --sample's choice, and SageMaker's seed").argParser(int('--seed', 0, 2 ** 31 - 1)))
    .addOption(new Option('--sagemaker-tile <px>', 'SageMaker: long side of an input tile; 0 sends whole images').argParser(int('--sagemaker-tile', 0, 4096)).default(192))
    .addOption(new Option('--sagemaker-tile-overlap <px>', 'SageMaker: input pixels neighbouring tiles share, cross-faded').argParser(int('--sagemaker-tile-overlap', 0, 256)).default(24))
    .addOption(new Option('--sagemaker-concurrency <n>', 'SageMaker: requests in flight across all tiles and images').argParser(int('--sagemaker-concurrency', 1, 256)).default(4))
    .option('--sagemaker-async', 'SageMaker: Asynchronous Inference through S3 (needs --async-input)')
    .option('--async-input <s3uri>', 'SageMaker async: s3://bucket/prefix/ the request bodies are uploaded to (and deleted from)')
    .addOption(new Option('--async-timeout <s>', 'SageMaker async: seconds one request may take').argParser(int('--async-timeout', 1, 6 * 3600)).default(900))
    .addOption(new Option('--sagemaker-price-per-hour <usd>', "SageMaker: the endpoint's price per instance-hour, for the cost per 1,000 retrievals").argParser(num('--sagemaker-price-per-hour')))
    .addOption(new Option('--sagemaker-instances <n>', 'SageMaker: instances behind the endpoint').argParser(int('--sagemaker-instances', 1, 1000)).default(1));
}

export interface CommonOpts {
  factor: string;
  fit?: { min: number; max: number };
  format: StoreFormat | 'original';
  quality: number;
  kernel?: Kernel;
  maxPixels: number;
  store: 'local' | 's3';
  bucket?: string;
  prefix: string;
  region?: string;
  s3Endpoint?: string;
  provider: ProviderName[];
  model: string;
  precision: Precision;
  tileSize?: number;
  tileOverlap?: number;
  endpoint?: string;
  sagemakerUrl?: string;
  prompt: string;
  negativePrompt?: string;
  steps: number;
  guidance: number;
  noiseLevel?: number;
  seed?: number;
  sagemakerTile: number;
  sagemakerTileOverlap: number;
  sagemakerConcurrency: number;
  sagemakerAsync?: boolean;
  asyncInput?: string;
  asyncTimeout: number;
  sagemakerPricePerHour?: number;
  sagemakerInstances: number;
  sample?: number;
  groupBy?: GroupBy;
}

export function downscaleFrom(o: CommonOpts): DownscaleSettings {
  return {
    factor: Number(o.factor) as Factor,
    ...(o.fit ? { fit: o.fit } : {}),
    format: o.format,
    quality: o.quality,
    kernel: o.kernel ?? (o.fit ? 'cubic' : 'lanczos3'),
  };
}

export function storeFrom(o: CommonOpts): StoreSpec {
  if (o.store === 's3') {
    if (!o.bucket) throw new BenchError('ERROR_BAD_SETTINGS', '--store s3 needs --bucket');
    return { kind: 's3', bucket: o.bucket, prefix: o.prefix || undefined, region: o.region, endpoint: o.s3Endpoint };
  }
  return { kind: 'local' };
}

export function providersFrom(o: CommonOpts): ProviderSpec[] {
  return o.provider.map((name): ProviderSpec => {
    switch (name) {
      case 'sagemaker':
        if (!o.endpoint) throw new BenchError('ERROR_BAD_SETTINGS', '--provider sagemaker needs --endpoint NAME');
        return {
          name,
          endpoint: o.endpoint,
          region: o.region,
          url: o.sagemakerUrl,
          prompt: o.prompt,
          negativePrompt: o.negativePrompt,
          numInferenceSteps: o.steps,
          guidanceScale: o.guidance,
          noiseLevel: o.noiseLevel,
          seed: o.seed,
          tile: o.sagemakerTile,
          tileOverlap: o.sagemakerTileOverlap,
          ...(o.sagemakerAsync ? { async: asyncFrom(o) } : {}),
        };
      case 'local-ai':
        return { name, model: o.model, ...(o.precision === 'int8' ? { precision: 'int8' } : {}), tileSize: o.tileSize, tileOverlap: o.tileOverlap };
      default:
        return { name };
    }
  });
}

function asyncFrom(o: CommonOpts): NonNullable<Extract<ProviderSpec, { name: 'sagemaker' }>['async']> {
  if (!o.asyncInput) throw new BenchError('ERROR_BAD_SETTINGS', '--sagemaker-async needs --async-input s3://bucket/prefix/');
  parseS3Uri(o.asyncInput);
  return { input: o.asyncInput, s3Endpoint: o.s3Endpoint, timeoutMs: o.asyncTimeout * 1000 };
}

/** SageMaker's requests in flight and price: run settings that change no row. */
export function sagemakerRunFrom(o: CommonOpts): SageMakerRunSettings | undefined {
  if (!o.provider.includes('sagemaker')) return undefined;
  return { concurrency: o.sagemakerConcurrency, instances: o.sagemakerInstances, ...(o.sagemakerPricePerHour !== undefined ? { pricePerHour: o.sagemakerPricePerHour } : {}) };
}

/** The input's sample and grouping, and how s3:// inputs are reached (the store's --region and --s3-endpoint). */
export function inputFrom(input: string, o: CommonOpts): Pick<RunSettings, 'sample' | 'inputS3' | 'groupBy'> {
  const mayHoldS3 = isS3Uri(input) || input.toLowerCase().endsWith('.csv') || isInventoryManifest(input);
  return {
    ...(o.sample ? { sample: { n: o.sample, seed: o.seed ?? randomSeed() } } : {}),
    ...(o.groupBy ? { groupBy: o.groupBy } : {}),
    ...(mayHoldS3 && (o.region || o.s3Endpoint) ? { inputS3: { region: o.region, endpoint: o.s3Endpoint } } : {}),
  };
}
