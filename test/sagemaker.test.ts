import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import sharp from 'sharp';
import { SageMakerJumpStartProvider, MAX_PAYLOAD_BYTES } from '../main/core/providers/sagemaker-jumpstart.js';
import { SageMakerStandin, type StandinOptions } from './servers/sagemaker-standin.js';
import { BenchError } from '../main/core/errors.js';

const creds = { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'standin-secret' };
let standin: SageMakerStandin;
let url: string;

async function start(opts: StandinOptions = {}) {
  standin = new SageMakerStandin({ endpoints: ['upscaler'], ...opts });
  url = await standin.start();
}
afterEach(async () => standin?.stop());

const provider = (extra: Partial<ConstructorParameters<typeof SageMakerJumpStartProvider>[0]> = {}) =>
  new SageMakerJumpStartProvider({ endpointName: 'upscaler', region: 'us-east-1', url, credentials: creds, maxAttempts: 4, ...extra });

async function jpeg(w: number, h: number) {
  const bytes = await sharp({ create: { width: w, height: h, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  return { bytes, format: 'jpeg' as const, width: w, height: h, target: { width: w * 4, height: h * 4 } };
}

async function failure(p: Promise<unknown>): Promise<BenchError> {
  const err = await p.then(() => null, (e) => e);
  expect(err).toBeInstanceOf(BenchError);
  return err as BenchError;
}

describe('SageMaker JumpStart provider against the loopback InvokeEndpoint stand-in', () => {
  beforeEach(() => start());

  it('sends the exact JumpStart request and decodes a 4× answer', async () => {
    const out = await provider().upscale(await jpeg(40, 30));
    expect([out.image.width, out.image.height]).toEqual([160, 120]);
    // the endpoint's time, not cores of this machine
    expect(out.timing).toMatchObject({ waitMs: 0, threads: null });
    expect(out.timing.busyMs).toBeGreaterThan(0);
    const call = standin.invocations[0];
    expect(call.contentType).toBe('application/json;jpeg');
    expect(call.accept).toBe('application/json;jpeg');
    expect(call.payload).toMatchObject({ prompt: '', num_inference_steps: 50, guidance_scale: 7.5 });
    expect(Object.keys(call.payload!).sort()).toEqual(['guidance_scale', 'image', 'num_inference_steps', 'prompt']);
  });

  it('passes the optional model parameters', async () => {
    await provider({ prompt: 'a photo', negativePrompt: 'blurry', seed: 7, noiseLevel: 10 }).upscale(await jpeg(16, 16));
    expect(standin.invocations[0].payload).toMatchObject({ prompt: 'a photo', negative_prompt: 'blurry', seed: 7, noise_level: 10 });
  });

  it('re-encodes PNG as JPEG before sending and says so', async () => {
    const png = await sharp({ create: { width: 20, height: 20, channels: 4, background: '#ff000080' } }).png().toBuffer();
    const out = await provider().upscale({ bytes: png, format: 'png', width: 20, height: 20, target: { width: 80, height: 80 } });
    expect(out.notes.join()).toMatch(/as JPEG/);
    expect(out.image.width).toBe(80);
  });

  it('names an unknown endpoint and its region', async () => {
    const err = await failure(provider({ endpointName: 'nope' }).upscale(await jpeg(16, 16)));
    expect(err.message).toBe("SageMaker: endpoint 'nope' not found in us-east-1");
  });

  it('explains CUDA out-of-memory with the input size', async () => {
    const err = await failure(provider({ tile: 0 }).upscale(await jpeg(900, 600)));
    expect(err.message).toMatch(/ran out of GPU memory on a 900×600 input/);
    expect(standin.invocations).toHaveLength(1); // ModelError is not retried
  });

  it('reports a ModelError without retrying', async () => {
    standin.faults.push({ kind: 'model-error', message: 'boom', originalStatus: 500 });
    const err = await failure(provider().upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/model failed \(container said HTTP 500: boom\)/);
    expect(standin.invocations).toHaveLength(1);
  });

  it('retries throttling with backoff and then succeeds', async () => {
    standin.faults.push({ kind: 'throttle' }, { kind: 'throttle' });
    const out = await provider().upscale(await jpeg(16, 16));
    expect(out.image.width).toBe(64);
    expect(standin.invocations.map((i) => i.status)).toEqual([400, 400, 200]);
    // the back-off between attempts is waiting for the endpoint, not its compute
    expect(out.timing.waitMs).toBeGreaterThan(0);
  });

  it('gives up on persistent throttling with a clear message', async () => {
    standin.faults.push(...Array(6).fill({ kind: 'throttle' }));
    const err = await failure(provider({ maxAttempts: 2 }).upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/throttled the requests after 2 attempts/);
  });

  it('retries transient 503/500 failures', async () => {
    standin.faults.push({ kind: 'unavailable' }, { kind: 'internal' });
    await expect(provider().upscale(await jpeg(16, 16))).resolves.toBeTruthy();
    expect(standin.invocations).toHaveLength(3);
  });

  it('refuses an oversize payload before calling', async () => {
    const noise = Buffer.alloc(2000 * 2000 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const big = await sharp(noise, { raw: { width: 2000, height: 2000, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
    expect(big.length * 4 / 3).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    const err = await failure(provider({ tile: 0 }).upscale({ bytes: big, format: 'jpeg', width: 2000, height: 2000, target: { width: 8000, height: 8000 } }));
    expect(err.code).toBe('ERROR_PROVIDER_INPUT_TOO_LARGE');
    expect(standin.invocations).toHaveLength(0);
  });

  it('maps an HTTP 413 from the service', async () => {
    // sendAsStored + a payload just under our check but built by hand over the limit is not possible
    // through the provider, so speak to the stand-in through the SDK the provider uses.
    const { SageMakerRuntimeClient, InvokeEndpointCommand } = await import('@aws-sdk/client-sagemaker-runtime');
    const client = new SageMakerRuntimeClient({ region: 'us-east-1', endpoint: url, credentials: creds, maxAttempts: 1 });
    const err = await client
      .send(new InvokeEndpointCommand({ EndpointName: 'upscaler', ContentType: 'application/json;jpeg', Body: Buffer.alloc(MAX_PAYLOAD_BYTES + 10, 32) }))
      .catch((e) => e);
    expect(err.$metadata.httpStatusCode).toBe(413);
    expect(err.name).toBe('ValidationError');
  });

  it('ends a hung call at the timeout', async () => {
    // the stand-in never answers, so only the client's request timeout can end this call
    standin.faults.push({ kind: 'hang' });
    const err = await failure(provider({ timeoutMs: 800, maxAttempts: 1 }).upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/no answer from endpoint 'upscaler' within 1 s/);
  });

  it('reports a container timeout as a ModelError', async () => {
    await standin.stop();
    await start({ modelTimeoutMs: 200 });
    standin.faults.push({ kind: 'slow', ms: 10_000 });
    const err = await failure(provider().upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/did not answer within SageMaker's 60 s limit/);
  });

  it('reports rejected credentials', async () => {
    await standin.stop();
    await start({ accessKeyIds: ['AKIDOTHER'] });
    const err = await failure(provider().upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/credentials were rejected/);
  });

  it('reports a refused connection', async () => {
    const deadUrl = url;
    await standin.stop();
    url = deadUrl;
    const err = await failure(provider({ maxAttempts: 1 }).upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/cannot reach endpoint 'upscaler' at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('reports a malformed answer', async () => {
    standin.faults.push({ kind: 'garbage' });
    const err = await failure(provider().upscale(await jpeg(16, 16)));
    expect(err.message).toMatch(/not JSON/);
  });

  it('stops when aborted', async () => {
    // a call that never gets an answer, aborted once the endpoint has it: only the abort can end it
    standin.faults.push({ kind: 'hang' });
    const ac = new AbortController();
    const call = failure(provider().upscale({ ...(await jpeg(16, 16)), signal: ac.signal }));
    await vi.waitUntil(() => standin.invocations.length > 0, { timeout: 30_000, interval: 10 });
    ac.abort();
    const err = await call;
    expect(err.code).toBe('ERROR_CANCELLED');
  });
});
