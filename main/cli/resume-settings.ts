import { BenchError } from '../core/errors.js';
import type { ProviderSpec, RunSettings, SweepGrid } from '../core/pipeline/settings.js';
import { readRunSettings } from '../core/pipeline/resume.js';
import { type CommonOpts, type MetricsOpts, type TargetOpts, downscaleFrom, inputFrom, providersFrom, sagemakerRunFrom, storeFrom } from './options.js';
import { runTarget, withTargetScored } from '../core/pipeline/settings.js';
import { type Target, withAt } from '../core/results/target.js';

/** `run` options grouped by the part of the settings they make (--region feeds both S3 and SageMaker). */
const PROVIDER_OPTS = ['provider', 'model', 'precision', 'tileSize', 'tileOverlap', 'endpoint', 'region', 'sagemakerUrl', 'prompt', 'negativePrompt', 'steps', 'guidance', 'noiseLevel', 'seed', 'sagemakerTile', 'sagemakerTileOverlap', 'sagemakerAsync', 'asyncInput', 'asyncTimeout'];
const SAGEMAKER_RUN_OPTS = ['sagemakerConcurrency', 'sagemakerPricePerHour', 'sagemakerInstances'];
const DOWNSCALE_OPTS = ['factor', 'fit', 'format', 'quality', 'kernel'];
const STORE_OPTS = ['store', 'bucket', 'prefix', 'region', 's3Endpoint'];

/** The options a recorded run would have been started with, so flags given beside --resume can be laid over them. */
function optsFromSettings(s: RunSettings): CommonOpts {
  const local = s.providers.find((p) => p.name === 'local-ai') as Extract<ProviderSpec, { name: 'local-ai' }> | undefined;
  const sm = s.providers.find((p) => p.name === 'sagemaker') as Extract<ProviderSpec, { name: 'sagemaker' }> | undefined;
  const store = s.store.kind === 's3' ? s.store : undefined;
  return {
    factor: String(s.downscale.factor),
    fit: s.downscale.fit,
    format: s.downscale.format,
    quality: s.downscale.quality,
    kernel: s.downscale.kernel,
    maxPixels: s.maxPixels,
    store: s.store.kind,
    bucket: store?.bucket,
    prefix: store?.prefix ?? '',
    region: store?.region ?? sm?.region,
    s3Endpoint: store?.endpoint,
    // 'none' is not typed by users: factor-1 runs add it themselves
    provider: s.providers.flatMap((p) => (p.name === 'none' ? [] : [p.name])),
    model: local?.model ?? 'thick',
    precision: local?.precision ?? 'fp32',
    tileSize: local?.tileSize,
    tileOverlap: local?.tileOverlap,
    endpoint: sm?.endpoint,
    sagemakerUrl: sm?.url,
    prompt: sm?.prompt ?? '',
    negativePrompt: sm?.negativePrompt,
    steps: sm?.numInferenceSteps ?? 50,
    guidance: sm?.guidanceScale ?? 7.5,
    noiseLevel: sm?.noiseLevel,
    seed: sm?.seed ?? s.sample?.seed,
    sample: s.sample?.n,
    groupBy: s.groupBy,
    sagemakerTile: sm?.tile ?? 0,
    sagemakerTileOverlap: sm?.tileOverlap ?? 24,
    sagemakerAsync: Boolean(sm?.async),
    asyncInput: sm?.async?.input,
    asyncTimeout: Math.round((sm?.async?.timeoutMs ?? 900_000) / 1000),
    sagemakerConcurrency: s.sagemakerRun?.concurrency ?? 4,
    sagemakerPricePerHour: s.sagemakerRun?.pricePerHour,
    sagemakerInstances: s.sagemakerRun?.instances ?? 1,
  };
}

/**
 * The target a resume answers: the recorded one, with --target (or --target-ssim) and --at given beside
 * --resume laid over it; a new --target keeps the recorded statistic unless --at is given too.
 */
function resumedTarget(saved: RunSettings, o: TargetOpts, given: (opt: string) => boolean): Target {
  const target = given('target') || given('targetSsim') ? runTarget(o) : runTarget(saved);
  return withAt(target, given('at') ? o.at : runTarget(saved).at);
}

/**
 * `run --resume DIR [input] [flags]`: the run's own settings.json supplies the input and every setting;
 * a part the user gave flags for is rebuilt with them, so runBatch's check names any difference.
 */
export async function resumeSettings(dir: string, input: string | undefined, o: CommonOpts & MetricsOpts & TargetOpts & { concurrency: number }, given: (opt: string) => boolean): Promise<RunSettings> {
  const saved = await readRunSettings(dir);
  const merged = optsFromSettings(saved) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (given(k)) merged[k] = v;
  const opts = merged as unknown as CommonOpts;
  const inputGiven = inputFrom(input ?? saved.input, opts);
  // a target given beside --resume is scored, as on a fresh run
  const metrics = given('metrics') ? o.metrics : (saved.metrics ?? []);
  return {
    input: input ?? saved.input,
    // the recorded sample (its picks included) unless --sample is given, which then must match it
    ...(given('sample') ? { sample: inputGiven.sample } : saved.sample ? { sample: saved.sample } : {}),
    ...(given('region') || given('s3Endpoint') ? { inputS3: inputGiven.inputS3 } : saved.inputS3 ? { inputS3: saved.inputS3 } : {}),
    // the recorded grouping, unless --group-by is given: it changes no score, so every row takes the new groups
    ...(given('groupBy') ? { groupBy: o.groupBy } : saved.groupBy ? { groupBy: saved.groupBy } : {}),
    providers: PROVIDER_OPTS.some(given) ? providersFrom(opts) : saved.providers,
    downscale: DOWNSCALE_OPTS.some(given) ? downscaleFrom(opts) : saved.downscale,
    store: STORE_OPTS.some(given) ? storeFrom(opts) : saved.store,
    maxPixels: given('maxPixels') ? o.maxPixels : saved.maxPixels,
    concurrency: given('concurrency') ? o.concurrency : (saved.concurrency ?? o.concurrency),
    // a sweep's grid comes along, so its remaining rows are the ones a sweep would write
    ...(saved.sweep ? { sweep: saved.sweep } : {}),
    // the run's scores come along (a flag given beside --resume is checked against them)
    metrics: given('target') ? withTargetScored(metrics, runTarget(o)) : metrics,
    // the target and its statistic too, unless given again (it changes no row)
    ...(saved.target || ['target', 'targetSsim', 'at'].some(given) ? { target: resumedTarget(saved, o, given) } : {}),
    ...(saved.targetSsim !== undefined ? { targetSsim: saved.targetSsim } : {}),
    ...(SAGEMAKER_RUN_OPTS.some(given) ? { sagemakerRun: sagemakerRunFrom(opts) } : saved.sagemakerRun ? { sagemakerRun: saved.sagemakerRun } : {}),
  };
}

/** `sweep --resume DIR [input] [flags]`: as resumeSettings, with the recorded grid unless its flags are given. */
export async function resumeSweepSettings(
  dir: string,
  input: string | undefined,
  o: Omit<CommonOpts, 'factor' | 'format' | 'quality' | 'fit'> & MetricsOpts & SweepGrid & TargetOpts & { concurrency: number },
  given: (opt: string) => boolean,
): Promise<RunSettings> {
  const base = await resumeSettings(dir, input, o as unknown as CommonOpts & MetricsOpts & { concurrency: number }, given);
  if (!base.sweep) throw new BenchError('ERROR_BAD_SETTINGS', `${dir} holds a run, not a sweep: continue it with \`upscale-bench run --resume ${dir}\``);
  const grid = base.sweep;
  // resumeSettings laid --target and --at over the recorded target
  const target = runTarget(base);
  return {
    ...base,
    sweep: { factors: given('factors') ? o.factors : grid.factors, formats: given('formats') ? o.formats : grid.formats, qualities: given('qualities') ? o.qualities : grid.qualities, ...(grid.adaptive ? { adaptive: true } : {}) },
    // the target changes no row, but its score must be in them: one not scored yet makes the resume refuse, naming the metrics
    target,
    metrics: withTargetScored(base.metrics ?? [], target),
  };
}
