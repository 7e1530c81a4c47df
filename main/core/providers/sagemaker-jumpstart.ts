import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SageMakerRuntimeClient, SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { httpHandlerSdk, sageMakerSdk } from '../aws/sdk.js';
import sharp from 'sharp';
import { BenchError, isAbortError, throwIfAborted } from '../errors.js';
import type { Rect } from '../inference/tiling.js';
import { formatBytes } from '../results/format-bytes.js';
import { type RawImage, rawInput, resizeRaw, rgbOnly, toRaw } from '../image/raw.js';
import { AsyncFailure, type AsyncOptions, AsyncInvoker } from './sagemaker/async-invoke.js';
import { RequestSlots } from './sagemaker/request-slots.js';
import { splitWindow, stitchFeathered, tileWindows } from './sagemaker/tiles.js';
import type { UpscaleInput, UpscaleOutput, UpscaleProvider } from './upscale-provider.js';

/** Wire facts from shared/reference/jumpstart-upscaler-contract.md. */
export const JUMPSTART_CONTENT_TYPE = 'application/json;jpeg';
export const JUMPSTART_MODEL_ID = 'model-upscaling-stabilityai-stable-diffusion-x4-upscaler-fp16';
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const JUMPSTART_SCALE = 4;
/** Input tiles the container's GPU memory takes (the original sample brought the long side into 100–200 px). */
export const DEFAULT_TILE = 192;
export const DEFAULT_TILE_OVERLAP = 24;
/** A tile that runs out of memory is split down to this long side, then given up on. */
export const TILE_FLOOR = 64;
export const DEFAULT_REQUESTS_IN_FLIGHT = 4;

/** The JumpStart model's own knobs (payload keys prompt, negative_prompt, num_inference_steps, …). */
export interface JumpStartParams {
  prompt?: string;
  negativePrompt?: string;
  numInferenceSteps?: number;
  guidanceScale?: number;
  noiseLevel?: number;
  seed?: number;
}

export interface SageMakerOptions extends JumpStartParams {
  endpointName: string;
  region?: string;
  /** Custom endpoint URL (a loopback stand-in, a VPC endpoint). */
  url?: string;
  /** Send the stored bytes as they are instead of re-encoding non-JPEG to JPEG. */
  sendAsStored?: boolean;
  /** Socket timeout; a little over the 60 s the container has to answer. */
  timeoutMs?: number;
  /** Sends of one request, the first included, when throttled, the model is loading or the service failed briefly. */
  maxAttempts?: number;
  /** Backoff before a re-send: a random wait up to base·2^(attempt−1), at most the cap (defaults 250 ms, 20 s). */
  retryBaseMs?: number;
  retryCapMs?: number;
  credentials?: SageMakerRuntimeClientConfig['credentials'];
  /** Long side of an input tile (default 192); 0 sends the whole image as one request. */
  tile?: number;
  /** Input pixels neighbouring tiles share on each side of their seam (default 24). */
  tileOverlap?: number;
  /** The run's requests in flight, shared by all its SageMaker providers; without it, this provider's own. */
  slots?: RequestSlots;
  /** Asynchronous Inference through S3 instead of real-time InvokeEndpoint. */
  async?: AsyncOptions;
}

export interface JumpStartPayload {
  image: string;
  prompt: string;
  num_inference_steps: number;
  guidance_scale: number;
  negative_prompt?: string;
  seed?: number;
  noise_level?: number;
}

export class SageMakerJumpStartProvider implements UpscaleProvider {
  readonly name = 'sagemaker';
  private readonly client: SageMakerRuntimeClient;
  private readonly sdk: ReturnType<typeof sageMakerSdk>;
  private readonly regionName: string;
  private readonly slots: RequestSlots;
  private readonly asyncInvoker?: AsyncInvoker;

  constructor(private readonly opts: SageMakerOptions) {
    if (!opts.endpointName || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(opts.endpointName)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `'${opts.endpointName ?? ''}' is not a valid SageMaker endpoint name`);
    }
    const tile = opts.tile ?? DEFAULT_TILE;
    const overlap = opts.tileOverlap ?? DEFAULT_TILE_OVERLAP;
    if (tile !== 0 && (tile < TILE_FLOOR || overlap < 0 || 2 * overlap >= tile)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `--sagemaker-tile must be 0 or at least ${TILE_FLOOR} px, and more than twice --sagemaker-tile-overlap`);
    }
    this.regionName = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.sdk = sageMakerSdk();
    const { NodeHttpHandler } = httpHandlerSdk();
    this.client = new this.sdk.SageMakerRuntimeClient({
      region: this.regionName,
      endpoint: opts.url,
      credentials: opts.credentials,
      maxAttempts: 1, // re-sends are ours (request()), so they are counted and leave their slot while waiting
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: opts.timeoutMs ?? 65_000, throwOnRequestTimeout: true }),
    });
    this.slots = opts.slots ?? new RequestSlots(DEFAULT_REQUESTS_IN_FLIGHT);
    if (opts.async) this.asyncInvoker = new AsyncInvoker(opts.async, this.regionName, opts.credentials);
  }

  /** The run's SageMaker totals (shared with the other SageMaker providers of the run). */
  get usage(): RequestSlots {
    return this.slots;
  }

  get model(): string {
    return `jumpstart:${this.opts.endpointName}`;
  }

  scaleFor(): number {
    return JUMPSTART_SCALE;
  }

  buildPayload(imageBytes: Buffer): JumpStartPayload {
    const p: JumpStartPayload = {
      image: imageBytes.toString('base64'),
      prompt: this.opts.prompt ?? '',
      num_inference_steps: this.opts.numInferenceSteps ?? 50,
      guidance_scale: this.opts.guidanceScale ?? 7.5,
    };
    if (this.opts.negativePrompt) p.negative_prompt = this.opts.negativePrompt;
    if (this.opts.seed !== undefined) p.seed = this.opts.seed;
    if (this.opts.noiseLevel !== undefined) p.noise_level = this.opts.noiseLevel;
    return p;
  }

  /**
   * The stored image in tiles of at most `tile` px (whole if it fits), each its own request with the same
   * prompt, seed and parameters, the 4× answers cross-faded across their overlaps. Throws only what fails
   * the row; every tile's request has ended (answered, failed or abandoned) before it returns.
   */
  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    const started = performance.now();
    const notes: string[] = [];
    const tile = this.opts.tile ?? DEFAULT_TILE;
    const overlap = this.opts.tileOverlap ?? DEFAULT_TILE_OVERLAP;
    const whole = tile === 0 || (input.width <= tile && input.height <= tile);
    const windows = tileWindows(input.width, input.height, tile, overlap);
    const job: ImageJob = { image: this.slots.nextImage(), input, requests: 0, endpointMs: 0, splits: 0, done: 0, total: windows.length, inFlight: 0, waiting: 0, waitMs: 0, notes };
    // one failed tile fails the row: the rest stop sending
    const stop = new AbortController();
    job.signal = input.signal ? AbortSignal.any([input.signal, stop.signal]) : stop.signal;
    setMaxListeners(0, job.signal); // every tile in flight or waiting listens to it
    report(job);
    let image: RawImage;
    try {
      if (whole) {
        let bytes = input.bytes;
        if (input.format !== 'jpeg' && !this.opts.sendAsStored) {
          // The JumpStart container is fed JPEG in the reference sample; alpha cannot travel in JPEG.
          bytes = await sharp(bytes).flatten({ background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer();
          notes.push(`sent to the endpoint as JPEG (stored as ${input.format})`);
        }
        const full = { x: 0, y: 0, w: input.width, h: input.height };
        image = tile === 0 ? await this.request(job, bytes, full) : await this.region(job, full, overlap, storedPixels(input.bytes), bytes);
      } else {
        const stored = storedPixels(input.bytes);
        const parts = await settleAll(windows.map(async (w) => ({ window: w, image: await this.region(job, w, overlap, stored) })), stop);
        image = stitchFeathered(parts, input.width, input.height, JUMPSTART_SCALE);
        notes.push(`${windows.length} tiles of ≤ ${tile} px, ${overlap} px overlap, feathered`);
      }
    } finally {
      notes.push(`${job.requests} request${job.requests === 1 ? '' : 's'}, ${(job.endpointMs / 1000).toFixed(1)} endpoint s`);
    }
    // waiting: for a slot other images held, or backing off a throttled endpoint, with none of its own in flight
    const waitMs = job.waitMs;
    return { image, notes, timing: { busyMs: Math.max(0, performance.now() - started - waitMs), waitMs, threads: null } };
  }

  /**
   * One window as one request; a window the model runs out of memory on is retried as four smaller ones
   * (down to TILE_FLOOR px) stitched back together.
   */
  private async region(job: ImageJob, win: Rect, overlap: number, stored: () => Promise<RawImage>, bytes?: Buffer): Promise<RawImage> {
    try {
      return await this.request(job, bytes ?? (await encodeWindow(await stored(), win)), win);
    } catch (err) {
      const pieces = isOutOfMemory(err) ? splitWindow(win.w, win.h, overlap, TILE_FLOOR) : null;
      if (!pieces) throw err;
      if (job.splits++ === 0) job.notes.push(`a tile ran out of GPU memory and was split (floor ${TILE_FLOOR} px)`);
      job.total += pieces.length - 1;
      const parts = await settleAll(
        pieces.map(async (p) => ({ window: p, image: await this.region(job, { x: win.x + p.x, y: win.y + p.y, w: p.w, h: p.h }, overlap, stored) })),
      );
      return stitchFeathered(parts, win.w, win.h, JUMPSTART_SCALE);
    }
  }

  /** One request for one window through the run's slots, re-sent with backoff while it may yet succeed. */
  private async request(job: ImageJob, bytes: Buffer, win: Rect): Promise<RawImage> {
    const body = Buffer.from(JSON.stringify(this.buildPayload(bytes)), 'utf8');
    if (body.length > MAX_PAYLOAD_BYTES && !this.asyncInvoker) {
      throw new BenchError(
        'ERROR_PROVIDER_INPUT_TOO_LARGE',
        `request would be ${formatBytes(body.length)}, over SageMaker's real-time limit of ${formatBytes(MAX_PAYLOAD_BYTES)} (6 MiB) (input ${win.w}×${win.h}); not sent: use a smaller --sagemaker-tile, a larger factor or --sagemaker-async`,
      );
    }
    const maxAttempts = this.opts.maxAttempts ?? 6;
    const usage = this.slots.usage;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.waiting(job, (granted) => this.slots.run(job.image, () => (granted(), this.send(job, body)), job.signal));
        let image = rgbOnly(await decodeAnswer(answer));
        const [w, h] = [win.w * JUMPSTART_SCALE, win.h * JUMPSTART_SCALE];
        if (image.width !== w || image.height !== h) image = await resizeRaw(image, w, h);
        job.done++;
        report(job);
        return image;
      } catch (err) {
        if (isAbortError(err) || job.signal?.aborted) throw new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
        const kind = retryable(err);
        if (!kind || attempt >= maxAttempts) throw this.explain(err, win.w, win.h, attempt);
        usage.retries++;
        if (kind === 'throttle') usage.throttles++;
        // outside the slot: other tiles go while this one waits (full jitter spreads a throttled burst)
        const cap = Math.min(this.opts.retryCapMs ?? 20_000, (this.opts.retryBaseMs ?? 250) * 2 ** (attempt - 1));
        await this.waiting(job, () => sleep(Math.random() * cap, undefined, { signal: job.signal })).catch(() => {
          throw new BenchError('ERROR_CANCELLED', 'cancelled');
        });
      }
    }
  }

  /**
   * Runs `work` counted as one of the image's requests waiting, until it ends or calls `granted` (a slot that
   * is free at once is granted before `work` returns: no wait).
   */
  private async waiting<T>(job: ImageJob, work: (granted: () => void) => Promise<T>): Promise<T> {
    let granted = false;
    let counted = false;
    const stop = () => {
      granted = true;
      if (!counted) return;
      counted = false;
      job.waiting--;
      clock(job);
    };
    const running = work(stop);
    if (!granted) {
      counted = true;
      job.waiting++;
      clock(job);
    }
    try {
      return await running;
    } finally {
      stop();
    }
  }

  private async send(job: ImageJob, body: Buffer): Promise<Uint8Array | undefined> {
    const t0 = Date.now();
    job.requests++;
    job.inFlight++;
    clock(job);
    report(job);
    this.slots.usage.invocations++;
    try {
      if (this.asyncInvoker) return await this.asyncInvoker.invoke(this.client, this.opts.endpointName, JUMPSTART_CONTENT_TYPE, body, job.signal);
      const res = await this.client.send(
        new this.sdk.InvokeEndpointCommand({ EndpointName: this.opts.endpointName, ContentType: JUMPSTART_CONTENT_TYPE, Accept: JUMPSTART_CONTENT_TYPE, Body: body }),
        { abortSignal: job.signal },
      );
      return res.Body;
    } finally {
      job.inFlight--;
      clock(job);
      const ms = Date.now() - t0;
      job.endpointMs += ms;
      this.slots.usage.endpointMs += ms;
    }
  }

  async check(signal?: AbortSignal): Promise<void> {
    // A 16×16 grey JPEG: the cheapest real call that proves the endpoint answers with images.
    const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await this.upscale({ bytes: tiny, format: 'jpeg', width: 16, height: 16, target: { width: 64, height: 64 }, signal });
  }

  async dispose(): Promise<void> {
    this.client.destroy();
    this.asyncInvoker?.destroy();
  }

  private explain(err: unknown, width: number, height: number, attempts: number): BenchError {
    if (err instanceof BenchError) return err; // already in words (an async timeout)
    const e = err as {
      name?: string;
      message?: string;
      code?: string;
      OriginalStatusCode?: number;
      OriginalMessage?: string;
      $metadata?: { httpStatusCode?: number; attempts?: number };
    };
    const name = e.name ?? '';
    const status = e.$metadata?.httpStatusCode;
    const ep = `endpoint '${this.opts.endpointName}'`;
    const retried = attempts > 1 ? ` after ${attempts} attempts` : '';
    const msg = e.message ?? '';
    let why: string;
    if (name === 'AbortError') return new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
    if (status === 413) {
      return new BenchError('ERROR_PROVIDER_INPUT_TOO_LARGE', `${ep} refused the request as too large (HTTP 413, 6 MB limit): use a larger factor or --fit 100-200`, { cause: err });
    }
    if (name === 'ValidationError' && /not found/i.test(msg)) why = `${ep} not found in ${this.regionName}`;
    else if (name === 'ValidationError') why = `${ep} refused the request: ${msg}`;
    else if (err instanceof AsyncFailure) {
      why = isOutOfMemory(err) ? `model ran out of GPU memory on a ${width}×${height} input (asynchronous)` : `the asynchronous request failed: ${msg.slice(0, 300)}`;
    } else if (name === 'ModelError') {
      const original = `${e.OriginalMessage ?? ''} ${msg}`;
      if (/out of memory|CUDA/i.test(original)) why = `model ran out of GPU memory on a ${width}×${height} input: use a smaller --sagemaker-tile, a larger factor or --fit 100-200`;
      else if (/timed out|timeout/i.test(original)) why = `model did not answer within SageMaker's 60 s limit on a ${width}×${height} input`;
      else why = `model failed (container said HTTP ${e.OriginalStatusCode ?? '?'}: ${(e.OriginalMessage ?? msg).slice(0, 300)})`;
    } else if (name === 'ThrottlingException' || status === 429) why = `${ep} throttled the requests${retried}; lower --sagemaker-concurrency or raise the quota`;
    else if (name === 'ModelNotReadyException') why = `${ep} is still loading its model${retried}; try again in a few minutes`;
    else if (name === 'ServiceUnavailable' || name === 'InternalFailure' || name === 'InternalDependencyException')
      why = `${ep} had a transient failure (${name})${retried}`;
    else if (name === 'TimeoutError' || /timed? ?out|ETIMEDOUT|socket hang up/i.test(`${e.code ?? ''} ${msg}`))
      why = `no answer from ${ep} within ${Math.round((this.opts.timeoutMs ?? 65_000) / 1000)} s`;
    else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET/i.test(`${e.code ?? ''} ${msg}`))
      why = `cannot reach ${ep}${this.opts.url ? ` at ${this.opts.url}` : ` in ${this.regionName}`} (${e.code ?? 'network error'})`;
    else if (name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'ExpiredTokenException')
      why = `the AWS credentials were rejected (${name})`;
    else if (name === 'AccessDeniedException') why = `access denied to ${ep} (needs sagemaker:InvokeEndpoint)`;
    else if (name === 'CredentialsProviderError' || /credential/i.test(msg)) why = 'no AWS credentials found (set AWS_PROFILE, run `aws sso login`, or set AWS keys)';
    else why = `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${msg}`;
    return new BenchError('ERROR_PROVIDER', `SageMaker: ${why}`, { cause: err });
  }
}

async function decodeAnswer(body: Uint8Array | undefined) {
  let parsed: { generated_images?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body ?? []).toString('utf8'));
  } catch {
    throw new BenchError('ERROR_PROVIDER', 'SageMaker: the endpoint answered with something that is not JSON');
  }
  const first = Array.isArray(parsed.generated_images) ? parsed.generated_images[0] : undefined;
  if (typeof first !== 'string') throw new BenchError('ERROR_PROVIDER', 'SageMaker: the answer has no generated_images[0] string');
  try {
    return await toRaw(sharp(Buffer.from(first, 'base64')).toColourspace('srgb').removeAlpha());
  } catch {
    throw new BenchError('ERROR_PROVIDER', 'SageMaker: generated_images[0] is not a decodable image');
  }
}

interface ImageJob {
  /** Place in line among the run's images (their requests go oldest first). */
  image: number;
  input: UpscaleInput;
  signal?: AbortSignal;
  requests: number;
  endpointMs: number;
  splits: number;
  done: number;
  total: number;
  inFlight: number;
  /** Requests waiting for a slot or backing off, and the time spent with some waiting and none in flight. */
  waiting: number;
  waitMs: number;
  waitSince?: number;
  notes: string[];
}

/** Starts or stops the image's wait clock: it runs while a request of it waits and none is in flight. */
function clock(job: ImageJob): void {
  const idle = job.waiting > 0 && job.inFlight === 0;
  if (idle && job.waitSince === undefined) job.waitSince = performance.now();
  else if (!idle && job.waitSince !== undefined) {
    job.waitMs += performance.now() - job.waitSince;
    job.waitSince = undefined;
  }
}

const report = (job: ImageJob) => job.input.onProgress?.({ done: job.done, total: job.total, inFlight: job.inFlight });

/** The stored image's pixels, decoded once on first use (a whole image that fits never needs them). */
function storedPixels(bytes: Buffer): () => Promise<RawImage> {
  let pixels: Promise<RawImage> | undefined;
  return () => (pixels ??= toRaw(sharp(bytes).flatten({ background: '#ffffff' }).toColourspace('srgb')).then(rgbOnly));
}

/**
 * The window of the stored image as the JPEG a tile request carries: quality 100 without chroma
 * subsampling, so the tile's second JPEG generation costs next to nothing next to the stored copy's first.
 */
async function encodeWindow(stored: RawImage, w: Rect): Promise<Buffer> {
  return sharp(stored.data, rawInput(stored)).extract({ left: w.x, top: w.y, width: w.w, height: w.h }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

/**
 * Every tile's result once all have ended, so none is left in flight when the row fails; the first
 * failure aborts `stop` (the others stop sending) and is what is thrown.
 */
async function settleAll<T>(work: Promise<T>[], stop?: AbortController): Promise<T[]> {
  let first: unknown;
  const settled = await Promise.allSettled(
    work.map((p) =>
      p.catch((err) => {
        // a cancel caused by another tile's failure must not hide that failure
        if (first === undefined || (isAbortError(first) && !isAbortError(err))) first = err;
        stop?.abort();
        throw err;
      }),
    ),
  );
  if (first !== undefined) throw first;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function isOutOfMemory(err: unknown): boolean {
  const e = err as { name?: string; message?: string; OriginalMessage?: string; cause?: unknown };
  if (e?.cause && isOutOfMemory(e.cause)) return true;
  return (e?.name === 'ModelError' || e?.name === 'AsyncFailure') && /out of memory/i.test(`${e.OriginalMessage ?? ''} ${e.message ?? ''}`);
}

/** Whether a failed send may succeed later, and why (throttles are counted apart). */
function retryable(err: unknown): 'throttle' | 'transient' | undefined {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'ModelNotReadyException') return 'transient';
  if (e.name === 'ThrottlingException' || status === 429) return 'throttle';
  if (['ServiceUnavailable', 'InternalFailure', 'InternalDependencyException'].includes(e.name ?? '')) return 'transient';
  if (status !== undefined && status >= 500 && status !== 501) return 'transient';
  return undefined;
}
