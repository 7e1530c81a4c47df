import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { JobEvent, ParsedRequest, StartedJob, UiRow } from '../../preload/ipc-contract.js';
import { BenchError } from '../core/errors.js';
import type { RunEvent } from '../core/pipeline/events.js';
import { runBatch } from '../core/pipeline/run-batch.js';
import { RunProgress } from '../core/pipeline/run-progress.js';
import { defaultConcurrency, type ProviderSpec, type RunSettings, runTarget, type StoreSpec, withTargetScored } from '../core/pipeline/settings.js';
import { DEFAULT_METRICS } from '../core/metrics/metric-names.js';
import { DEFAULT_DOWNSCALE } from '../core/image/downscale.js';
import { DEFAULT_MAX_PIXELS } from '../core/image/read.js';
import { isS3Uri } from '../core/inputs/s3-uri.js';
import type { ResultRow } from '../core/results/row.js';
import type { AwsAccess } from '../core/aws/credentials.js';

interface Job {
  controller: AbortController;
  done: Promise<void>;
}

/** One AbortController per job; each job ends with exactly one `end` event. Stage and tile events are coalesced per image. */
export class Jobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly emit: (e: JobEvent) => void) {}

  start(req: ParsedRequest<'run:start'>, input: string, resultsRoot: string, access?: AwsAccess): Promise<StartedJob> {
    return this.launch(toRunSettings(req, input), { resultsParent: resultsRoot, access });
  }

  /** A sweep is a run over a grid of stored settings: same progress, cancel and resume. */
  startSweep(req: ParsedRequest<'sweep:start'>, input: string, resultsRoot: string, access?: AwsAccess): Promise<StartedJob> {
    return this.launch(toSweepSettings(req, input), { resultsParent: resultsRoot, access });
  }

  /** Continues an interrupted run in its own folder with its recorded settings; `runId` names it when it is not the folder's own name. */
  resume(runDir: string, settings: RunSettings, access?: AwsAccess, runId?: string): Promise<StartedJob> {
    return this.launch({ ...settings, out: undefined }, { resume: runDir, access }, runId);
  }

  private launch(settings: RunSettings, runOpts: { resultsParent?: string; resume?: string; access?: AwsAccess }, knownRunId?: string): Promise<StartedJob> {
    const jobId = randomUUID();
    const controller = new AbortController();
    let started!: (v: StartedJob) => void;
    let failedEarly!: (e: unknown) => void;
    const ready = new Promise<StartedJob>((res, rej) => {
      started = res;
      failedEarly = rej;
    });
    let runId = '';
    const progress = new RunProgress();
    // Stage and tile events: the latest per image, sent at most every 100 ms (so a fast batch cannot
    // flood the renderer), and always before a row or the end so nothing stale arrives after them.
    const pending = new Map<number, JobEvent>();
    let lastFlush = 0;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      lastFlush = Date.now();
      for (const e of pending.values()) this.emit(e);
      pending.clear();
    };
    const onEvent = (e: RunEvent) => {
      if (e.type === 'listing') return this.emit({ jobId, ...e });
      progress.update(e);
      if (e.type === 'start') {
        runId = knownRunId ?? basename(e.outDir);
        const job: StartedJob = { jobId, runId, outDir: e.outDir, total: e.total, done: e.done, rows: e.rows, providerRows: e.providerRows, kept: e.kept };
        started(job);
        this.emit({ ...job, type: 'start', providers: e.providers, settings: e.settings });
      } else if (e.type === 'stage' || e.type === 'tile') {
        pending.set(
          e.index,
          e.type === 'stage'
            ? { jobId, type: 'stage', index: e.index, path: e.path, stage: e.stage, provider: e.provider, setting: e.setting }
            : { jobId, type: 'tile', index: e.index, path: e.path, provider: e.provider, done: e.done, total: e.total, ...(e.inFlight !== undefined ? { inFlight: e.inFlight } : {}), etaSeconds: progress.etaSeconds() },
        );
        const wait = 100 - (Date.now() - lastFlush);
        if (wait <= 0) flush();
        else timer ??= setTimeout(flush, wait);
      } else if (e.type === 'row') {
        flush();
        this.emit({ jobId, type: 'row', row: toUi(e.row, e.index), done: e.done, total: e.total, etaSeconds: progress.etaSeconds() });
      } else if (e.type === 'image-done') {
        flush();
        this.emit({ jobId, type: 'image-done', index: e.index, done: e.done, total: e.total });
      }
    };
    const done = runBatch(settings, { signal: controller.signal, onEvent, ...runOpts })
      .then((summary) => {
        flush();
        this.emit({ jobId, type: 'end', status: summary.status, message: summary.message, runId });
      })
      .catch((err) => {
        flush();
        failedEarly(err);
        if (runId) this.emit({ jobId, type: 'end', status: 'failed', message: (err as Error).message, runId });
      })
      .finally(() => this.jobs.delete(jobId));
    this.jobs.set(jobId, { controller, done });
    return ready;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    job.controller.abort();
    return true;
  }

  async cancelAll(): Promise<void> {
    for (const j of this.jobs.values()) j.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }
}

type ProviderFields = Pick<ParsedRequest<'run:start'>, 'providers' | 'localModel' | 'localPrecision' | 'endpoint' | 'region' | 'sagemakerUrl' | 'sagemakerTile' | 'sagemakerAsyncInput' | 's3Endpoint'>;
type StoreFields = Pick<ParsedRequest<'run:start'>, 'store' | 'bucket' | 'prefix' | 'region' | 's3Endpoint'>;

function providerSpecs(req: ProviderFields): ProviderSpec[] {
  return req.providers.map((name) => {
    if (name === 'local-ai') return { name, model: req.localModel, ...(req.localPrecision === 'int8' ? { precision: 'int8' as const } : {}) };
    if (name === 'sagemaker') {
      if (!req.endpoint) throw new BenchError('ERROR_BAD_SETTINGS', 'SageMaker needs an endpoint name');
      return {
        name,
        endpoint: req.endpoint,
        region: req.region,
        url: req.sagemakerUrl,
        ...(req.sagemakerTile !== undefined ? { tile: req.sagemakerTile } : {}),
        ...(req.sagemakerAsyncInput ? { async: { input: req.sagemakerAsyncInput, s3Endpoint: req.s3Endpoint } } : {}),
      };
    }
    return { name };
  });
}

function storeSpec(req: StoreFields): StoreSpec {
  if (req.store === 's3' && !req.bucket) throw new BenchError('ERROR_BAD_SETTINGS', 'the S3 store needs a bucket');
  return req.store === 's3' ? { kind: 's3', bucket: req.bucket!, prefix: req.prefix, region: req.region, endpoint: req.s3Endpoint } : { kind: 'local' };
}

function toRunSettings(req: ParsedRequest<'run:start'>, input: string): RunSettings {
  const providers = providerSpecs(req);
  const store = storeSpec(req);
  if (req.fit && req.fit.min > req.fit.max) throw new BenchError('ERROR_BAD_SETTINGS', 'fit range: min is above max');
  return {
    input,
    providers,
    downscale: { factor: req.factor, ...(req.fit ? { fit: req.fit } : {}), format: req.format, quality: req.quality, kernel: req.fit ? 'cubic' : 'lanczos3' },
    store,
    concurrency: req.concurrency ?? defaultConcurrency(),
    maxPixels: DEFAULT_MAX_PIXELS,
    ...sagemakerRun(req),
    ...(req.metrics ? { metrics: req.metrics } : {}),
    ...inputParts(req, input),
  };
}

/** The app's SageMaker requests in flight and price (they change no row). */
function sagemakerRun(req: Pick<ParsedRequest<'run:start'>, 'providers' | 'sagemakerConcurrency' | 'sagemakerPricePerHour'>): Pick<RunSettings, 'sagemakerRun'> {
  if (!req.providers.includes('sagemaker')) return {};
  return { sagemakerRun: { ...(req.sagemakerConcurrency ? { concurrency: req.sagemakerConcurrency } : {}), ...(req.sagemakerPricePerHour !== undefined ? { pricePerHour: req.sagemakerPricePerHour } : {}) } };
}

/** The sample and grouping, and where an s3:// input is reached (the screen's region and endpoint, as for the store). */
function inputParts(req: ParsedRequest<'run:start'> | ParsedRequest<'sweep:start'>, input: string): Pick<RunSettings, 'sample' | 'inputS3' | 'groupBy'> {
  return { ...(req.sample ? { sample: req.sample } : {}), ...(req.groupBy ? { groupBy: req.groupBy } : {}), ...(isS3Uri(input) ? { inputS3: { region: req.region, endpoint: req.s3Endpoint } } : {}) };
}

/** The app's sweep request as run settings (also what `sweep:plan` estimates). */
export function toSweepSettings(req: ParsedRequest<'sweep:start'>, input: string): RunSettings {
  return {
    input,
    providers: providerSpecs(req),
    downscale: { ...DEFAULT_DOWNSCALE },
    store: storeSpec(req),
    concurrency: req.concurrency ?? defaultConcurrency(),
    maxPixels: DEFAULT_MAX_PIXELS,
    sweep: { factors: [...new Set(req.factors)].sort((a, b) => a - b), formats: [...new Set(req.formats)], qualities: [...new Set(req.qualities)].sort((a, b) => a - b) },
    metrics: withTargetScored(req.metrics ?? DEFAULT_METRICS, runTarget(req)),
    target: runTarget(req),
    ...sagemakerRun(req),
    ...inputParts(req, input),
  };
}

/** The same shape the repo gives for rows read back from a CSV. */
export function toUi(r: ResultRow, index: number): UiRow {
  return {
    row: index,
    image_path: r.image_path,
    group: r.group,
    status: r.status,
    error: r.error,
    provider: r.provider,
    model: r.model,
    factor: r.factor,
    format: r.format,
    quality: r.quality,
    width: r.width,
    height: r.height,
    original_bytes: r.original_bytes,
    stored_bytes: r.stored_bytes,
    saved_percent: r.saved_percent,
    upscale_ms: r.upscale_ms,
    wait_ms: r.wait_ms,
    upscale_threads: r.upscale_threads,
    orb_score: r.orb_score,
    psnr: r.psnr === Infinity ? null : r.psnr,
    identical: r.psnr === Infinity,
    ssim: r.ssim,
    ssimulacra2: r.ssimulacra2,
    butteraugli: r.butteraugli,
    butteraugli_3norm: r.butteraugli_3norm,
    notes: r.notes,
  };
}

