import type { SageMakerRuntimeClient, SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { httpHandlerSdk, sageMakerSdk } from '../aws/sdk.js';
import sharp from 'sharp';
import { BenchError, throwIfAborted } from '../errors.js';
import { toRaw } from '../image/raw.js';
import { formatBytes } from '../results/format-bytes.js';
import type { UpscaleInput, UpscaleOutput, UpscaleProvider } from './upscale-provider.js';

/** Wire facts from shared/reference/jumpstart-upscaler-contract.md. */
export const JUMPSTART_CONTENT_TYPE = 'application/json;jpeg';
export const JUMPSTART_MODEL_ID = 'model-upscaling-stabilityai-stable-diffusion-x4-upscaler-fp16';
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const JUMPSTART_SCALE = 4;

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
  maxAttempts?: number;
  credentials?: SageMakerRuntimeClientConfig['credentials'];
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
  private readonly region: string;

  constructor(private readonly opts: SageMakerOptions) {
    if (!opts.endpointName || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(opts.endpointName)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `'${opts.endpointName ?? ''}' is not a valid SageMaker endpoint name`);
    }
    this.region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.sdk = sageMakerSdk();
    const { NodeHttpHandler } = httpHandlerSdk();
    this.client = new this.sdk.SageMakerRuntimeClient({
      region: this.region,
      endpoint: opts.url,
      credentials: opts.credentials,
      maxAttempts: opts.maxAttempts ?? 4,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: opts.timeoutMs ?? 65_000, throwOnRequestTimeout: true }),
    });
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

  async upscale(input: UpscaleInput): Promise<UpscaleOutput> {
    throwIfAborted(input.signal);
    const notes: string[] = [];
    let bytes = input.bytes;
    if (input.format !== 'jpeg' && !this.opts.sendAsStored) {
      // The JumpStart container is fed JPEG in the reference sample; alpha cannot travel in JPEG.
      bytes = await sharp(bytes).flatten({ background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer();
      notes.push(`sent to the endpoint as JPEG (stored as ${input.format})`);
    }
    const body = Buffer.from(JSON.stringify(this.buildPayload(bytes)), 'utf8');
    if (body.length > MAX_PAYLOAD_BYTES) {
      throw new BenchError(
        'ERROR_PROVIDER_INPUT_TOO_LARGE',
        `request would be ${formatBytes(body.length)}, over SageMaker's real-time limit of ${formatBytes(MAX_PAYLOAD_BYTES)} (6 MiB) (stored image ${input.width}×${input.height}); not sent: use a larger factor, --fit 100-200 or a lower quality`,
      );
    }
    input.onProgress?.({ done: 0, total: 1 });
    let res;
    const t0 = performance.now();
    try {
      res = await this.client.send(
        new this.sdk.InvokeEndpointCommand({ EndpointName: this.opts.endpointName, ContentType: JUMPSTART_CONTENT_TYPE, Accept: JUMPSTART_CONTENT_TYPE, Body: body }),
        { abortSignal: input.signal },
      );
    } catch (err) {
      throw this.explain(err, input.width, input.height);
    }
    // The endpoint's time is the request's; the SDK's back-off between throttled attempts is waiting.
    const waitMs = res.$metadata.totalRetryDelay ?? 0;
    const timing = { busyMs: Math.max(0, performance.now() - t0 - waitMs), waitMs, threads: null };
    const image = await decodeAnswer(res.Body);
    input.onProgress?.({ done: 1, total: 1 });
    return { image, notes, timing };
  }

  async check(signal?: AbortSignal): Promise<void> {
    // A 16×16 grey JPEG: the cheapest real call that proves the endpoint answers with images.
    const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await this.upscale({ bytes: tiny, format: 'jpeg', width: 16, height: 16, target: { width: 64, height: 64 }, signal });
  }

  async dispose(): Promise<void> {
    this.client.destroy();
  }

  private explain(err: unknown, width: number, height: number): BenchError {
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
    const attempts = e.$metadata?.attempts;
    const retried = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
    const msg = e.message ?? '';
    let why: string;
    if (name === 'AbortError') return new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
    if (status === 413) {
      return new BenchError('ERROR_PROVIDER_INPUT_TOO_LARGE', `${ep} refused the request as too large (HTTP 413, 6 MB limit): use a larger factor or --fit 100-200`, { cause: err });
    }
    if (name === 'ValidationError' && /not found/i.test(msg)) why = `${ep} not found in ${this.region}`;
    else if (name === 'ValidationError') why = `${ep} refused the request: ${msg}`;
    else if (name === 'ModelError') {
      const original = `${e.OriginalMessage ?? ''} ${msg}`;
      if (/out of memory|CUDA/i.test(original)) why = `model ran out of GPU memory on a ${width}×${height} input: use a larger factor or --fit 100-200`;
      else if (/timed out|timeout/i.test(original)) why = `model did not answer within SageMaker's 60 s limit on a ${width}×${height} input`;
      else why = `model failed (container said HTTP ${e.OriginalStatusCode ?? '?'}: ${(e.OriginalMessage ?? msg).slice(0, 300)})`;
    } else if (name === 'ThrottlingException' || status === 429) why = `${ep} throttled the requests${retried}; lower --concurrency or raise the quota`;
    else if (name === 'ModelNotReadyException') why = `${ep} is still loading its model${retried}; try again in a few minutes`;
    else if (name === 'ServiceUnavailable' || name === 'InternalFailure' || name === 'InternalDependencyException')
      why = `${ep} had a transient failure (${name})${retried}`;
    else if (name === 'TimeoutError' || /timed? ?out|ETIMEDOUT|socket hang up/i.test(`${e.code ?? ''} ${msg}`))
      why = `no answer from ${ep} within ${Math.round((this.opts.timeoutMs ?? 65_000) / 1000)} s`;
    else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET/i.test(`${e.code ?? ''} ${msg}`))
      why = `cannot reach ${ep}${this.opts.url ? ` at ${this.opts.url}` : ` in ${this.region}`} (${e.code ?? 'network error'})`;
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

